"""Fan-out benchmark: this library's server against a bare ``websockets`` broadcast.

N WebSocket subscribers on one channel; messages published through Redis. Each
server runs in its own process on the same CPU, and both are measured in one run:

- ``ours``: ``python -m realtime_core.server`` (``RealtimeServer`` + ``RedisBroker``),
  messages published with ``TornadoRedisBackend.publish()``, as Django code publishes
  (validation, encoding, the stream + pub/sub script); its clients speak the Pusher
  protocol.
- ``bare``: :mod:`tests.benchmarks.bare_server`, ``websockets.broadcast()`` of every
  message of its Redis pub/sub channel to that channel's connections; its clients just
  connect (to ``/c/<channel>``).

Subscribers may be spread over many channels (:class:`Settings`): messages then go
round-robin over them. Both deliver frames of the same bytes: ours carry their channel
position (the recovery extension), so the bare server is handed frames with a position
of the same length. Phases, per server: idle memory per connection,
latency and CPU per delivery at a fixed rate, then throughput at saturation. See
``tests/benchmarks/README.md``. Not a test: it prints figures and never fails on them.

    python -m tests.benchmarks.fanout [--quick] [--subscribers N] [--rate R] ...
"""

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import redis
from django.conf import settings as django_settings

from realtime_core import Event, frames
from realtime_core.backends.tornado_redis import TornadoRedisBackend
from realtime_core.messages import encode_data
from realtime_core.signing import channel_string_to_sign, sign

from . import harness
from .report import Figures, Settings, report

EVENT = "bench-event"
APP_ID, KEY, SECRET = "1", "bench-key", "bench-secret"
BARE_PREFIX = "bench-broadcast:"
CHANNELS_PER_PUBLISH = 100
"""Channels one saturation publish names (Pusher's limit for one event)."""


def bare_position(seq: int) -> str:
    """A position as long as the ones our server gives (a 12-hex-digit epoch)."""
    return f"{'0' * 12}:{seq}"


class Publisher:
    """Stamps each message with its sequence number and publish time, and sends it.

    Every channel numbers its own messages; messages go round-robin over the channels,
    so after ``sent`` messages every channel has had ``sent // len(channels)`` rounds.
    ``send`` takes channels and the event's data; the frame a subscriber of one of them
    receives is always ``frames.channel_event(channel, EVENT, encode_data(data), position)``.
    """

    def __init__(
        self,
        send: Callable[[Sequence[str], dict[str, Any]], None],
        channels: list[str],
        message_bytes: int,
        redis_url: str,
    ) -> None:
        """``redis_url``: the Redis ``send`` publishes into."""
        self._send = send
        self.redis_url = redis_url
        self.channels = channels
        self.sent = 0
        longest = max(channels, key=len)
        data = encode_data(self._data(10_000, ""))
        probe = frames.channel_event(longest, EVENT, data, bare_position(10_000))
        self._pad = "x" * max(0, message_bytes - len(probe))

    @property
    def seq(self) -> int:
        """Rounds sent: every channel has had messages 1 to ``seq``."""
        return self.sent // len(self.channels)

    @staticmethod
    def _data(seq: int, pad: str) -> dict[str, Any]:
        # client.js reads the frame's text from "seq" on: keep these first, in this order.
        return {"seq": seq, "t": time.time(), "pad": pad}

    def publish(self) -> None:
        """The next message, to one channel."""
        channel = self.channels[self.sent % len(self.channels)]
        seq = self.seq + 1
        self.sent += 1
        self._send([channel], self._data(seq, self._pad))

    def publish_round(self) -> None:
        """One message to every channel (from a round's start), up to 100 channels a call."""
        seq = self.seq + 1
        for start in range(0, len(self.channels), CHANNELS_PER_PUBLISH):
            chunk = self.channels[start : start + CHANNELS_PER_PUBLISH]
            self._send(chunk, self._data(seq, self._pad))
        self.sent += len(self.channels)


def signer(socket_id: str, channel: str) -> dict[str, str]:
    """What an app's auth endpoint answers: a presence member per socket."""
    if not channel.startswith("presence-"):
        return {"auth": sign(KEY, SECRET, channel_string_to_sign(socket_id, channel))}
    channel_data = json.dumps({"user_id": socket_id, "user_info": {}})
    string_to_sign = channel_string_to_sign(socket_id, channel, channel_data)
    return {"auth": sign(KEY, SECRET, string_to_sign), "channel_data": channel_data}


