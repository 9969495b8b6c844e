"""The fan-out benchmark's settings, figures, and the table it prints."""

import dataclasses
import datetime
import os
import platform
import statistics
import subprocess
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

__all__ = ["PHASES", "Figures", "Settings", "machine", "report"]


PHASES = ("idle", "fixed", "saturation")


@dataclasses.dataclass(frozen=True)
class Settings:
    """``window`` counts rounds (one message to every channel) at saturation; ``rate``
    counts messages (each to one channel, round-robin over the channels)."""

    subscribers: int
    rate: float
    fixed_seconds: float
    saturation_seconds: float
    window: int
    message_bytes: int
    rounds: int
    quiet_wait: float
    servers: list[str]
    channels: int = 1
    presence: bool = False
    workers: int = 0
    """``realtime-server --workers N`` for ours; 0: one plain process."""
    phases: tuple[str, ...] = PHASES
    server_cpus: str = "pinned"
    """"pinned": the server alone on the last CPU; "shared": every process on every CPU."""

    @property
    def channel_names(self) -> list[str]:
        if self.channels == 1:
            return ["bench"]
        kind = "presence-room" if self.presence else "user"
        return [f"{kind}-{index}" for index in range(self.channels)]

    def describe(self) -> str:
        per_channel = self.subscribers // self.channels
        layout = (
            f"{self.subscribers} subscribers on one channel"
            if self.channels == 1
            else f"{self.channels} {'presence ' if self.presence else ''}channels of "
            f"{per_channel} subscriber{'s' if per_channel != 1 else ''}"
        )
        if self.workers:
            layout += f", ours as realtime-server --workers {self.workers}"
        parts = [f"fan-out through Redis: {layout}, {self.message_bytes}-byte frames"]
        if "fixed" in self.phases:
            parts.append(
                f"fixed rate {self.rate:g} msg/s for {self.fixed_seconds:g} s"
                + (" (round-robin over the channels)" if self.channels > 1 else "")
            )
        if "saturation" in self.phases:
            unit = "messages" if self.channels == 1 else f"rounds of {self.channels} messages"
            parts.append(
                f"saturation {self.saturation_seconds:g} s with {self.window} {unit} in flight"
            )
        parts.append(f"median of {self.rounds} rounds" if self.rounds > 1 else "1 round")
        return "; ".join(parts)


@dataclasses.dataclass
class Figures:
    """What one server did in one round."""

    connect_seconds: float = 0.0
    idle_kib_per_connection: float = 0.0
    fixed_deliveries: int = 0
    fixed_expected: int = 0
    fixed_seconds: float = 0.0
    fixed_cpu_seconds: float = 0.0
    fixed_other_load: float = 0.0
    latency_ms: dict[str, float | None] = dataclasses.field(default_factory=dict)
    first_delivery_ms: dict[str, float | None] = dataclasses.field(default_factory=dict)
    spread_ms: dict[str, float | None] = dataclasses.field(default_factory=dict)
    saturation_deliveries: int = 0
    saturation_seconds: float = 0.0
    saturation_cpu_seconds: float = 0.0
    saturation_generator_cpu_seconds: float = 0.0
    saturation_other_load: float = 0.0
    saturation_helper_cpu_seconds: float = 0.0
    """CPU seconds of the publisher (this process) and redis-server at saturation."""
    saturation_messages: int = 0
    """Messages published (one per channel) during the saturation phase."""
    saturation_redis_commands: int = 0
    """Commands Redis ran during the saturation phase (``INFO commandstats``)."""
    generator_core_busy: float = 0.0
    problems: list[str] = dataclasses.field(default_factory=list)


def _per(value: float, count: float, scale: float = 1.0) -> float:
    return value / count * scale if count else 0.0


Row = tuple[str, Callable[[Figures], float | None], str, bool | None]
"""Label, value, format, and whether higher is better (None: no ratio)."""


def _rows(settings: Settings) -> list[Row]:
    rate = f"{settings.rate:g} msg/s:"
    return [
        (
            "saturation: deliveries/s",
            lambda f: _per(f.saturation_deliveries, f.saturation_seconds),
            "{:,.0f}",
            True,
        ),
        (
            "saturation: server CPU us/delivery",
            lambda f: _per(f.saturation_cpu_seconds, f.saturation_deliveries, 1e6),
            "{:.2f}",
            False,
        ),
        (
            "saturation: one core at that cost: deliv/s",
            lambda f: _per(f.saturation_deliveries, f.saturation_cpu_seconds),
            "{:,.0f}",
            None,
        ),
        (
            "saturation: server core busy",
            lambda f: _per(f.saturation_cpu_seconds, f.saturation_seconds, 100),
            "{:.0f}%",
            None,
        ),
        (
            "saturation: generator CPUs busy",
            lambda f: f.generator_core_busy * 100,
            "{:.0f}%",
            None,
        ),
        (
            "saturation: generator CPU us/delivery",
            lambda f: _per(f.saturation_generator_cpu_seconds, f.saturation_deliveries, 1e6),
            "{:.2f}",
            None,
        ),
        (
            "saturation: publisher + redis-server cores",
            lambda f: _per(f.saturation_helper_cpu_seconds, f.saturation_seconds),
            "{:.2f}",
            None,
        ),
        (
            "saturation: Redis commands per message",
            lambda f: _per(f.saturation_redis_commands, f.saturation_messages),
            "{:.2f}",
            None,
        ),
        (
            f"{rate} deliveries/s",
            lambda f: _per(f.fixed_deliveries, f.fixed_seconds),
            "{:,.0f}",
            None,
        ),
        (f"{rate} latency p50 ms", lambda f: f.latency_ms.get("p50"), "{:.1f}", False),
        (f"{rate} latency p99 ms", lambda f: f.latency_ms.get("p99"), "{:.1f}", False),
        (f"{rate} latency max ms", lambda f: f.latency_ms.get("max"), "{:.1f}", None),
        (f"{rate} first delivery p50 ms", lambda f: f.first_delivery_ms.get("p50"), "{:.1f}", None),
        (f"{rate} first-to-last spread p50 ms", lambda f: f.spread_ms.get("p50"), "{:.1f}", None),
        (
            f"{rate} server CPU us/delivery",
            lambda f: _per(f.fixed_cpu_seconds, f.fixed_deliveries, 1e6),
            "{:.2f}",
            False,
        ),
        ("idle memory: KiB/connection", lambda f: f.idle_kib_per_connection, "{:.1f}", False),
        (
            f"connect (+subscribe) {settings.subscribers}: s",
            lambda f: f.connect_seconds,
            "{:.1f}",
            None,
        ),
        ("unrelated load, fixed rate: cores", lambda f: f.fixed_other_load, "{:.2f}", None),
        ("unrelated load, saturation: cores", lambda f: f.saturation_other_load, "{:.2f}", None),
    ]


