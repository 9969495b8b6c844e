"""Brokers connect publishers and socket servers, and hold the state servers share.

A socket server process starts its broker with a :data:`DeliveryHandler`, then says
which channels it is interested in (:meth:`Broker.listen`); the broker calls the
handler once per (message, channel) for those channels only. Presence members and
subscription counts live in the broker too, so every server process sharing a
broker sees the same members and counts.

Two implementations: :class:`~realtime_core.brokers.in_process.InProcessBroker` (one
process, the embedded default) and :class:`~realtime_core.brokers.redis.RedisBroker`
(any number of processes on any number of machines).

Every payload is the complete JSON text of one Pusher frame for one channel, built
once by :mod:`realtime_core.frames`; servers write it to every subscriber unchanged.

Published channel events carry a :class:`~realtime_core.positions.Position`; a broker
keeps each channel's recent history (:meth:`Broker.history`) so that servers fill
gaps after losing deliveries and clients resume after a reconnect.
"""

import abc
import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import ClassVar

from .. import frames
from ..messages import Message
from ..positions import Position

logger = logging.getLogger(__name__)

__all__ = [
    "Broker",
    "ConnectionCounter",
    "Delivery",
    "DeliveryHandler",
    "History",
    "LifecycleEvent",
    "LifecycleHandler",
    "PresenceFull",
    "PresenceJoin",
    "ResyncHandler",
    "TerminateHandler",
    "occupancy_events",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Delivery:
    """One frame as it reaches one channel."""

    channel: str
    payload: bytes
    """The frame's JSON text, UTF-8 encoded, ready to write to every subscriber."""
    position: str
    """Where a published message stands in its channel (``epoch:offset``, see
    :mod:`realtime_core.positions`), as the frame says too. Empty for frames that are
    not kept for recovery (presence changes, client events)."""
    except_socket_id: str | None = None
    """The connection that must not receive it (the publisher's own socket)."""


DeliveryHandler = Callable[[Delivery], None]
"""Receives deliveries for listened channels. The in-process broker calls it on the
publishing thread; the server hands each delivery to its own event loop. What it
raises is logged and stops no later delivery."""

TerminateHandler = Callable[[str], None]
"""Called with a user id whose connections every server must close."""

ResyncHandler = Callable[[], None]
"""Called when the broker may have missed deliveries (its link to the shared store was
down): the server fills every listened channel's gap from :meth:`Broker.history`."""


@dataclasses.dataclass(frozen=True, slots=True)
class LifecycleEvent:
    """A change every server sharing the broker sees once, reported by the one that
    made it: a channel occupied or vacated anywhere, its subscription count, a presence
    member's first connection or last one. Webhooks are made of these."""

    name: str
    """``channel_occupied``, ``channel_vacated``, ``subscription_count``,
    ``member_added`` or ``member_removed`` (the Pusher webhook event names)."""
    channel: str
    user_id: str | None = None
    """For ``member_added`` and ``member_removed``."""
    subscription_count: int | None = None
    """For ``subscription_count``: the channel's connections across every server."""

    def as_webhook_event(self) -> dict[str, object]:
        """The event object of a Pusher webhook."""
        event: dict[str, object] = {"name": self.name, "channel": self.channel}
        if self.user_id is not None:
            event["user_id"] = self.user_id
        if self.subscription_count is not None:
            event["subscription_count"] = self.subscription_count
        return event


LifecycleHandler = Callable[[LifecycleEvent], None]
"""Receives the :class:`LifecycleEvent` s a server's broker decided on, on the server's
event loop (what it raises is logged)."""

ConnectionCounter = Callable[[], int]
"""Counts the server process's open connections; cheap, and safe to call from any
thread. A broker reports the count to whoever inspects the servers sharing it (the
backends' ``inspect()``): the Redis broker with each heartbeat."""


def occupancy_events(channel: str, before: int, after: int) -> list[LifecycleEvent]:
    """What a channel's subscription count going from ``before`` to ``after`` (across
    every server) means: occupied and the new count, a new count, or vacated."""
    if before == after:
        return []
    if after <= 0:
        return [LifecycleEvent("channel_vacated", channel)] if before > 0 else []
    count = LifecycleEvent("subscription_count", channel, subscription_count=after)
    if before <= 0:
        return [LifecycleEvent("channel_occupied", channel), count]
    return [count]


@dataclasses.dataclass(frozen=True, slots=True)
class History:
    """What :meth:`Broker.history` found of a channel."""

    position: Position
    """The channel's latest position when it was read (offset 0: nothing published
    in this epoch yet)."""
    deliveries: tuple[Delivery, ...]
    """The kept events after the requested position, in order; within the history's
    size and age only."""
    complete: bool
    """Whether ``deliveries`` are every event after the requested position: False for
    another epoch, or when the history kept no longer reaches back that far."""


@dataclasses.dataclass(frozen=True, slots=True)
class PresenceJoin:
    """The outcome of :meth:`Broker.join_presence`."""

    added: bool
    """True when this was the user's first connection in the channel: the other
    members must be told with ``pusher_internal:member_added``."""
    members: dict[str, object]
    """Every member after the join: user id to user info (``None`` when absent)."""


class PresenceFull(Exception):
    """A new user would exceed the presence channel's member limit."""


class Broker(abc.ABC):
    """Fan-out and shared state between publishers and socket server processes."""

    _lifecycle: LifecycleHandler | None = None
    """Set by :meth:`start`; :meth:`report` calls it."""

    unavailable_errors: ClassVar[tuple[type[BaseException], ...]] = (TimeoutError,)
    """What the broker's calls raise when its backing store cannot be reached: the
    server answers 503 for them and logs the outage once."""

    @abc.abstractmethod
    async def start(
        self,
        deliver: DeliveryHandler,
        terminate: TerminateHandler,
        resync: ResyncHandler,
        lifecycle: LifecycleHandler | None = None,
        connections: ConnectionCounter | None = None,
    ) -> None:
        """Begin calling ``deliver`` for listened channels, ``terminate`` for user
        terminations requested anywhere, ``resync`` after deliveries may have been
        missed and ``lifecycle`` for the occupancy and presence changes this process
        made (or found, sweeping a dead server's); ``connections`` counts this
        process's connections, for inspection. A server calls this once before
        serving."""

    @abc.abstractmethod
    async def history(self, channel: str, since: Position | None) -> History:
        """``channel``'s position and, when ``since`` is given, the events after it.

        Raises when the backing store cannot be reached (the caller retries).
        """

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop delivering and withdraw this process's presence members and counts."""

    @abc.abstractmethod
    async def publish(self, messages: Sequence[Message]) -> None:
        """Deliver channel events to every server listening, each with a position."""

    @abc.abstractmethod
    async def publish_frame(
        self, channel: str, payload: bytes, except_socket_id: str | None = None
    ) -> None:
        """Deliver an already-built frame (presence change, client event) unstored."""

    @abc.abstractmethod
    async def listen(self, channel: str) -> None:
        """Start receiving deliveries for ``channel`` (first local subscriber)."""

    @abc.abstractmethod
    async def unlisten(self, channel: str) -> None:
        """Stop receiving deliveries for ``channel`` (last local subscriber left)."""

    @abc.abstractmethod
    async def count_subscription(self, channel: str, delta: int) -> None:
        """Add ``delta`` (+1 or -1) to this process's subscriptions of ``channel``,
        reporting the :func:`occupancy_events` of the change across every server."""

    @abc.abstractmethod
    async def subscription_counts(self) -> dict[str, int]:
        """Occupied channels across every live server: name to number of connections."""

    @abc.abstractmethod
    async def join_presence(
        self, channel: str, socket_id: str, user_id: str, user_info: object, max_members: int
    ) -> PresenceJoin:
        """Add a connection as ``user_id``; raise :class:`PresenceFull` when a new user
        would make more than ``max_members``. Joining twice is harmless. The user's
        first connection in the channel (on any server) is reported as ``member_added``."""

    @abc.abstractmethod
    async def leave_presence(self, channel: str, socket_id: str) -> str | None:
        """Remove a connection; return the user id when it was that user's last one
        (on any server), and report it as ``member_removed``."""

    def report(self, events: Sequence[LifecycleEvent]) -> None:
        """Hand ``events`` to the lifecycle handler given to :meth:`start`, if any."""
        handler = self._lifecycle
        if handler is None:
            return
        for event in events:
            try:
                handler(event)
            except Exception:
                logger.exception("The lifecycle handler failed on %r", event)

    async def leave_and_announce(self, channel: str, socket_id: str) -> None:
        """Leave a presence channel and, when the user is gone, tell the others."""
        user_id = await self.leave_presence(channel, socket_id)
        if user_id is not None:
            await self.publish_frame(channel, frames.member_removed(channel, user_id))

    @abc.abstractmethod
    async def presence_members(self, channel: str) -> dict[str, object]:
        """Current members of a presence channel: user id to user info."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """Return when the broker's backing store answers; raise when it cannot be reached."""

    @abc.abstractmethod
    async def terminate_user(self, user_id: str) -> None:
        """Ask every server (this one included) to close ``user_id``'s connections."""
