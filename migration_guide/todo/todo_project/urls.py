"""The demo's URLs: the todo pages, Django's login pages and realtime_core's endpoints."""

from django.urls import include, path

urlpatterns = [
    path("", include("todo.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    # Channel authorization and the routers' verbs, which {% realtime_client %} points at.
    path("realtime/", include("realtime_core.urls")),
]
