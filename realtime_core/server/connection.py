"""One client connection speaking the Pusher Channels protocol (versions 5 to 7).

Frames and error codes follow the protocol (``docs/explanation/protocol.md``): the handshake
frame comes first; errors that concern one request (a refused subscription, a bad
frame, a rejected client event) are answered without closing the socket; every
close is preceded by a ``pusher:error`` with the same code, and no close uses a
code of 4300 or above (pusher-js would stop reconnecting).

A subscription completes in the background, so the connection keeps answering pings
and other requests meanwhile; while the broker is unreachable it is retried until it
succeeds (the client simply waits for its success frame) or is withdrawn.
"""

import asyncio
import contextlib
import json
import logging
import time
import urllib.parse
from collections.abc import Awaitable, Set
from http.client import responses
from typing import Any

from tornado.iostream import StreamClosedError
from tornado.websocket import WebSocketHandler, WebSocketProtocol

from .. import frames
from ..brokers.base import PresenceFull
from ..positions import Position
from ..protocol import SAME_HOST, SERVER_TO_USER_PREFIX, ErrorCode
from .client_events import ClientEventRefused, EventWindow, check_client_event, count_event
from .config import ServerConfig
from .fanout import Outlet, text_frame
from .hub import RETRY_FIRST, RETRY_MAX, Hub
from .inbound import BadFrame, message_size, read_frame
from .redaction import MaskedErrorLog
from .session import Session, new_socket_id
from .subscriptions import (
    SignInRefused,
    SubscriptionRefused,
    authorize_sign_in,
    authorize_subscription,
)
from .tornado_internals import (
    NoticeBeforeTooBig,
    release_upgrade_request,
    websocket_stream,
    with_protocol_class,
)

__all__ = ["PusherConnection"]

logger = logging.getLogger(__name__)

SUPPORTED_PROTOCOLS = range(5, 8)
SLOW_CLIENT_GRACE = 30.0
"""Seconds a client dropped for reading too slowly has to read its 4100 before the
socket is closed regardless."""


