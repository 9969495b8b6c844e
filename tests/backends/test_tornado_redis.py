"""The ``tornado_redis`` backend: the contract, through real socket servers on real Redis."""

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import override_settings
from redis.exceptions import RedisError

import realtime_core
from realtime_core import PublishError, RealtimeConfigurationError
from realtime_core.backends.base import Backend, Capabilities, CheckStatus
from realtime_core.backends.tornado_redis import TornadoRedisBackend
from realtime_core.serving import server_config
from tests.server_harness import ServerThread

from ..redis_server import RedisProcess
from .contract import BackendContract, Received, Receiver
from .socket_receiver import SocketReceiver

CREDENTIALS = {"APP_ID": "1234", "KEY": "redis-key", "SECRET": "redis-secret-value"}


@contextmanager
def configured(redis_url: str, **options: Any) -> Iterator[TornadoRedisBackend]:
    """``tornado_redis`` as the configured backend, on ``redis_url``."""
    options = {"REDIS_URL": redis_url, **CREDENTIALS, "TIMEOUT": 2, **options}
    with override_settings(
        REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS={"tornado_redis": options}
    ):
        backend = realtime_core.get_backend()
        assert isinstance(backend, TornadoRedisBackend)
        yield backend


class SocketServers:
    """Socket server threads on the backend's Redis, and the clients connected to them."""

    def __init__(self, backend: TornadoRedisBackend) -> None:
        self.backend = backend
        self.servers: list[ServerThread] = []
        self.receivers: list[SocketReceiver] = []

    def start(self) -> ServerThread:
        server = ServerThread(server_config(self.backend), self.backend.make_broker)
        self.servers.append(server)
        return server

    def listen(self, server: ServerThread, channel: str) -> SocketReceiver:
        receiver = SocketReceiver(server.ws_url, server.config, channel)
        self.receivers.append(receiver)
        return receiver

    def stop(self) -> None:
        for receiver in self.receivers:
            receiver.close()
        for server in self.servers:
            server.stop()


class TestTornadoRedisBackend(BackendContract):
    backend_name = "tornado_redis"

    @pytest.fixture
    def backend(self, redis_url: str) -> Iterator[Backend]:
        with configured(redis_url) as backend:
            yield backend

    @pytest.fixture(autouse=True)
    def _socket_server(self, backend: TornadoRedisBackend) -> Iterator[None]:
        self.servers = SocketServers(backend)
        self.server = self.servers.start()
        yield
        self.servers.stop()

    def listen(self, backend: Backend, channel: str) -> Receiver:
        return self.servers.listen(self.server, channel)

    def test_is_the_backend_built(self, backend: Backend) -> None:
        assert isinstance(backend, TornadoRedisBackend)
        assert backend.capabilities == Capabilities(
            presence=True,
            client_events=True,
            user_signin=True,
            encrypted_channels=False,
            cache_channels=True,
            recovery=True,
            multi_process=True,
            subscription_counts=True,
            watchlists=True,
            http_fallback=True,
        )

    def test_every_server_delivers_to_its_own_subscribers(
        self, backend: Backend, channel: str
    ) -> None:
        other_server = self.servers.start()
        here = self.servers.listen(self.server, channel)
        there = self.servers.listen(other_server, channel)
        realtime_core.publish(channel, "news", {"n": 1})
        assert here.wait(1) == there.wait(1) == [Received(channel, "news", '{"n":1}')]

    def test_apublish_from_several_event_loops(self, backend: Backend, channel: str) -> None:
        receiver = self.listen(backend, channel)
        for n in range(3):
            asyncio.run(realtime_core.apublish(channel, "async", n))
        assert [item.data for item in receiver.wait(3)] == ["0", "1", "2"]

    def test_close_twice_then_a_late_publish_still_goes_out(
        self, backend: Backend, channel: str
    ) -> None:
        receiver = self.listen(backend, channel)
        backend.close()
        backend.close()
        realtime_core.publish(channel, "late", 1)
        assert receiver.wait(1) == [Received(channel, "late", "1")]


# Configuration ------------------------------------------------------------------------


