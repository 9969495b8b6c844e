"""Fan-out benchmark: this library's server against a bare ``websockets`` broadcast.

N WebSocket subscribers on one channel; messages published through Redis. Each
server runs in its own process on the same CPU, and both are measured in one run:

- ``ours``: ``python -m realtime_core.server`` (``RealtimeServer`` + ``RedisBroker``),
  messages published with ``TornadoRedisBackend.publish()``, as Django code publishes
  (validation, encoding, the stream + pub/sub script); its clients speak the Pusher
  protocol.
- ``bare``: :mod:`tests.benchmarks.bare_server`, ``websockets.broadcast()`` of every
  message of one Redis pub/sub channel; its clients just connect.

Both deliver frames of the same bytes: ours carry their channel position (the
recovery extension), so the bare server is handed frames with a position of the same
length. Phases, per server: idle memory per connection,
latency and CPU per delivery at a fixed rate, then throughput at saturation. See
``tests/benchmarks/README.md``. Not a test: it prints figures and never fails on them.

    python -m tests.benchmarks.fanout [--quick] [--subscribers N] [--rate R] ...
"""

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings as django_settings

from realtime_core import Event, frames
from realtime_core.backends.tornado_redis import TornadoRedisBackend
from realtime_core.messages import encode_data

from . import harness
from .report import Figures, Settings, report

CHANNEL = "bench"
EVENT = "bench-event"
APP_ID, KEY, SECRET = "1", "bench-key", "bench-secret"
BARE_PUBSUB_CHANNEL = "bench-broadcast"


def bare_position(seq: int) -> str:
    """A position as long as the ones our server gives (a 12-hex-digit epoch)."""
    return f"{'0' * 12}:{seq}"


class Publisher:
    """Stamps each message with its sequence number and publish time, and sends it.

    ``send`` takes the event's data; the frame a subscriber receives is always
    ``frames.channel_event(CHANNEL, EVENT, encode_data(data), position)``.
    """

    def __init__(self, send: Callable[[dict[str, Any]], None], message_bytes: int) -> None:
        self._send = send
        self.seq = 0
        data = encode_data(self._data(10_000, ""))
        probe = frames.channel_event(CHANNEL, EVENT, data, bare_position(10_000))
        self._pad = "x" * max(0, message_bytes - len(probe))

    @staticmethod
    def _data(seq: int, pad: str) -> dict[str, Any]:
        # client.js reads the frame's text from "seq" on: keep these first, in this order.
        return {"seq": seq, "t": time.time(), "pad": pad}

    def publish(self) -> None:
        self.seq += 1
        self._send(self._data(self.seq, self._pad))


class Meter:
    """CPU used during one phase: by the server, the generator, and everything else."""

    def __init__(self, server: int, generator: int, helpers: tuple[int, ...]) -> None:
        self.server, self.generator, self.helpers = server, generator, helpers
        self.started = time.monotonic()
        self._start = self._read()

    def _read(self) -> tuple[float, float, float, float]:
        helpers = sum(harness.cpu_seconds(pid) for pid in self.helpers)
        return (
            harness.cpu_seconds(self.server),
            harness.cpu_seconds(self.generator),
            helpers,
            harness.machine_busy_seconds(),
        )

    def stop(self) -> tuple[float, float, float, float]:
        """Seconds elapsed, server and generator CPU seconds, other processes' load in cores
        (machine-wide busy time not used by the benchmark's own processes)."""
        elapsed = time.monotonic() - self.started
        end = self._read()
        server, generator, helpers, machine = (b - a for a, b in zip(self._start, end, strict=True))
        other = max(0.0, machine - server - generator - helpers) / elapsed
        return elapsed, server, generator, other


