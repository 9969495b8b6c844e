"""A server under test with ``tracemalloc`` on, for the idle-memory breakdown.

``python -m tests.benchmarks.traced_server DIR MODULE [ARGS...]`` runs ``python -m
MODULE ARGS...`` in this process with ``tracemalloc`` tracing every allocation
(16 frames deep). Each ``SIGUSR1`` writes ``DIR/<n>.snapshot`` (a
:class:`tracemalloc.Snapshot`) and ``DIR/<n>.types.json`` (live objects per type
name, counted by the garbage collector), n = 0, 1, ... Tracing costs memory and time
of its own, so :mod:`tests.benchmarks.idle_memory` reads RSS from an untraced run and
only the breakdown from this one.
"""

import asyncio
import collections
import gc
import json
import runpy
import signal
import sys
import tracemalloc
import types
from pathlib import Path
from types import FrameType

FRAMES = 16


def _kind(value: object) -> str:
    """The type's name; a coroutine's and a task's own name too (which code is waiting)."""
    kind = type(value)  # not isinstance: that would wake lazy objects (Django settings)
    if kind is types.CoroutineType:
        return f"coroutine {value.__qualname__}"  # type: ignore[attr-defined]
    if kind is asyncio.Task:
        return f"Task {value.get_coro().__qualname__}"  # type: ignore[attr-defined]
    return kind.__qualname__


def main() -> None:
    directory, module, *arguments = sys.argv[1:]
    taken = 0

    def dump(_signum: int, _frame: FrameType | None) -> None:
        nonlocal taken
        gc.collect()
        types: collections.Counter[str] = collections.Counter()
        sizes: collections.Counter[str] = collections.Counter()
        for value in gc.get_objects():
            name = _kind(value)
            types[name] += 1
            sizes[name] += sys.getsizeof(value)
        path = Path(directory, str(taken))
        tracemalloc.take_snapshot().dump(f"{path}.snapshot")
        Path(f"{path}.types.json").write_text(json.dumps({"count": types, "bytes": sizes}))
        Path(f"{path}.done").touch()
        taken += 1

    signal.signal(signal.SIGUSR1, dump)
    tracemalloc.start(FRAMES)
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
