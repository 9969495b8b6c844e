"""Workload (e): how fast Django code publishes, through each transport.

Calls per second of ``backend.publish()`` (one event to one channel, or a batch of ten
events) in one thread, as a Django process makes them:

- ``tornado_redis``: into Redis, one script call per publish (stream entry and pub/sub
  message per channel); the peer is a bare redis-py ``PUBLISH`` of the same frame.
- ``pusher``: the official SDK's HTTP API calls to our own ``realtime-server``
  (``/apps/{id}/events``; ten events go in one ``/batch_events``), over the SDK's
  keep-alive session.

The publisher runs on its own CPU, the server and ``redis-server`` on the other. Not a
test: it prints figures.
"""

import asyncio
import dataclasses
import os
import time
from collections.abc import Callable

import psutil
import redis
from django.conf import settings as django_settings

from realtime_core import Event, frames
from realtime_core.backends.pusher import PusherBackend
from realtime_core.backends.tornado_redis import TornadoRedisBackend
from realtime_core.messages import encode_data

from . import harness
from .fanout import APP_ID, EVENT, KEY, SECRET, bare_position, redis_commands
from .report import machine

__all__ = ["Rate", "run"]

BATCH = 10
"""Events per batch: what one Pusher ``/batch_events`` call takes."""


@dataclasses.dataclass
class Rate:
    """What one way of publishing did."""

    label: str
    events: int = 0
    calls: int = 0
    seconds: float = 0.0
    redis_commands: int = 0
    connections: int | None = None
    """TCP connections the publisher had open to the server afterwards (keep-alive: 1)."""

    def row(self) -> str:
        per_event = f"{self.redis_commands / self.events:.2f}" if self.events else "-"
        connections = "-" if self.connections is None else str(self.connections)
        return (
            f"{self.label:44} {self.calls / self.seconds:>10,.0f} "
            f"{self.events / self.seconds:>10,.0f} {per_event:>9} {connections:>6}"
        )


def measure(
    rate: Rate, publish: Callable[[int], None], per_call: int, seconds: float, redis_url: str
) -> Rate:
    """Call ``publish(n)`` for ``seconds`` (after a short warm-up)."""
    for n in range(20):
        publish(n)
    commands = redis_commands(redis_url)
    started = time.perf_counter()
    deadline = started + seconds
    n = 0
    while time.perf_counter() < deadline:
        publish(n)
        n += 1
    rate.seconds = time.perf_counter() - started
    rate.calls, rate.events = n, n * per_call
    rate.redis_commands = redis_commands(redis_url) - commands - 1
    return rate


def connections_to(port: int) -> int:
    own = psutil.Process(os.getpid()).net_connections(kind="tcp")
    return sum(1 for c in own if c.raddr and c.raddr.port == port and c.status == "ESTABLISHED")


async def run(seconds: float) -> str:
    if not django_settings.configured:
        django_settings.configure()
    server_cpus, other_cpus = harness.split_cpus()
    affinity = os.sched_getaffinity(0)
    os.sched_setaffinity(0, other_cpus)  # the publisher
    rates: list[Rate] = []
    try:
        async with harness.redis_server(server_cpus) as (redis_url, _redis_pid):
            credentials = {"APP_ID": APP_ID, "KEY": KEY, "SECRET": SECRET}
            backend = TornadoRedisBackend(
                {**credentials, "REDIS_URL": redis_url}, name="tornado_redis"
            )
            one = [Event("bench", EVENT, {"n": 0})]
            batch = [Event(f"bench-{i}", EVENT, {"n": i}) for i in range(BATCH)]
            client = redis.Redis.from_url(redis_url)
            frame = frames.channel_event("bench", EVENT, encode_data({"n": 0}), bare_position(1))
            try:
                label = "peer: redis-py PUBLISH"
                rates.append(
                    measure(
                        Rate(label), lambda n: client.publish("bench", frame), 1, seconds, redis_url
                    )
                )
                rates.append(
                    measure(
                        Rate("tornado_redis publish(), 1 event"),
                        lambda n: backend.publish(one),
                        1,
                        seconds,
                        redis_url,
                    )
                )
                rates.append(
                    measure(
                        Rate(f"tornado_redis publish(), batch of {BATCH}"),
                        lambda n: backend.publish(batch),
                        BATCH,
                        seconds,
                        redis_url,
                    )
                )
            finally:
                backend.close()
                client.close()
            port = harness.free_port()
            command = ["-m", "realtime_core.server", "--app-id", APP_ID, "--key", KEY]
            command += ["--secret", SECRET, "--redis-url", redis_url, "--port", str(port)]
            async with harness.server_process(
                [*command, "--log-level", "WARNING"], port, server_cpus
            ):
                pusher = PusherBackend(
                    {**credentials, "HOST": "127.0.0.1", "PORT": port, "USE_TLS": False},
                    name="pusher",
                )
                try:
                    for label, events in (("1 event", one), (f"batch of {BATCH}", batch)):
                        rate = measure(
                            Rate(f"pusher publish() -> our HTTP API, {label}"),
                            lambda n, events=events: pusher.publish(events),
                            len(events),
                            seconds,
                            redis_url,
                        )
                        rate.connections = connections_to(port)
                        rates.append(rate)
                finally:
                    pusher.close()
    finally:
        os.sched_setaffinity(0, affinity)
    lines = [
        f"publish throughput from Django (one thread, {seconds:g} s each)",
        *machine(),
        f"pinning: publisher on CPU {sorted(other_cpus)}; realtime-server and redis-server "
        f"on CPU {sorted(server_cpus)}",
        "",
        f"{'':44} {'calls/s':>10} {'events/s':>10} {'Redis/ev':>9} {'conns':>6}",
        *(rate.row() for rate in rates),
        "Redis/ev: commands Redis ran per event (INFO commandstats, scripts' inner calls "
        "included); conns: the publisher's TCP connections to the server afterwards",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(asyncio.run(run(3)))