def server_command(kind: str, settings: Settings, port: int, redis_url: str) -> list[str]:
    if kind == "bare":
        command = ["-m", "tests.benchmarks.bare_server", "--port", str(port)]
        return [*command, "--redis-url", redis_url, "--prefix", BARE_PREFIX]
    command = ["-m", "realtime_core.server", "--app-id", APP_ID, "--key", KEY]
    command += ["--secret", SECRET, "--redis-url", redis_url, "--port", str(port)]
    if settings.workers:
        command += ["--workers", str(settings.workers)]
    return [*command, "--log-level", "WARNING"]


def sender(
    kind: str, redis_url: str
) -> tuple[Callable[[Sequence[str], dict[str, Any]], None], Callable[[], None]]:
    """How ``kind``'s messages are published, and how to close the publisher."""
    if kind == "ours":
        # Exactly what publish() in a Django process does with this backend: validate,
        # encode the data, one Lua script call (stream entry + pub/sub message per channel).
        backend = TornadoRedisBackend(
            {"APP_ID": APP_ID, "KEY": KEY, "SECRET": SECRET, "REDIS_URL": redis_url},
            name="tornado_redis",
        )

        def send(channels: Sequence[str], data: dict[str, Any]) -> None:
            backend.publish([Event(list(channels), EVENT, data)])

        return send, backend.close
    client = redis.Redis.from_url(redis_url)

    def send_bare(channels: Sequence[str], data: dict[str, Any]) -> None:
        encoded, position = encode_data(data), bare_position(data["seq"])
        with client.pipeline(transaction=False) as pipeline:
            for channel in channels:
                frame = frames.channel_event(channel, EVENT, encoded, position)
                pipeline.publish(BARE_PREFIX + channel, frame)
            pipeline.execute()

    return send_bare, client.close


def redis_commands(redis_url: str) -> int:
    """Commands the benchmark's ``redis-server`` has run since it started."""
    with redis.Redis.from_url(redis_url) as client:
        stats: dict[str, dict[str, int]] = client.info("commandstats")
    return sum(int(entry["calls"]) for entry in stats.values())


async def measure(
    kind: str, redis_server: tuple[str, int], settings: Settings, cpus: tuple[set[int], set[int]]
) -> Figures:
    """Start one server, run every phase of ``settings`` against it, stop it."""
    (redis_url, redis_pid), (server_cpus, generator_cpus) = redis_server, cpus
    port = harness.free_port()
    if kind == "ours":
        url, mode = f"ws://127.0.0.1:{port}/app/{KEY}?protocol=7&client=bench&version=1", "pusher"
    else:
        url, mode = f"ws://127.0.0.1:{port}/c/", "bare"
    send, close = sender(kind, redis_url)
    publisher = Publisher(send, settings.channel_names, settings.message_bytes, redis_url)
    figures = Figures()
    command = server_command(kind, settings, port, redis_url)
    try:
        async with (
            harness.server_process(command, port, server_cpus) as server,
            harness.Subscribers.running(url, mode, generator_cpus, signer) as subscribers,
        ):
            helpers = (redis_pid, os.getpid())
            phase = Phase(server.pid, helpers, subscribers, publisher, settings, figures)
            await phase.idle_memory()
            if "fixed" in settings.phases:
                await phase.fixed_rate()
            if "saturation" in settings.phases:
                await phase.saturation(generator_cpus)
            stats = await subscribers.command("stats")
            if stats["unexpected_closes"]:
                figures.problems.append(f"connections closed: {stats['close_codes']}")
    finally:
        close()
    return figures


