"""The processes of the fault suite: socket-server nodes, a balancer, clients, a publisher.

* :class:`Node`: one ``python -m realtime_core.server`` process on Redis, in a process
  group of its own (killed at the end whatever happens).
* :class:`Balancer`: a TCP balancer in front of the nodes, like nginx with ``least_conn``
  and ``proxy_next_upstream error``: each new connection goes to the live node with the
  fewest connections, the next one when a node refuses. ``sever()`` cuts every client's
  connection and refuses new ones until ``restore()`` (a network outage).
* :class:`Clients`: ``tests/faults/clients.mjs`` (realtime.js and pusher-js) in Node.
* :class:`Publisher`: numbered ``tick`` events at a steady rate through the nodes' HTTP
  API (the official ``pusher`` SDK); only the publishes answered 200 are expected.

Every wait is bounded; every process is stopped by :meth:`close` (the fixtures call it).
"""

import asyncio
import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pusher

from tests.server_harness import free_port, pipe

REPO = Path(__file__).resolve().parents[2]
APP = {"app_id": "2468", "key": "faults-key", "secret": "faults-secret"}
START_TIMEOUT = 15.0


class Node:
    """One ``realtime-server`` process sharing ``redis_url`` with the others."""

    def __init__(self, redis_url: str, log_dir: Path, name: str, *extra: str) -> None:
        self.name = name
        self.port = free_port()
        self.log = log_dir / f"{name}.log"
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "realtime_core.server"),
                *("--app-id", APP["app_id"], "--key", APP["key"], "--secret", APP["secret"]),
                *("--redis-url", redis_url, "--host", "127.0.0.1", "--port", str(self.port)),
                *extra,
            ],
            cwd=REPO,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.process.returncode}:\n{self.output}")
            if b"Serving app" in self.log.read_bytes():
                return
            time.sleep(0.02)
        raise RuntimeError(f"{self.name} did not start in {START_TIMEOUT} s:\n{self.output}")

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def signal(self, signum: int) -> None:
        if self.alive:
            self.process.send_signal(signum)

    def wait(self, timeout: float = 10.0) -> int:
        return self.process.wait(timeout)

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        self._log_file.close()


class Balancer:
    """A least-connections TCP balancer on its own thread (see the module docstring)."""

    def __init__(self, upstreams: list[int]) -> None:
        self.port = free_port()
        self.upstreams = list(upstreams)
        self.active = dict.fromkeys(self.upstreams, 0)
        self.severed = False
        self._writers: set[asyncio.StreamWriter] = set()
        self._turn = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server: asyncio.Server | None = self._call(self._listen())

    def _call(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(10)

    async def _listen(self) -> asyncio.Server:
        return await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.severed:
            writer.close()
            return
        self._turn += 1
        turn = self._turn % len(self.upstreams)
        in_turn = self.upstreams[turn:] + self.upstreams[:turn]
        for port in sorted(in_turn, key=lambda port: self.active[port]):
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue  # proxy_next_upstream error
            break
        else:
            writer.close()
            return
        self.active[port] += 1
        self._writers |= {writer, upstream_writer}
        try:
            await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))
        finally:
            self.active[port] -= 1
            self._writers -= {writer, upstream_writer}

    def sever(self) -> None:
        """Cut every relayed connection and refuse new ones (until :meth:`restore`)."""

        async def cut() -> None:
            self.severed = True
            for writer in list(self._writers):
                writer.transport.abort()

        self._call(cut())

    def restore(self) -> None:
        self.severed = False

    def close(self) -> None:
        async def shut_down() -> None:
            assert self._server is not None
            self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            await asyncio.sleep(0.05)

        with contextlib.suppress(Exception):
            self._call(shut_down())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


