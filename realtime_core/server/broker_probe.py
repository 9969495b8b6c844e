"""A periodic ping of the broker: how long it takes to answer, and whether it does.

Requests notice a broker outage only when one arrives; the probe notices it within
one interval even when nothing happens, and measures the round trip the metrics
report (:mod:`.metrics`). What it finds goes to the server's :class:`.OutageLog`,
like any request's failure or success.
"""

import asyncio
import time

from ..brokers.base import Broker
from .outage import OutageLog

__all__ = ["BrokerProbe"]


class BrokerProbe:
    """Pings ``broker`` every ``interval`` seconds; a ping not answered within
    ``timeout`` seconds has failed."""

    def __init__(self, broker: Broker, outage: OutageLog, interval: float, timeout: float) -> None:
        self._broker = broker
        self._outage = outage
        self._interval = interval
        self._timeout = timeout
        self._task: asyncio.Task[None] | None = None
        self.round_trip: float | None = None
        """Seconds the last answered ping took (None until one is answered)."""
        self.failures = 0
        """Pings the broker did not answer in time."""

    def start(self) -> None:
        """Ping now, then every interval (call on the server's event loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            await self.ping()
            await asyncio.sleep(self._interval)

    async def ping(self) -> None:
        """Ping once; the outcome goes to :attr:`round_trip` or :attr:`failures`."""
        started = time.perf_counter()
        try:
            await asyncio.wait_for(self._broker.ping(), self._timeout)
        except Exception as exc:
            self.failures += 1
            self._outage.failed("pinging the broker", exc)
            return
        self.round_trip = time.perf_counter() - started
        self._outage.succeeded()
