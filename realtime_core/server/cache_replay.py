"""What a new subscriber of a cache channel gets right after its success frame.

A cache channel (:data:`~realtime_core.protocol.CACHE_PREFIXES`) keeps its last event
for :data:`~realtime_core.protocol.CACHE_TTL` seconds (:meth:`.Broker.cached_event`).
A connection that subscribes to one gets, right after
``pusher_internal:subscription_succeeded``, that event as ``{"event", "channel",
"data"}``, without a position, or ``pusher:cache_miss`` when nothing is cached (and the
server reports a ``cache_miss``, for the webhook).

With the recovery extension (:mod:`realtime_core.positions`) the cache does not
compete with the history:

- a subscription that resumes and is recovered gets the events it missed, the last
  one among them if it missed it, and nothing from the cache;
- one that resumes but is not recovered gets the cached event unless its position
  shows it processed that event already (or ``pusher:cache_miss``), like a new one;
- subscribing again on a live subscription (realtime.js filling a gap) gets nothing
  from the cache: what it missed comes from the history.

The replayed event has no position, so a client that keeps positions neither drops
it as a duplicate nor takes it for a gap; the success frame's position already counts it.

A subscriber must neither miss an event published while it joins nor get one twice
(replayed, then live): the cached event must be the channel's event at the position
the success frame names. So a read is accepted only when this node delivered nothing
on the channel meanwhile and the cached event is the one at that position
(:meth:`CacheRead.fits`); otherwise the hub reads again.
"""

import dataclasses

from .. import frames
from ..brokers.base import Broker, CachedEvent, History
from ..positions import Position
from ..protocol import is_cache_channel

__all__ = ["CacheRead", "read_cache"]


@dataclasses.dataclass(frozen=True, slots=True)
class CacheRead:
    """A cache channel's cached event as read for one subscriber."""

    channel: str
    event: CachedEvent | None
    """None: nothing is cached (a cache miss)."""
    read_at: Position
    """The position this node had delivered on the channel when the read began."""

    def fits(self, delivered: Position) -> bool:
        """Whether this read is the channel's cache as of ``delivered``, the position
        the success frame is about to name."""
        if delivered != self.read_at:
            return False  # delivered meanwhile: the read may predate that event
        if self.event is None:
            return True
        at = self.event.position
        # The event at ``delivered``, or an earlier epoch's while this one has none yet.
        return at == delivered or (delivered.offset == 0 and at.epoch != delivered.epoch)

    def frame(self, since: Position | None) -> bytes | None:
        """What to send after the success frame to a subscriber that resumes from
        ``since`` (None: a new one): the cached event, ``pusher:cache_miss``, or
        nothing when its position shows it processed the cached event already."""
        if self.event is None:
            return frames.cache_miss(self.channel)
        at = self.event.position
        if since is not None and at.epoch == since.epoch and at.offset <= since.offset:
            return None
        return self.event.payload


async def read_cache(
    broker: Broker, channel: str, read_at: Position, history: History | None, receiving: bool
) -> CacheRead | None:
    """Read ``channel``'s cache for a subscriber, or None when it gets nothing from it:
    not a cache channel, already ``receiving`` the channel, or recovered by ``history``
    (the history read for a subscription that resumes)."""
    if not is_cache_channel(channel) or receiving or (history is not None and history.complete):
        return None
    return CacheRead(channel, await broker.cached_event(channel), read_at)
