"""A URLconf with the admin, for the console's pages in the admin's layout."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("realtime/", include("realtime_core.urls")),
]
