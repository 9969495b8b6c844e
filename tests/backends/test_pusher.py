"""The ``pusher`` backend: the official SDK against real HTTP servers on loopback.

The self-hosted socket server implements Pusher's signed HTTP API, so it stands in
for Pusher's service: what the SDK sends is verified there and reaches real
WebSocket subscribers. Failures come from real servers too (a closed port, a socket
that never answers, a tiny Tornado app answering errors); nothing is mocked.
"""

import asyncio
import base64
import hashlib
import json
import math
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import nacl.secret
import pytest
from django.test import override_settings
from tornado.web import Application, RequestHandler

import realtime_core
from realtime_core import Event, InvalidMessage, PublishError, RealtimeConfigurationError
from realtime_core.backends.base import Backend, Capabilities, CheckStatus
from realtime_core.backends.pusher import PusherBackend
from realtime_core.brokers.in_process import InProcessBroker, InProcessExchange
from realtime_core.messages import encode_data
from realtime_core.server.config import ServerConfig
from realtime_core.signing import Credentials
from tests.server.pusher_client import PusherTestClient
from tests.server_harness import AppThread, ServerThread, free_port

from .contract import BackendContract, Received, Receiver
from .socket_receiver import SocketReceiver

SECRET = "pusher-secret-value-7f3a"
SERVER_CONFIG = ServerConfig(app_id="4321", key="pusher-key", secret=SECRET)
CREDENTIALS = {"APP_ID": "4321", "KEY": "pusher-key", "SECRET": SECRET}
MASTER_KEY = base64.b64encode(bytes(range(32))).decode()


def local_options(port: int, **changes: Any) -> dict[str, Any]:
    """Options pointing the backend at a plain-HTTP server on 127.0.0.1:``port``."""
    return {**CREDENTIALS, "HOST": "127.0.0.1", "PORT": port, "USE_TLS": False, **changes}


@contextmanager
def configured(port: int, **changes: Any) -> Iterator[PusherBackend]:
    """``pusher`` as the configured backend, on the server at ``port``; closed afterwards."""
    with override_settings(
        REALTIME_BACKEND="pusher", REALTIME_OPTIONS={"pusher": local_options(port, **changes)}
    ):
        backend = realtime_core.get_backend()
        assert isinstance(backend, PusherBackend)
        yield backend


@pytest.fixture
def server() -> Iterator[ServerThread]:
    """The socket server standing in for Pusher, on a private in-process exchange."""
    exchange = InProcessExchange()
    thread = ServerThread(SERVER_CONFIG, lambda: InProcessBroker(exchange))
    yield thread
    thread.stop()


def api_calls(server: ServerThread) -> int:
    """Signed API requests the server accepted so far."""
    return server.server.stats.api_requests


def decrypt(channel: str, data: str) -> str:
    """What pusher-js does with an encrypted channel's event data."""
    shared_secret = hashlib.sha256(channel.encode() + base64.b64decode(MASTER_KEY)).digest()
    sealed = json.loads(data)
    box = nacl.secret.SecretBox(shared_secret)
    plain = box.decrypt(base64.b64decode(sealed["ciphertext"]), base64.b64decode(sealed["nonce"]))
    return plain.decode()