async def measure(
    kind: str, redis_server: tuple[str, int], settings: Settings, cpus: tuple[set[int], set[int]]
) -> Figures:
    """Start one server, run every phase against it, stop it."""
    (redis_url, redis_pid), (server_cpus, generator_cpus) = redis_server, cpus
    port = harness.free_port()
    url = f"ws://127.0.0.1:{port}/app/{KEY}?protocol=7&client=bench&version=1"
    if kind == "ours":
        command = ["-m", "realtime_core.server", "--app-id", APP_ID, "--key", KEY]
        command += ["--secret", SECRET, "--redis-url", redis_url, "--port", str(port)]
        command += ["--log-level", "WARNING"]
        # Exactly what publish() in a Django process does with this backend: validate,
        # encode the data, one Lua script call (stream entry + pub/sub message).
        backend = TornadoRedisBackend(
            {"APP_ID": APP_ID, "KEY": KEY, "SECRET": SECRET, "REDIS_URL": redis_url},
            name="tornado_redis",
        )

        def send(data: dict[str, Any]) -> None:
            backend.publish([Event(CHANNEL, EVENT, data)])

        close: Callable[[], None] = backend.close
        mode = "pusher"
    else:
        command = ["-m", "tests.benchmarks.bare_server", "--port", str(port)]
        command += ["--redis-url", redis_url, "--channel", BARE_PUBSUB_CHANNEL]
        client = redis.Redis.from_url(redis_url)

        def send(data: dict[str, Any]) -> None:
            frame = frames.channel_event(
                CHANNEL, EVENT, encode_data(data), bare_position(data["seq"])
            )
            client.publish(BARE_PUBSUB_CHANNEL, frame)

        close = client.close
        mode = "bare"
    publisher = Publisher(send, settings.message_bytes)
    figures = Figures()
    try:
        async with (
            harness.server_process(command, port, server_cpus) as server,
            harness.Subscribers.running(url, mode, CHANNEL, generator_cpus) as subscribers,
        ):
            helpers = (redis_pid, os.getpid())
            phase = Phase(server.pid, helpers, subscribers, publisher, settings, figures)
            await phase.idle_memory()
            await phase.fixed_rate()
            await phase.saturation(generator_cpus)
            stats = await subscribers.command("stats")
            if stats["unexpected_closes"]:
                figures.problems.append(f"connections closed: {stats['close_codes']}")
    finally:
        close()
    return figures


class Phase:
    """The three measurements made against one running server."""

    def __init__(
        self,
        pid: int,
        helpers: tuple[int, ...],
        subscribers: harness.Subscribers,
        publisher: Publisher,
        settings: Settings,
        figures: Figures,
    ) -> None:
        """``pid`` is the server's; ``helpers`` are the benchmark's other processes
        (redis-server, this one), kept out of the "unrelated load" figure."""
        self.pid, self.helpers, self.subscribers = pid, helpers, subscribers
        self.publisher, self.settings, self.figures = publisher, settings, figures

    async def meter(self) -> Meter:
        """Start measuring once the machine is quiet (or after waiting long enough)."""
        if not await harness.wait_for_quiet(self.settings.quiet_wait):
            self.figures.problems.append(
                f"the machine was busy for {self.settings.quiet_wait:g} s before a phase"
            )
        return Meter(self.pid, self.subscribers.pid, self.helpers)

    async def idle_memory(self) -> None:
        """RSS growth per subscribed, idle connection (after a warm-up with a few)."""
        await self._open(10)
        for _ in range(20):
            self.publisher.publish()
            await asyncio.sleep(0.01)
        await self.subscribers.wait_for(self.publisher.seq, timeout=10)
        await self.subscribers.command("close_all")
        await asyncio.sleep(1.0)
        before = harness.rss_kib(self.pid)
        started = time.monotonic()
        await self._open(self.settings.subscribers)
        self.figures.connect_seconds = time.monotonic() - started
        await asyncio.sleep(2.0)
        growth = harness.rss_kib(self.pid) - before
        self.figures.idle_kib_per_connection = growth / self.settings.subscribers

    async def _open(self, count: int) -> None:
        opened = await self.subscribers.command("open", count=count)
        if opened["failed"]:
            raise RuntimeError(f"{opened['failed']} of {count} connections failed to open")

    async def fixed_rate(self) -> None:
        """Publish ``rate`` messages a second: latency and server CPU per delivery."""
        settings, figures, publisher = self.settings, self.figures, self.publisher
        await self.subscribers.command("reset", record=True)
        count = round(settings.rate * settings.fixed_seconds)
        meter = await self.meter()
        for index in range(count):
            delay = meter.started + index / settings.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            publisher.publish()
        if not await self.subscribers.wait_for(publisher.seq, timeout=30):
            figures.problems.append("fixed rate: not every message arrived within 30 s")
        figures.fixed_seconds, figures.fixed_cpu_seconds, _, figures.fixed_other_load = meter.stop()
        stats = await self.subscribers.command("stats")
        figures.fixed_deliveries = stats["received"]
        figures.fixed_expected = count * settings.subscribers
        figures.latency_ms = stats["latency_ms"]
        figures.first_delivery_ms = stats["first_delivery_ms"]
        figures.spread_ms = stats["spread_ms"]
        self._check_order("fixed rate", stats)

    async def saturation(self, generator_cpus: set[int]) -> None:
        """Publish as fast as every subscriber receives: at most ``window`` messages
        that some subscriber has not received yet are in flight."""
        settings, figures, publisher = self.settings, self.figures, self.publisher
        subscribers = self.subscribers
        await subscribers.command("reset", record=False)
        meter = await self.meter()
        cores = harness.cpu_times(generator_cpus)
        deadline = meter.started + settings.saturation_seconds
        while time.monotonic() < deadline:
            if publisher.seq - subscribers.min_seq >= settings.window:
                await subscribers.wait_for(publisher.seq - settings.window + 1, timeout=10)
            else:
                publisher.publish()
                await asyncio.sleep(0)  # let the generator's progress reports in
        if not await subscribers.wait_for(publisher.seq, timeout=30):
            figures.problems.append("saturation: not every message arrived within 30 s")
        (
            figures.saturation_seconds,
            figures.saturation_cpu_seconds,
            figures.saturation_generator_cpu_seconds,
            figures.saturation_other_load,
        ) = meter.stop()
        figures.generator_core_busy = harness.busy_fraction(
            cores, harness.cpu_times(generator_cpus)
        )
        stats = await subscribers.command("stats")
        figures.saturation_deliveries = stats["received"]
        self._check_order("saturation", stats)

    def _check_order(self, phase: str, stats: dict[str, int]) -> None:
        if stats["gaps"] or stats["reordered"]:
            self.figures.problems.append(
                f"{phase}: {stats['gaps']} lost, {stats['reordered']} out of order"
            )


