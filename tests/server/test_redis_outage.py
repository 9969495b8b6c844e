"""A server whose Redis goes away keeps its sockets and recovers when Redis returns."""

import json
import time
from collections.abc import Iterator

import pytest
import requests

from realtime_core.brokers.redis import RedisBroker
from realtime_core.messages import Message
from tests.redis_server import RedisProcess
from tests.server_harness import TEST_CONFIG, ServerThread

from .pusher_client import PusherTestClient
from .test_api_auth import signed_query


class RedisPublisher:
    """Publishes the way the tornado_redis backend does, from the test's thread."""

    def __init__(self, url: str) -> None:
        import realtime_core.backends.tornado_redis as tornado_redis

        self.backend = tornado_redis.TornadoRedisBackend(
            {"REDIS_URL": url, "APP_ID": TEST_CONFIG.app_id, "KEY": "k", "SECRET": "s"},
            name="tornado_redis",
        )

    def publish(self, channel: str, event: str, data: str) -> None:
        self.backend.send([Message((channel,), event, data)])

    def close(self) -> None:
        self.backend.close()


@pytest.fixture
def server(disposable_redis: RedisProcess) -> Iterator[ServerThread]:
    def broker() -> RedisBroker:
        return RedisBroker(
            disposable_redis.url,
            app_id=TEST_CONFIG.app_id,
            heartbeat_interval=0.2,
            node_timeout=1.0,
            timeout=0.5,
        )

    thread = ServerThread(TEST_CONFIG, broker)
    yield thread
    thread.stop()


def test_sockets_survive_a_redis_outage_and_nothing_published_after_it_is_lost(
    server: ServerThread, disposable_redis: RedisProcess, caplog: pytest.LogCaptureFixture
) -> None:
    steady = PusherTestClient(server.ws_url, TEST_CONFIG)
    leaving = PusherTestClient(server.ws_url, TEST_CONFIG)
    steady.subscribe("news")
    leaving.subscribe("presence-room", user_id="gone")
    disposable_redis.stop()

    leaving.close()  # its cleanup fails against the dead Redis, and is only logged
    late = PusherTestClient(server.ws_url, TEST_CONFIG)
    late.send("pusher:subscribe", {"channel": "elsewhere"})  # no server listens to it yet
    for client in (steady, late):  # the pending subscription blocks nothing
        client.send("pusher:ping")
        client.expect("pusher:pong")
    late.nothing_more(wait=0.5)

    up = requests.get(f"{server.http_url}/up", timeout=5)
    assert up.status_code == 503
    assert up.json()["status"] == "unavailable"
    for _ in range(5):
        refused = server_api(server).trigger("news", "during", "x")
        assert refused.status_code == 503
        assert refused.json() == {
            "error": "The broker (Redis) cannot be reached; nothing was done. Retry later.",
            "code": 503,
        }
    unreachable = [r for r in caplog.records if "The broker is unreachable" in r.getMessage()]
    assert len(unreachable) == 1, "one line per outage, not one per request"
    assert not [r for r in caplog.records if r.exc_info and "api" in r.name]

    disposable_redis.start()
    publisher = RedisPublisher(disposable_redis.url)
    for n in range(30):  # right away: the server's pub/sub is still reconnecting
        publisher.publish("news", "back", str(n))
        time.sleep(0.02)
    received = [steady.expect("back", timeout=10)["data"] for _ in range(30)]
    assert received == [str(n) for n in range(30)], "every publish after Redis returned"
    steady.nothing_more()

    succeeded = late.expect("pusher_internal:subscription_succeeded", timeout=10)
    assert succeeded["channel"] == "elsewhere"
    publisher.publish("elsewhere", "later", "1")
    assert late.expect("later")["data"] == "1"
    for client in (steady, late):
        client.close()
    publisher.close()


class _SignedApi:
    """The official SDK's signing, through ``requests``, so the status can be read."""

    def __init__(self, server: ServerThread) -> None:
        self.server = server

    def trigger(self, channel: str, event: str, data: str) -> requests.Response:
        body = json.dumps({"name": event, "channels": [channel], "data": data}).encode()
        path = f"/apps/{TEST_CONFIG.app_id}/events"
        query = signed_query(TEST_CONFIG, "POST", path, None, body)
        return requests.post(f"{self.server.http_url}{path}?{query}", data=body, timeout=5)


def server_api(server: ServerThread) -> _SignedApi:
    return _SignedApi(server)
