"""Internal: the in-process broker: fan-out and shared state for the socket servers of one process.

An :class:`InProcessExchange` holds everything (listeners, each channel's recent
history, presence members, which servers are attached) behind one lock, so publishers
on any thread and servers on their event loops share it; each socket server reaches it
through its own :class:`InProcessBroker`. Nothing leaves the process: the ``memory``
backend publishes into one exchange per process (:data:`realtime_core.backends.memory.exchange`)
and ``realtime-server`` without Redis serves from its own.
"""

import dataclasses
import logging
import os
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from typing import Any

from .. import frames
from ..inspection import NodeState
from ..messages import Message
from ..positions import HistoryLimits, Position, new_epoch, offset_of
from .base import (
    Broker,
    ConnectionCounter,
    Delivery,
    DeliveryHandler,
    History,
    LifecycleEvent,
    LifecycleHandler,
    PresenceFull,
    PresenceJoin,
    ResyncHandler,
    TerminateHandler,
    occupancy_events,
)

__all__ = ["InProcessBroker", "InProcessExchange"]

logger = logging.getLogger(__name__)

Listener = Callable[[Delivery], None]


@dataclasses.dataclass(slots=True)
class _ChannelHistory:
    """One channel's epoch, latest offset and kept events (with their times)."""

    epoch: str
    offset: int = 0
    touched: float = 0.0
    kept: deque[tuple[float, Delivery]] = dataclasses.field(default_factory=deque)