class TestPusherBackend(BackendContract):
    backend_name = "pusher"

    @pytest.fixture
    def backend(self, server: ServerThread) -> Iterator[Backend]:
        with configured(server.port) as backend:
            yield backend

    @pytest.fixture(autouse=True)
    def _receivers(self, server: ServerThread) -> Iterator[None]:
        self.server = server
        self.receivers: list[SocketReceiver] = []
        yield
        for receiver in self.receivers:
            receiver.close()

    def listen(self, backend: Backend, channel: str) -> Receiver:
        return self.listen_to(channel)

    def listen_to(self, channel: str) -> SocketReceiver:
        receiver = SocketReceiver(self.server.ws_url, self.server.config, channel)
        self.receivers.append(receiver)
        return receiver

    def test_is_the_backend_built(self, backend: Backend) -> None:
        assert isinstance(backend, PusherBackend)
        assert backend.capabilities == Capabilities(
            presence=True,
            client_events=True,
            user_signin=True,
            encrypted_channels=True,
            cache_channels=True,
            recovery=False,
            multi_process=True,
            subscription_counts=True,
            watchlists=True,
            http_fallback=True,
        )
        assert backend.credentials == Credentials("pusher-key", SECRET)

    def test_check_says_where_it_connected(self, backend: Backend) -> None:
        (result,) = backend.check()
        assert result.step == "connectivity"
        assert f"http://127.0.0.1:{self.server.port}" in result.detail

    @pytest.mark.parametrize("count", [100, 101, 250])
    def test_many_channels_are_split_into_calls_of_100(self, count: int, channel: str) -> None:
        channels = [f"{channel}-{n}" for n in range(count)]
        client = PusherTestClient(self.server.ws_url, self.server.config)
        try:
            for name in channels:
                reply = client.subscribe(name)
                assert reply["event"] == "pusher_internal:subscription_succeeded", reply
            with configured(self.server.port, MAX_CHANNELS=count):
                before = api_calls(self.server)
                realtime_core.publish(channels, "spread", {"n": count})
                assert api_calls(self.server) - before == math.ceil(count / 100)
            frames = [client.expect("spread") for _ in channels]
            client.nothing_more()
        finally:
            client.close()
        assert sorted(frame["channel"] for frame in frames) == sorted(channels)
        assert {frame["data"] for frame in frames} == {f'{{"n":{count}}}'}

    def test_max_channels_defaults_to_pushers_100(self, backend: Backend, channel: str) -> None:
        with pytest.raises(InvalidMessage, match="101 channels in one publish; the limit is 100"):
            realtime_core.publish([f"{channel}-{n}" for n in range(101)], "e", 1)

    def test_a_batch_goes_out_ten_pairs_per_call_in_order(
        self, backend: Backend, channel: str
    ) -> None:
        channels = [channel, f"{channel}-b", f"{channel}-c"]
        receivers = [self.listen(backend, name) for name in channels]
        before = api_calls(self.server)
        realtime_core.publish_batch(Event(channels, "tick", n) for n in range(10))
        assert api_calls(self.server) - before == 3  # 30 (event, channel) pairs
        for name, receiver in zip(channels, receivers, strict=True):
            assert receiver.wait(10) == [Received(name, "tick", str(n)) for n in range(10)]

    def test_a_batch_excludes_the_publishers_socket(self, backend: Backend, channel: str) -> None:
        publisher, other = self.listen(backend, channel), self.listen(backend, channel)
        realtime_core.publish_batch(
            [Event(channel, "said", n, socket_id=publisher.socket_id) for n in range(2)]
        )
        assert other.wait(2) == [Received(channel, "said", "0"), Received(channel, "said", "1")]
        time.sleep(self.settle_seconds)
        assert publisher.received == []

    def test_data_at_the_size_limit_goes_out_unchanged(
        self, backend: Backend, channel: str
    ) -> None:
        # The SDK alone would refuse both: it measures with sys.getsizeof, which
        # counts 4 bytes per character once one character is an emoji.
        with_emoji = "x" * 9000 + "\N{GRINNING FACE}"
        at_limit = "y" * (10_240 - 2)  # its JSON, with the quotes, is exactly 10 240 bytes
        receiver = self.listen(backend, channel)
        realtime_core.publish(channel, "single", with_emoji)
        realtime_core.publish_batch([Event(channel, "batch", at_limit)] * 2)
        assert receiver.wait(3) == [
            Received(channel, "single", encode_data(with_emoji)),
            Received(channel, "batch", encode_data(at_limit)),
            Received(channel, "batch", encode_data(at_limit)),
        ]

    def test_encrypted_channels_need_the_master_key(self, backend: Backend) -> None:
        before = api_calls(self.server)
        with pytest.raises(InvalidMessage, match="ENCRYPTION_MASTER_KEY"):
            realtime_core.publish("private-encrypted-doc", "e", 1)
        with pytest.raises(InvalidMessage, match="ENCRYPTION_MASTER_KEY"):
            realtime_core.publish_batch(
                [Event("plain", "e", 1), Event("private-encrypted-doc", "e", 2)]
            )
        assert api_calls(self.server) == before

    def test_the_sdk_encrypts_for_encrypted_channels(self, channel: str) -> None:
        encrypted = f"private-encrypted-{channel}"
        data = {"secret": "plans ü"}
        receiver = self.listen_to(encrypted)
        with configured(self.server.port, ENCRYPTION_MASTER_KEY=MASTER_KEY) as backend:
            assert backend.credentials.encryption_master_key == bytes(range(32))
            realtime_core.publish(encrypted, "single", data)
            realtime_core.publish_batch([Event(encrypted, "batch", n) for n in range(2)])
        received = receiver.wait(3)
        assert [item.event for item in received] == ["single", "batch", "batch"]
        assert MASTER_KEY not in json.dumps(received)
        assert [decrypt(encrypted, item.data) for item in received] == [
            encode_data(data),
            "0",
            "1",
        ]

    def test_close_twice_then_a_late_publish_still_goes_out(
        self, backend: Backend, channel: str
    ) -> None:
        receiver = self.listen(backend, channel)
        backend.close()
        backend.close()
        realtime_core.publish(channel, "late", 1)
        assert receiver.wait(1) == [Received(channel, "late", "1")]


