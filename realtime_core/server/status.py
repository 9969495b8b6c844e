"""Health and statistics endpoints: ``GET /up`` and ``GET /stats``.

Both are unsigned on purpose: load balancers and monitoring poll them without the app
secret, and they reveal no secrets, channel names, user ids or message contents —
only whether the broker answers and how many connections, messages, requests and
occupied channels this process has seen.
"""

import asyncio
from collections.abc import Callable
from typing import Any

from ..brokers.base import Broker
from .api import BrokerHandler
from .outage import OutageLog
from .stats import Stats

__all__ = ["status_handlers"]

BROKER_TIMEOUT = 5.0
"""Seconds the broker gets to answer before ``/up`` reports it unreachable."""


class StatusHandler(BrokerHandler):
    """Shared by the status endpoints: the broker and this process's counters."""

    def initialize(
        self, broker: Broker, stats: Stats, outage: OutageLog, catching_up: Callable[[], int]
    ) -> None:
        self.broker = broker
        self.stats = stats
        self.outage = outage
        self.catching_up = catching_up

    async def occupied_channels(self) -> int:
        """Occupied channels across every server; raises when the broker cannot tell."""
        async with asyncio.timeout(BROKER_TIMEOUT):
            counts = await self.broker.subscription_counts()
        return sum(1 for count in counts.values() if count > 0)


class UpHandler(StatusHandler):
    """``GET /up``: 200 when the broker answers and nothing missed is still being read
    from the history; 503 otherwise, saying which.

    The probe is :meth:`Broker.ping`: one PING for Redis, cheap enough for a load
    balancer to call every second; the in-process broker always answers.
    """

    async def get(self) -> None:
        try:
            async with asyncio.timeout(BROKER_TIMEOUT):
                await self.broker.ping()
        except Exception as exc:
            self.outage.failed("GET /up", exc)
            self.set_status(503)
            self.write_json({"status": "unavailable", "error": broker_failure(exc)})
            return
        self.outage.succeeded()
        filling = self.catching_up()
        if filling:
            self.set_status(503)
            error = f"catching up: reading what {filling} channel(s) missed from the history"
            self.write_json({"status": "catching up", "error": error})
            return
        self.write_json({"status": "ok"})


class StatsHandler(StatusHandler):
    """``GET /stats``: this process's counters plus the cluster's occupied channels.

    ``occupied_channels`` is ``null`` when the broker cannot be reached; the local
    counters are still reported.
    """

    async def get(self) -> None:
        body: dict[str, Any] = self.stats.as_dict()
        try:
            body["occupied_channels"] = await self.occupied_channels()
        except Exception as exc:
            self.outage.failed("GET /stats", exc)
            body["occupied_channels"] = None
            body["error"] = broker_failure(exc)
        self.write_json(body)


def broker_failure(exc: BaseException) -> str:
    # Only the exception's type: its text may name hosts or addresses.
    return f"the broker did not answer ({type(exc).__name__})"


def status_handlers(
    broker: Broker, stats: Stats, outage: OutageLog, catching_up: Callable[[], int]
) -> list[tuple[Any, ...]]:
    """Routes of the health and statistics endpoints; ``catching_up()`` counts the
    channels whose missed deliveries are being read (``Hub.filling``)."""
    deps = {"broker": broker, "stats": stats, "outage": outage, "catching_up": catching_up}
    return [(r"/up", UpHandler, deps), (r"/stats", StatsHandler, deps)]