class InProcessExchange:
    """Thread-safe fan-out and shared state for everything in one process.

    Publishers call :meth:`send` from any thread; each socket server holds an
    :class:`InProcessBroker` onto it. Listeners run on the publishing thread, in
    position order per channel, and must not block. Each channel keeps its recent
    events for recovery, within :attr:`limits`; a process that restarts starts new
    epochs, since its history is gone.
    """

    def __init__(self, limits: HistoryLimits | None = None) -> None:
        self._lock = threading.RLock()
        self._listeners: dict[str, tuple[Listener, ...]] = {}
        self.limits = limits or HistoryLimits()
        self._histories: dict[str, _ChannelHistory] = {}
        self._pruned_at = time.monotonic()
        self._brokers: list[InProcessBroker] = []
        # channel -> subscriptions over every attached broker
        self._totals: dict[str, int] = {}
        self._warned_unserved = False
        # presence channel -> socket id -> user id, and user id -> (connections, info)
        self._sockets: dict[str, dict[str, str]] = defaultdict(dict)
        self._members: dict[str, dict[str, list[Any]]] = defaultdict(dict)

    def send(self, messages: Sequence[Message]) -> None:
        """Deliver published messages to the listeners of their channels."""
        # Holding the lock while listeners run keeps each channel's deliveries in
        # position order across concurrent publishers.
        with self._lock:
            now = time.monotonic()
            for message in messages:
                for channel in message.channels:
                    history = self._history_of(channel, now)
                    history.offset += 1
                    history.touched = now
                    position = f"{history.epoch}:{history.offset}"
                    payload = frames.channel_event(channel, message.name, message.data, position)
                    delivery = Delivery(channel, payload, position, message.socket_id)
                    history.kept.append((now, delivery))
                    if len(history.kept) > self.limits.size:
                        history.kept.popleft()
                    self._dispatch(delivery)
            self._prune(now)

    def history(self, channel: str, since: Position | None) -> History:
        """``channel``'s position and the kept events after ``since`` (see :class:`History`)."""
        with self._lock:
            now = time.monotonic()
            history = self._history_of(channel, now)
            current = Position(history.epoch, history.offset)
            if since is None or since.epoch != history.epoch or since.offset > history.offset:
                return History(current, (), since is None)
            oldest = now - self.limits.ttl
            after = [
                d for at, d in history.kept if at >= oldest and offset_of(d.position) > since.offset
            ]
            first = offset_of(after[0].position) if after else history.offset + 1
            return History(current, tuple(after), first == since.offset + 1)

    def _history_of(self, channel: str, now: float) -> _ChannelHistory:
        history = self._histories.get(channel)
        if history is None or now - history.touched > self.limits.ttl:
            history = self._histories[channel] = _ChannelHistory(new_epoch(), touched=now)
        return history

    def _prune(self, now: float) -> None:
        """Forget channels quiet for longer than the history is kept (bounded memory)."""
        if now - self._pruned_at < self.limits.ttl:
            return
        self._pruned_at = now
        for channel, history in list(self._histories.items()):
            if now - history.touched > self.limits.ttl:
                del self._histories[channel]

    def warn_if_unserved(self) -> None:
        """Log once per process that nothing here serves sockets, so publishes reach no one."""
        with self._lock:
            if self._brokers or self._warned_unserved:
                return
            self._warned_unserved = True
        logger.warning(
            "REALTIME_BACKEND='memory' delivers to the sockets served by the process that "
            "publishes, and this process (pid %d) serves none, so its events reach no "
            "browser. Publish from the process running manage.py runserver or "
            "realtime_server, or use REALTIME_BACKEND='tornado_redis' so that every "
            "process (shells, task workers, commands) reaches every socket.",
            os.getpid(),
        )

    def send_frame(self, channel: str, payload: bytes, except_socket_id: str | None) -> None:
        with self._lock:
            self._dispatch(Delivery(channel, payload, "", except_socket_id))

    def _dispatch(self, delivery: Delivery) -> None:
        for listener in self._listeners.get(delivery.channel, ()):
            try:
                listener(delivery)
            except Exception:
                logger.exception("Listener %r failed on channel %r", listener, delivery.channel)

    def subscribe(self, channel: str, listener: Listener) -> None:
        """Start calling ``listener`` for deliveries on ``channel``."""
        with self._lock:
            self._listeners[channel] = (*self._listeners.get(channel, ()), listener)

    def unsubscribe(self, channel: str, listener: Listener) -> None:
        """Stop calling ``listener`` for ``channel``; unknown pairs are ignored."""
        with self._lock:
            remaining = tuple(item for item in self._listeners.get(channel, ()) if item != listener)
            if remaining:
                self._listeners[channel] = remaining
            else:
                self._listeners.pop(channel, None)

    # Shared state used by InProcessBroker ---------------------------------------------

    def attach(self, broker: "InProcessBroker") -> None:
        with self._lock:
            self._brokers.append(broker)

    def detach(self, broker: "InProcessBroker") -> list[tuple[str, int, int]]:
        """Detach ``broker``, withdrawing its subscriptions; return each channel's total
        before and after."""
        with self._lock:
            if broker in self._brokers:
                self._brokers.remove(broker)
            changes = []
            for channel, count in broker.counts.items():
                before = self._totals.get(channel, 0)
                after = max(before - count, 0)
                if after:
                    self._totals[channel] = after
                else:
                    self._totals.pop(channel, None)
                changes.append((channel, before, after))
            broker.counts.clear()
            return changes

    def subscription_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._totals)

    def nodes(self) -> list[NodeState]:
        """The socket servers attached now, each read as it stands."""
        with self._lock:
            brokers = list(self._brokers)
            channels = [len(broker.counts) for broker in brokers]
        return [
            NodeState(broker.node_id, broker.open_connections(), count, last_heartbeat=None)
            for broker, count in zip(brokers, channels, strict=True)
        ]

    def count(self, broker: "InProcessBroker", channel: str, delta: int) -> tuple[int, int]:
        """Add ``delta`` to ``broker``'s subscriptions of ``channel``; return the
        channel's total over every attached broker before and after."""
        with self._lock:
            before = self._totals.get(channel, 0)
            count = broker.counts.get(channel, 0) + delta
            if count > 0:
                broker.counts[channel] = count
            else:
                broker.counts.pop(channel, None)
            after = max(before + delta, 0)
            if after:
                self._totals[channel] = after
            else:
                self._totals.pop(channel, None)
            return before, after

    def join_presence(
        self, channel: str, socket_id: str, user_id: str, user_info: object, max_members: int
    ) -> PresenceJoin:
        with self._lock:
            sockets, members = self._sockets[channel], self._members[channel]
            if socket_id in sockets:
                return PresenceJoin(False, self._member_infos(channel))
            member = members.get(user_id)
            if member is None:
                if len(members) >= max_members:
                    raise PresenceFull(f"{channel} already has {len(members)} members")
                member = members[user_id] = [0, user_info]
            member[0] += 1
            sockets[socket_id] = user_id
            return PresenceJoin(member[0] == 1, self._member_infos(channel))

    def leave_presence(self, channel: str, socket_id: str) -> str | None:
        with self._lock:
            user_id = self._sockets[channel].pop(socket_id, None)
            if user_id is None:
                return None
            member = self._members[channel][user_id]
            member[0] -= 1
            if member[0] > 0:
                return None
            del self._members[channel][user_id]
            if not self._members[channel]:
                del self._members[channel], self._sockets[channel]
            return user_id

    def presence_members(self, channel: str) -> dict[str, object]:
        with self._lock:
            return self._member_infos(channel) if channel in self._members else {}

    def _member_infos(self, channel: str) -> dict[str, object]:
        return {user_id: member[1] for user_id, member in self._members[channel].items()}

    def terminate_user(self, user_id: str) -> None:
        with self._lock:
            brokers = list(self._brokers)
        for broker in brokers:
            broker.terminated(user_id)


