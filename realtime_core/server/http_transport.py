"""Internal: the Pusher protocol over HTTP, pusher-js's ``xhr_streaming`` and
``xhr_polling`` transports (its fallbacks when a proxy blocks WebSockets).

A client opens a session at ``/pusher/app/{key}/{server}/{session}``, two path
segments it picks at random, and POSTs there: ``xhr_streaming`` for a response that
stays open and carries every frame, ``xhr`` for a poll answered with the next frames,
``xhr_send`` with a JSON array of the frames it sends. Responses are lines: ``o``
(the session opened), ``a`` and a JSON array of frames, ``h`` (heartbeat),
``c[code,"reason"]`` (closed). A streaming response starts with a line of
:data:`PRELUDE_BYTES` ``h`` so that browsers start handing its progress to the page.

A session is one :class:`~.client_protocol.ClientProtocol`, admitted, limited and
fanned out to like a WebSocket; it lives on the node that opened it (a load balancer
must send every request of a session to the same node). It is closed as a socket that
went away when no receive request is open for ``http_session_timeout`` seconds; its
frames wait in an :class:`HttpOutlet`, bounded like a socket's queue.
"""

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import tornado.web
from tornado.iostream import StreamClosedError

from .. import frames
from ..protocol import ErrorCode
from .api import JsonHandler
from .client_protocol import ClientProtocol, origin_allowed
from .connection import SLOW_CLIENT_GRACE
from .fanout import text_frame_payload
from .hub import Hub
from .stats import Stats
from .tornado_internals import buffered_bytes, response_stream

__all__ = [
    "MAX_SEND_BYTES",
    "PRELUDE_BYTES",
    "HttpOutlet",
    "HttpSession",
    "HttpSessions",
    "http_transport_handlers",
]

logger = logging.getLogger(__name__)

PRELUDE_BYTES = 2048
"""``h`` characters a streaming response starts with."""
MAX_SEND_BYTES = 65_536
"""Largest ``xhr_send`` body (a JSON array of frames): larger ones get 413."""
SESSION_ROUTE = r"/pusher/app/([^/]*)/([0-9]{1,3})/([0-9A-Za-z_-]{1,64})"
"""pusher-js's session path: ``/pusher`` (its ``httpPath``), the app key, a server
number below 1000 and a session id."""


def json_string(payload: bytes) -> bytes:
    """``payload`` (a frame, a JSON text) as a JSON string, as an ``a`` line carries it."""
    return json.dumps(payload.decode()).encode()


def array_line(strings: list[bytes]) -> bytes:
    """An ``a`` line carrying ``strings`` (each from :func:`json_string`)."""
    return b"a[" + b",".join(strings) + b"]\n"


class _LastEncoded:
    """The JSON string of the last frame encoded: fan-out hands the same frame object
    to every subscriber, so it is encoded once, not once per session."""

    __slots__ = ("encoded", "frame")

    def __init__(self) -> None:
        self.frame: bytes | None = None
        self.encoded = b""

    def of(self, frame: bytes) -> bytes:
        if frame is not self.frame:
            self.frame, self.encoded = frame, json_string(text_frame_payload(frame))
        return self.encoded


_last_encoded = _LastEncoded()


def close_line(code: ErrorCode, reason: str) -> bytes:
    return f"c{json.dumps([int(code), reason])}\n".encode()


class Receiver(Protocol):
    """An open receive request: where an HTTP session's lines go."""

    def deliver(self, data: bytes) -> None:
        """Send ``data``; a poll then ends."""
        ...

    def end(self, data: bytes) -> None:
        """Send ``data`` and end the response."""
        ...

    def buffered(self) -> int:
        """Bytes written to the response that the client has not read yet."""
        ...


class HttpOutlet:
    """An HTTP session's outgoing frames, held until a receive request takes them.

    A :class:`~.fanout.FrameOutlet`: ``limit`` bounds the bytes held here plus those
    its streaming response still buffers; ``on_overflow`` runs once when a frame would
    pass it. The bytes sent go to ``stats.bytes_out``.
    """

    __slots__ = ("_payloads", "_queued", "limit", "on_overflow", "overflowed", "receiver", "stats")

    def __init__(self, limit: int, on_overflow: Callable[[], None], stats: Stats) -> None:
        self.limit = limit
        self.on_overflow = on_overflow
        self.stats = stats
        self.overflowed = False
        self.receiver: Receiver | None = None
        self._payloads: list[bytes] = []
        self._queued = 0

    def idle(self) -> bool:
        """Never: frames of one loop turn go out together, in one line."""
        return False

    def queue(self, frame: bytes) -> bool:
        if self.overflowed:
            return False
        encoded = _last_encoded.of(frame)
        self._payloads.append(encoded)
        self._queued += len(encoded)
        buffered = 0 if self.receiver is None else self.receiver.buffered()
        if self._queued + buffered > self.limit:
            self._payloads.clear()
            self._queued = 0
            self.overflowed = True
            self.on_overflow()
            return False
        return len(self._payloads) == 1

    def flush(self) -> None:
        receiver = self.receiver
        if receiver is not None and self._payloads:
            receiver.deliver(self.take())

    def write(self, data: bytes) -> None:
        self.queue(data)
        self.flush()

    def take(self) -> bytes:
        """The frames held, as one ``a`` line (empty when none), no longer held."""
        if not self._payloads:
            return b""
        line = array_line(self._payloads)
        self._payloads = []
        self._queued = 0
        self.stats.bytes_out += len(line)
        return line