# Failures -----------------------------------------------------------------------------


def cause_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def assert_no_secret(exc: BaseException) -> None:
    for link in cause_chain(exc):
        assert SECRET not in str(link)
        assert SECRET not in repr(link)
        assert SECRET not in repr(link.args)


def test_a_wrong_secret_is_reported_as_refused_credentials(server: ServerThread) -> None:
    wrong = "wrong-secret-value-9c1e"
    with configured(server.port, SECRET=wrong) as backend:
        with pytest.raises(PublishError) as info:
            realtime_core.publish("news", "e", 1)
        (result,) = backend.check()
    message = str(info.value)
    assert "Pusher refused the credentials (401: " in message
    assert "Check APP_ID, KEY and SECRET" in message
    assert info.value.backend == "pusher"
    for link in cause_chain(info.value):
        assert wrong not in repr(link)
        assert wrong not in str(link)
    assert result.status is CheckStatus.FAILED
    assert "refused the credentials" in result.detail
    assert "SECRET" in result.hint
    assert wrong not in result.detail + result.hint


def test_an_unreachable_api_is_named_with_host_and_port() -> None:
    port = free_port()  # nothing listens there
    with configured(port) as backend:
        with pytest.raises(PublishError) as info:
            asyncio.run(realtime_core.apublish("news", "e", 1))
        (result,) = backend.check()
    assert f"http://127.0.0.1:{port} is unreachable" in str(info.value)
    assert "Connection refused" in str(info.value)
    assert_no_secret(info.value)
    assert result.status is CheckStatus.FAILED
    assert "unreachable" in result.detail
    assert "HOST, PORT" in result.hint


def test_a_silent_api_fails_the_publish_within_the_timeout() -> None:
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        with configured(silent.getsockname()[1], TIMEOUT=0.5) as backend:
            started = time.monotonic()
            with pytest.raises(PublishError) as info:
                realtime_core.publish("news", "e", 1)
            assert 0.4 < time.monotonic() - started < 2.0
            (result,) = backend.check()
    assert "timed out" in str(info.value)
    assert "within TIMEOUT = 0.5 s" in str(info.value)
    assert_no_secret(info.value)
    assert result.status is CheckStatus.FAILED
    assert "TIMEOUT" in result.hint


class Answering(RequestHandler):
    """Answers every API call with a fixed status and body, like a failing service."""

    def initialize(self, status: int, body: str) -> None:
        self.status, self.body = status, body

    def answer(self, app_id: str) -> None:
        self.set_status(self.status)
        self.finish(self.body)

    post = get = answer