# Command line ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> Settings:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.fanout", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--subscribers", type=int, help="WebSocket subscribers (1000)")
    parser.add_argument("--rate", type=float, default=20, help="fixed-rate phase: msg/s (20)")
    parser.add_argument("--duration", type=float, help="fixed-rate phase: seconds (30)")
    parser.add_argument("--saturation", type=float, help="saturation phase: seconds (20)")
    parser.add_argument(
        "--window",
        type=int,
        default=100,
        help="saturation: messages in flight, not yet received by every subscriber (100)",
    )
    parser.add_argument("--message-bytes", type=int, default=120, help="frame size (120)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure each server this many times, alternating which goes first; "
        "the table shows medians (1)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        help="before each timed phase, wait up to this many seconds for the machine to "
        "fall idle (10; 2 with --quick)",
    )
    parser.add_argument("--servers", default="ours,bare", help="which to run: ours,bare (both)")
    parser.add_argument("--quick", action="store_true", help="smoke run of about 30 s")
    args = parser.parse_args(argv)
    servers = [name.strip() for name in args.servers.split(",") if name.strip()]
    if not servers or set(servers) - {"ours", "bare"}:
        parser.error(f"--servers takes ours, bare or both, not {args.servers!r}")
    return Settings(
        subscribers=args.subscribers or (200 if args.quick else 1000),
        rate=args.rate,
        fixed_seconds=args.duration or (4 if args.quick else 30),
        saturation_seconds=args.saturation or (4 if args.quick else 20),
        window=args.window,
        message_bytes=args.message_bytes,
        rounds=max(1, args.rounds),
        quiet_wait=args.quiet_wait if args.quiet_wait is not None else 2 if args.quick else 10,
        servers=servers,
    )


def split_cpus() -> tuple[set[int], set[int]]:
    """The last CPU for the server under test, the others for everything else."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return set(available), set(available)
    return {available[-1]}, set(available[:-1])


async def main(argv: list[str] | None = None) -> None:
    settings = parse_args(argv)
    if not django_settings.configured:
        django_settings.configure()  # no databases: a publish is never deferred to a commit
    cpus = split_cpus()
    os.sched_setaffinity(0, cpus[1])
    results: dict[str, list[Figures]] = {kind: [] for kind in settings.servers}
    async with harness.redis_server(cpus[1]) as redis_server:
        for round_ in range(settings.rounds):
            order = settings.servers if round_ % 2 == 0 else settings.servers[::-1]
            for kind in order:
                print(f"round {round_ + 1}: measuring {kind} ...", file=sys.stderr, flush=True)
                results[kind].append(await measure(kind, redis_server, settings, cpus))
    print(report(settings, cpus, results))


if __name__ == "__main__":
    asyncio.run(main())
