"""Internal: the Pusher Channels protocol (versions 5 to 7) of one client, whatever
carries its frames: a WebSocket (:mod:`.connection`) or HTTP streaming and polling
(:mod:`.http_transport`).

Frames and error codes follow the protocol (``docs/explanation/protocol.md``): the handshake
frame comes first; errors that concern one request (a refused subscription, a bad
frame, a rejected client event) are answered without closing the connection; every
close is preceded by a ``pusher:error`` with the same code, and no close uses a
code of 4300 or above (pusher-js would stop reconnecting).

A subscription completes in the background, so the connection keeps answering pings
and other requests meanwhile; while the broker is unreachable it is retried until it
succeeds (the client simply waits for its success frame) or is withdrawn.
"""

import abc
import asyncio
import contextlib
import logging
import time
import urllib.parse
from collections.abc import Awaitable, Set
from typing import Any

from .. import frames
from ..brokers.base import PresenceFull
from ..positions import Position
from ..protocol import SAME_HOST, SERVER_TO_USER_PREFIX, ErrorCode
from .client_events import ClientEventRefused, EventWindow, check_client_event, count_event
from .config import ServerConfig
from .fanout import FrameOutlet, text_frame
from .hub import RETRY_FIRST, RETRY_MAX, Hub
from .inbound import BadFrame, message_size, read_frame
from .session import Session, new_socket_id
from .subscriptions import (
    SignInRefused,
    SubscriptionRefused,
    Watchlist,
    authorize_sign_in,
    authorize_subscription,
    watchlist_of,
)

__all__ = ["SUPPORTED_PROTOCOLS", "ClientProtocol", "origin_allowed"]

logger = logging.getLogger(__name__)

SUPPORTED_PROTOCOLS = range(5, 8)


def origin_allowed(hub: Hub, origin: str, host: str, what: str) -> bool:
    """Whether a page of ``origin`` may connect to the server at ``host`` (its ``Host``
    header): listed in ``allowed_origins``, or of the same host when ``self`` is. A
    refusal of ``what`` (``"a WebSocket"``...) is logged, within the refusals' budget."""
    allowed = hub.config.allowed_origins
    if "*" in allowed or origin in allowed:
        return True
    if SAME_HOST in allowed and urllib.parse.urlsplit(origin).netloc.lower() == host.lower():
        return True
    hub.refusals.log(
        logging.WARNING,
        "Refused %s from origin %r: not in the allowed origins %s",
        what,
        origin[:100],
        ", ".join(allowed),
    )
    return False


class ClientProtocol(abc.ABC):
    """One client's side of the protocol: the only writer of its :class:`Session`.

    The hub sees it as a :class:`~.subscriber.Subscriber`. A transport mixes it in,
    calls :meth:`begin` first, gives it an ``outlet``, hands it each frame received
    (:meth:`on_message`) and calls :meth:`on_close` once closed; it implements
    :meth:`close_transport`.
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
    outlet: FrameOutlet
    last_activity: float
    pinged_at: float | None
    _closing: bool
    _operation: "asyncio.Future[None] | None"
    _event_window: EventWindow
    _joining: dict[str, "asyncio.Task[None]"]
    _cleanup_task: "asyncio.Future[None]"

    def begin(self, hub: Hub, address: str) -> None:
        """Start as a new client of ``hub`` at ``address``, not yet admitted."""
        self.hub = hub
        self.config = hub.config
        self.session = Session(new_socket_id())
        self.address = address
        self.last_activity = time.monotonic()
        self.pinged_at = None
        self._closing = False
        self._operation = None
        self._event_window = (0, 0)
        self._joining = {}

    @abc.abstractmethod
    def close_transport(self, code: ErrorCode, reason: str) -> None:
        """Send what is queued, then close the transport with ``code`` (the transport's)."""

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

    def admit(self, key: str, protocol: str) -> bool:
        """Check the app key and protocol version and take a place on this node, then
        send the handshake frame; False when closed instead (with the reason)."""
        if key != self.config.key:
            self.close_with(ErrorCode.APP_DOES_NOT_EXIST, f"App key {key} does not exist")
            return False
        if not protocol.isdigit():
            message = f"Invalid version string format: {protocol[:20]!r}"
            self.close_with(ErrorCode.INVALID_VERSION_FORMAT, message)
            return False
        if int(protocol) not in SUPPORTED_PROTOCOLS:
            message = f"Unsupported protocol version {protocol}; use 5 to 7"
            self.close_with(ErrorCode.UNSUPPORTED_PROTOCOL_VERSION, message)
            return False
        refused = self.hub.admit(self)
        if refused is not None:
            code, reason = refused
            self.hub.refusals.log(logging.WARNING, "Refused %s: %s", self.address, reason)
            self.close_with(code, reason)
            return False
        return True

    def establish(self) -> None:
        """Send ``pusher:connection_established``, the first frame of every connection."""
        self.send(frames.connection_established(self.socket_id, self.config.activity_timeout))

    # Sending ----------------------------------------------------------------------------

    def send(self, payload: bytes) -> None:
        """Queue one frame for this connection (in order with fan-out frames)."""
        if not self._closing:
            self.hub.scheduler.queue(self.outlet, text_frame(payload))

    def send_error_frame(self, code: ErrorCode | None, message: str) -> None:
        self.send(frames.error(code, message))

    def close_with(self, code: ErrorCode, reason: str) -> None:
        """``pusher:error`` with ``code``, then close the transport with the same code."""
        if self._closing:
            return
        self.send(frames.error(code, reason))
        self._closing = True
        self.close_transport(code, reason)

    # Liveness ---------------------------------------------------------------------------

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
        close waits for it before cleaning up, so state never outlives the connection."""
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
        watchlist: Watchlist | None = None
        try:
            user_id, user_data = authorize_sign_in(self.config, session, data)
            if self.config.watchlist_events:
                watchlist = watchlist_of(self.config, user_data)
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
        if watchlist is not None:
            self._watch(watchlist)

    def _watch(self, watchlist: Watchlist) -> None:
        """Watch a signed-in user's watchlist, saying so when it was cut to the limit."""
        kept = len(watchlist.user_ids)
        if watchlist.listed > kept:
            message = (
                f"Watchlist limit exceeded: only the first {kept} of its {watchlist.listed} "
                "user ids are watched"
            )
            self.send_error_frame(ErrorCode.WATCHLIST_LIMIT, message)
        self.hub.watch(self, watchlist.user_ids)

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
