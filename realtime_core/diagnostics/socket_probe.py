"""Internal: a WebSocket client speaking just enough of the Pusher protocol to verify delivery.

It opens the socket URL browsers use (:func:`socket_url` computes it from a backend's
``client_config()`` exactly as ``realtime.js`` does), subscribes to a private channel
and waits for one event. Every wait has a deadline, and every way it can fail becomes
a :class:`ProbeFailure` that names the URL and says what kind of problem it is.
"""

import asyncio
import enum
import importlib.metadata
import json
import socket
import ssl
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.iostream import StreamClosedError
from tornado.simple_httpclient import HTTPTimeoutError
from tornado.websocket import WebSocketClientConnection, WebSocketError, websocket_connect

from ..protocol import ErrorCode
from ..server.tornado_internals import client_stream

__all__ = ["FailureKind", "ProbeFailure", "PusherSocket", "shown_url", "socket_url"]

PROTOCOL_VERSION = 7
SUBSCRIBED = "pusher_internal:subscription_succeeded"
CLOSE_WAIT_SECONDS = 1.0
"""How long a closing socket waits for the server's close frame before dropping it."""


def _library_version() -> str:
    try:
        return importlib.metadata.version("django-realtime-core")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def _port(config: Mapping[str, Any], tls: bool) -> int:
    return int(config.get("wssPort") or 443) if tls else int(config.get("wsPort") or 80)


def shown_url(url: str) -> str:
    """``url`` without its query string (protocol and client version), as messages show it."""
    return url.partition("?")[0]


def socket_url(config: Mapping[str, Any], page_origin: str | None = None) -> str:
    """The WebSocket URL ``realtime.js`` opens for ``config`` (a ``client_config()``).

    ``wsHost`` wins (``wssPort`` with TLS, else ``wsPort``); else ``cluster`` means
    Pusher's ``ws-{cluster}.pusher.com`` (TLS unless ``forceTLS`` is False); else the
    page's own origin, ``page_origin`` (``http://host:port``), which embedded servers
    share. Raises ``ValueError`` when none applies.
    """
    tls = config.get("forceTLS") is True
    if config.get("wsHost"):
        host = str(config["wsHost"])
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        address = f"{host}:{_port(config, tls)}"
    elif config.get("cluster"):
        tls = tls or config.get("forceTLS") is not False
        address = f"ws-{config['cluster']}.pusher.com:{_port(config, tls)}"
    elif page_origin is not None:
        origin = urllib.parse.urlsplit(page_origin)
        address, tls = origin.netloc, tls or origin.scheme == "https"
    else:
        raise ValueError("the config has neither wsHost nor cluster, and there is no page")
    path = str(config.get("wsPath") or "").rstrip("/")
    key = urllib.parse.quote(str(config["key"]), safe="")
    query = f"protocol={PROTOCOL_VERSION}&client=realtime-check&version={_library_version()}"
    return f"{'wss' if tls else 'ws'}://{address}{path}/app/{key}?{query}"


class FailureKind(enum.Enum):
    """What a failure points at, so the hint names the right settings."""

    ADDRESS = "address"
    """Nothing (or not a Pusher-protocol server) answers at the URL."""
    KEY = "key"
    """The server does not know the app key."""
    CREDENTIALS = "credentials"
    """The server refused a signature: the secret differs from the server's."""
    SERVER = "server"
    """The server answered, but not as the protocol says."""


class ProbeFailure(Exception):
    """What went wrong, in words that name the URL, and what it points at."""

    def __init__(self, detail: str, kind: FailureKind) -> None:
        super().__init__(detail)
        self.detail = detail
        self.kind = kind


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.at - time.monotonic())