class HttpSession(ClientProtocol):
    """One client of the HTTP transports, its frames received by ``xhr_send``."""

    __slots__ = ("_final", "_inbox", "_timer", "path", "registry")
    outlet: HttpOutlet

    def __init__(self, hub: Hub, address: str, registry: "HttpSessions", path: str) -> None:
        self.begin(hub, address)
        self.outlet = HttpOutlet(self.config.max_output_bytes, self._too_slow, hub.stats)
        self.registry = registry
        self.path = path
        self._final: bytes | None = None
        self._inbox = asyncio.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._expire_later()

    # Receive requests -------------------------------------------------------------------

    def attach(self, receiver: Receiver) -> None:
        """Send what is held to ``receiver``, and what comes next while it is open."""
        self.last_activity = time.monotonic()
        previous, self.outlet.receiver = self.outlet.receiver, receiver
        if previous is not None:
            previous.end(b"")  # the client gave it up already to open this one
        if self._final is not None:
            self._end(self._final)
            return
        self.outlet.flush()
        if self.outlet.receiver is receiver:
            self._schedule(self.config.http_heartbeat, self._heartbeat)

    def detach(self, receiver: Receiver) -> None:
        """``receiver`` ended or its client went away: expire unless another comes."""
        if self.outlet.receiver is receiver:
            self.outlet.receiver = None
            self._expire_later()

    def _heartbeat(self) -> None:
        receiver = self.outlet.receiver
        if receiver is None:
            return
        receiver.deliver(b"h\n")
        if self.outlet.receiver is receiver:
            self._schedule(self.config.http_heartbeat, self._heartbeat)

    def _expire_later(self) -> None:
        self._schedule(self.config.http_session_timeout, self._expire)

    def _expire(self) -> None:
        """No receive request for ``http_session_timeout``: gone, like a closed socket."""
        self.registry.forget(self)
        if not self._closing:
            self.on_close()

    def _schedule(self, delay: float, callback: Callable[[], None]) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(delay, callback)

    # Frames from the client -------------------------------------------------------------

    async def receive(self, messages: list[str]) -> None:
        """Handle ``messages`` in order, after those of earlier sends."""
        self.last_activity = time.monotonic()
        async with self._inbox:
            for message in messages:
                handled = self.on_message(message)
                if handled is not None:
                    await handled

    # Closing ----------------------------------------------------------------------------

    def close_transport(self, code: ErrorCode, reason: str) -> None:
        self._end(self.outlet.take() + close_line(code, reason))
        self.on_close()

    def _too_slow(self) -> None:
        self.hub.stats.slow_disconnects += 1
        refusals = self.hub.refusals
        refusals.log(logging.INFO, "Dropping %s: it does not read fast enough", self.socket_id)
        self._closing = True
        code, reason = (
            ErrorCode.OVER_CAPACITY,
            "Over capacity: the client does not read fast enough",
        )
        # Past the limit on purpose, as on a socket: the error is what the client reads next.
        error = json_string(frames.error(code, reason))
        self._end(array_line([error]) + close_line(code, reason))
        self.on_close()

    def _end(self, final: bytes) -> None:
        """End the session with ``final``: now to an open receive request, else to the
        next one (within ``http_session_timeout``)."""
        receiver = self.outlet.receiver
        if receiver is None:
            self._final = final
            return
        self._final = None
        self.outlet.receiver = None
        receiver.end(final)
        self.registry.forget(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def take_final(self) -> bytes:
        """What a session closed before any receive request was attached has to say."""
        final, self._final = self._final or b"", None
        if final and self._timer is not None:
            self._timer.cancel()
            self._timer = None
        return final


class HttpSessions:
    """This node's HTTP sessions by path, and the handlers that serve them."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._sessions: dict[str, HttpSession] = {}

    def get(self, path: str) -> HttpSession | None:
        return self._sessions.get(path)

    def open(self, path: str, key: str, protocol: str, address: str) -> HttpSession:
        """A new session at ``path``, admitted (kept here) or closed with its reason."""
        session = HttpSession(self.hub, address, self, path)
        if session.admit(key, protocol):
            self._sessions[path] = session
            session.establish()
        return session

    def forget(self, session: HttpSession) -> None:
        if self._sessions.get(session.path) is session:
            del self._sessions[session.path]

    def handlers(self) -> list[Any]:
        options = {"sessions": self}
        return [
            (SESSION_ROUTE + r"/xhr_streaming", StreamingHandler, options),
            (SESSION_ROUTE + r"/xhr", PollingHandler, options),
            (SESSION_ROUTE + r"/xhr_send", SendHandler, options),
        ]


def http_transport_handlers(hub: Hub) -> list[Any]:
    """The routes of the HTTP transports, with a session registry for ``hub``."""
    return HttpSessions(hub).handlers()


class _SessionHandler(JsonHandler):
    """What the three requests share: origins, CORS and finding the session."""

    sessions: HttpSessions

    def initialize(self, sessions: HttpSessions) -> None:
        self.sessions = sessions

    def prepare(self) -> None:
        origin = self.request.headers.get("Origin")
        if origin is None:
            return  # not a browser: nothing to check
        host = self.request.headers.get("Host", "")
        if not origin_allowed(self.sessions.hub, origin, host, "an HTTP session request"):
            self.set_status(403)
            self.write_json({"error": "Origin not allowed", "code": 403})
            return
        self.set_header("Access-Control-Allow-Origin", origin)
        self.set_header("Vary", "Origin")

    def options(self, *args: str) -> None:
        """The CORS preflight of a cross-origin page (its POSTs are JSON)."""
        self.set_header("Access-Control-Allow-Methods", "POST, OPTIONS")
        self.set_header("Access-Control-Allow-Headers", "Content-Type")
        self.set_header("Access-Control-Max-Age", "86400")
        self.set_status(204)
        self.finish()

    def not_found(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_status(404)
        self.write_json({"error": "Unknown session", "code": 404})

    def existing(self, key: str, path: str) -> HttpSession | None:
        session = self.sessions.get(path)
        return session if session is not None and key == session.config.key else None


class _ReceiveHandler(_SessionHandler):
    """A receive request: opens the session when it is new, then carries its lines."""

    streaming = False
    _session: HttpSession | None
    _done: "asyncio.Future[None]"

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Content-Type", "application/javascript; charset=UTF-8")
        self.set_header("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0")

    async def post(self, key: str, server: str, session_id: str) -> None:
        path = f"{server}/{session_id}"
        self._session = None
        self._done = asyncio.get_running_loop().create_future()
        opening = self.prelude()
        session = self.sessions.get(path)
        if session is None:
            protocol = self.get_query_argument("protocol", "7")
            session = self.sessions.open(path, key, protocol, self.request.remote_ip or "")
            final = session.take_final()
            if final:  # refused: its reason, and no session kept
                self.finish(opening + b"o\n" + final)
                return
            opening += b"o\n"
            if not self.streaming:
                self.finish(opening)  # the next poll carries the handshake
                return
        elif key != session.config.key:
            self.not_found()
            return
        self.write(opening)
        self._session = session
        session.attach(self)
        if not self._done.done():
            self.flush()
        await self._done

    def prelude(self) -> bytes:
        return b""

    # Receiver -----------------------------------------------------------------------------

    def deliver(self, data: bytes) -> None:
        if self.streaming:
            self._send(data)
        else:
            self.end(data)

    def end(self, data: bytes) -> None:
        if self._done.done():
            return
        self._done.set_result(None)
        if self._session is not None:
            self._session.detach(self)
        try:
            self.finish(data)
        except StreamClosedError:
            return

    def buffered(self) -> int:
        if self._done.done() or self.request.connection is None:
            return 0
        return buffered_bytes(response_stream(self))

    def _send(self, data: bytes) -> None:
        if self._done.done():
            return
        self.write(data)
        self.flush()

    def on_connection_close(self) -> None:
        if not self._done.done():
            self._done.set_result(None)
            if self._session is not None:
                self._session.detach(self)


class StreamingHandler(_ReceiveHandler):
    """``xhr_streaming``: one response carries every line until the session closes."""

    streaming = True

    def prelude(self) -> bytes:
        return b"h" * PRELUDE_BYTES + b"\n"

    def end(self, data: bytes) -> None:
        if not self._done.done() and self._session is not None and self._session.outlet.overflowed:
            # A client that never reads is closed for certain, as a socket is.
            stream = response_stream(self)
            asyncio.get_running_loop().call_later(SLOW_CLIENT_GRACE, stream.close)
        super().end(data)


class PollingHandler(_ReceiveHandler):
    """``xhr``: answered with the next lines (or a heartbeat), then polled again."""


@tornado.web.stream_request_body
class SendHandler(_SessionHandler):
    """``xhr_send``: a JSON array of the frames the client sends, handled in order."""

    def prepare(self) -> None:
        self._body = bytearray()
        self._body_size = 0
        super().prepare()

    def data_received(self, chunk: bytes) -> None:
        self._body_size += len(chunk)
        if self._body_size <= MAX_SEND_BYTES:
            self._body += chunk

    async def post(self, key: str, server: str, session_id: str) -> None:
        session = self.existing(key, f"{server}/{session_id}")
        if session is None:
            self.not_found()
            return
        if self._body_size > MAX_SEND_BYTES:
            self.set_status(413)
            self.write_json({"error": f"Over {MAX_SEND_BYTES} bytes", "code": 413})
            return
        try:
            messages = json.loads(self._body)
        except ValueError:
            messages = None
        if not isinstance(messages, list) or not all(isinstance(m, str) for m in messages):
            self.set_status(400)
            self.write_json({"error": "The body must be a JSON array of strings", "code": 400})
            return
        await session.receive(messages)
        self.set_status(204)
        self.finish()
