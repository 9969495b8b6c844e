"""A server whose Redis goes away keeps its sockets and recovers when Redis returns."""

import time
from collections.abc import Iterator

import pytest

from realtime_core.backends.redis_broker import RedisBroker
from realtime_core.messages import Message
from tests.redis_server import RedisProcess
from tests.server_harness import TEST_CONFIG, ServerThread

from .pusher_client import PusherTestClient


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


def test_sockets_survive_a_redis_outage_and_delivery_resumes(
    server: ServerThread, disposable_redis: RedisProcess
) -> None:
    steady = PusherTestClient(server.ws_url, TEST_CONFIG)
    leaving = PusherTestClient(server.ws_url, TEST_CONFIG)
    steady.subscribe("news")
    leaving.subscribe("presence-room", user_id="gone")
    disposable_redis.stop()

    leaving.close()  # its cleanup fails against the dead Redis, and is only logged
    late = PusherTestClient(server.ws_url, TEST_CONFIG)
    late.send("pusher:subscribe", {"channel": "elsewhere"})
    refused = late.expect("pusher:subscription_error")
    assert refused["data"] == {
        "type": "ServerError",
        "error": "The server could not complete the subscription; try again later",
        "status": 503,
    }
    steady.send("pusher:ping")
    steady.expect("pusher:pong")

    disposable_redis.start()
    deadline = time.monotonic() + 10
    publisher = RedisPublisher(disposable_redis.url)
    while time.monotonic() < deadline:
        publisher.publish("news", "back", "1")
        try:
            frame = steady.expect("back", timeout=0.3)
            break
        except TimeoutError:
            continue
    else:
        raise AssertionError("no delivery within 10 s of Redis coming back")
    assert frame["data"] == "1"
    late.send("pusher:subscribe", {"channel": "elsewhere"})
    late.expect("pusher_internal:subscription_succeeded")
    for client in (steady, late):
        client.close()
    publisher.close()