class Clients:
    """``clients.mjs`` in Node: realtime.js and pusher-js clients, and what they recorded."""

    def __init__(self, node: list[str], auth_users: dict[str, Any] | None = None) -> None:
        config = {"key": APP["key"], "authUsers": auth_users}
        self.process = subprocess.Popen(
            [*node, str(Path(__file__).with_name("clients.mjs")), json.dumps(config)],
            cwd=REPO,
            env={
                **os.environ,
                # The app tests/js/helpers.mjs's AuthServer signs for.
                "REALTIME_JS_APP_ID": APP["app_id"],
                "REALTIME_JS_KEY": APP["key"],
                "REALTIME_JS_SECRET": APP["secret"],
            },
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            start_new_session=True,
        )
        self._lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.subscribed: dict[tuple[str, str], int] = {}
        """Milliseconds since the epoch each client's channel subscription succeeded."""
        self.errors: list[str] = []
        self.stderr: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self._next("ready", timeout=START_TIMEOUT)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            message = json.loads(line)
            if message["type"] == "subscribed":
                self.subscribed[(message["id"], message["channel"])] = message["at"]
            elif message["type"] == "error":
                self.errors.append(message["message"])
            else:
                self._lines.put(message)
        self._lines.put(None)

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)

    def _send(self, command: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def _next(self, kind: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {kind!r} from clients.mjs in {timeout} s") from None
            if message is None:
                raise AssertionError(f"clients.mjs exited:\n{''.join(self.stderr)}{self.errors}")
            if message["type"] == kind:
                return message

    def open(
        self,
        group: str,
        kind: str,
        count: int,
        port: int,
        channels: list[str],
        user: str | None = None,
    ) -> list[str]:
        """Open ``count`` clients; returns their ids (see :meth:`wait_subscribed`)."""
        self._send(
            {
                "cmd": "open",
                "group": group,
                "kind": kind,
                "count": count,
                "host": "127.0.0.1",
                "port": port,
                "channels": channels,
                "user": user,
            }
        )
        return [f"{group}-{kind}-{index}" for index in range(count)]

    def wait_subscribed(self, ids: list[str], channels: list[str], timeout: float) -> None:
        wanted = {(client, channel) for client in ids for channel in channels}
        wait_until(
            lambda: wanted <= self.subscribed.keys(),
            lambda: (
                f"subscriptions {sorted(wanted - self.subscribed.keys())} "
                f"({self.errors}; {[c['errors'] for c in self.report()]})"
            ),
            timeout,
        )

    def report(self) -> list[dict[str, Any]]:
        self._send({"cmd": "report"})
        clients: list[dict[str, Any]] = self._next("report", timeout=10)["clients"]
        return clients

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._send({"cmd": "quit"})
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(3)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        for reader in self._readers:
            reader.join(5)  # at the end of the output
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            with contextlib.suppress(OSError, ValueError):
                assert stream is not None
                stream.close()


class Publisher:
    """Publishes ``tick`` events ``{"n": 1, 2, ...}`` on ``channels`` at ``rate`` per second,
    through the nodes in turn (one request at a time, so positions follow ``n``)."""

    def __init__(self, ports: Callable[[], list[int]], channels: list[str], rate: float) -> None:
        self._ports = ports
        self.channels = channels
        self.rate = rate
        self.accepted: list[tuple[int, float]] = []
        """(n, wall-clock time the request was sent) of every publish answered 200."""
        self.refused: list[tuple[int, str]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sdk(self, port: int) -> pusher.Pusher:
        return pusher.Pusher(
            app_id=APP["app_id"],
            key=APP["key"],
            secret=APP["secret"],
            ssl=False,
            host="127.0.0.1",
            port=port,
            timeout=2,
        )

    def _run(self) -> None:
        sdks: dict[int, pusher.Pusher] = {}
        started = time.monotonic()
        n = 0
        while not self._stop.is_set():
            n += 1
            ports = self._ports()
            port = ports[n % len(ports)]
            sdk = sdks.get(port) or sdks.setdefault(port, self._sdk(port))
            sent = time.time()
            try:
                sdk.trigger(self.channels, "tick", {"n": n})
            except Exception as exc:  # a 503 during an outage, a refused connection...
                self.refused.append((n, f"{type(exc).__name__}: {exc}"[:200]))
            else:
                self.accepted.append((n, sent))
            pause = started + n / self.rate - time.monotonic()
            if pause > 0:
                self._stop.wait(pause)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def accepted_after(self, at: float) -> list[int]:
        """The accepted ``n`` whose request was sent after ``at`` (wall clock, seconds)."""
        return [n for n, sent in self.accepted if sent > at]


def wait_until(
    predicate: Callable[[], object], what: Callable[[], str] | str, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            described = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout} s waiting for {described}")
        time.sleep(0.05)


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0
