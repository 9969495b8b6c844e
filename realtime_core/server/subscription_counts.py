"""Subscription count events: ``pusher_internal:subscription_count`` as Pusher sends them.

When ``ServerConfig.subscription_count_events`` is on, every change of a channel's
subscription count (across every server) is announced to the channel's subscribers on
every server, except on presence channels (their members say more). The server whose
change it was announces it (the broker reports the change to that server alone), and
the broker applies one throttle for all of them (``ServerConfig.subscription_count_throttle``,
Pusher's: every change up to 100 subscribers, at most one count per 5 s beyond).

A count the throttle holds back is owed: this server asks again once the wait is over,
and the broker sends the channel's count then unless another server sent a newer one
meanwhile, so the last count always arrives. A server that stops sends what it still
owes at once. While the broker cannot be reached, announcing is retried after the
throttle's interval; after the broker may have missed deliveries, the hub announces
every channel of this server again.
"""

import asyncio
import dataclasses
import logging

from ..brokers.base import Broker, CountAnnouncement, CountThrottle
from ..protocol import PRESENCE_PREFIX
from .outage import OutageLog

__all__ = ["SubscriptionCounts"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(slots=True)
class _Retry:
    """One announcement waiting for its time."""

    why: CountAnnouncement
    timer: asyncio.TimerHandle


class SubscriptionCounts:
    """Announces channels' subscription counts for one server (see the module docstring)."""

    def __init__(self, broker: Broker, throttle: CountThrottle, outage: OutageLog) -> None:
        self._broker = broker
        self._throttle = throttle
        self._outage = outage
        self._tasks: set[asyncio.Task[None]] = set()
        self._retries: dict[str, _Retry] = {}
        self._closed = False

    def changed(self, channel: str) -> None:
        """``channel``'s count changed through this server: announce it (on the loop)."""
        if not self._closed and not channel.startswith(PRESENCE_PREFIX):
            self._start(channel, CountAnnouncement.CHANGED)

    async def close(self) -> None:
        """Send what this server owes now, and wait for the announcements under way."""
        self._closed = True
        for channel, retry in list(self._retries.items()):
            retry.timer.cancel()
            owed = retry.why is CountAnnouncement.OWED
            self._start(channel, CountAnnouncement.FINAL if owed else CountAnnouncement.CHANGED)
        self._retries.clear()
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _start(self, channel: str, why: CountAnnouncement) -> None:
        task = asyncio.ensure_future(self._announce(channel, why))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _announce(self, channel: str, why: CountAnnouncement) -> None:
        try:
            wait = await self._broker.announce_subscription_count(channel, self._throttle, why)
        except Exception as exc:
            if isinstance(exc, self._broker.unavailable_errors):
                self._outage.failed(f"announcing the subscription count of {channel}", exc)
            else:
                logger.exception("Announcing the subscription count of %s failed", channel)
            # The change may not have reached the broker: announce it as a change again.
            self._retry(channel, self._throttle.interval, CountAnnouncement.CHANGED)
            return
        self._outage.succeeded()
        if wait is not None:
            self._retry(channel, wait, CountAnnouncement.OWED)

    def _retry(self, channel: str, delay: float, why: CountAnnouncement) -> None:
        """Announce again after ``delay``; one retry per channel, a change over an owed count."""
        if self._closed:
            return
        pending = self._retries.get(channel)
        if pending is not None:
            if pending.why is CountAnnouncement.CHANGED or why is CountAnnouncement.OWED:
                return
            pending.timer.cancel()
        timer = asyncio.get_running_loop().call_later(delay, self._due, channel)
        self._retries[channel] = _Retry(why, timer)

    def _due(self, channel: str) -> None:
        retry = self._retries.pop(channel, None)
        if retry is not None:
            self._start(channel, retry.why)
