"""The benchmark's machinery end to end, tiny: every connection gets every message.

Not a timed test: no figure is checked, only that the fan-out benchmark's servers,
publishers and load generator deliver what they should (presence rooms included), so
the benchmark keeps measuring what it says.
"""

import asyncio
import shutil

import pytest

from tests.benchmarks import fanout, harness
from tests.benchmarks.report import Settings

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
    pytest.mark.skipif(
        not (harness.NODE_DIR / "node_modules" / "ws").is_dir(),
        reason="ws is not installed: run `npm ci` in tests/benchmarks/node",
    ),
]

ROOMS = Settings(
    subscribers=12,
    rate=60,
    fixed_seconds=0.5,
    saturation_seconds=0.5,
    window=2,
    message_bytes=120,
    rounds=1,
    quiet_wait=0,
    servers=["ours", "bare"],
    channels=4,
    presence=True,
)


def test_every_connection_gets_every_message() -> None:
    settings = ROOMS
    _cpus, results = asyncio.run(fanout.collect(settings))
    for kind in ("ours", "bare"):
        (figures,) = results[kind]
        problems = [p for p in figures.problems if "the machine was busy" not in p]
        assert problems == [], kind
        assert figures.fixed_deliveries == figures.fixed_expected > 0, kind
        per_channel = settings.subscribers // settings.channels
        assert figures.saturation_deliveries == figures.saturation_messages * per_channel > 0
