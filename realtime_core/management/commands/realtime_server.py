"""``manage.py realtime_server``: serve the sockets of the configured backend.

With ``memory`` (the embedded default) one process serves the Django site and the
sockets on one port; ``publish()`` in a view reaches the sockets directly. With
``tornado_redis`` it serves the sockets and the HTTP API, and any number of these
processes can run against one Redis.
"""

import asyncio
import concurrent.futures
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.wsgi import get_wsgi_application
from tornado.web import FallbackHandler
from tornado.wsgi import WSGIContainer

from realtime_core.backends.self_hosted import SelfHostedBackend
from realtime_core.publishing import get_backend
from realtime_core.server.runner import RealtimeServer, serve_forever


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
        extra_handlers: list[Any] = []
        if backend.serves_django:
            extra_handlers.append(
                (r".*", FallbackHandler, {"fallback": self._django_site(options["threads"])})
            )
        what = "the site and its sockets" if backend.serves_django else "sockets and the HTTP API"
        self.stdout.write(
            f"realtime_server: serving {what} for REALTIME_BACKEND={backend.name!r} "
            f"at http://{host}:{port}/ (Ctrl+C to stop)"
        )

        async def run() -> None:
            server = RealtimeServer(
                backend.server_config(), backend.make_broker(), extra_handlers=extra_handlers
            )
            await serve_forever(server, host, port)

        try:
            asyncio.run(run())
        except OSError as exc:
            raise CommandError(f"Cannot serve on {host}:{port}: {exc}") from exc
        self.stdout.write("realtime_server: stopped")

    def _django_site(self, threads: int) -> WSGIContainer:
        application = get_wsgi_application()
        if settings.DEBUG and "django.contrib.staticfiles" in settings.INSTALLED_APPS:
            from django.contrib.staticfiles.handlers import StaticFilesHandler

            application = StaticFilesHandler(application)
        executor = concurrent.futures.ThreadPoolExecutor(threads, "realtime-wsgi")
        return WSGIContainer(_trimmed_header_values(application), executor=executor)


WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _trimmed_header_values(application: WSGIApplication) -> WSGIApplication:
    """Strip the space Django's WSGI handler puts before each ``Set-Cookie`` value.

    Django builds them with ``cookie.output(header="")``; WSGI servers usually trim
    it, but Tornado's ``WSGIContainer`` (6.5+) refuses the value, so every response
    that sets a cookie (a login, a page's first CSRF token) would fail.
    """

    def trimmed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            stripped = [(name, value.strip()) for name, value in headers]
            return start_response(status, stripped, exc_info)

        return application(environ, start)

    return trimmed