class PusherSocket:
    """One client connection, opened with :meth:`open` and closed with :meth:`close`."""

    def __init__(
        self,
        url: str,
        connection: WebSocketClientConnection,
        frames: "asyncio.Queue[str | bytes | None]",
    ) -> None:
        self.url = shown_url(url)
        """The URL as messages show it (without the query string)."""
        self.socket_id = ""
        self._connection = connection
        self._frames = frames
        self._closed = False

    @classmethod
    async def open(cls, url: str, timeout: float) -> "PusherSocket":
        """Connect and read ``pusher:connection_established``, all within ``timeout``."""
        deadline = _Deadline(timeout)
        frames: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        request = HTTPRequest(url, connect_timeout=timeout, request_timeout=timeout)
        try:
            connection = await websocket_connect(request, on_message_callback=frames.put_nowait)
        except Exception as exc:
            raise _connect_failure(url, timeout, exc) from None
        probe = cls(url, connection, frames)
        try:
            await probe._handshake(deadline)
        except BaseException:
            await probe.close()
            raise
        return probe

    async def _handshake(self, deadline: _Deadline) -> None:
        frame = await self._next_frame(deadline)
        if frame is None:
            raise ProbeFailure(
                f"{self.url} accepted the WebSocket but sent no pusher:connection_established "
                f"within {deadline.seconds} s: is a Pusher-protocol server listening there?",
                FailureKind.SERVER,
            )
        event, data = frame.get("event"), frame.get("data")
        if event == "pusher:error":
            raise self._error_failure(data)
        if event != "pusher:connection_established":
            raise ProbeFailure(
                f"{self.url} opened with {event!r} instead of pusher:connection_established",
                FailureKind.SERVER,
            )
        try:
            self.socket_id = str(json.loads(str(data))["socket_id"])
        except (TypeError, ValueError, KeyError):
            raise ProbeFailure(
                f"{self.url} sent a pusher:connection_established without a socket_id",
                FailureKind.SERVER,
            ) from None

    def _error_failure(self, data: Any) -> ProbeFailure:
        code = data.get("code") if isinstance(data, dict) else None
        message = data.get("message") if isinstance(data, dict) else data
        if code == ErrorCode.APP_DOES_NOT_EXIST:
            key = urllib.parse.unquote(urllib.parse.urlsplit(self.url).path.rsplit("/", 1)[-1])
            return ProbeFailure(
                f"the server at {self.url} does not know app key {key!r} "
                f"(pusher:error {ErrorCode.APP_DOES_NOT_EXIST}: {message})",
                FailureKind.KEY,
            )
        return ProbeFailure(
            f"the server at {self.url} answered pusher:error {code}: {message}", FailureKind.SERVER
        )

    async def subscribe(self, channel: str, auth: str, timeout: float) -> None:
        """Subscribe with ``auth``; return once the server confirms, else raise."""
        deadline = _Deadline(timeout)
        self._send({"event": "pusher:subscribe", "data": {"channel": channel, "auth": auth}})
        while True:
            frame = await self._next_frame(deadline)
            if frame is None:
                raise ProbeFailure(
                    f"the server at {self.url} did not confirm the subscription to {channel} "
                    f"within {timeout} s",
                    FailureKind.SERVER,
                )
            event, data = frame.get("event"), frame.get("data")
            if (
                event == "pusher_internal:subscription_succeeded"
                and frame.get("channel") == channel
            ):
                return
            if event == "pusher:subscription_error" or event == "pusher:error":
                raise _refused_subscription(self.url, channel, event, data)

    async def wait_for_event(
        self, channel: str, event: str, timeout: float
    ) -> dict[str, Any] | None:
        """The first ``event`` on ``channel`` within ``timeout``, or None."""
        deadline = _Deadline(timeout)
        while True:
            frame = await self._next_frame(deadline)
            if frame is None:
                return None
            if frame.get("event") == event and frame.get("channel") == channel:
                return frame

    async def _next_frame(self, deadline: _Deadline) -> dict[str, Any] | None:
        """The next frame other than a ping (answered); None when the deadline passes."""
        while True:
            try:
                raw = await asyncio.wait_for(self._frames.get(), deadline.left())
            except TimeoutError:
                return None
            if raw is None:
                self._closed = True
                raise self._closed_failure()
            try:
                frame = json.loads(raw)
            except ValueError:
                raise ProbeFailure(
                    f"{self.url} sent a frame that is not JSON: {raw[:80]!r}", FailureKind.SERVER
                ) from None
            if not isinstance(frame, dict):
                raise ProbeFailure(
                    f"{self.url} sent {_abridged(repr(frame))}, not a frame", FailureKind.SERVER
                )
            if frame.get("event") == "pusher:ping":
                self._send({"event": "pusher:pong", "data": {}})
                continue
            return frame

    def _closed_failure(self) -> ProbeFailure:
        code, reason = self._connection.close_code, self._connection.close_reason
        if code == ErrorCode.APP_DOES_NOT_EXIST:
            return self._error_failure({"code": code, "message": reason})
        return ProbeFailure(
            f"the server at {self.url} closed the connection (code {code}: {reason or 'none'})",
            FailureKind.SERVER,
        )

    def _send(self, frame: dict[str, Any]) -> None:
        try:
            self._connection.write_message(json.dumps(frame))
        except (WebSocketError, StreamClosedError):
            raise self._closed_failure() from None

    async def close(self) -> None:
        """Close cleanly; drop the connection if the server does not answer in time."""
        if self._closed:
            return
        stream = client_stream(self._connection)  # close() forgets it
        self._connection.close(1000, "realtime_check done")
        deadline = _Deadline(CLOSE_WAIT_SECONDS)
        while True:
            try:
                raw = await asyncio.wait_for(self._frames.get(), deadline.left())
            except TimeoutError:
                if stream is not None:
                    stream.close()
                return
            if raw is None:
                return


