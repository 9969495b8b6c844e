"""A URLconf that forgot ``include("realtime_core.urls")``."""

urlpatterns: list[object] = []
