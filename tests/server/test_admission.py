"""Who may open a socket: allowed origins, and the caps per node and per address."""

import logging
import time
from collections.abc import Callable

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from realtime_core.backends.memory import MemoryBackend
from realtime_core.serving import server_config

from .conftest import Server
from .pusher_client import PusherTestClient


def open_with_origin(server: Server, origin: str) -> None:
    with connect(f"{server.thread.ws_url}", origin=Origin(origin)) as socket_:
        socket_.recv(timeout=5)


def test_pages_of_other_sites_cannot_open_sockets(
    make_server: Callable[..., Server], caplog: pytest.LogCaptureFixture
) -> None:
    """Cross-site WebSocket hijacking: a foreign page would use the visitor's cookies."""
    server = make_server(allowed_origins=("https://app.example",))
    open_with_origin(server, "https://app.example")
    with pytest.raises(InvalidStatus) as refused:
        open_with_origin(server, "https://evil.example")
    assert refused.value.response.status_code == 403
    (line,) = [r.getMessage() for r in caplog.records if "Refused a WebSocket" in r.getMessage()]
    assert line == (
        "Refused a WebSocket from origin 'https://evil.example': not in the allowed origins "
        "https://app.example"
    )


def test_self_allows_pages_of_the_serving_host_only(make_server: Callable[..., Server]) -> None:
    server = make_server(allowed_origins=("self",))
    open_with_origin(server, f"http://127.0.0.1:{server.thread.port}")
    with pytest.raises(InvalidStatus):
        open_with_origin(server, "http://127.0.0.1:1")
    PusherTestClient(server.thread.ws_url, server.config).close()  # no Origin: not a browser


def test_the_embedded_server_accepts_only_its_own_pages_by_default() -> None:
    config = server_config(MemoryBackend({}, name="memory"))
    assert config.allowed_origins == ("self",)


def test_refusals_are_logged_within_a_budget(
    make_server: Callable[..., Server], caplog: pytest.LogCaptureFixture
) -> None:
    server = make_server(allowed_origins=("self",))
    with caplog.at_level(logging.WARNING):
        for _ in range(200):
            with pytest.raises(InvalidStatus):
                open_with_origin(server, "https://evil.example")
    lines = [r for r in caplog.records if "Refused a WebSocket" in r.getMessage()]
    assert 1 <= len(lines) <= 25, len(lines)


def closed_with(server: Server) -> tuple[dict[str, object], int | None]:
    client = PusherTestClient(server.thread.ws_url, handshake=False)
    frames, code = client.closed_with()
    return frames[-1], code


def test_a_full_node_answers_4100(make_server: Callable[..., Server]) -> None:
    server = make_server(max_connections=2)
    first, second = server.client(), server.client()
    error, code = closed_with(server)
    assert error == {
        "event": "pusher:error",
        "data": {"code": 4100, "message": "Over capacity: this server has no room; retry later"},
    }
    assert code == 4100
    first.close()
    second.send("pusher:ping")
    second.expect("pusher:pong")
    deadline = time.monotonic() + 5
    while server.stats.connections > 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    server.client().send("pusher:ping")  # room again


def test_one_address_over_its_quota_gets_4004(make_server: Callable[..., Server]) -> None:
    server = make_server(max_connections_per_address=1)
    server.client()
    error, code = closed_with(server)
    assert error["data"] == {
        "code": 4004,
        "message": "Over the quota of 1 connections from one address",
    }
    assert code == 4004


def test_a_log_budget_lets_a_burst_through_then_counts_what_it_leaves_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from realtime_core.server.log_budget import LogBudget

    budget = LogBudget(logging.getLogger("tests.budget"), burst=3, interval=0.05)
    with caplog.at_level(logging.INFO, logger="tests.budget"):
        for n in range(10):
            budget.log(logging.INFO, "line %d", n)
        time.sleep(0.06)
        budget.log(logging.INFO, "later")
    assert [r.getMessage() for r in caplog.records] == [
        "line 0",
        "line 1",
        "line 2",
        "later (7 similar lines left out)",
    ]
