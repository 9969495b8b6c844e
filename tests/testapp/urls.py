from django.urls import include, path

from . import views

urlpatterns = [
    path("publish/<str:channel>/", views.publish_view),
    path("page/", views.page_view),
    path("realtime/", include("realtime_core.urls")),
]
