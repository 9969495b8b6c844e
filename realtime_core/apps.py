"""Django app configuration."""

from django.apps import AppConfig


class RealtimeCoreConfig(AppConfig):
    name = "realtime_core"
    verbose_name = "Realtime"

    def ready(self) -> None:
        from . import authorization, changes, checks

        checks.register()
        changes.connect()
        # Each installed app's realtime.py registers its channel rules, as admin.py does.
        authorization.autodiscover()
