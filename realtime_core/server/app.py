"""The Tornado application factory: sockets, the HTTP API, the status endpoints and
the metrics.

Answers carry no ``Server`` banner, and the access log masks what would let a reader
replay a request: the HTTP API's ``auth_signature`` (valid for 600 s) and any ``auth``.
"""

import logging
from collections.abc import Sequence
from typing import Any

import tornado.web
from prometheus_client import CollectorRegistry

from .api import JsonHandler, api_handlers
from .connection import PusherConnection
from .http_transport import http_transport_handlers
from .hub import Hub
from .metrics import metrics_handlers
from .redaction import masked_uri
from .status import status_handlers

__all__ = ["make_app"]

access_log = logging.getLogger("tornado.access")


HARD_FRAME_LIMIT = 65_536
"""The most one connection's incoming message may hold in memory, fragments included:
a message bigger than this closes the socket (1009, RFC 6455's "message too big")
before it is read. Frames above ``ServerConfig.max_frame_bytes`` but within this get
a ``pusher:error`` and are ignored; the connection stays open."""


def make_app(
    hub: Hub, metrics: CollectorRegistry, extra_handlers: Sequence[Any] = ()
) -> tornado.web.Application:
    """Routes for one app: ``/app/{key}`` sockets, ``/pusher/app/{key}/...`` HTTP
    sessions (pusher-js's fallbacks), ``/apps/{id}/...`` API, ``/up``,
    ``/stats``, and ``/metrics`` serving the registry ``metrics``.

    ``extra_handlers`` go last (the embedded mode's Django site catches everything else).
    """
    handlers: list[Any] = [
        (r"/app/([^/]*)", PusherConnection, {"hub": hub}),
        *http_transport_handlers(hub),
        *api_handlers(hub.config, hub.broker, hub.stats, hub.outage, hub.refusals),
        *status_handlers(hub.broker, hub.stats, hub.outage, lambda: hub.filling),
        *metrics_handlers(metrics),
        *extra_handlers,
    ]
    return tornado.web.Application(
        handlers,
        websocket_max_message_size=max(HARD_FRAME_LIMIT, hub.config.max_frame_bytes),
        xsrf_cookies=False,
        default_handler_class=NotFoundHandler,
        log_function=log_request,
    )


class NotFoundHandler(JsonHandler):
    """Every path the server does not route: a JSON 404, like the API's errors."""

    def prepare(self) -> None:
        self.set_status(404)
        self.write_json({"error": "Not Found", "code": 404})


def log_request(handler: tornado.web.RequestHandler) -> None:
    """Tornado's access log line, with :func:`masked_uri` instead of the raw URI."""
    status = handler.get_status()
    if status < 400:
        log = access_log.info
    elif status < 500:
        log = access_log.warning
    else:
        log = access_log.error
    request = handler.request
    log(
        "%d %s %s (%s) %.2fms",
        status,
        request.method,
        masked_uri(request.uri or ""),
        request.remote_ip,
        1000.0 * request.request_time(),
    )
