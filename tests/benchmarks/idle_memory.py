"""Idle memory per connection: our server against the bare ``websockets`` server.

N WebSocket connections that do nothing once open (subscribed to one channel, for
ours), against each server in its own process, both in one run; the figure is the
server's ``VmRSS`` growth divided by N. With ``--breakdown`` our server runs a second
time under ``tracemalloc`` (:mod:`tests.benchmarks.traced_server`) and the report
says where the Python-side bytes go: allocation sites and live objects per type, per
connection. See ``tests/benchmarks/README.md``. Not a test: it prints figures.

    python -m tests.benchmarks.idle_memory [--connections N] [--rounds R] [--breakdown]
"""

import argparse
import asyncio
import collections
import json
import os
import signal
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from . import harness

CHANNEL = "idle"
APP_ID, KEY, SECRET = "1", "idle-key", "idle-secret"
PACKAGES = ("realtime_core/", "tornado/", "websockets/")
"""Where the allocation sites the breakdown names are looked for, innermost first."""


def server_command(kind: str, port: int, redis_url: str) -> list[str]:
    if kind == "ours":
        command = ["-m", "realtime_core.server", "--app-id", APP_ID, "--key", KEY]
        command += ["--secret", SECRET, "--redis-url", redis_url, "--port", str(port)]
        return [*command, "--log-level", "WARNING"]
    command = ["-m", "tests.benchmarks.bare_server", "--port", str(port)]
    return [*command, "--redis-url", redis_url, "--channel", "idle-broadcast"]


async def measure(
    kind: str,
    redis_url: str,
    connections: int,
    cpus: tuple[set[int], set[int]],
    traced: Path | None,
) -> tuple[float, float]:
    """KiB per idle connection of the server's RSS, and of the kernel's TCP buffers
    (machine-wide, both ends: not in any RSS); with ``traced``, snapshots go there."""
    port = harness.free_port()
    command = server_command(kind, port, redis_url)
    if traced is not None:
        command = ["-m", "tests.benchmarks.traced_server", str(traced), *command[1:]]
    url = f"ws://127.0.0.1:{port}/app/{KEY}?protocol=7&client=idle&version=1"
    mode = "pusher" if kind == "ours" else "bare"
    server_cpus, generator_cpus = cpus
    async with (
        harness.server_process(command, port, server_cpus) as server,
        harness.Subscribers.running(url, mode, CHANNEL, generator_cpus) as subscribers,
    ):
        await _open(subscribers, 10)  # warm up: first-use allocations are not per connection
        await subscribers.command("close_all")
        await asyncio.sleep(1.0)
        before, kernel_before = harness.rss_kib(server.pid), tcp_buffers_kib()
        if traced is not None:
            await _snapshot(server.pid, traced, 0)
        await _open(subscribers, connections)
        await asyncio.sleep(2.0)
        growth = harness.rss_kib(server.pid) - before
        kernel = tcp_buffers_kib() - kernel_before
        if traced is not None:
            await _snapshot(server.pid, traced, 1)
        return growth / connections, kernel / connections


