"""Django app configuration."""

from django.apps import AppConfig


class RealtimeCoreConfig(AppConfig):
    name = "realtime_core"
    verbose_name = "Realtime"

    def ready(self) -> None:
        from . import checks

        checks.register()
