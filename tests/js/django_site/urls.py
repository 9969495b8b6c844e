"""The test app's URLs, and the test-only sign-in."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("test-only/login/", views.test_only_login),
    path("", include("tests.testapp.urls")),
]