def tcp_buffers_kib() -> int:
    """KiB the kernel holds in TCP socket buffers, all sockets (``/proc/net/sockstat``)."""
    for line in Path("/proc/net/sockstat").read_text().splitlines():
        if line.startswith("TCP:"):
            fields = line.split()
            return int(fields[fields.index("mem") + 1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    raise RuntimeError("no TCP line in /proc/net/sockstat")


async def _open(subscribers: harness.Subscribers, count: int) -> None:
    opened = await subscribers.command("open", count=count)
    if opened["failed"]:
        raise RuntimeError(f"{opened['failed']} of {count} connections failed to open")


async def _snapshot(pid: int, directory: Path, index: int) -> None:
    os.kill(pid, signal.SIGUSR1)
    done = directory / f"{index}.done"
    deadline = time.monotonic() + 120
    while not done.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the traced server wrote no snapshot")
        await asyncio.sleep(0.2)


def _site(traceback: tracemalloc.Traceback) -> str:
    """The allocation's innermost frame, and the innermost one in a package of interest
    when that is another."""
    inner = traceback[-1]  # frames run from the oldest to the most recent
    where = f"{_short(inner.filename)}:{inner.lineno}"
    for frame in reversed(traceback):
        if any(package in frame.filename for package in PACKAGES):
            if frame is not inner:
                where += f" <- {_short(frame.filename)}:{frame.lineno}"
            break
    return where


def _short(filename: str) -> str:
    for marker in ("site-packages/", "realtime_core/", "lib/python3"):
        if marker in filename:
            _, _, tail = filename.partition(marker)
            return (marker if marker == "realtime_core/" else "") + tail
    return filename


def breakdown(directory: Path, connections: int, top: int) -> list[str]:
    """Bytes traced per connection by allocation site, and objects per type."""
    old = tracemalloc.Snapshot.load(str(directory / "0.snapshot"))
    new = tracemalloc.Snapshot.load(str(directory / "1.snapshot"))
    ignore = tracemalloc.Filter(False, tracemalloc.__file__)
    old, new = old.filter_traces([ignore]), new.filter_traces([ignore])
    sites: collections.Counter[str] = collections.Counter()
    blocks: collections.Counter[str] = collections.Counter()
    for stat in new.compare_to(old, "traceback"):
        site = _site(stat.traceback)
        sites[site] += stat.size_diff
        blocks[site] += stat.count_diff
    total = sum(sites.values())
    lines = [f"traced by tracemalloc: {total / connections:,.0f} B/connection"]
    for site, size in sites.most_common(top):
        per = size / connections
        lines.append(f"  {per:7,.0f} B  {blocks[site] / connections:5.2f} blocks  {site}")
    old_types = json.loads((directory / "0.types.json").read_text())
    new_types = json.loads((directory / "1.types.json").read_text())
    counts = {
        name: count - old_types["count"].get(name, 0) for name, count in new_types["count"].items()
    }
    sizes = {
        name: size - old_types["bytes"].get(name, 0) for name, size in new_types["bytes"].items()
    }
    lines.append("objects tracked by the garbage collector (sys.getsizeof), per connection:")
    for name, size in sorted(sizes.items(), key=lambda item: -item[1])[:top]:
        if counts[name] / connections >= 0.05:
            count = counts[name] / connections
            lines.append(f"  {size / connections:7,.0f} B  {count:5.2f}  {name}")
    return lines


async def run(args: argparse.Namespace) -> None:
    cpus = sorted(os.sched_getaffinity(0))
    split = ({cpus[-1]}, set(cpus[:-1]) or {cpus[-1]})
    kinds = args.servers.split(",")
    figures: dict[str, list[float]] = {kind: [] for kind in kinds}
    kernel: dict[str, list[float]] = {kind: [] for kind in kinds}
    async with harness.redis_server(split[1]) as (redis_url, _pid):
        for round_index in range(args.rounds):
            order = kinds if round_index % 2 == 0 else kinds[::-1]
            for kind in order:
                rss, buffers = await measure(kind, redis_url, args.connections, split, None)
                figures[kind].append(rss)
                kernel[kind].append(buffers)
        lines = [f"idle memory: {args.connections} connections, median of {args.rounds} rounds"]
        for kind in kinds:
            values = ", ".join(f"{value:.1f}" for value in figures[kind])
            median = statistics.median(figures[kind])
            lines.append(f"  {kind}: {median:.2f} KiB/connection ({values})")
            buffers = statistics.median(kernel[kind])
            lines.append(f"    kernel TCP buffers, both ends: {buffers:.2f} KiB/connection")
        if len(kinds) == 2:
            ours, bare = (statistics.median(figures[kind]) for kind in kinds)
            lines.append(f"  ratio {kinds[1]}/{kinds[0]}: {bare / ours:.2f} (> 1.00: ours wins)")
        print("\n".join(lines), flush=True)
        if args.breakdown:
            with tempfile.TemporaryDirectory() as directory:
                traced = Path(directory)
                await measure("ours", redis_url, args.connections, split, traced)
                print("\n".join(breakdown(traced, args.connections, args.top)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--servers", default="ours,bare")
    parser.add_argument("--breakdown", action="store_true", help="also trace our server")
    parser.add_argument("--top", type=int, default=25, help="rows of the breakdown")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
