"""Internal: the routers' endpoints, included by ``realtime_core.urls`` (see :mod:`.views`).

Names (in the including namespace, ``realtime_core``): ``router-objects``,
``router-object`` and ``router-subscription``. Routes are looked up when a request
arrives, so routers registered after the URLconf loaded are served too.
"""

from django.urls import path

from . import views

__all__ = ["urlpatterns"]

urlpatterns = [
    path("routes/<slug:route>/", views.objects_view, name="router-objects"),
    path("routes/<slug:route>/<str:pk>/", views.object_view, name="router-object"),
    path("subscriptions/<slug:route>/", views.subscription_view, name="router-subscription"),
]