class Phase:
    """The measurements made against one running server."""

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

    async def meter(self) -> harness.Meter:
        """Start measuring once the machine is quiet (or after waiting long enough)."""
        if not await harness.wait_for_quiet(self.settings.quiet_wait):
            self.figures.problems.append(
                f"the machine was busy for {self.settings.quiet_wait:g} s before a phase"
            )
        return harness.Meter(self.pid, self.subscribers.pid, self.helpers)

    async def idle_memory(self) -> None:
        """RSS growth per subscribed, idle connection (after a warm-up with a few)."""
        channels = self.publisher.channels
        await self._open(10)
        for _ in range(max(1, 20 // len(channels))):
            self.publisher.publish_round()
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
        opened = await self.subscribers.command(
            "open", count=count, channels=self.publisher.channels
        )
        if opened["failed"]:
            raise RuntimeError(f"{opened['failed']} of {count} connections failed to open")

    async def fixed_rate(self) -> None:
        """Publish ``rate`` messages a second: latency and server CPU per delivery."""
        settings, figures, publisher = self.settings, self.figures, self.publisher
        await self.subscribers.command("reset", record=True)
        channels = len(publisher.channels)
        count = max(1, round(settings.rate * settings.fixed_seconds / channels)) * channels
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
        figures.fixed_expected = count * settings.subscribers // channels
        figures.latency_ms = stats["latency_ms"]
        figures.first_delivery_ms = stats["first_delivery_ms"]
        figures.spread_ms = stats["spread_ms"]
        self._check_order("fixed rate", stats)

    async def saturation(self, generator_cpus: set[int]) -> None:
        """Publish as fast as every subscriber receives: at most ``window`` rounds that
        some subscriber has not received yet are in flight."""
        settings, figures, publisher = self.settings, self.figures, self.publisher
        subscribers = self.subscribers
        await subscribers.command("reset", record=False)
        meter = await self.meter()
        commands, sent = redis_commands(publisher.redis_url), publisher.sent
        cores = harness.cpu_times(generator_cpus)
        deadline = meter.started + settings.saturation_seconds
        while time.monotonic() < deadline:
            if publisher.seq - subscribers.min_seq >= settings.window:
                await subscribers.wait_for(publisher.seq - settings.window + 1, timeout=10)
            else:
                publisher.publish_round()
                await asyncio.sleep(0)  # let the generator's progress reports in
        if not await subscribers.wait_for(publisher.seq, timeout=30):
            figures.problems.append("saturation: not every message arrived within 30 s")
        (
            figures.saturation_seconds,
            figures.saturation_cpu_seconds,
            figures.saturation_generator_cpu_seconds,
            figures.saturation_other_load,
        ) = meter.stop()
        figures.saturation_helper_cpu_seconds = meter.helper_seconds
        figures.generator_core_busy = harness.busy_fraction(
            cores, harness.cpu_times(generator_cpus)
        )
        # Minus one: the INFO that read the count before.
        figures.saturation_redis_commands = redis_commands(publisher.redis_url) - commands - 1
        figures.saturation_messages = publisher.sent - sent
        stats = await subscribers.command("stats")
        figures.saturation_deliveries = stats["received"]
        expected = figures.saturation_messages * settings.subscribers // len(publisher.channels)
        if stats["received"] != expected:
            figures.problems.append(
                f"saturation: {stats['received']:,} deliveries, {expected:,} expected"
            )
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


def cpus_for(settings: Settings) -> tuple[set[int], set[int]]:
    """(server's CPUs, everything else's), as ``settings.server_cpus`` asks."""
    if settings.server_cpus == "pinned":
        return harness.split_cpus()
    every = set(os.sched_getaffinity(0))
    return every, every


async def run(settings: Settings) -> str:
    """Measure every server of ``settings`` (alternating who goes first); the table."""
    cpus, results = await collect(settings)
    return report(settings, cpus, results)


async def collect(
    settings: Settings,
) -> tuple[tuple[set[int], set[int]], dict[str, list[Figures]]]:
    """Measure every server of ``settings``, alternating who goes first: the CPUs used
    (server's, everything else's) and each server's figures, one per round."""
    if not django_settings.configured:
        django_settings.configure()  # no databases: a publish is never deferred to a commit
    cpus = cpus_for(settings)
    affinity = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus[1])
    results: dict[str, list[Figures]] = {kind: [] for kind in settings.servers}
    try:
        async with harness.redis_server(cpus[1]) as redis_server:
            for round_ in range(settings.rounds):
                order = settings.servers if round_ % 2 == 0 else settings.servers[::-1]
                for kind in order:
                    print(f"round {round_ + 1}: measuring {kind} ...", file=sys.stderr, flush=True)
                    results[kind].append(await measure(kind, redis_server, settings, cpus))
    finally:
        os.sched_setaffinity(0, affinity)
    return cpus, results


async def main(argv: list[str] | None = None) -> None:
    print(await run(parse_args(argv)))


if __name__ == "__main__":
    asyncio.run(main())