class PusherConnection(MaskedErrorLog, WebSocketHandler):
    """The WebSocket handler at ``/app/{key}``: the only writer of its :class:`Session`.

    The hub sees it as a :class:`~.subscriber.Subscriber`.
    """

    # Slots keep our state out of the instance dict, which then stays small enough
    # for CPython to share its keys with every other connection (memory per socket).
    __slots__ = (
        "_cleanup_task",
        "_closing",
        "_event_window",
        "_joining",
        "_operation",
        "address",
        "config",
        "hub",
        "last_activity",
        "outlet",
        "pinged_at",
        "session",
    )
    hub: Hub
    config: ServerConfig
    session: Session
    address: str
    outlet: Outlet
    last_activity: float
    pinged_at: float | None
    _closing: bool
    _operation: "asyncio.Future[None] | None"
    _event_window: EventWindow
    _joining: dict[str, "asyncio.Task[None]"]
    _cleanup_task: "asyncio.Future[None]"

    def initialize(self, hub: Hub) -> None:
        self.hub = hub
        self.config = hub.config
        self.session = Session(new_socket_id())
        self.address = self.request.remote_ip or ""
        self.last_activity = time.monotonic()
        self.pinged_at = None
        self._closing = False
        self._operation = None
        self._event_window = (0, 0)
        self._joining = {}

    @property
    def socket_id(self) -> str:
        """The session's socket id."""
        return self.session.socket_id

    @property
    def channels(self) -> Set[str]:
        """The session's channels, read-only."""
        return self.session.channels

    @property
    def user_id(self) -> str | None:
        """The session's signed-in user."""
        return self.session.user_id

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
        allowed = self.config.allowed_origins
        if "*" in allowed or origin in allowed:
            return True
        host = self.request.headers.get("Host", "")
        if SAME_HOST in allowed and urllib.parse.urlsplit(origin).netloc.lower() == host.lower():
            return True
        self.hub.refusals.log(
            logging.WARNING,
            "Refused a WebSocket from origin %r: not in the allowed origins %s",
            origin[:100],
            ", ".join(allowed),
        )
        return False

    def get_compression_options(self) -> None:
        # Frames are built once for every subscriber; per-connection compression would
        # undo that (see :mod:`.fanout`).
        return None

    def open(self, *args: str, **kwargs: str) -> None:
        key = args[0] if args else ""
        stream = websocket_stream(self)
        self.outlet = Outlet(stream, self.config.max_output_bytes, self._too_slow, self.hub.stats)
        if key != self.config.key:
            self.close_with(ErrorCode.APP_DOES_NOT_EXIST, f"App key {key} does not exist")
            return
        protocol = self.get_query_argument("protocol", "7")
        if not protocol.isdigit():
            message = f"Invalid version string format: {protocol[:20]!r}"
            self.close_with(ErrorCode.INVALID_VERSION_FORMAT, message)
            return
        if int(protocol) not in SUPPORTED_PROTOCOLS:
            message = f"Unsupported protocol version {protocol}; use 5 to 7"
            self.close_with(ErrorCode.UNSUPPORTED_PROTOCOL_VERSION, message)
            return
        refused = self.hub.admit(self)
        if refused is not None:
            code, reason = refused
            self.hub.refusals.log(logging.WARNING, "Refused %s: %s", self.address, reason)
            self.close_with(code, reason)
            return
        # Frames are already coalesced per loop turn (fanout.py); Nagle's algorithm would
        # only hold a lone frame back until the client's delayed ACK, about 40 ms.
        self.set_nodelay(True)
        release_upgrade_request(self)
        self.send(frames.connection_established(self.socket_id, self.config.activity_timeout))

    # Sending ----------------------------------------------------------------------------

    def send(self, payload: bytes) -> None:
        """Queue one frame for this connection (in order with fan-out frames)."""
        if not self._closing:
            self.hub.scheduler.queue(self.outlet, text_frame(payload))

    def send_error_frame(self, code: ErrorCode | None, message: str) -> None:
        self.send(frames.error(code, message))

    def close_with(self, code: ErrorCode, reason: str) -> None:
        """``pusher:error`` with ``code``, then close the socket with the same code."""
        if self._closing:
            return
        self.send(frames.error(code, reason))
        self._closing = True
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

    def check_activity(self, now: float) -> None:
        """Called periodically by the hub: ping when idle, 4201 when the ping goes unanswered."""
        if self.pinged_at is not None and self.last_activity < self.pinged_at:
            if now - self.pinged_at >= self.config.pong_timeout:
                self.close_with(ErrorCode.PONG_NOT_RECEIVED, "Pong reply not received")
        elif now - self.last_activity >= self.config.activity_timeout:
            self.pinged_at = now
            self.send(frames.ping())

    # Receiving --------------------------------------------------------------------------

    def on_message(self, message: str | bytes) -> Awaitable[None] | None:
        self.last_activity = time.monotonic()
        stats = self.hub.stats
        stats.messages_in += 1
        stats.bytes_in += message_size(message)
        if self._closing:
            return None
        try:
            frame = read_frame(message, self.config.max_frame_bytes)
        except BadFrame as bad:
            self.send_error_frame(None, str(bad))
            return None
        event: str = frame["event"]
        data = frame.get("data")
        if event == "pusher:ping":
            self.send(frames.PONG)
        elif event == "pusher:pong":
            pass
        elif event == "pusher:subscribe":
            return self._run(self._subscribe(data))
        elif event == "pusher:unsubscribe":
            return self._run(self._unsubscribe(data))
        elif event == "pusher:signin":
            return self._run(self._sign_in(data))
        elif event.startswith("client-"):
            return self._run(self._client_event(event, frame.get("channel"), data))
        else:
            self.send_error_frame(None, f"Unknown event {event[:60]!r}")
        return None

    def _run(self, operation: Awaitable[None]) -> asyncio.Future[None]:
        """Run one request; Tornado waits for it before reading the next frame, and a
        close waits for it before cleaning up, so state never outlives the socket."""
        self._operation = asyncio.ensure_future(self._guarded(operation))
        return self._operation

    async def _guarded(self, operation: Awaitable[None]) -> None:
        try:
            await operation
        except Exception:
            # Bounded: an input that trips a bug must not let a client flood the log.
            self.hub.failures.log(
                logging.ERROR, "Request on %s failed", self.socket_id, exc_info=True
            )
            self.send_error_frame(None, "Internal server error; the request was not completed")
        finally:
            self._operation = None  # a finished task would stay referenced per connection

    async def _subscribe(self, data: Any) -> None:
        if not isinstance(data, dict) or not isinstance(data.get("channel"), str):
            self.send_error_frame(None, "pusher:subscribe needs data with a string 'channel'")
            return
        channel: str = data["channel"]
        try:
            member = authorize_subscription(self.config, self.session, channel, data)
        except SubscriptionRefused as refused:
            self.send(
                frames.subscription_error(channel, refused.kind, str(refused), refused.status)
            )
            if refused.status == 401:
                # What real Pusher sends for a bad signature: a connection-level error
                # with code null, which no client treats as a reason to reconnect.
                self.send_error_frame(None, str(refused))
            return
        channels = self.session.channels
        subscribed = len(channels | self._joining.keys())
        if channel not in channels and subscribed >= self.config.max_subscriptions:
            message = f"Over {self.config.max_subscriptions} channels on one connection"
            limit = ErrorCode.LIMIT_REACHED
            self.send(frames.subscription_error(channel, "LimitReached", message, limit))
            return
        if channel.startswith(SERVER_TO_USER_PREFIX):
            # Delivered through the sign-in already; the subscription only acknowledges it.
            self.send(frames.subscription_succeeded(channel))
            return
        if channel in self._joining:
            return  # the success frame of the subscription under way answers both
        since = Position.parse(data.get("position"))
        joining = asyncio.ensure_future(self._join_until_done(channel, member, since))
        self._joining[channel] = joining
        joining.add_done_callback(lambda _: self._joining.pop(channel, None))

    async def _join_until_done(
        self, channel: str, member: tuple[str, object] | None, since: Position | None
    ) -> None:
        """Join ``channel``, retrying with backoff while the broker cannot be reached."""
        delay, failing = RETRY_FIRST, False
        while not self._closing:
            try:
                await self._join(channel, member, since)
                return
            except Exception as exc:
                if not isinstance(exc, self.hub.broker.unavailable_errors):
                    logger.exception("Subscribing %s to %s failed", self.socket_id, channel)
                    with contextlib.suppress(Exception):
                        await self._leave(channel)
                    message = "The server could not complete the subscription"
                    self.send(frames.subscription_error(channel, "ServerError", message, 500))
                    return
                if not failing:
                    self.hub.outage.failed(f"subscribing to {channel}", exc)
                failing = True
            with contextlib.suppress(Exception):
                await self._leave(channel)  # start again from nothing
            await asyncio.sleep(delay)
            delay = min(2 * delay, RETRY_MAX)

    async def _join(
        self, channel: str, member: tuple[str, object] | None, since: Position | None
    ) -> None:
        """Subscribe locally, join the members of a presence channel, then start
        receiving at a known position (the missed events first when resuming)."""
        hub, broker = self.hub, self.hub.broker
        newly_subscribed = await self._enter(channel)
        members: dict[str, object] | None = None
        if not newly_subscribed:
            # Subscribing again is harmless: confirm where it stands (and resume from
            # ``since`` when given: the client noticed a gap).
            if member is not None:
                members = await broker.presence_members(channel)
        elif member is not None:
            user_id, user_info = member
            try:
                joined = await broker.join_presence(
                    channel, self.socket_id, user_id, user_info, self.config.max_presence_members
                )
            except PresenceFull:
                await self._leave(channel)
                message = f"Presence channel {channel} has reached its member limit"
                full = ErrorCode.OVER_CAPACITY
                self.send(frames.subscription_error(channel, "LimitReached", message, full))
                return
            self.session.set_presence_id(channel, user_id)
            members = joined.members
            if joined.added:
                added = frames.member_added(channel, user_id, user_info)
                await broker.publish_frame(channel, added, except_socket_id=self.socket_id)

        def success(position: Position, recovered: bool | None) -> bytes:
            return frames.subscription_succeeded(
                channel, members, position=str(position), recovered=recovered
            )

        await hub.start_delivering(self, channel, since, success)

    async def _enter(self, channel: str) -> bool:
        """Subscribe on this node (the hub listens to ``channel`` for it); False when
        subscribed already."""
        if not self.session.join(channel):
            return False
        try:
            await self.hub.subscribe(self, channel)
        except BaseException:
            self.session.leave(channel)
            raise
        return True

    async def _leave(self, channel: str) -> None:
        """Unsubscribe on this node, and from the presence members when one of them."""
        if self.session.leave(channel):
            await self.hub.unsubscribe(self, channel)

    async def _unsubscribe(self, data: Any) -> None:
        if not isinstance(data, dict) or not isinstance(data.get("channel"), str):
            self.send_error_frame(None, "pusher:unsubscribe needs data with a string 'channel'")
            return
        joining = self._joining.pop(data["channel"], None)
        if joining is not None:
            joining.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await joining
        await self._leave(data["channel"])

    async def _sign_in(self, data: Any) -> None:
        session = self.session
        try:
            user_id, user_data = authorize_sign_in(self.config, session, data)
        except SignInRefused as refused:
            self.send_error_frame(ErrorCode.UNAUTHORIZED, str(refused))
            return
        if session.sign_in(user_id, user_data):
            try:
                await self.hub.sign_in(self, user_id)
            except Exception:
                session.sign_out()
                raise
        self.send(frames.signin_success(data["user_data"]))

    async def _client_event(self, event: str, channel: Any, data: Any) -> None:
        self._event_window = count_event(self._event_window, time.monotonic())
        try:
            channel = check_client_event(
                self.config, event, channel, data, self.session.channels, self._event_window[1]
            )
        except ClientEventRefused as refused:
            self.send_error_frame(refused.code, str(refused))
            return
        user_id = self.session.presence_id(channel)
        payload = frames.client_event(channel, event, data, user_id)
        await self.hub.broker.publish_frame(channel, payload, except_socket_id=self.socket_id)
        hook: dict[str, object] = {
            "name": "client_event",
            "channel": channel,
            "event": event,
            "data": data,
            "socket_id": self.socket_id,
        }
        if user_id is not None:
            hook["user_id"] = user_id
        self.hub.send_event(hook)

    # Closing ----------------------------------------------------------------------------

    def on_close(self) -> None:
        self._closing = True
        self._cleanup_task = asyncio.ensure_future(self._cleanup())

    async def _cleanup(self) -> None:
        if self._operation is not None:
            with contextlib.suppress(Exception):
                await self._operation
        for joining in list(self._joining.values()):
            joining.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await joining
        try:
            await self.hub.remove(self)
        except Exception:
            logger.exception("Cleaning up %s failed", self.socket_id)


class _ExplainedTooBig(NoticeBeforeTooBig):
    """Tornado's protocol, saying why before it closes for a message over the limit:
    every close of this server comes after a ``pusher:error`` with the same code, so
    the client (and its developer) learns why."""

    def too_big_notice(self, limit: int) -> bytes:
        code = ErrorCode.MESSAGE_TOO_BIG
        return text_frame(frames.error(code, f"A message of over {limit} bytes: closing ({code})"))
