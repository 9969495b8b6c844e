"""The admin, realtime_core's endpoints (the console among them) and the test app's
``publish/<channel>/`` view."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("tests.testapp.urls")),
]