@pytest.mark.parametrize(
    ("status", "body", "expected", "hint"),
    [
        (400, "Invalid channel name", "rejected the request as bad (400: Invalid channel", "body"),
        (403, "App disabled", "refused the request (403: App disabled)", "message quota"),
        (404, "Unknown app", "answered HTTP 404: Unknown app", "Check APP_ID"),
        (413, "Data too large", "answered HTTP 413: Data too large", "MAX_DATA_BYTES"),
        (500, "<html>boom</html>", "answered HTTP 500: <html>boom</html>", "try again"),
    ],
)
def test_error_answers_are_reported_with_status_and_body(
    status: int, body: str, expected: str, hint: str
) -> None:
    routes = [(r"/apps/([0-9]+)/.*", Answering, {"status": status, "body": body})]
    app = AppThread(lambda: Application(routes))
    try:
        with configured(app.port) as backend:
            with pytest.raises(PublishError) as info:
                realtime_core.publish_batch([Event("a", "e", 1), Event("b", "e", 2)])
            (result,) = backend.check()
    finally:
        app.stop()
    assert expected in str(info.value)
    assert hint in str(info.value)
    assert_no_secret(info.value)
    assert result.status is CheckStatus.FAILED
    assert expected.split(": ", 1)[0] in result.detail


@pytest.mark.parametrize("body", ["<html><body>Welcome to nginx!</body></html>", ""])
def test_a_200_answer_that_is_not_json_points_at_another_service(body: str) -> None:
    routes = [(r"/apps/([0-9]+)/.*", Answering, {"status": 200, "body": body})]
    app = AppThread(lambda: Application(routes))
    try:
        with configured(app.port) as backend:
            with pytest.raises(PublishError) as info:
                realtime_core.publish("a", "e", 1)
            (result,) = backend.check()
    finally:
        app.stop()
    endpoint = f"http://127.0.0.1:{app.port}"
    expected = f"{endpoint} answered with a body that is not JSON ({body!r})"
    for text in (str(info.value), result.detail):
        assert expected in text
        assert "JSONDecodeError" not in text
    assert result.hint.startswith("Check HOST, PORT and USE_TLS")
    assert "not a Pusher-compatible API" in result.hint
    assert_no_secret(info.value)


class FailsAfterFirst(RequestHandler):
    """Accepts the first API call and answers 500 to every later one."""

    def initialize(self, calls: list[str]) -> None:
        self.calls = calls

    def post(self, app_id: str) -> None:
        self.calls.append(self.request.path)
        if len(self.calls) > 1:
            self.set_status(500)
        self.finish("{}")


@pytest.mark.parametrize(
    ("events", "partial"),
    [
        ([Event([f"c{n}" for n in range(150)], "e", 1)], "100 of 150 channels"),
        ([Event(["a", "b"], "e", n) for n in range(6)], "10 of 12 (event, channel) pairs"),
    ],
)
def test_a_failure_after_a_call_went_through_says_what_was_published(
    events: list[Event], partial: str
) -> None:
    calls: list[str] = []
    routes = [(r"/apps/([0-9]+)/.*", FailsAfterFirst, {"calls": calls})]
    app = AppThread(lambda: Application(routes))
    try:
        with configured(app.port, MAX_CHANNELS=150), pytest.raises(PublishError) as info:
            realtime_core.publish_batch(events)
    finally:
        app.stop()
    assert len(calls) == 2  # nothing is retried
    assert f"HTTP 500: {{}}. {partial} had been published before." in str(info.value)


class Slow(RequestHandler):
    """Answers like the API, after a pause."""

    async def post(self, app_id: str) -> None:
        await asyncio.sleep(0.5)
        self.finish("{}")


def test_apublish_keeps_the_event_loop_running_while_the_api_is_slow() -> None:
    app = AppThread(lambda: Application([(r"/apps/([0-9]+)/events", Slow)]))

    async def publish_while_ticking() -> tuple[float, int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        started = time.monotonic()
        await realtime_core.apublish("news", "e", 1)
        elapsed = time.monotonic() - started
        ticker.cancel()
        return elapsed, ticks

    try:
        with configured(app.port):
            elapsed, ticks = asyncio.run(publish_while_ticking())
    finally:
        app.stop()
    assert elapsed >= 0.5
    assert ticks >= 20  # a blocked loop would have ticked at most once


# Configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "explained"),
    [
        ("APP_ID", "app-1", "a string of digits (the Pusher SDKs accept no other app id)"),
        ("APP_ID", 1234, "a string of digits"),
        ("KEY", "", "a non-empty string"),
        ("CLUSTER", "eu.example.com", "a cluster name such as 'mt1'"),
        ("CLUSTER", "", "a cluster name"),
        ("HOST", "https://ws.example.com", "without scheme or port"),
        ("HOST", "ws.example.com:6001", "PORT holds the port"),
        ("HOST", "ws.example.com/path", "a bare host name"),
        ("PORT", 0, "an integer from 1 to 65535"),
        ("PORT", "443", "an integer from 1 to 65535"),
        ("USE_TLS", "yes", "True or False"),
        ("TIMEOUT", 0, "a number of seconds above 0"),
        ("TIMEOUT", True, "a number of seconds above 0"),
    ],
)
def test_bad_options_are_refused_by_name(key: str, value: Any, explained: str) -> None:
    with pytest.raises(RealtimeConfigurationError, match=f"\\['{key}'\\] = ") as info:
        PusherBackend({**CREDENTIALS, key: value}, name="pusher")
    assert explained in str(info.value)


