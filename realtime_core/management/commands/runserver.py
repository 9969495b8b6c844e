"""``manage.py runserver`` that serves the sockets too with the embedded default.

Like Daphne's, this command takes over Django's ``runserver`` while ``realtime_core``
is listed above ``django.contrib.staticfiles`` in ``INSTALLED_APPS`` (Django takes a
command from the first app that has it; ``realtime_core.W003`` says when another app's
wins). With ``REALTIME_BACKEND = "memory"`` the development server is the embedded
socket server, which hands every other request to Django: ``/app/{key}`` answers the
Pusher handshake and a ``publish()`` in a view reaches the page, while the
autoreloader, the static files and every option of ``runserver`` work as before. With
any other backend it is Django's own ``runserver``: the sockets are served elsewhere
(``manage.py realtime_server`` for ``tornado_redis``, Pusher for ``pusher``).
"""

import asyncio
import socket
from typing import TYPE_CHECKING, Any

from django.apps import apps
from tornado.netutil import bind_sockets

from realtime_core import conf, serving
from realtime_core.backends.self_hosted import SelfHostedBackend
from realtime_core.exceptions import RealtimeConfigurationError
from realtime_core.publishing import get_backend
from realtime_core.registry import load_backend_class

# Django's runserver, or the one staticfiles extends with static files, as Django would run.
if TYPE_CHECKING or apps.is_installed("django.contrib.staticfiles"):
    from django.contrib.staticfiles.management.commands.runserver import (
        Command as DjangoRunserver,
    )
else:
    from django.core.management.commands.runserver import Command as DjangoRunserver

EMBEDDED_THREADS = 8
"""Threads serving Django, as many as ``realtime_server`` uses by default."""


class Command(DjangoRunserver):
    help = (
        "Starts a lightweight web server for development; with REALTIME_BACKEND='memory' "
        "it serves the site's sockets too."
    )

    def inner_run(self, *args: Any, **options: Any) -> None:
        # Decided on each (re)load, after the autoreloader re-imported the settings.
        if _serves_django():
            threads = EMBEDDED_THREADS if options["use_threading"] else 1
            # Duck-typed, not a WSGIServer: see EmbeddedServer.
            self.server_cls = _embedded_server_class(threads)  # type: ignore[assignment]
        super().inner_run(*args, **options)

    def on_bind(self, server_port: int) -> None:
        super().on_bind(server_port)
        if issubclass(self.server_cls, EmbeddedServer):
            key = get_backend().credentials.key
            self.stdout.write(
                f"It serves the sockets too (REALTIME_BACKEND={conf.backend_name()!r}), "
                f"at /app/{key}."
            )


def _serves_django() -> bool:
    """Whether the configured backend is served from Django's own process (``memory``).

    A misconfigured backend counts as not: Django's server starts, and the system
    checks that ``runserver`` runs first name the problem.
    """
    try:
        backend_class = load_backend_class(conf.backend_name())
    except RealtimeConfigurationError:
        return False
    return issubclass(backend_class, SelfHostedBackend) and backend_class.serves_django


class EmbeddedServer:
    """What ``django.core.servers.basehttp.run()`` needs of its ``server_cls``.

    It binds in the constructor (so Django reports an address in use the way it always
    does), takes the WSGI handler with ``set_app()`` and serves in ``serve_forever()``,
    here on the embedded socket server's event loop instead of ``socketserver``.
    """

    threads = EMBEDDED_THREADS

    def __init__(self, server_address: tuple[str, int], handler: object, ipv6: bool = False):
        host, port = server_address
        family = socket.AF_INET6 if ipv6 else socket.AF_INET
        self.sockets = bind_sockets(port, host, family=family)
        self.server_port: int = self.sockets[0].getsockname()[1]
        self.site: serving.WSGIApplication | None = None

    def set_app(self, application: serving.WSGIApplication) -> None:
        self.site = application

    def serve_forever(self) -> None:
        backend = get_backend()
        assert isinstance(backend, SelfHostedBackend)
        asyncio.run(serving.serve(backend, self.sockets, site=self.site, threads=self.threads))


def _embedded_server_class(threads: int) -> type[EmbeddedServer]:
    return type("EmbeddedServer", (EmbeddedServer,), {"threads": threads})
