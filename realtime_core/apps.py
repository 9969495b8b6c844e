"""Django app configuration."""

from django.apps import AppConfig


class RealtimeCoreConfig(AppConfig):
    name = "realtime_core"
    verbose_name = "Realtime"

    def ready(self) -> None:
        from . import authorization, changes, checks, console

        checks.register()
        changes.connect()
        # Before any app's rules, so that none of their patterns decides who reads it.
        console.register_rule(authorization.default_registry)
        # Each installed app's realtime.py registers its channel rules, as admin.py does.
        authorization.autodiscover()
