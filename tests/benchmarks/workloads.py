"""The cost curves: every workload against the bare ``websockets`` peer, in one run.

    python -m tests.benchmarks.workloads --workload a|b|c|d|e|nodes|all [--quick]

- ``a``: one channel, 1,000 / 2,500 / 5,000 subscribers (``--subscribers`` to choose).
- ``b``: per-user notifications, 5,000 channels of 1 subscriber, messages round-robin.
- ``c``: rooms, 500 channels of 10 subscribers; ours are presence channels (every
  member signs in with a presence auth and gets the member list and joins), which the
  peer cannot do: the comparison is on fan-out, presence is work only ours does.
- ``d``: idle connections: memory per connection at 5,000 connections.
- ``e``: publish throughput from Django (:mod:`tests.benchmarks.publish_rate`).
- ``nodes``: workload (a) at 1,000 subscribers with ``realtime-server --workers`` 1, 2
  and 4, every process sharing every CPU.

Each fixed-rate phase publishes about 20,000 deliveries/s for (a), 1,000 for (b) and
5,000 for (c): a moderate rate for either server on a 2-core machine. See
``tests/benchmarks/README.md``. Not a test: it prints figures and never fails on them.
"""

import argparse
import asyncio
import dataclasses
import resource
import sys
from collections.abc import Iterator

from . import fanout, publish_rate
from .report import Figures, Settings, machine

WORKLOADS = ("a", "b", "c", "d", "e", "nodes")
SWEEP = (1000, 2500, 5000)
WORKERS = (1, 2, 4)
FIXED_DELIVERIES = 20_000
"""Deliveries/s of workload (a)'s fixed-rate phase, whatever the subscriber count."""


def base(quick: bool, quiet_wait: float | None, rounds: int) -> Settings:
    return Settings(
        subscribers=1000,
        rate=20,
        fixed_seconds=3 if quick else 10,
        saturation_seconds=3 if quick else 10,
        window=100,
        message_bytes=120,
        rounds=rounds,
        quiet_wait=quiet_wait if quiet_wait is not None else 1 if quick else 5,
        servers=["ours", "bare"],
    )


def settings_for(
    workload: str, common: Settings, quick: bool, subscribers: list[int] | None
) -> Iterator[Settings]:
    """The runs of one fan-out workload (a sweep makes several)."""
    replace = dataclasses.replace
    if workload == "a":
        for count in subscribers or ([200, 500] if quick else SWEEP):
            yield replace(common, subscribers=count, rate=FIXED_DELIVERIES / count)
    elif workload == "b":
        channels = 500 if quick else 5000
        yield replace(common, subscribers=channels, channels=channels, rate=1000, window=2)
    elif workload == "c":
        channels = 50 if quick else 500
        yield replace(
            common, subscribers=channels * 10, channels=channels, presence=True, rate=500, window=4
        )
    elif workload == "d":
        yield replace(common, subscribers=500 if quick else 5000, phases=("idle",))
    elif workload == "nodes":
        for workers in WORKERS:
            yield replace(
                common,
                subscribers=200 if quick else 1000,
                workers=workers,
                servers=["ours"],
                phases=("idle", "saturation"),
                server_cpus="shared",
            )


def scaling(runs: list[tuple[Settings, dict[str, list[Figures]]]]) -> str:
    """Workload ``nodes``: deliveries/s by worker count, against one worker."""
    lines = [
        "scaling with realtime-server --workers N (every process on every CPU)",
        *machine(),
        "",
        f"{'workers':>8} {'deliveries/s':>13} {'x 1 worker':>11} {'server CPU':>11} "
        f"{'generator':>10} {'pub+redis':>10} {'unrelated':>10} {'us/deliv':>9}",
    ]
    first = None
    for settings, results in runs:
        figures = results["ours"][0]
        rate = figures.saturation_deliveries / figures.saturation_seconds
        first = first or rate
        server = figures.saturation_cpu_seconds / figures.saturation_seconds
        generator = figures.saturation_generator_cpu_seconds / figures.saturation_seconds
        helpers = figures.saturation_helper_cpu_seconds / figures.saturation_seconds
        per = figures.saturation_cpu_seconds / figures.saturation_deliveries * 1e6
        lines.append(
            f"{settings.workers:>8} {rate:>13,.0f} {rate / first:>11.2f} {server:>10.2f}c "
            f"{generator:>9.2f}c {helpers:>9.2f}c {figures.saturation_other_load:>9.2f}c "
            f"{per:>9.2f}"
        )
        lines += [f"  problems: {problem}" for problem in figures.problems]
    lines.append(
        "cores used on average during saturation by the server (all workers), the Node "
        "generator (one thread: 1.00c is its limit), the publisher + redis-server, and "
        "unrelated processes; us/deliv: server CPU per delivery"
    )
    return "\n".join(lines)


def raise_open_files(needed: int) -> None:
    """Let this process's children (a server, the generator) each hold ``needed`` sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise SystemExit(f"needs {needed} open files; the hard limit (ulimit -Hn) is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.workloads", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--workload", choices=[*WORKLOADS, "all"], required=True)
    parser.add_argument("--quick", action="store_true", help="smoke run, small and short")
    parser.add_argument(
        "--subscribers", help="workload a: comma-separated subscriber counts (1000,2500,5000)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="measure each server N times (1)")
    parser.add_argument("--quiet-wait", type=float, help="wait for an idle machine (5 s; 1 quick)")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.subscribers.split(",")] if args.subscribers else None
    raise_open_files(max([*(counts or []), *SWEEP]) + 1024)
    common = base(args.quick, args.quiet_wait, max(1, args.rounds))
    for workload in WORKLOADS if args.workload == "all" else [args.workload]:
        print(f"workload {workload} ...", file=sys.stderr, flush=True)
        if workload == "e":
            print(await publish_rate.run(2 if args.quick else 5), flush=True)
        elif workload == "nodes":
            runs = []
            for settings in settings_for(workload, common, args.quick, counts):
                runs.append((settings, (await fanout.collect(settings))[1]))
            print(scaling(runs), flush=True)
        else:
            for settings in settings_for(workload, common, args.quick, counts):
                print(f"({workload}) {await fanout.run(settings)}\n", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
