"""What every HTTP connection is allowed: header and body timeouts, no banner, a quiet log."""

import logging
import socket
import time
from collections.abc import Callable

import pytest
import requests
from websockets.sync.client import connect

from realtime_core.server.redaction import masked_uri

from .conftest import Server
from .test_api_auth import signed_query


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """Whether the server closes ``sock`` (EOF) within ``within`` seconds."""
    sock.settimeout(within)
    try:
        return sock.recv(1024) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


@pytest.fixture
def quick(make_server: Callable[..., Server]) -> Server:
    return make_server(header_timeout=0.5, body_timeout=0.5)


def address(server: Server) -> tuple[str, int]:
    return "127.0.0.1", server.thread.port


@pytest.mark.parametrize(
    "sent",
    [b"", b"GET /up HTTP/1.1\r\nHost: x", b"GET /app/k?protocol=7 HTTP/1.1\r\nUpgrade: web"],
    ids=["silent", "half-sent headers", "half-sent upgrade"],
)
def test_a_slow_or_silent_connection_is_closed_after_the_header_timeout(
    quick: Server, sent: bytes
) -> None:
    with socket.create_connection(address(quick)) as slow:
        slow.sendall(sent)
        started = time.monotonic()
        assert closed_by_server(slow, within=3), "still open"
        assert time.monotonic() - started < 2
        assert requests.get(f"{quick.thread.http_url}/up", timeout=5).status_code == 200


def test_a_promised_body_never_sent_is_closed_after_the_body_timeout(quick: Server) -> None:
    path = f"/apps/{quick.config.app_id}/events"
    query = signed_query(quick.config, "POST", path, None, b"x" * 100)
    head = f"POST {path}?{query} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
    with socket.create_connection(address(quick)) as slow:
        slow.sendall(head.encode() + b"x" * 10)
        assert closed_by_server(slow, within=3), "still open"


def test_the_timeouts_must_be_positive(make_server: Callable[..., Server]) -> None:
    with pytest.raises(ValueError, match="header_timeout and body_timeout must be positive"):
        make_server(header_timeout=0)


def test_no_answer_carries_a_version_banner(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    base = server.thread.http_url
    for answer in (
        requests.get(f"{base}/up", timeout=5),
        requests.get(f"{base}/stats", timeout=5),
        requests.get(f"{base}/no/such/path", timeout=5),
        requests.post(f"{base}/apps/{server.config.app_id}/events", data=b"{}", timeout=5),
    ):
        assert "Server" not in answer.headers, answer.url
    missing = requests.get(f"{base}/no/such/path", timeout=5)
    assert (missing.status_code, missing.json()) == (404, {"error": "Not Found", "code": 404})
    with connect(f"{server.thread.ws_url}") as socket_:
        assert socket_.response.headers.get("Server") is None
    assert not [record for record in caplog.records if record.exc_info], "no traceback"


def access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tornado.access"]


def test_the_access_log_masks_signatures(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    path = f"/apps/{server.config.app_id}/channels"
    query = signed_query(server.config, "GET", path)
    signature = dict(part.split("=") for part in query.split("&"))["auth_signature"]
    with caplog.at_level(logging.INFO, logger="tornado.access"):
        answer = requests.get(f"{server.thread.http_url}{path}?{query}", timeout=5)
        # The server's thread logs right after the response has gone: wait for it.
        deadline = time.monotonic() + 5
        while not access_lines(caplog) and time.monotonic() < deadline:
            time.sleep(0.01)
    assert answer.status_code == 200
    lines = access_lines(caplog)
    assert any(f"GET {path}?" in line and "auth_signature=***" in line for line in lines), lines
    assert not [line for line in lines if signature in line]


def test_masked_uri_keeps_everything_else() -> None:
    assert masked_uri("/apps/1/events?auth_key=k&auth_signature=abc&body_md5=d") == (
        "/apps/1/events?auth_key=k&auth_signature=***&body_md5=d"
    )
    assert masked_uri("/app/key?protocol=7&client=js") == "/app/key?protocol=7&client=js"
    assert masked_uri("/up") == "/up"
