from django.urls import path

from . import views

urlpatterns = [path("publish/<str:channel>/", views.publish_view)]
