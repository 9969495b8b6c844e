"""The WebSocket transport at ``/app/{key}``: one client connection speaking the
Pusher Channels protocol (:mod:`.client_protocol`) over a WebSocket."""

import asyncio
import json
import logging
import time
from http.client import responses
from typing import Any

from tornado.iostream import StreamClosedError
from tornado.websocket import WebSocketHandler, WebSocketProtocol

from .. import frames
from ..protocol import ErrorCode
from .client_protocol import ClientProtocol, origin_allowed
from .fanout import Outlet, text_frame
from .hub import Hub
from .redaction import MaskedErrorLog
from .tornado_internals import (
    NoticeBeforeTooBig,
    release_upgrade_request,
    websocket_stream,
    with_protocol_class,
)

__all__ = ["PusherConnection"]

logger = logging.getLogger(__name__)

SLOW_CLIENT_GRACE = 30.0
"""Seconds a client dropped for reading too slowly has to read its 4100 before the
socket is closed regardless."""


class PusherConnection(MaskedErrorLog, ClientProtocol, WebSocketHandler):
    """The WebSocket handler at ``/app/{key}``: the protocol's frames over a socket.

    The hub sees it as a :class:`~.subscriber.Subscriber`.
    """

    __slots__ = ()
    outlet: Outlet

    def initialize(self, hub: Hub) -> None:
        self.begin(hub, self.request.remote_ip or "")

    # Handshake --------------------------------------------------------------------------

    def set_default_headers(self) -> None:
        self.clear_header("Server")  # no version banner on the 101 either

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A refused upgrade (a body Tornado cannot parse...) answered as JSON, as the
        server's other errors are."""
        self.set_header("Content-Type", "application/json")
        message = responses.get(status_code, "Unknown error")
        self.finish(json.dumps({"error": message, "code": status_code}))

    def get_websocket_protocol(self) -> WebSocketProtocol | None:
        return with_protocol_class(super().get_websocket_protocol(), _ExplainedTooBig)

    def check_origin(self, origin: str) -> bool:
        """Refuse (403) upgrades from pages of sites not in ``allowed_origins``, which
        would otherwise use the visitor's cookies here (cross-site WebSocket hijacking)."""
        return origin_allowed(self.hub, origin, self.request.headers.get("Host", ""), "a WebSocket")

    def get_compression_options(self) -> None:
        # Frames are built once for every subscriber; per-connection compression would
        # undo that (see :mod:`.fanout`).
        return None

    def open(self, *args: str, **kwargs: str) -> None:
        key = args[0] if args else ""
        stream = websocket_stream(self)
        self.outlet = Outlet(stream, self.config.max_output_bytes, self._too_slow, self.hub.stats)
        protocol = self.get_query_argument("protocol", "7")
        if not self.admit(key, protocol):
            return
        # Frames are already coalesced per loop turn (fanout.py); Nagle's algorithm would
        # only hold a lone frame back until the client's delayed ACK, about 40 ms.
        self.set_nodelay(True)
        release_upgrade_request(self)
        self.establish()

    def close_transport(self, code: ErrorCode, reason: str) -> None:
        self.outlet.flush()
        self.close(code, reason.encode()[:120].decode(errors="ignore"))

    def _too_slow(self) -> None:
        self.hub.stats.slow_disconnects += 1
        refusals = self.hub.refusals
        refusals.log(logging.INFO, "Dropping %s: it does not read fast enough", self.socket_id)
        self._closing = True
        reason = "Over capacity: the client does not read fast enough"
        # Past the queue limit on purpose: the error is what the client reads next
        # (after at most HANDED_TO_TORNADO bytes), then the close frame, sent once the
        # error left Tornado's buffer: Tornado gives a close handshake 5 s, and a
        # client that catches up must not find the socket gone before its 4100.
        code, stream = ErrorCode.OVER_CAPACITY, self.outlet.stream
        try:
            stream.write(text_frame(frames.error(code, reason)))
            sent = stream.write(b"")  # resolves once everything before it is sent
        except StreamClosedError:
            return
        sent.add_done_callback(lambda _: self.close(code, reason))
        # A client that never reads gets no close handshake: closed for certain.
        asyncio.get_running_loop().call_later(SLOW_CLIENT_GRACE, stream.close)

    # Liveness ---------------------------------------------------------------------------

    def on_ping(self, data: bytes) -> None:
        self.last_activity = time.monotonic()

    def on_pong(self, data: bytes) -> None:
        self.last_activity = time.monotonic()


class _ExplainedTooBig(NoticeBeforeTooBig):
    """Tornado's protocol, saying why before it closes for a message over the limit:
    every close of this server comes after a ``pusher:error`` with the same code, so
    the client (and its developer) learns why."""

    def too_big_notice(self, limit: int) -> bytes:
        code = ErrorCode.MESSAGE_TOO_BIG
        return text_frame(frames.error(code, f"A message of over {limit} bytes: closing ({code})"))
