"""Internal: serve a self-hosted backend's sockets from a Django project.

``manage.py realtime_server`` runs :func:`serve` for ``memory`` and ``tornado_redis``;
``manage.py runserver`` (this library's) runs it for ``memory``. With ``memory``
(embedded mode) one process serves the site and its sockets on one port: the socket
server answers ``/app/{key}`` and its own routes and hands every other request to
Django's WSGI application on a thread pool, so a ``publish()`` in a view reaches the
sockets through the in-process exchange.
"""

import concurrent.futures
import socket
from collections.abc import Callable, Iterable
from typing import Any

from tornado.web import FallbackHandler
from tornado.wsgi import WSGIContainer

from .backends.self_hosted import SelfHostedBackend
from .server.config import ServerConfig
from .server.runner import RealtimeServer, serve_forever
from .webhooks import InProcessSignals

__all__ = ["SERVER_HEADER", "WSGIApplication", "serve", "server_config"]

WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def server_config(backend: SelfHostedBackend) -> ServerConfig:
    """The socket server's settings, from ``backend``'s options.

    Built here rather than by the backend: backends publish and know nothing of the
    server, which runs without Django; this module is where the two meet.
    """
    options = backend.options
    return ServerConfig(
        app_id=options["APP_ID"],
        key=options["KEY"],
        secret=backend.secret,
        client_events=options["CLIENT_EVENTS"],
        allowed_origins=tuple(options["ALLOWED_ORIGINS"]),
        max_connections=options["MAX_CONNECTIONS"],
        max_connections_per_address=options["MAX_CONNECTIONS_PER_ADDRESS"],
        max_pending_per_address=options["MAX_PENDING_PER_ADDRESS"],
        limits=backend.limits,
        webhook_url=options.get("WEBHOOK_URL"),
        webhook_events=frozenset(options["WEBHOOK_EVENTS"]),
        subscription_count_events=options["SUBSCRIPTION_COUNT_EVENTS"],
        watchlist_events=options["WATCHLIST_EVENTS"],
    )


async def serve(
    backend: SelfHostedBackend,
    sockets: list[socket.socket],
    *,
    site: WSGIApplication | None = None,
    threads: int = 8,
) -> None:
    """Serve ``backend``'s sockets, and ``site`` on a pool of ``threads``, until stopped.

    ``sockets`` are listening already (``tornado.netutil.bind_sockets``).
    ``site`` is only served by a backend that serves Django (``memory``); a socket
    server of ``tornado_redis`` serves sockets and the HTTP API alone.
    """
    extra_handlers: list[Any] = []
    if site is not None and backend.serves_django:
        executor = concurrent.futures.ThreadPoolExecutor(threads, "realtime-wsgi")
        container = WSGIContainer(_trimmed_header_values(site), executor=executor)
        extra_handlers.append((r".*", FallbackHandler, {"fallback": container}))
    # Embedded, the app's signal receivers are in this process: no webhooks needed.
    signals = InProcessSignals(backend.name) if backend.serves_django else None
    server = RealtimeServer(
        server_config(backend), backend.make_broker(), extra_handlers=extra_handlers, events=signals
    )
    try:
        await serve_forever(server, sockets)
    finally:
        if signals is not None:
            signals.close()


SERVER_HEADER = ("Server", "django-realtime-core")
"""Named so that ``WSGIContainer`` adds no ``TornadoServer/{version}`` banner."""


def _trimmed_header_values(application: WSGIApplication) -> WSGIApplication:
    """Strip the space Django's WSGI handler puts before each ``Set-Cookie`` value,
    and name the server without a version (:data:`SERVER_HEADER`).

    Django builds them with ``cookie.output(header="")``; WSGI servers usually trim
    it, but Tornado's ``WSGIContainer`` (6.5+) refuses the value, so every response
    that sets a cookie (a login, a page's first CSRF token) would fail.
    """

    def trimmed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            stripped = [(name, value.strip()) for name, value in headers]
            if not any(name.lower() == "server" for name, _ in stripped):
                stripped.append(SERVER_HEADER)
            return start_response(status, stripped, exc_info)

        return application(environ, start)

    return trimmed
