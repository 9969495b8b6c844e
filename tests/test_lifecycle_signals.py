"""The same signal receivers hear the same socket lifecycle on every backend.

Real servers and clients: ``memory`` runs the embedded server in this process (signals
sent in-process); ``tornado_redis`` runs two ``realtime-server`` processes on one Redis
that POST webhooks to this Django site (a live server); ``pusher`` runs a
``realtime-server`` standing in for Pusher's service, POSTing webhooks signed with the
Pusher app's credentials. The test body is the same for the three: the app's receivers
do not change when ``REALTIME_BACKEND`` does, and each event arrives once, not once per
server.
"""

import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import override_settings

import realtime_core
from realtime_core import signals
from realtime_core.publishing import get_backend
from realtime_core.server.config import ServerConfig
from realtime_core.serving import server_config
from realtime_core.webhooks import InProcessSignals
from tests.server.pusher_client import PusherTestClient
from tests.server.test_commands import start, stop
from tests.server_harness import ServerThread, free_port

ROOM = "presence-room"
SETTLE = 1.0
"""Seconds to wait, once everything expected arrived, for anything extra."""


class Heard:
    """The signals received, as comparable tuples."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.senders: set[str] = set()

    def __len__(self) -> int:
        return len(self.events)

    def receiver(self, name: str, *fields: str) -> Callable[..., None]:
        def receive(sender: str, channel: str, **kwargs: Any) -> None:
            self.senders.add(sender)
            self.events.append((name, channel, *(kwargs[field] for field in fields)))

        return receive


@pytest.fixture
def heard() -> Iterator[Heard]:
    found = Heard()
    connected = [
        (signals.channel_occupied, found.receiver("channel_occupied")),
        (signals.channel_vacated, found.receiver("channel_vacated")),
        (signals.member_added, found.receiver("member_added", "user_id")),
        (signals.member_removed, found.receiver("member_removed", "user_id")),
        (signals.client_event, found.receiver("client_event", "event", "data", "user_id")),
        (signals.cache_miss, found.receiver("cache_miss")),
    ]
    for signal, receive in connected:
        signal.connect(receive)
    yield found
    for signal, receive in connected:
        signal.disconnect(receive)


class Deployment:
    """Socket servers of one backend, and clients on them (spread over the servers)."""

    def __init__(self, config: ServerConfig, urls: list[str]) -> None:
        self.config = config
        self.urls = urls
        self.clients: list[PusherTestClient] = []

    def client(self, server: int) -> PusherTestClient:
        url = f"{self.urls[server % len(self.urls)]}/app/{self.config.key}?protocol=7"
        client = PusherTestClient(url, self.config)
        self.clients.append(client)
        return client


def wait_for(heard: Heard, count: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while len(heard) < count:
        assert time.monotonic() < deadline, f"only {heard.events} arrived"
        time.sleep(0.05)
    time.sleep(SETTLE)


def scenario(deployment: Deployment, heard: Heard) -> None:
    """The same user twice (on two servers when there are two), another user once, a
    client event, then everyone leaves."""
    first, again, other = deployment.client(0), deployment.client(1), deployment.client(1)
    for client, user in ((first, "u1"), (again, "u1"), (other, "u2")):
        reply = client.subscribe(ROOM, user_id=user, info={"name": user})
        assert reply["event"] == "pusher_internal:subscription_succeeded", reply
    wait_for(heard, 3)
    assert sorted(heard.events) == [
        ("channel_occupied", ROOM),
        ("member_added", ROOM, "u1"),
        ("member_added", ROOM, "u2"),
    ]
    # One server sends its events in order; two servers' webhooks may cross.
    in_order = len(deployment.urls) == 1
    if in_order:
        assert heard.events[0] == ("channel_occupied", ROOM)

    first.send("client-typing", {"on": True}, channel=ROOM)
    wait_for(heard, 4)
    assert heard.events[3] == ("client_event", ROOM, "client-typing", {"on": True}, "u1")

    first.close()
    wait_for(heard, 4)  # u1 is still there on its other connection: nothing
    assert len(heard) == 4
    again.close()
    other.close()
    wait_for(heard, 7)
    assert sorted(heard.events[4:]) == [
        ("channel_vacated", ROOM),
        ("member_removed", ROOM, "u1"),
        ("member_removed", ROOM, "u2"),
    ]
    if in_order:
        assert heard.events[-1] == ("channel_vacated", ROOM)


SCORES = "cache-scores"


def cache_scenario(deployment: Deployment, heard: Heard) -> None:
    """Subscribers on every server find a cache channel empty at once: one cache_miss.
    Once ``publish()`` went there, a newcomer gets the event instead, and no miss."""
    crowd = [deployment.client(n) for n in range(4)]
    for client in crowd:
        client.send("pusher:subscribe", {"channel": SCORES})
    for client in crowd:
        client.expect("pusher_internal:subscription_succeeded")
        assert client.recv() == {"event": "pusher:cache_miss", "channel": SCORES}
    wait_for(heard, 2)
    assert sorted(heard.events) == [("cache_miss", SCORES), ("channel_occupied", SCORES)]
    realtime_core.publish(SCORES, "goal", {"home": 1})
    for client in crowd:
        assert client.expect("goal")["data"] == '{"home":1}'
    newcomer = deployment.client(1)
    newcomer.subscribe(SCORES)
    assert newcomer.recv() == {"event": "goal", "channel": SCORES, "data": '{"home":1}'}
    time.sleep(SETTLE)
    assert len(heard) == 2


def run_nodes(count: int, env: dict[str, str]) -> Iterator[list[str]]:
    """``count`` realtime-server processes started with ``env``; their base URLs."""
    processes, urls = [], []
    try:
        for _ in range(count):
            port = free_port()
            command = [sys.executable, "-m", "realtime_core.server"]
            processes.append(start(command, port, {**env, "REALTIME_PORT": str(port)}))
            urls.append(f"ws://127.0.0.1:{port}")
        yield urls
    finally:
        for process in processes:
            if process.poll() is None:
                stop(process)


def node_env(config: ServerConfig, webhook_url: str, **extra: str) -> dict[str, str]:
    return {
        "REALTIME_APP_ID": config.app_id,
        "REALTIME_KEY": config.key,
        "REALTIME_SECRET": config.secret,
        "REALTIME_CLIENT_EVENTS": "1",
        "REALTIME_WEBHOOK_URL": webhook_url,
        "REALTIME_LOG_LEVEL": "WARNING",
        **extra,
    }


CREDENTIALS = {"APP_ID": "808", "KEY": "hooks-key", "SECRET": "hooks-secret"}
CONFIG = ServerConfig(app_id="808", key="hooks-key", secret="hooks-secret")


@override_settings(REALTIME_BACKEND="memory", REALTIME_OPTIONS={"memory": {"CLIENT_EVENTS": True}})
def test_memory_sends_the_signals_in_process(heard: Heard) -> None:
    backend = get_backend()
    events = InProcessSignals(backend.name)
    server = ServerThread(server_config(backend), backend.make_broker, events=events)
    try:
        scenario(Deployment(server.config, [f"ws://127.0.0.1:{server.port}"]), heard)
    finally:
        server.stop()
        events.close()
    assert heard.senders == {"memory"}


def test_tornado_redis_servers_send_each_webhook_once(
    heard: Heard, redis_url: str, live_server: Any
) -> None:
    options = {"tornado_redis": {**CREDENTIALS, "REDIS_URL": redis_url}}
    with override_settings(REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS=options):
        env = node_env(
            CONFIG, f"{live_server.url}/realtime/webhooks/", REALTIME_REDIS_URL=redis_url
        )
        for urls in run_nodes(2, env):
            scenario(Deployment(CONFIG, urls), heard)
    assert heard.senders == {"tornado_redis"}


def test_pusher_webhooks_reach_the_same_receivers(heard: Heard, live_server: Any) -> None:
    # A realtime-server stands in for Pusher's service, POSTing webhooks as Pusher does.
    options = {
        "pusher": {**CREDENTIALS, "HOST": "127.0.0.1", "PORT": free_port(), "USE_TLS": False}
    }
    with override_settings(REALTIME_BACKEND="pusher", REALTIME_OPTIONS=options):
        for urls in run_nodes(1, node_env(CONFIG, f"{live_server.url}/realtime/webhooks/")):
            scenario(Deployment(CONFIG, urls), heard)
    assert heard.senders == {"pusher"}


@override_settings(REALTIME_BACKEND="memory")
def test_memory_cache_channels_miss_once_then_replay(heard: Heard) -> None:
    backend = get_backend()
    events = InProcessSignals(backend.name)
    server = ServerThread(server_config(backend), backend.make_broker, events=events)
    try:
        cache_scenario(Deployment(server.config, [f"ws://127.0.0.1:{server.port}"]), heard)
    finally:
        server.stop()
        events.close()
    assert heard.senders == {"memory"}


def test_tornado_redis_cache_channels_miss_once_across_servers_then_replay(
    heard: Heard, redis_url: str, live_server: Any
) -> None:
    options = {"tornado_redis": {**CREDENTIALS, "REDIS_URL": redis_url}}
    with override_settings(REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS=options):
        env = node_env(
            CONFIG, f"{live_server.url}/realtime/webhooks/", REALTIME_REDIS_URL=redis_url
        )
        for urls in run_nodes(2, env):
            cache_scenario(Deployment(CONFIG, urls), heard)
    assert heard.senders == {"tornado_redis"}


def test_pusher_cache_channels_miss_once_then_replay(heard: Heard, live_server: Any) -> None:
    # The stand-in for Pusher's service, published to through its HTTP API as Pusher is.
    for urls in run_nodes(1, node_env(CONFIG, f"{live_server.url}/realtime/webhooks/")):
        port = int(urls[0].rpartition(":")[2])
        options = {"pusher": {**CREDENTIALS, "HOST": "127.0.0.1", "PORT": port, "USE_TLS": False}}
        with override_settings(REALTIME_BACKEND="pusher", REALTIME_OPTIONS=options):
            cache_scenario(Deployment(CONFIG, urls), heard)
    assert heard.senders == {"pusher"}