def _abridged(text: str, most: int = 80) -> str:
    return text if len(text) <= most else f"{text[: most - 3]}..."


def _connect_failure(full_url: str, timeout: float, exc: Exception) -> ProbeFailure:
    """Explain why the WebSocket to ``full_url`` could not be opened."""
    url = shown_url(full_url)
    host = urllib.parse.urlsplit(url).hostname
    if isinstance(exc, ssl.SSLError):
        reason = exc.reason or type(exc).__name__
        detail = (
            f"the TLS handshake with {url} failed ({reason}): the server speaks no TLS there, "
            "or its certificate is not valid for that host"
        )
    elif isinstance(exc, socket.gaierror):
        detail = f"cannot resolve {host!r} for {url}: {exc.strerror}"
    elif isinstance(exc, ConnectionRefusedError):
        detail = f"nothing listens at {url}: connection refused"
    elif isinstance(exc, HTTPTimeoutError) and "TLS" in str(exc):
        detail = (
            f"the TLS handshake with {url} did not complete within {timeout} s: the server "
            "there does not answer, or speaks no TLS"
        )
    elif isinstance(exc, HTTPTimeoutError | TimeoutError):
        detail = f"{url} did not complete the WebSocket handshake within {timeout} s"
    elif isinstance(exc, HTTPClientError):
        detail = f"{url} answered HTTP {exc.code} ({exc.message}) instead of a WebSocket upgrade"
    elif isinstance(exc, WebSocketError):
        detail = f"{url} did not upgrade to a WebSocket: {exc}"
    elif isinstance(exc, OSError | StreamClosedError):
        detail = f"the connection to {url} failed: {type(exc).__name__}: {exc}"
    else:
        detail = f"connecting to {url} failed: {type(exc).__name__}: {exc}"
    return ProbeFailure(detail, FailureKind.ADDRESS)


def _refused_subscription(url: str, channel: str, event: str, data: Any) -> ProbeFailure:
    """A ``pusher:subscription_error`` or ``pusher:error`` in answer to our subscription."""
    fields = data if isinstance(data, dict) else {}
    message = fields.get("error") or fields.get("message") or data
    status = fields.get("status")
    if status == 401 or "signature" in str(message).lower():
        return ProbeFailure(
            f"the server at {url} refused the signed subscription to {channel}: {message}",
            FailureKind.CREDENTIALS,
        )
    return ProbeFailure(
        f"the server at {url} refused the subscription to {channel} ({event}): {message}",
        FailureKind.SERVER,
    )
