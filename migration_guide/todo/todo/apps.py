from django.apps import AppConfig


class TodoConfig(AppConfig):
    """The todo app; its ``realtime.py`` (routers, channel rules) is found at startup."""

    name = "todo"
    default_auto_field = "django.db.models.BigAutoField"
