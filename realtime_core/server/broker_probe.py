"""A periodic ping of the broker: how long it takes to answer, and whether it does.

Requests notice a broker outage only when one arrives; the probe notices it within
one interval even when nothing happens, and measures the round trip the metrics
report (:mod:`.metrics`). What it finds goes to the server's :class:`.OutageLog`,
like any request's failure or success.
"""

import asyncio
import contextlib
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
        self._stopping = asyncio.Event()
        self.round_trip: float | None = None
        """Seconds the last answered ping took (None until one is answered)."""
        self.failures = 0
        """Pings the broker did not answer in time."""

    def start(self) -> None:
        """Ping now, then every interval (call on the server's event loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """End the pings: the probe is told to stop, and cancelled only if a ping
        outlives its timeout. (Cancelling a sleeping probe was seen to hang stop() on
        Python 3.11: a cancellation lost at the wrong moment leaves the task running.)"""
        if self._task is None:
            return
        self._stopping.set()
        _done, pending = await asyncio.wait({self._task}, timeout=self._timeout + 1)
        for task in pending:
            task.cancel()
        self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            await self.ping()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._stopping.wait()

    async def ping(self) -> None:
        """Ping once; the outcome goes to :attr:`round_trip` or :attr:`failures`."""
        started = time.perf_counter()
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow the
            # cancellation stop() sends when the ping completes at that moment, and the
            # probe would then run on forever.
            async with asyncio.timeout(self._timeout):
                await self._broker.ping()
        except Exception as exc:
            self.failures += 1
            self._outage.failed("pinging the broker", exc)
            return
        self.round_trip = time.perf_counter() - started
        self._outage.succeeded()
