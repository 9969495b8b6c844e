"""Redis behind Sentinel: URLs, and delivery that goes on when the primary dies.

A real primary, a real replica and a real Sentinel (``redis-server --sentinel``); the
primary is killed (SIGKILL) and the Sentinel promotes the replica while a socket server
and a Django publisher, both configured with the Sentinel URL, keep working.
"""

import time
from collections.abc import Iterator

import pytest
from django.test import override_settings

from realtime_core.brokers.redis import RedisBroker
from realtime_core.brokers.redis_urls import SentinelTarget, redact_url
from realtime_core.exceptions import RealtimeConfigurationError
from realtime_core.publishing import get_backend
from realtime_core.server.config import ServerConfig
from tests.server.pusher_client import PusherTestClient
from tests.server_harness import ServerThread

from ..redis_server import RedisProcess, SentinelProcess, redis_server_binary
from .failover import publish_until_accepted

CONFIG = ServerConfig(app_id="77", key="sentinel-key", secret="sentinel-secret")


def test_a_sentinel_url_names_the_sentinels_service_and_db() -> None:
    target = SentinelTarget.parse(
        "redis+sentinel://:pw@10.0.0.1:26379,sentinel-2:26380/main/3?sentinel_password=sp"
    )
    assert target == SentinelTarget(
        sentinels=(("10.0.0.1", 26379), ("sentinel-2", 26380)),
        service="main",
        db=3,
        password="pw",
        sentinel_password="sp",
    )
    assert SentinelTarget.parse("rediss+sentinel://s:1/main").tls  # type: ignore[union-attr]
    assert SentinelTarget.parse("redis://127.0.0.1:6379/0") is None


@pytest.mark.parametrize(
    "url",
    [
        "redis+sentinel:///main",
        "redis+sentinel://host/main",
        "redis+sentinel://host:26379",
        "redis+sentinel://host:26379/main/db",
        "redis+sentinel://host:26379/main/0/extra",
    ],
)
def test_a_malformed_sentinel_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="Sentinel"):
        SentinelTarget.parse(url)


def test_sentinel_urls_lose_their_passwords_in_logs() -> None:
    url = "redis+sentinel://app:pw@s1:26379,s2:26379/main/0?sentinel_password=sp"
    assert (
        redact_url(url) == "redis+sentinel://app:***@s1:26379,s2:26379/main/0?sentinel_password=***"
    )


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("redis+sentinel://s1:26379,s2:26379/main/0", True),
        ("rediss+sentinel://:pw@s1:26379/main", True),
        ("redis+sentinel://s1/main", False),
    ],
)
def test_the_tornado_redis_backend_takes_sentinel_urls(url: str, accepted: bool) -> None:
    options = {"tornado_redis": {"APP_ID": "1", "KEY": "k", "SECRET": "s", "REDIS_URL": url}}
    with override_settings(REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS=options):
        if accepted:
            assert get_backend().options["REDIS_URL"] == url
        else:
            with pytest.raises(RealtimeConfigurationError, match="REDIS_URL"):
                get_backend()


@pytest.fixture
def sentinel_setup() -> Iterator[tuple[RedisProcess, RedisProcess, SentinelProcess]]:
    binary = redis_server_binary()
    if binary is None:
        pytest.skip("needs redis-server")
    primary = RedisProcess(binary)
    primary.start()
    replica = RedisProcess(binary, "--replicaof", "127.0.0.1", str(primary.port))
    replica.start()
    sentinel = SentinelProcess(binary, "main", primary.port)
    try:
        yield primary, replica, sentinel
    finally:
        sentinel.close()
        replica.close()
        primary.close()


def test_delivery_goes_on_after_the_sentinel_fails_the_primary_over(
    sentinel_setup: tuple[RedisProcess, RedisProcess, SentinelProcess],
) -> None:
    primary, replica, sentinel = sentinel_setup
    url = sentinel.url()
    options = {
        "tornado_redis": {
            "APP_ID": CONFIG.app_id,
            "KEY": CONFIG.key,
            "SECRET": CONFIG.secret,
            "REDIS_URL": url,
            "TIMEOUT": 1,
        }
    }
    server = ServerThread(
        CONFIG, lambda: RedisBroker(url, app_id=CONFIG.app_id, heartbeat_interval=0.5, timeout=1.0)
    )
    client = PusherTestClient(server.ws_url, CONFIG)
    try:
        with override_settings(REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS=options):
            assert client.subscribe("news")["event"] == "pusher_internal:subscription_succeeded"
            publish_until_accepted("news", "before")
            assert client.expect("tick")["data"] == '"before"'

            primary.stop()  # SIGKILL: the Sentinel promotes the replica
            deadline = time.monotonic() + 20
            while sentinel.primary_port() != replica.port:
                assert time.monotonic() < deadline, "the sentinel did not fail over"
                time.sleep(0.2)

            publish_until_accepted("news", "after")
            received = [client.expect("tick", timeout=15)["data"]]
            assert received == ['"after"']
            assert get_backend().check(timeout=2)[0].status.value in {"ok", "warning"}
    finally:
        client.close()
        server.stop()
