"""``manage.py realtime_server``: serve the sockets of the configured backend.

With ``memory`` (the embedded default) one process serves the Django site and the
sockets on one port; ``publish()`` in a view reaches the sockets directly. With
``tornado_redis`` it serves the sockets and the HTTP API, and any number of these
processes can run against one Redis.
"""

import asyncio
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.wsgi import get_wsgi_application
from tornado.netutil import bind_sockets

from realtime_core import serving
from realtime_core.backends.self_hosted import SelfHostedBackend
from realtime_core.publishing import get_backend


class Command(BaseCommand):
    help = "Serve WebSockets for the configured REALTIME_BACKEND (and the site, when embedded)."
    requires_system_checks = "__all__"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
        parser.add_argument("--port", type=int, help="port (8000 embedded, 6001 for tornado_redis)")
        parser.add_argument(
            "--threads", type=int, default=8, help="threads serving Django when embedded (8)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        backend = get_backend()
        if not isinstance(backend, SelfHostedBackend):
            raise CommandError(
                f"REALTIME_BACKEND = {backend.name!r} delivers through a hosted service: "
                "there are no sockets to serve here. realtime_server runs the 'memory' "
                "(embedded) and 'tornado_redis' backends."
            )
        host, port = options["host"], options["port"] or backend.default_port
        try:
            sockets = bind_sockets(port, host)
        except OSError as exc:
            raise CommandError(f"Cannot serve on {host}:{port}: {exc}") from exc
        what = "the site and its sockets" if backend.serves_django else "sockets and the HTTP API"
        self.stdout.write(
            f"realtime_server: serving {what} for REALTIME_BACKEND={backend.name!r} "
            f"at http://{host}:{port}/ (Ctrl+C to stop)"
        )
        site = _django_site() if backend.serves_django else None
        asyncio.run(serving.serve(backend, sockets, site=site, threads=options["threads"]))
        self.stdout.write("realtime_server: stopped")


def _django_site() -> serving.WSGIApplication:
    """Django's WSGI application, serving static files too as ``runserver`` does in DEBUG."""
    application = get_wsgi_application()
    if settings.DEBUG and "django.contrib.staticfiles" in settings.INSTALLED_APPS:
        from django.contrib.staticfiles.handlers import StaticFilesHandler

        return StaticFilesHandler(application)
    return application
