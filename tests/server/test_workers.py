"""``realtime-server --workers N``: one address, N processes, restarted one at a time."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pusher
import pytest
from prometheus_client.parser import text_string_to_metric_families

from realtime_core.server.config import ServerConfig
from tests.server_harness import free_port

from .pusher_client import PusherTestClient
from .test_commands import ROOT, start

CONFIG = ServerConfig(app_id="5150", key="workers-key", secret="workers-secret")


def children(pid: int) -> set[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return {int(child) for child in text.split()}


def accepted_on(pid: int, port: int) -> int:
    """How many established TCP connections to ``port`` the process ``pid`` holds."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":  # ESTABLISHED
                inodes.add(fields[9])
    held = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().name
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            held += 1
    return held


def consecutive_free_ports(count: int) -> int:
    """The first of ``count`` consecutive ports nothing listens on now."""
    for _attempt in range(50):
        first = free_port()
        probes = []
        try:
            for port in range(first, first + count):
                probe = socket.socket()
                probes.append(probe)
                probe.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise AssertionError("no consecutive free ports found")


def until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


class Workers:
    def __init__(self, redis_url: str, count: int, **extra: str) -> None:
        self.port = free_port()
        env = {
            "REALTIME_APP_ID": CONFIG.app_id,
            "REALTIME_KEY": CONFIG.key,
            "REALTIME_SECRET": CONFIG.secret,
            "REALTIME_REDIS_URL": redis_url,
            "REALTIME_PORT": str(self.port),
            "REALTIME_WORKERS": str(count),
            "REALTIME_LOG_LEVEL": "WARNING",
            **extra,
        }
        self.process = start([sys.executable, "-m", "realtime_core.server"], self.port, env)
        until(lambda: len(children(self.process.pid)) == count)
        self.clients: list[PusherTestClient] = []

    def client(self) -> PusherTestClient:
        url = f"ws://127.0.0.1:{self.port}/app/{CONFIG.key}?protocol=7"
        client = PusherTestClient(url, CONFIG)
        self.clients.append(client)
        return client

    def api(self) -> pusher.Pusher:
        return pusher.Pusher(
            app_id=CONFIG.app_id,
            key=CONFIG.key,
            secret=CONFIG.secret,
            host="127.0.0.1",
            port=self.port,
            ssl=False,
        )

    def stop(self) -> tuple[int, str]:
        for client in self.clients:
            client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        _out, err = self.process.communicate(timeout=30)
        return self.process.returncode, err


@pytest.fixture
def workers(redis_url: str) -> Iterator[Workers]:
    running = Workers(redis_url, 2)
    yield running
    running.stop()


def test_the_workers_serve_one_address_and_share_every_channel(workers: Workers) -> None:
    clients = [workers.client() for _ in range(12)]
    for client in clients:
        assert client.subscribe("news")["event"] == "pusher_internal:subscription_succeeded"
    # The kernel spread the connections: both workers hold some of them.
    held = [accepted_on(pid, workers.port) for pid in children(workers.process.pid)]
    assert sum(held) == len(clients)
    assert all(held), held
    workers.api().trigger("news", "tick", {"n": 1})
    for client in clients:
        assert json.loads(client.expect("tick")["data"]) == {"n": 1}


def test_a_dead_worker_is_replaced(workers: Workers) -> None:
    before = children(workers.process.pid)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)

    def replaced() -> bool:
        now = children(workers.process.pid)
        return len(now) == 2 and victim not in now

    until(replaced)
    client = workers.client()
    assert client.subscribe("news")["event"] == "pusher_internal:subscription_succeeded"
    workers.api().trigger("news", "tick", {"n": 2})
    assert json.loads(client.expect("tick")["data"]) == {"n": 2}


def test_sighup_restarts_the_workers_one_at_a_time_without_refusing_anyone(
    workers: Workers,
) -> None:
    before = children(workers.process.pid)
    workers.process.send_signal(signal.SIGHUP)
    refused = 0
    connected = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            workers.client().close()
            connected += 1
        except OSError:
            refused += 1
        now = children(workers.process.pid)
        if len(now) == 2 and not now & before:
            break
    assert not children(workers.process.pid) & before, "the old workers are still there"
    assert refused == 0
    assert connected > 0
    code, err = workers.stop()
    assert code == 0, err


def test_each_worker_can_be_scraped_on_a_port_of_its_own(redis_url: str) -> None:
    base = consecutive_free_ports(2)
    running = Workers(redis_url, 2, REALTIME_WORKER_PORT=str(base))
    try:
        clients = [running.client() for _ in range(10)]
        per_worker = []
        for port in (base, base + 1):
            text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
            (family,) = [
                family
                for family in text_string_to_metric_families(text.decode())
                if family.name == "realtime_connections"
            ]
            per_worker.append(int(family.samples[0].value))
        assert sum(per_worker) == len(clients)
        assert all(per_worker), per_worker
    finally:
        running.stop()


def test_workers_need_redis() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "realtime_core.server", "--workers", "2"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "REALTIME_APP_ID": "1",
            "REALTIME_KEY": "k",
            "REALTIME_SECRET": "s",
        },
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "--redis-url" in result.stderr
