"""``realtime_check`` on ``pusher``, against the self-hosted server standing in for Pusher."""

import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from realtime_core.brokers.in_process import InProcessBroker, InProcessExchange
from realtime_core.server.config import ServerConfig
from tests.server_harness import ServerThread, free_port

from .conftest import check_both, realtime_check

SECRET = "pusher-secret-value-31c9"
SERVER_CONFIG = ServerConfig(app_id="4321", key="pusher-key", secret=SECRET)
CREDENTIALS = {"APP_ID": "4321", "KEY": "pusher-key", "SECRET": SECRET}

Configure = Callable[..., None]


@pytest.fixture
def server() -> Iterator[ServerThread]:
    exchange = InProcessExchange()
    thread = ServerThread(SERVER_CONFIG, lambda: InProcessBroker(exchange))
    yield thread
    thread.stop()


def local(port: int, **changes: Any) -> dict[str, Any]:
    """Options pointing the pusher backend at a plain-HTTP server on 127.0.0.1:``port``."""
    return {**CREDENTIALS, "HOST": "127.0.0.1", "PORT": port, "USE_TLS": False, **changes}


@pytest.mark.usefixtures("no_channel_patterns")
def test_happy_path_signed_api_and_sockets(
    realtime_settings: Configure, server: ServerThread
) -> None:
    realtime_settings("pusher", local(server.port))
    both = check_both()
    assert both.status == 0
    assert both.statuses() == {
        "configuration": "ok",
        "connectivity": "ok",
        "socket": "ok",
        "round trip": "ok",
        "compatibility": "ok",
    }
    endpoint = f"http://127.0.0.1:{server.port}"
    assert both.step("connectivity")["detail"].startswith(
        f"Pusher's API at {endpoint} accepted a signed request for app 4321"
    )
    assert both.step("socket")["detail"].startswith(
        f"ws://127.0.0.1:{server.port}/app/pusher-key answered"
    )
    assert "published through 'pusher' reached a subscriber" in both.step("round trip")["detail"]
    both.assert_hides(SECRET)


def test_a_wrong_secret_says_credentials(
    realtime_settings: Configure, server: ServerThread
) -> None:
    wrong = "wrong-secret-value-0a8e"
    realtime_settings("pusher", local(server.port, SECRET=wrong))
    both = check_both()
    assert both.status == 1
    connectivity = both.step("connectivity")
    assert connectivity["status"] == "failed"
    assert connectivity["detail"].startswith("Pusher refused the credentials (401: ")
    assert "Check APP_ID, KEY and SECRET" in connectivity["hint"]
    assert both.statuses()["socket"] == "ok"
    assert both.statuses()["round trip"] == "skipped"
    both.assert_hides(wrong, SECRET)


def test_a_wrong_key_says_credentials_and_names_the_key(
    realtime_settings: Configure, server: ServerThread
) -> None:
    realtime_settings("pusher", local(server.port, KEY="other-key"))
    both = check_both()
    assert both.status == 1
    assert both.step("connectivity")["detail"].startswith("Pusher refused the credentials (401")
    assert "does not know app key 'other-key' (pusher:error 4001" in both.step("socket")["detail"]
    both.assert_hides(SECRET)


def test_an_unreachable_host_names_the_api_and_the_socket_url(realtime_settings: Configure) -> None:
    port = free_port()
    realtime_settings("pusher", local(port))
    both = check_both()
    assert both.status == 1
    connectivity = both.step("connectivity")
    assert connectivity["detail"].startswith(f"http://127.0.0.1:{port} is unreachable")
    assert "HOST, PORT" in connectivity["hint"]
    socket_step = both.step("socket")
    assert socket_step["detail"] == (
        f"nothing listens at ws://127.0.0.1:{port}/app/pusher-key: connection refused"
    )
    assert socket_step["hint"] == "Check HOST, PORT and USE_TLS in REALTIME_OPTIONS['pusher']."
    both.assert_hides(SECRET)


def test_a_silent_api_is_bounded_by_the_shorter_timeout(realtime_settings: Configure) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        realtime_settings("pusher", local(port, TIMEOUT=30))
        started = time.monotonic()
        outcome = realtime_check("--json", "--timeout", "0.5")
        elapsed = time.monotonic() - started
    assert outcome.status == 1
    connectivity = outcome.step("connectivity")
    assert connectivity["detail"] == (
        f"timed out: http://127.0.0.1:{port} did not answer within the check's 0.5 s"
    )
    assert "raise TIMEOUT" not in connectivity["hint"]
    assert outcome.step("socket")["detail"].endswith("within 0.5 s")
    assert elapsed < 4


def test_when_timeout_is_shorter_it_bounds_the_check_and_is_named(
    realtime_settings: Configure,
) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        realtime_settings("pusher", local(silent.getsockname()[1], TIMEOUT=0.5))
        outcome = realtime_check("--json", "--timeout", "1")
    connectivity = outcome.step("connectivity")
    assert "within TIMEOUT = 0.5 s" in connectivity["detail"]
    assert "raise TIMEOUT" in connectivity["hint"]


def test_hosted_pusher_is_checked_at_its_cluster_url(realtime_settings: Configure) -> None:
    # No network in tests: what matters is which URL would be checked, and that it is named.
    realtime_settings("pusher", {**CREDENTIALS, "CLUSTER": "eu", "TIMEOUT": 0.5})
    outcome = realtime_check("--json", "--timeout", "0.5")
    assert outcome.status == 1
    assert "https://api-eu.pusher.com:443" in outcome.step("connectivity")["detail"]
    socket_step = outcome.step("socket")
    assert "wss://ws-eu.pusher.com:443/app/pusher-key" in socket_step["detail"]
    assert "CLUSTER" in socket_step["hint"]
    assert SECRET not in outcome.output