@pytest.mark.parametrize("missing", ["APP_ID", "KEY", "SECRET"])
def test_credentials_are_required(missing: str) -> None:
    options = {key: value for key, value in CREDENTIALS.items() if key != missing}
    with pytest.raises(RealtimeConfigurationError, match=f"\\['{missing}'\\] is required"):
        PusherBackend(options, name="pusher")


def test_unknown_options_are_refused_by_name() -> None:
    with pytest.raises(RealtimeConfigurationError, match="unknown option\\(s\\) 'CLIENT_EVENTS'"):
        PusherBackend({**CREDENTIALS, "CLIENT_EVENTS": True}, name="pusher")


@pytest.mark.parametrize(
    ("key", "shown_as"),
    [
        ("not base64!", "a secret str"),
        (MASTER_KEY.rstrip("="), "a secret str"),
        (bytes(range(32)), "a secret bytes"),
        (base64.b64encode(b"k" * 16).decode(), "a secret str"),
    ],
)
def test_a_bad_master_key_is_refused_without_showing_it(key: str | bytes, shown_as: str) -> None:
    with pytest.raises(RealtimeConfigurationError, match="ENCRYPTION_MASTER_KEY") as info:
        PusherBackend({**CREDENTIALS, "ENCRYPTION_MASTER_KEY": key}, name="pusher")
    assert f"= {shown_as} is not allowed: use None or the base64 of 32 random bytes" in str(
        info.value
    )
    assert str(key) not in str(info.value)
    assert repr(key) not in str(info.value)


def test_building_the_backend_does_no_io() -> None:
    started = time.monotonic()
    backend = PusherBackend({**CREDENTIALS, "HOST": "192.0.2.1"}, name="pusher")
    backend.close()
    assert time.monotonic() - started < 0.5


def test_client_config_for_pushers_service_names_the_cluster_and_never_a_secret() -> None:
    backend = PusherBackend(
        {**CREDENTIALS, "CLUSTER": "eu", "ENCRYPTION_MASTER_KEY": MASTER_KEY}, name="pusher"
    )
    config = backend.client_config()
    assert config == {"backend": "pusher", "key": "pusher-key", "cluster": "eu"}
    assert backend.endpoint == "https://api-eu.pusher.com:443"
    assert SECRET not in json.dumps(config)
    assert MASTER_KEY not in json.dumps(config)


@pytest.mark.parametrize(
    ("changes", "port", "tls"),
    [({}, 443, True), ({"USE_TLS": False}, 80, False), ({"PORT": 6001}, 6001, True)],
)
def test_client_config_for_a_custom_host_says_where_to_connect(
    changes: dict[str, Any], port: int, tls: bool
) -> None:
    backend = PusherBackend({**CREDENTIALS, "HOST": "ws.example.com", **changes}, name="pusher")
    config = backend.client_config()
    assert config == {
        "backend": "pusher",
        "key": "pusher-key",
        "cluster": "mt1",
        "wsHost": "ws.example.com",
        "wsPort": port,
        "wssPort": port,
        "httpHost": "ws.example.com",
        "httpPort": port,
        "httpsPort": port,
        "enabledTransports": ["ws", "wss", "xhr_streaming", "xhr_polling"],
        "forceTLS": tls,
    }
    assert SECRET not in json.dumps(config)
