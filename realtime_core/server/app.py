"""The Tornado application factory: sockets, the HTTP API and the status endpoints."""

from collections.abc import Sequence
from typing import Any

import tornado.web

from .api import api_handlers
from .connection import PusherConnection
from .hub import Hub
from .status import status_handlers

__all__ = ["make_app"]

HARD_FRAME_LIMIT = 1_048_576
"""Frames bigger than this close the socket (1009) before they are read into memory;
frames above ``ServerConfig.max_frame_bytes`` but below this get an error and are
ignored, the connection stays open."""


def make_app(hub: Hub, extra_handlers: Sequence[Any] = ()) -> tornado.web.Application:
    """Routes for one app: ``/app/{key}`` sockets, ``/apps/{id}/...`` API, ``/up``, ``/stats``.

    ``extra_handlers`` go last (the embedded mode's Django site catches everything else).
    """
    handlers: list[Any] = [
        (r"/app/([^/]*)", PusherConnection, {"hub": hub}),
        *api_handlers(hub.config, hub.broker, hub.stats, hub.outage),
        *status_handlers(hub.broker, hub.stats, hub.outage, lambda: hub.filling),
        *extra_handlers,
    ]
    return tornado.web.Application(
        handlers,
        websocket_max_message_size=HARD_FRAME_LIMIT,
        xsrf_cookies=False,
    )
