"""The server process's registry: which local connections listen to which channels.

The hub turns broker deliveries into frames on sockets: a delivery for a channel
reaches that channel's local subscribers (``#server-to-user-`` channels reach every
connection signed in as that user) except the excluded socket. It tells the broker
which channels this process is interested in, keeps the subscription counts the
HTTP API reports, and pings idle connections.

Nothing published is lost or doubled between the broker and the sockets: the hub
knows the last position it delivered on each listened channel, drops a delivery it
already passed on, and when one arrives past a gap (or the broker says it may have
missed some) it holds the channel's deliveries back, fills the gap from the broker's
history and then lets them through. A subscriber is added at a known position: the
success frame says which, and one that asks to resume gets the events it missed
first (:mod:`realtime_core.positions`).
"""

import asyncio
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from .. import frames
from ..brokers.base import Broker, Delivery, LifecycleEvent
from ..positions import Position, offset_of
from ..protocol import PRESENCE_PREFIX, SERVER_TO_USER_PREFIX, ErrorCode
from .config import ServerConfig
from .events import EventSink
from .fanout import FlushScheduler, text_frame
from .log_budget import LogBudget
from .outage import OutageLog
from .stats import Stats
from .subscriber import Subscriber

__all__ = ["Hub"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_FIRST = 0.1
RETRY_MAX = 2.0
"""Backoff bounds (seconds) of history reads that failed (the broker is unreachable)."""
CATCH_UP_WAIT = 2.0
"""How long a resuming subscriber waits for this node to reach its position."""

SuccessFrame = Callable[[Position, bool | None], bytes]
"""Builds a subscription's success frame from its position and ``recovered`` answer."""


@dataclasses.dataclass(slots=True)
class _Stream:
    """What this node delivered of one listened channel."""

    position: Position | None = None
    """The last position delivered here (None until the channel's is known)."""
    held: list[Delivery] | None = dataclasses.field(default_factory=list)
    """Deliveries held back while the position is read or a gap filled; None: flowing."""
    refill: bool = False
    """A fill in progress must read the history again: more may have been missed."""


class Hub:
    """Local connections, their channels, and the broker they share with other servers."""

    def __init__(
        self,
        config: ServerConfig,
        broker: Broker,
        stats: Stats | None = None,
        events: EventSink | None = None,
    ) -> None:
        self.config = config
        self.broker = broker
        self.stats = stats or Stats()
        self.events = events
        """Where lifecycle events go (webhooks, in-process signals); None: nowhere."""
        self.outage = OutageLog(logger)
        """Logs broker outages once for everything in this process."""
        self.connections: dict[str, Subscriber] = {}
        self._addresses: dict[str, int] = {}
        """Open connections per client address."""
        self.refusals = LogBudget(logger)
        """Logs refused clients (origins, caps) without letting them flood the log."""
        self.failures = LogBudget(logger)
        """Logs requests that failed unexpectedly, tracebacks included, within a budget."""
        self._channels: dict[str, set[Subscriber]] = {}
        """Subscribed connections per channel, receiving or still joining."""
        self._receivers: dict[str, set[Subscriber]] = {}
        """The connections fan-out writes to, per channel: subscribed and positioned."""
        self._users: dict[str, set[Subscriber]] = {}
        """Signed-in connections per user id."""
        self._listening: dict[str, asyncio.Future[None]] = {}
        self._streams: dict[str, _Stream] = {}
        self._fills: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._scheduler: FlushScheduler | None = None
        self._sweeper: asyncio.Task[None] | None = None

    # Lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._scheduler = FlushScheduler(self._loop)
        lifecycle = self._lifecycle if self.events is not None else None
        await self.broker.start(
            self.deliver,
            self.terminate_user,
            self.resync,
            lifecycle,
            connections=lambda: len(self.connections),
        )
        self._sweeper = asyncio.create_task(self._sweep_idle())

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        for task in list(self._fills):
            task.cancel()
        await self.broker.close()

    def _lifecycle(self, event: LifecycleEvent) -> None:
        self.send_event(event.as_webhook_event())

    def send_event(self, event: dict[str, object]) -> None:
        """Hand a webhook event object to :attr:`events`, if its kind is wanted."""
        if self.events is not None and event["name"] in self.config.webhook_events:
            self.events.send(event)

    @property
    def filling(self) -> int:
        """Channels whose position is being read or whose gap is being filled."""
        return sum(1 for stream in self._streams.values() if stream.held is not None)

    @property
    def subscription_count(self) -> int:
        """Subscriptions of local connections, one per connection and channel (those
        still joining included)."""
        return sum(map(len, self._channels.values()))

    @property
    def channel_count(self) -> int:
        """Channels with a local subscriber."""
        return len(self._channels)

    @property
    def scheduler(self) -> FlushScheduler:
        if self._scheduler is None:
            raise RuntimeError("the hub has not been started")
        return self._scheduler

    # Connections ------------------------------------------------------------------------

    def admit(self, connection: Subscriber) -> tuple[ErrorCode, str] | None:
        """Register a new connection, or say why not: the close code and reason when
        this node or the client's address is at its cap (``ServerConfig``)."""
        config, address = self.config, connection.address
        if config.max_connections is not None and len(self.connections) >= config.max_connections:
            return ErrorCode.OVER_CAPACITY, "Over capacity: this server has no room; retry later"
        from_address = self._addresses.get(address, 0)
        cap = config.max_connections_per_address
        if cap is not None and from_address >= cap:
            reason = f"Over the quota of {cap} connections from one address"
            return ErrorCode.OVER_CONNECTION_QUOTA, reason
        self._addresses[address] = from_address + 1
        self.connections[connection.socket_id] = connection
        self.stats.connections += 1
        self.stats.connections_total += 1
        return None

    async def remove(self, connection: Subscriber) -> None:
        """Forget a closed connection: leave its channels, sign it out."""
        if self.connections.pop(connection.socket_id, None) is None:
            return
        self.stats.connections -= 1
        left = self._addresses.pop(connection.address, 1) - 1
        if left:
            self._addresses[connection.address] = left
        for channel in list(connection.channels):
            try:
                await self.unsubscribe(connection, channel)
            except Exception:
                logger.warning(
                    "Leaving %s for closed connection %s failed",
                    channel,
                    connection.socket_id,
                    exc_info=True,
                )
        if connection.user_id is not None:
            await self._forget_user(connection, connection.user_id)

    async def subscribe(self, connection: Subscriber, channel: str) -> None:
        """Make ``connection`` a subscriber of ``channel``, once this node listens to it
        at a known position. Events reach it only from :meth:`start_delivering` on."""
        subscribers = self._channels.setdefault(channel, set())
        if connection in subscribers:
            return
        subscribers.add(connection)
        try:
            await self._listen(channel)
        except BaseException:
            subscribers.discard(connection)
            if not subscribers and self._channels.pop(channel, None) is not None:
                await self._unlisten(channel)
            raise
        await self.broker.count_subscription(channel, 1)

    async def start_delivering(
        self,
        connection: Subscriber,
        channel: str,
        since: Position | None,
        success: SuccessFrame,
    ) -> None:
        """Send ``connection`` its success frame, then every event after its position.

        Without ``since`` it starts at the position this node has delivered; with it,
        the events after ``since`` come first from the broker's history, in order and
        once, when the history still has them all (``recovered`` true), else none.
        """
        stream = self._streams[channel]
        receivers = self._receivers.get(channel, set())
        receivers.discard(connection)  # resuming on a live subscription starts it again
        deadline = time.monotonic() + CATCH_UP_WAIT
        while True:
            history = None if since is None else await self.broker.history(channel, since)
            unsubscribed = not self._subscribed(connection, channel)
            if unsubscribed or self._streams.get(channel) is not stream:
                return  # unsubscribed meanwhile
            delivered = stream.position
            assert delivered is not None, "subscribe() waits for the position"
            if history is None or not history.complete:
                replay: list[Delivery] = []
            else:
                current = history.position
                if current.epoch == delivered.epoch and current.offset < delivered.offset:
                    continue  # read before this node's latest deliveries: read again
                ahead = current != delivered
                if ahead and time.monotonic() < deadline:
                    # This node has not delivered what the history has: wait for it.
                    await asyncio.sleep(0.02)
                    continue
                last = delivered.offset
                replay = [d for d in history.deliveries if offset_of(d.position) <= last]
            recovered = None if history is None else history.complete
            connection.send(success(delivered, recovered))
            for delivery in replay:
                connection.send(delivery.payload)
            self._receivers.setdefault(channel, set()).add(connection)
            return

    async def unsubscribe(self, connection: Subscriber, channel: str) -> None:
        """Forget ``connection`` as a subscriber of ``channel`` (and as its presence
        member), and stop listening to ``channel`` when it was the last one here."""
        if not self._subscribed(connection, channel):
            return
        # Local bookkeeping first: whatever the broker does next, this process forgets
        # the connection and stops listening when it was the last subscriber.
        receivers = self._receivers.get(channel)
        if receivers is not None:
            receivers.discard(connection)
            if not receivers:
                del self._receivers[channel]
        subscribers = self._channels.get(channel, set())
        subscribers.discard(connection)
        last = not subscribers and self._channels.pop(channel, None) is not None
        try:
            if channel.startswith(PRESENCE_PREFIX):
                await self.broker.leave_and_announce(channel, connection.socket_id)
            await self.broker.count_subscription(channel, -1)
        finally:
            if last:
                await self._unlisten(channel)

    def _subscribed(self, connection: Subscriber, channel: str) -> bool:
        return connection in self._channels.get(channel, ())

    async def sign_in(self, connection: Subscriber, user_id: str) -> None:
        """Deliver ``#server-to-user-{user_id}`` to ``connection`` once this node
        listens to it."""
        connections = self._users.setdefault(user_id, set())
        connections.add(connection)
        try:
            await self._listen(SERVER_TO_USER_PREFIX + user_id)
        except Exception:
            connections.discard(connection)
            if not connections:
                self._users.pop(user_id, None)
            raise

    async def _forget_user(self, connection: Subscriber, user_id: str) -> None:
        connections = self._users.get(user_id, set())
        connections.discard(connection)
        if not connections and self._users.pop(user_id, None) is not None:
            await self._unlisten(SERVER_TO_USER_PREFIX + user_id)

    async def _listen(self, channel: str) -> None:
        """Return once the broker delivers ``channel`` here and its position is known,
        asking the broker on first interest.

        Every local subscriber waits for the same request, not only the first: a
        confirmed subscription (or sign-in) must not miss what is published next.
        """
        listening = self._listening.get(channel)
        if listening is None:
            listening = self._listening[channel] = asyncio.ensure_future(
                self._start_listening(channel)
            )
        try:
            await asyncio.shield(listening)
        except Exception:
            if self._listening.get(channel) is listening:
                del self._listening[channel]  # the next subscriber asks again
            raise

    async def _start_listening(self, channel: str) -> None:
        stream = self._streams[channel] = _Stream()  # holds deliveries from now on
        try:
            await self.broker.listen(channel)
        except BaseException:
            if self._streams.get(channel) is stream:
                del self._streams[channel]
            raise
        await self._fill(channel, stream)

    async def _unlisten(self, channel: str) -> None:
        listening = self._listening.pop(channel, None)
        if listening is not None and not listening.done():
            listening.cancel()
        self._streams.pop(channel, None)
        await self.broker.unlisten(channel)

    # Broker callbacks -------------------------------------------------------------------

    def _on_loop(self, callback: Callable[[T], None], argument: T) -> None:
        """Run ``callback(argument)`` on the hub's loop: at once when called there, else
        scheduled thread-safely (the in-process broker calls from publishing threads)."""
        if threading.get_ident() == self._loop_thread:
            callback(argument)
        elif self._loop is not None:
            self._loop.call_soon_threadsafe(callback, argument)

    def deliver(self, delivery: Delivery) -> None:
        """Fan a delivery out to local subscribers; safe to call from any thread."""
        self._on_loop(self._route, delivery)

    def resync(self) -> None:
        """The broker may have missed deliveries: fill every listened channel's gap."""
        self._on_loop(self._resync_all, None)

    def _resync_all(self, _: None) -> None:
        for channel, stream in self._streams.items():
            if stream.held is not None:
                stream.refill = True  # the fill under way may have read too early
            elif stream.position is not None:
                self._hold_and_fill(channel, stream, None)

    def _route(self, delivery: Delivery) -> None:
        """Pass a delivery on in position order: drop repeats, hold back behind a gap."""
        stream = self._streams.get(delivery.channel)
        if stream is None:
            return  # no longer listened here
        if stream.held is not None:
            stream.held.append(delivery)
            return
        position = Position.parse(delivery.position)
        delivered = stream.position
        if position is None or delivered is None or position.follows(delivered):
            self._pass_on(stream, delivery, position)
        elif position.epoch == delivered.epoch and position.offset <= delivered.offset:
            self.stats.duplicates_dropped += 1
        else:
            self._hold_and_fill(delivery.channel, stream, delivery)

    def _pass_on(self, stream: _Stream, delivery: Delivery, position: Position | None) -> None:
        if position is not None:
            stream.position = position
        self._fan_out(delivery)

    def _hold_and_fill(self, channel: str, stream: _Stream, first: Delivery | None) -> None:
        """Hold ``channel``'s deliveries (``first`` included) and fill the gap behind them."""
        position = None if first is None else Position.parse(first.position)
        delivered = stream.position
        if position is not None and delivered is not None and position.epoch != delivered.epoch:
            # History was lost (Redis restarted without persistence): the new epoch's
            # events are all this node can still get, from its first one on.
            stream.position = Position(position.epoch, 0)
        stream.held = [] if first is None else [first]
        self.stats.gaps_filled += 1
        task = asyncio.ensure_future(self._fill(channel, stream))
        self._fills.add(task)
        task.add_done_callback(self._fills.discard)

    async def _fill(self, channel: str, stream: _Stream) -> None:
        """Read ``channel``'s history after the delivered position (its latest position
        when none is known yet), pass on what was missed, then what was held back."""
        delay = RETRY_FIRST
        while self._streams.get(channel) is stream:
            stream.refill = False
            try:
                history = await self.broker.history(channel, stream.position)
            except Exception as exc:
                if isinstance(exc, self.broker.unavailable_errors):
                    self.outage.failed(f"reading the history of {channel}", exc)
                elif delay == RETRY_FIRST:
                    logger.exception("Reading the history of %s failed; retrying", channel)
                await asyncio.sleep(delay)
                delay = min(2 * delay, RETRY_MAX)
                continue
            self.outage.succeeded()
            if self._streams.get(channel) is not stream:
                return
            delivered = stream.position
            if delivered is None:
                stream.position = history.position
            elif history.position.epoch != delivered.epoch:
                # The history was lost (Redis restarted without persistence): what the
                # new epoch holds is all that is left, from its first event on.
                stream.position = Position(history.position.epoch, 0)
                stream.refill = True
            else:
                if not history.complete:
                    self.stats.gaps_unfilled += 1
                    logger.warning(
                        "Events of %s after %s are no longer in its history: clients that "
                        "cannot resume missed them",
                        channel,
                        stream.position,
                    )
                for delivery in history.deliveries:
                    self._pass_if_new(stream, delivery)
            if stream.refill:
                continue
            held, stream.held = stream.held or [], None
            for delivery in held:
                self._route(delivery)
            return

    def _pass_if_new(self, stream: _Stream, delivery: Delivery) -> None:
        position = Position.parse(delivery.position)
        delivered = stream.position
        if (
            position is None
            or delivered is None
            or position.epoch != delivered.epoch
            or position.offset > delivered.offset
        ):
            self._pass_on(stream, delivery, position)

    def _fan_out(self, delivery: Delivery) -> None:
        channel = delivery.channel
        if channel.startswith(SERVER_TO_USER_PREFIX):
            targets: Iterable[Subscriber] = self._users.get(
                channel.removeprefix(SERVER_TO_USER_PREFIX), ()
            )
        else:
            targets = self._receivers.get(channel, ())
        frame = text_frame(delivery.payload)
        scheduler, excluded, sent = self.scheduler, delivery.except_socket_id, 0
        write_through = scheduler.write_through()
        for connection in targets:
            outlet = connection.outlet
            if connection.socket_id == excluded:
                if not delivery.position:
                    continue
                # Its position moves on all the same, or it would see a gap.
                moved = frames.position_only(channel, delivery.position)
                scheduler.queue(outlet, text_frame(moved))
            elif write_through and outlet.idle():
                outlet.write(frame)
            else:
                scheduler.queue(outlet, frame)
            sent += 1
        self.stats.messages_out += sent

    def terminate_user(self, user_id: str) -> None:
        """Close every local connection signed in as ``user_id``; safe from any thread."""
        self._on_loop(self._terminate_local, user_id)

    def _terminate_local(self, user_id: str) -> None:
        reason = "Connection terminated by the application"
        for connection in list(self._users.get(user_id, ())):
            connection.close_with(ErrorCode.UNAUTHORIZED, reason)

    # Idle connections -------------------------------------------------------------------

    async def _sweep_idle(self) -> None:
        """Ping connections idle for ``activity_timeout``; close those that stay silent."""
        config = self.config
        interval = min(5.0, config.activity_timeout / 4, config.pong_timeout / 4)
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for connection in list(self.connections.values()):
                try:
                    connection.check_activity(now)
                except Exception:
                    logger.exception("Checking connection %s failed", connection.socket_id)

    def close_all(self, code: ErrorCode, reason: str) -> None:
        """Close every local connection with ``code`` (after a ``pusher:error``)."""
        for connection in list(self.connections.values()):
            connection.close_with(code, reason)