def _phase(label: str, settings: Settings) -> str:
    """Which phase measures the figure of row ``label``."""
    if label.startswith(("saturation:", "unrelated load, saturation")):
        return "saturation"
    if label.startswith((f"{settings.rate:g} msg/s:", "unrelated load, fixed")):
        return "fixed"
    return "idle"


def machine() -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "")
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    ws = Path(__file__).with_name("node") / "node_modules" / "ws" / "package.json"
    ws_version = ws.read_text().split('"version": "', 1)[1].split('"', 1)[0]
    redis_server = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True
    ).stdout.split()[2]
    return [
        f"machine: {os.cpu_count()} cores ({model}), Linux {platform.release()}, "
        f"{datetime.date.today().isoformat()}",
        f"software: Python {platform.python_version()}, tornado {version('tornado')}, "
        f"websockets {version('websockets')}, redis-py {version('redis')}, "
        f"redis-server {redis_server.removeprefix('v=')}, Node {node} + ws {ws_version}",
    ]


def _median(runs: list[Figures], value: Callable[[Figures], float | None]) -> float | None:
    """The median over the rounds; None when some round lacks the figure."""
    values = [value(figures) for figures in runs]
    known = [figure for figure in values if figure is not None]
    return statistics.median(known) if known and len(known) == len(values) else None


def _notes(name: str, runs: list[Figures]) -> list[str]:
    """What a reader needs to know to trust (or not) one server's figures."""
    notes = []
    delivered = ", ".join(f"{f.fixed_deliveries:,}/{f.fixed_expected:,}" for f in runs)
    problems = "; ".join(problem for f in runs for problem in f.problems) or "none"
    notes.append(f"{name}: fixed-rate deliveries {delivered}; problems: {problems}")
    expected = [f for f in runs if f.saturation_messages]
    if expected:
        notes.append(
            f"{name}: saturation published "
            + ", ".join(f"{f.saturation_messages:,}" for f in expected)
            + " messages, each delivered to every subscriber of its channel"
        )
    bound = [
        f
        for f in runs
        if f.generator_core_busy > 0.9
        and _per(f.saturation_cpu_seconds, f.saturation_seconds) < 0.9
    ]
    if bound:
        notes.append(
            f"{name}: in {len(bound)} of {len(runs)} rounds the load generator's core was "
            "saturated before the server's: its saturation deliveries/s is a lower bound"
        )
    return notes


def report(
    settings: Settings, cpus: tuple[set[int], set[int]], results: dict[str, list[Figures]]
) -> str:
    """The table: medians over the rounds, and the ratio ours : bare (>1 is ours better)."""
    ours, bare = results.get("ours", []), results.get("bare", [])
    pinning = (
        f"pinning: server on CPU {sorted(cpus[0])}; Node generator, publisher and "
        f"redis-server on CPU {sorted(cpus[1])}"
        if settings.server_cpus == "pinned"
        else f"pinning: none, server, Node generator, publisher and redis-server share "
        f"CPUs {sorted(cpus[0] | cpus[1])}"
    )
    lines = [
        settings.describe(),
        *machine(),
        pinning,
        "",
        f"{'':42} {'realtime_core':>14} {'websockets':>14} {'ratio':>6}",
    ]
    for label, value, fmt, higher_is_better in _rows(settings):
        ours_value, bare_value = _median(ours, value), _median(bare, value)
        if _phase(label, settings) not in settings.phases:
            continue
        cells = [
            "-" if figure is None else fmt.format(figure) for figure in (ours_value, bare_value)
        ]
        ratio = ""
        if higher_is_better is not None and ours_value and bare_value:
            quotient = ours_value / bare_value if higher_is_better else bare_value / ours_value
            ratio = f"{quotient:.2f}"
        lines.append(f"{label:42} {cells[0]:>14} {cells[1]:>14} {ratio:>6}")
    lines.append("ratio: ours/bare for throughput, bare/ours for the rest; > 1.00 means ours wins")
    for name, runs in results.items():
        lines += _notes(name, runs)
    return "\n".join(lines)