class InProcessBroker(Broker):
    """One socket server's handle onto an :class:`InProcessExchange` (embedded mode)."""

    def __init__(self, exchange: InProcessExchange) -> None:
        self.exchange = exchange
        self.node_id = uuid.uuid4().hex
        """This server's identity among the exchange's, unique per broker."""
        self.counts: dict[str, int] = {}
        self._connections: ConnectionCounter | None = None
        self._deliver: DeliveryHandler | None = None
        self._terminate: TerminateHandler | None = None
        self._listened: set[str] = set()
        self._presence: set[tuple[str, str]] = set()

    async def start(
        self,
        deliver: DeliveryHandler,
        terminate: TerminateHandler,
        resync: ResyncHandler,
        lifecycle: LifecycleHandler | None = None,
        connections: ConnectionCounter | None = None,
    ) -> None:
        # Nothing in process is ever missed: resync is never needed.
        self._deliver, self._terminate, self._lifecycle = deliver, terminate, lifecycle
        self._connections = connections
        self.exchange.attach(self)

    def open_connections(self) -> int | None:
        """The server's open connections, None when it was started without a counter."""
        return None if self._connections is None else self._connections()

    async def history(self, channel: str, since: Position | None) -> History:
        return self.exchange.history(channel, since)

    async def close(self) -> None:
        for channel in list(self._listened):
            await self.unlisten(channel)
        for channel, socket_id in list(self._presence):
            # Like a crashed Redis node's members: the others are told they left.
            await self.leave_and_announce(channel, socket_id)
        for channel, before, after in self.exchange.detach(self):
            self.report(occupancy_events(channel, before, after))

    async def publish(self, messages: Sequence[Message]) -> None:
        self.exchange.send(messages)

    async def publish_frame(
        self, channel: str, payload: bytes, except_socket_id: str | None = None
    ) -> None:
        self.exchange.send_frame(channel, payload, except_socket_id)

    async def listen(self, channel: str) -> None:
        if self._deliver is None:
            raise RuntimeError("start() the broker before listening")
        if channel not in self._listened:
            self._listened.add(channel)
            self.exchange.subscribe(channel, self._deliver)

    async def unlisten(self, channel: str) -> None:
        if channel in self._listened and self._deliver is not None:
            self._listened.discard(channel)
            self.exchange.unsubscribe(channel, self._deliver)

    async def count_subscription(self, channel: str, delta: int) -> None:
        before, after = self.exchange.count(self, channel, delta)
        self.report(occupancy_events(channel, before, after))

    async def subscription_counts(self) -> dict[str, int]:
        return self.exchange.subscription_counts()

    async def join_presence(
        self, channel: str, socket_id: str, user_id: str, user_info: object, max_members: int
    ) -> PresenceJoin:
        joined = self.exchange.join_presence(channel, socket_id, user_id, user_info, max_members)
        self._presence.add((channel, socket_id))
        if joined.added:
            self.report([LifecycleEvent("member_added", channel, user_id=user_id)])
        return joined

    async def leave_presence(self, channel: str, socket_id: str) -> str | None:
        self._presence.discard((channel, socket_id))
        user_id = self.exchange.leave_presence(channel, socket_id)
        if user_id is not None:
            self.report([LifecycleEvent("member_removed", channel, user_id=user_id)])
        return user_id

    async def presence_members(self, channel: str) -> dict[str, object]:
        return self.exchange.presence_members(channel)

    async def ping(self) -> None:
        """Nothing to reach: the exchange is in this process."""

    async def terminate_user(self, user_id: str) -> None:
        self.exchange.terminate_user(user_id)

    def terminated(self, user_id: str) -> None:
        if self._terminate is not None:
            self._terminate(user_id)