def test_client_config_tells_browsers_where_to_connect_and_never_the_secret() -> None:
    backend = TornadoRedisBackend(
        {**CREDENTIALS, "WS_HOST": "ws.example.com", "WS_PORT": 443, "USE_TLS": True},
        name="tornado_redis",
    )
    config = backend.client_config()
    assert config == {
        "backend": "tornado_redis",
        "key": "redis-key",
        "wsHost": "ws.example.com",
        "wsPort": 443,
        "wssPort": 443,
        # pusher-js's HTTP fallbacks go to the same server, never to Pusher's hosts.
        "httpHost": "ws.example.com",
        "httpPort": 443,
        "httpsPort": 443,
        "enabledTransports": ["ws", "wss", "xhr_streaming", "xhr_polling"],
        "forceTLS": True,
    }
    assert CREDENTIALS["SECRET"] not in json.dumps(config)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("APP_ID", "app-1"),
        ("KEY", ""),
        ("SECRET", 42),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("WS_PORT", 0),
        ("USE_TLS", "yes"),
        ("TIMEOUT", 0),
        ("TIMEOUT", True),
        ("KEY_PREFIX", "my app"),
        ("NODE_TIMEOUT", -1),
    ],
)
def test_bad_options_are_refused_by_name(key: str, value: Any) -> None:
    with pytest.raises(RealtimeConfigurationError, match=f"\\['{key}'\\] = "):
        TornadoRedisBackend({**CREDENTIALS, key: value}, name="tornado_redis")


@pytest.mark.parametrize("missing", ["APP_ID", "KEY", "SECRET"])
def test_credentials_are_required(missing: str) -> None:
    options = {key: value for key, value in CREDENTIALS.items() if key != missing}
    with pytest.raises(RealtimeConfigurationError, match=f"\\['{missing}'\\] is required"):
        TornadoRedisBackend(options, name="tornado_redis")


def test_building_the_backend_does_no_io() -> None:
    started = time.monotonic()
    backend = TornadoRedisBackend(
        {**CREDENTIALS, "REDIS_URL": "redis://192.0.2.1:6379/0"}, name="tornado_redis"
    )
    backend.close()
    assert time.monotonic() - started < 0.5


# Failures -----------------------------------------------------------------------------


def test_publish_while_redis_is_down_raises_publish_error(disposable_redis: RedisProcess) -> None:
    with configured(disposable_redis.url, TIMEOUT=1) as backend:
        realtime_core.publish("up", "e", 1)
        disposable_redis.stop()
        started = time.monotonic()
        with pytest.raises(PublishError) as info:
            realtime_core.publish("down", "e", 1)
        assert time.monotonic() - started < 1.5
        assert info.value.backend == "tornado_redis"
        assert isinstance(info.value.__cause__, RedisError)
        with pytest.raises(PublishError):
            asyncio.run(realtime_core.apublish("down", "e", 1))
        disposable_redis.start()
        realtime_core.publish("up-again", "e", 1)  # a fresh connection replaces the dead one
        backend.close()


def test_an_unresponsive_redis_fails_the_publish_within_the_timeout() -> None:
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        with configured(url, TIMEOUT=0.5):
            started = time.monotonic()
            with pytest.raises(PublishError, match=r"[Tt]imeout"):
                realtime_core.publish("c", "e", 1)
            assert 0.4 < time.monotonic() - started < 2.0


# check() ------------------------------------------------------------------------------


def test_check_warns_when_no_socket_server_runs(redis_url: str) -> None:
    with configured(redis_url) as backend:
        results = {result.step: result for result in backend.check()}
    assert list(results) == ["connectivity", "socket servers"]
    assert results["connectivity"].status is CheckStatus.OK
    assert results["socket servers"].status is CheckStatus.WARNING
    assert "realtime-server" in results["socket servers"].hint


def test_check_counts_running_socket_servers(redis_url: str) -> None:
    with configured(redis_url) as backend:
        servers = SocketServers(backend)
        try:
            servers.start()
            servers.start()
            (_, running) = backend.check()
        finally:
            servers.stop()
    assert running.status is CheckStatus.OK
    assert running.detail.startswith("2 socket server process(es)")


def test_check_names_an_unreachable_redis_without_its_password(
    disposable_redis: RedisProcess,
) -> None:
    disposable_redis.stop()
    url = f"redis://:hunter2@127.0.0.1:{disposable_redis.port}/0"
    with configured(url, TIMEOUT=1) as backend:
        (result,) = backend.check()
    assert result.step == "connectivity"
    assert result.status is CheckStatus.FAILED
    assert f"redis://:***@127.0.0.1:{disposable_redis.port}/0" in result.detail
    assert "hunter2" not in result.detail + result.hint
    assert "REDIS_URL" in result.hint
