"""``realtime_check`` on ``tornado_redis``: real Redis, real socket servers on loopback."""

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from realtime_core.backends.tornado_redis import TornadoRedisBackend
from realtime_core.serving import server_config
from tests.redis_server import RedisProcess
from tests.server_harness import ServerThread, free_port

from .conftest import check_both, realtime_check

SECRET = "django-side-secret-4e1b"
OPTIONS = {"APP_ID": "4321", "KEY": "check-key", "SECRET": SECRET, "TIMEOUT": 2}

Configure = Callable[..., None]
StartServer = Callable[..., ServerThread]


@pytest.fixture
def start_server(redis_url: str) -> Iterator[StartServer]:
    """``start_server(**changes)``: a socket server on ``redis_url`` with OPTIONS + changes."""
    servers: list[ServerThread] = []

    def start(**changes: Any) -> ServerThread:
        backend = TornadoRedisBackend(
            {**OPTIONS, "REDIS_URL": redis_url, **changes}, name="tornado_redis"
        )
        server = ServerThread(server_config(backend), backend.make_broker)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def plain_http_port() -> Iterator[int]:
    """A port answering whatever arrives with a plain-text HTTP 400, as an HTTP server would."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def answer() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                connection.recv(4096)  # the TLS ClientHello, which is no HTTP request
                connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(5)
    listener.close()


@pytest.fixture
def django_side(realtime_settings: Configure, redis_url: str) -> Callable[..., None]:
    """``django_side(**changes)``: tornado_redis as REALTIME_BACKEND, OPTIONS + changes."""

    def configure(**changes: Any) -> None:
        realtime_settings("tornado_redis", {**OPTIONS, "REDIS_URL": redis_url, **changes})

    return configure


@pytest.mark.usefixtures("no_channel_patterns")
def test_happy_path_through_redis_and_a_real_socket_server(
    django_side: Callable[..., None], start_server: StartServer
) -> None:
    servers = [start_server(), start_server()]
    django_side(WS_PORT=servers[0].port)
    both = check_both()
    assert both.status == 0
    assert both.statuses() == {
        "configuration": "ok",
        "connectivity": "ok",
        "socket servers": "ok",
        "socket": "ok",
        "round trip": "ok",
        "compatibility": "ok",
    }
    assert "answered PING" in both.step("connectivity")["detail"]
    assert both.step("socket servers")["detail"].startswith("2 socket server process(es)")
    url = f"ws://127.0.0.1:{servers[0].port}/app/check-key"
    assert both.step("socket")["detail"].startswith(f"{url} answered the WebSocket handshake")
    assert "'realtime-check' published through 'tornado_redis'" in both.step("round trip")["detail"]
    both.assert_hides(SECRET)


def test_redis_down_names_the_redis_url_and_skips_the_round_trip(
    realtime_settings: Configure, disposable_redis: RedisProcess
) -> None:
    disposable_redis.stop()
    url = f"redis://:redis-password-9f2@127.0.0.1:{disposable_redis.port}/0"
    realtime_settings("tornado_redis", {**OPTIONS, "REDIS_URL": url, "WS_PORT": free_port()})
    both = check_both("--timeout", "1")
    assert both.status == 1
    connectivity = both.step("connectivity")
    assert connectivity["status"] == "failed"
    assert (
        f"cannot reach Redis at redis://:***@127.0.0.1:{disposable_redis.port}/0"
        in (connectivity["detail"])
    )
    assert "REDIS_URL" in connectivity["hint"]
    assert both.statuses()["round trip"] == "skipped"
    assert "Fix first: Start Redis there" in both.machine.report()["verdict"]
    both.assert_hides(SECRET, "redis-password-9f2")


def test_a_frozen_redis_fails_within_the_timeout(
    realtime_settings: Configure, disposable_redis: RedisProcess
) -> None:
    realtime_settings(
        "tornado_redis", {**OPTIONS, "REDIS_URL": disposable_redis.url, "TIMEOUT": 30}
    )
    disposable_redis.freeze()
    try:
        started = time.monotonic()
        outcome = realtime_check("--timeout", "0.5", "--json")
        elapsed = time.monotonic() - started
    finally:
        disposable_redis.thaw()
    assert outcome.status == 1
    assert "within 0.5 s" in outcome.step("connectivity")["detail"]
    assert elapsed < 5, "bounded by --timeout, not by TIMEOUT = 30"


@pytest.mark.usefixtures("no_channel_patterns")
def test_nothing_listening_at_the_socket_url_names_the_url(
    django_side: Callable[..., None], start_server: StartServer
) -> None:
    start_server()
    port = free_port()
    django_side(WS_PORT=port)
    both = check_both()
    assert both.status == 1
    socket_step = both.step("socket")
    assert socket_step["status"] == "failed"
    assert socket_step["detail"] == (
        f"nothing listens at ws://127.0.0.1:{port}/app/check-key: connection refused"
    )
    assert "WS_HOST, WS_PORT and USE_TLS" in socket_step["hint"]
    assert both.statuses()["round trip"] == "skipped"
    both.assert_hides(SECRET)


def test_an_unknown_socket_host_names_the_url(
    django_side: Callable[..., None], start_server: StartServer
) -> None:
    start_server()
    django_side(WS_HOST="realtime.invalid", WS_PORT=6001)
    socket_step = realtime_check("--json", "--timeout", "2").step("socket")
    assert socket_step["status"] == "failed"
    assert socket_step["detail"].startswith(
        "cannot resolve 'realtime.invalid' for ws://realtime.invalid:6001/app/check-key"
    )


def test_tls_to_a_plain_socket_server_says_tls_failed(
    django_side: Callable[..., None], start_server: StartServer
) -> None:
    server = start_server()  # waits for a request line, so the TLS handshake times out
    django_side(WS_PORT=server.port, USE_TLS=True)
    socket_step = realtime_check("--json", "--timeout", "0.5").step("socket")
    assert socket_step["status"] == "failed"
    assert socket_step["detail"] == (
        f"the TLS handshake with wss://127.0.0.1:{server.port}/app/check-key did not complete "
        "within 0.5 s: the server there does not answer, or speaks no TLS"
    )
    assert "USE_TLS" in socket_step["hint"]


def test_tls_to_a_plain_http_answer_says_tls_failed(
    django_side: Callable[..., None], plain_http_port: int
) -> None:
    django_side(WS_PORT=plain_http_port, USE_TLS=True)
    socket_step = realtime_check("--json", "--timeout", "2").step("socket")
    assert socket_step["status"] == "failed"
    assert socket_step["detail"].startswith(
        f"the TLS handshake with wss://127.0.0.1:{plain_http_port}/app/check-key failed ("
    )
    assert socket_step["detail"].endswith(
        "the server speaks no TLS there, or its certificate is not valid for that host"
    )


def test_a_server_that_never_answers_the_handshake_is_bounded_by_the_timeout(
    django_side: Callable[..., None], start_server: StartServer
) -> None:
    start_server()
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        django_side(WS_PORT=port)
        started = time.monotonic()
        both = check_both("--timeout", "0.5")
        elapsed = time.monotonic() - started
    assert both.status == 1
    assert both.step("socket")["detail"].startswith(
        f"ws://127.0.0.1:{port}/app/check-key did not complete the WebSocket handshake within 0.5 s"
    )
    assert elapsed < 6, "two runs, each bounded by --timeout"


def test_a_wrong_key_is_named(django_side: Callable[..., None], start_server: StartServer) -> None:
    server = start_server(KEY="server-key")
    django_side(WS_PORT=server.port)
    both = check_both()
    assert both.status == 1
    socket_step = both.step("socket")
    assert socket_step["detail"].startswith(
        f"the server at ws://127.0.0.1:{server.port}/app/check-key does not know app key "
        "'check-key' (pusher:error 4001"
    )
    assert "['KEY'] must be the key the server at that URL serves" in socket_step["hint"]
    both.assert_hides(SECRET)


def test_a_wrong_secret_is_named_as_credentials(
    django_side: Callable[..., None], start_server: StartServer
) -> None:
    server_secret = "server-side-secret-77d0"
    server = start_server(SECRET=server_secret)
    django_side(WS_PORT=server.port)
    both = check_both()
    assert both.status == 1
    assert both.statuses()["socket"] == "ok"
    round_trip = both.step("round trip")
    assert round_trip["status"] == "failed"
    assert "refused the signed subscription to private-realtime-check-" in round_trip["detail"]
    assert (
        "The key was accepted but REALTIME_OPTIONS['tornado_redis']['SECRET'] differs"
        in (round_trip["hint"])
    )
    both.assert_hides(SECRET, server_secret)


def test_an_event_that_never_arrives_says_what_was_checked(
    django_side: Callable[..., None], start_server: StartServer
) -> None:
    server = start_server(KEY_PREFIX="elsewhere")  # listens to other Redis keys
    django_side(WS_PORT=server.port)
    started = time.monotonic()
    outcome = realtime_check("--json", "--timeout", "0.5")
    assert time.monotonic() - started < 4
    assert outcome.status == 1
    assert outcome.step("socket servers")["status"] == "warning"
    round_trip = outcome.step("round trip")
    assert round_trip["status"] == "failed"
    assert round_trip["detail"].startswith("subscribed to private-realtime-check-")
    assert (
        f"at ws://127.0.0.1:{server.port}/app/check-key (the server confirmed it)"
        in (round_trip["detail"])
    )
    assert round_trip["detail"].endswith(
        "published 'realtime-check' through 'tornado_redis', which accepted it; "
        "nothing arrived within 0.5 s"
    )
    assert "same REDIS_URL, APP_ID and KEY_PREFIX" in round_trip["hint"]
