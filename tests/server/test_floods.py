"""A node under a slowloris or a connection flood keeps serving everyone else.

A real ``realtime-server`` process with 256 file descriptors: one attacking address
opens far more half-sent requests than that; the node closes what is past its caps at
once, and ``/up`` and new WebSocket clients from another address are served.
"""

import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from realtime_core.server.config import ServerConfig
from tests.server_harness import free_port

from .pusher_client import PusherTestClient
from .test_commands import wait_for_port

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ServerConfig(app_id="5", key="flood-key", secret="flood-secret")
ATTACKER = "127.0.0.2"
"""Another loopback address, so the attack and the legitimate clients differ by peer."""


def _few_descriptors() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


@pytest.fixture
def small_node() -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        "REALTIME_APP_ID": CONFIG.app_id,
        "REALTIME_KEY": CONFIG.key,
        "REALTIME_SECRET": CONFIG.secret,
        "REALTIME_PORT": str(port),
        "REALTIME_HOST": "0.0.0.0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "realtime_core.server", "--max-pending-per-address", "32"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_few_descriptors,
    )
    try:
        wait_for_port(process, port)
        yield port
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
        assert "Too many open files" not in stderr
        assert "Traceback" not in stderr


def test_a_slowloris_from_one_address_leaves_the_node_serving_others(small_node: int) -> None:
    attack = []
    for _ in range(400):  # far more than the process's 256 descriptors
        sock = socket.socket()
        sock.bind((ATTACKER, 0))
        try:
            sock.connect(("127.0.0.1", small_node))
            sock.sendall(b"GET /up HTTP/1.1\r\nHost: x")  # and never the rest
        except OSError:
            sock.close()
            continue
        attack.append(sock)
    time.sleep(0.5)
    up = requests.get(f"http://127.0.0.1:{small_node}/up", timeout=5)
    assert up.status_code == 200
    client = PusherTestClient(f"ws://127.0.0.1:{small_node}/app/{CONFIG.key}", CONFIG)
    assert client.subscribe("news")["event"] == "pusher_internal:subscription_succeeded"
    client.close()
    still_open = 0
    for sock in attack:
        sock.settimeout(0.01)
        try:
            if sock.recv(1) != b"":
                still_open += 1
        except TimeoutError:
            still_open += 1
        except OSError:
            pass
        sock.close()
    assert still_open <= 32, f"{still_open} half-sent requests held open"
