"""Internal: ``realtime-server --workers N``, several server processes on one address.

The supervisor forks the workers; each binds the address with ``SO_REUSEPORT`` and runs
a whole server (its own event loop and broker connection), so the kernel spreads new
connections evenly over the workers and one machine's cores all serve.
The workers share channels, presence and history through Redis like servers on
different machines, which is why ``--workers`` needs ``--redis-url``.

Signals to the supervisor:

- ``SIGTERM`` / ``SIGINT``: every worker stops gracefully (its clients get 4200 and
  reconnect, to another server behind the same address), then the supervisor exits.
- ``SIGHUP``: a rolling restart, one worker at a time: a new worker starts and says it
  is serving before the old one is stopped, so the address never stops accepting.

Each worker can also listen on a port of its own (``--worker-port``: the first worker on
that port, the next on the next one), so that ``/metrics`` and ``/stats`` can be scraped
per worker: on the shared address, whichever worker accepts answers.

A worker that dies is replaced; one that keeps dying within seconds of starting is
replaced after a growing pause, and the supervisor gives up after
:data:`MAX_QUICK_DEATHS` in a row.
"""

import contextlib
import logging
import os
import select
import signal
import time
from collections.abc import Callable, Set

__all__ = ["MAX_QUICK_DEATHS", "Supervisor"]

logger = logging.getLogger(__name__)

QUICK_DEATH = 5.0
"""A worker that exits within this many seconds of starting died quickly."""
MAX_QUICK_DEATHS = 5
READY_TIMEOUT = 30.0
"""Seconds a new worker has to say it is serving."""

Worker = Callable[[int, Callable[[], None]], int]
"""Runs worker number ``index`` (0 to N-1; a replacement keeps the number of the worker
it replaces) to its end and returns its exit status; it calls ``ready`` once serving."""


class Supervisor:
    """Forks and watches ``count`` workers (see the module docstring)."""

    def __init__(self, count: int, worker: Worker, *, grace: float = 3.0) -> None:
        if count < 1:
            raise ValueError("a supervisor needs at least one worker")
        self.count = count
        self.worker = worker
        self.grace = grace
        self.pids: dict[int, tuple[int, float]] = {}
        """Running workers: pid to their number and the time they started."""
        self._stopping = False
        self._restart_requested = False
        self._quick_deaths = 0

    def run(self) -> int:
        """Fork the workers and watch them until told to stop; the exit status."""
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGHUP, self._restart)
        for index in range(self.count):
            self._spawn(index)
        while not self._stopping:
            if self._restart_requested:
                self._restart_requested = False
                self._roll()
            self._reap(block_for=0.2)
            if self._quick_deaths >= MAX_QUICK_DEATHS:
                logger.error("Workers keep dying at start: giving up")
                self._stopping = True
                self._shut_down()
                return 1
            while len(self.pids) < self.count and not self._stopping:
                pause = min(2.0**self._quick_deaths - 1, 30.0)
                if pause:
                    logger.warning("A worker died quickly; starting another in %.0f s", pause)
                    time.sleep(pause)
                running = {index for index, _started in self.pids.values()}
                self._spawn(min(set(range(self.count)) - running))
        self._shut_down()
        return 0

    def _stop(self, signum: int, frame: object) -> None:
        self._stopping = True

    def _restart(self, signum: int, frame: object) -> None:
        self._restart_requested = True

    def _spawn(self, index: int) -> int | None:
        """Fork worker ``index``; its pid once it says it is serving (None if not)."""
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker
            os.close(read)
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(signum, signal.SIG_DFL)

            def ready() -> None:
                os.write(write, b"r")

            status = 1
            try:
                status = self.worker(index, ready)
            except BaseException:
                logger.exception("Worker %d failed", os.getpid())
            finally:
                os._exit(status)
        os.close(write)
        self.pids[pid] = (index, time.monotonic())
        try:
            readable, _, _ = select.select([read], [], [], READY_TIMEOUT)
            serving = bool(readable) and os.read(read, 1) == b"r"
        except InterruptedError:
            serving = False
        finally:
            os.close(read)
        if not serving:
            logger.error("Worker %d did not start serving", pid)
            self._quick_deaths += 1
            if pid in self.pids:
                os.kill(pid, signal.SIGKILL)
                self._reap(block_for=None, expected={pid})
            return None
        logger.info("Worker %d serving", pid)
        return pid

    def _roll(self) -> None:
        """Replace every worker, one at a time, the new one serving before the old stops."""
        logger.info("Restarting %d workers one at a time", len(self.pids))
        for old, (index, _started) in list(self.pids.items()):
            if self._stopping:
                return
            if self._spawn(index) is None:
                logger.error("Rolling restart stopped: a new worker did not start")
                return
            self._stop_worker(old)

    def _stop_worker(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace + 5
        while pid in self.pids and time.monotonic() < deadline:
            self._reap(block_for=0.05, expected={pid})
        if pid in self.pids:
            os.kill(pid, signal.SIGKILL)
            self._reap(block_for=None, expected={pid})

    def _reap(self, block_for: float | None, expected: Set[int] = frozenset()) -> None:
        """Collect exited workers; waits up to ``block_for`` seconds (None: until one)."""
        deadline = None if block_for is None else time.monotonic() + block_for
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG if deadline is not None else 0)
            except ChildProcessError:
                return
            if pid == 0:
                if deadline is None or time.monotonic() >= deadline:
                    return
                time.sleep(0.01)
                continue
            started = self.pids.pop(pid, None)
            if pid in expected or self._stopping:
                continue
            code = os.waitstatus_to_exitcode(status)
            logger.warning("Worker %d exited (%d); starting another", pid, code)
            if started is not None and time.monotonic() - started[1] < QUICK_DEATH:
                self._quick_deaths += 1
            else:
                self._quick_deaths = 0
            return

    def _shut_down(self) -> None:
        for pid in list(self.pids):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                self.pids.pop(pid, None)
        deadline = time.monotonic() + self.grace + 5
        while self.pids and time.monotonic() < deadline:
            self._reap(block_for=0.05, expected=set(self.pids))
        for pid in list(self.pids):
            os.kill(pid, signal.SIGKILL)
        while self.pids:
            self._reap(block_for=None, expected=set(self.pids))
