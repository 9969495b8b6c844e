"""Two server processes on one Redis serve one app together."""

import json
import signal
import sys
import time
from collections.abc import Iterator
from typing import Any

import pusher
import pytest
from django.test import override_settings

import realtime_core
from realtime_core.server.config import ServerConfig
from tests.server_harness import free_port

from .pusher_client import PusherTestClient
from .test_commands import start

CONFIG = ServerConfig(app_id="4321", key="cluster-key", secret="cluster-secret")
NODE_TIMEOUT = 1.5


class Node:
    def __init__(self, redis_url: str, **env: str) -> None:
        """``env``: more ``REALTIME_*`` settings, e.g. ``SUBSCRIPTION_COUNT_EVENTS="1"``."""
        self.port = free_port()
        env = {
            "REALTIME_APP_ID": CONFIG.app_id,
            "REALTIME_KEY": CONFIG.key,
            "REALTIME_SECRET": CONFIG.secret,
            "REALTIME_REDIS_URL": redis_url,
            "REALTIME_PORT": str(self.port),
            "REALTIME_NODE_TIMEOUT": str(NODE_TIMEOUT),
            "REALTIME_LOG_LEVEL": "WARNING",
            **{f"REALTIME_{name}": value for name, value in env.items()},
        }
        self.process = start([sys.executable, "-m", "realtime_core.server"], self.port, env)
        self.clients: list[PusherTestClient] = []

    def client(self, **options: Any) -> PusherTestClient:
        """A client of this node (``options``: :class:`PusherTestClient`'s)."""
        url = f"ws://127.0.0.1:{self.port}/app/{CONFIG.key}"
        client = PusherTestClient(url, CONFIG, **options)
        self.clients.append(client)
        return client

    def api(self) -> pusher.Pusher:
        return pusher.Pusher(
            app_id=CONFIG.app_id,
            key=CONFIG.key,
            secret=CONFIG.secret,
            host="127.0.0.1",
            port=self.port,
            ssl=False,
        )

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.process.communicate(timeout=15)


@pytest.fixture
def nodes(redis_url: str) -> Iterator[tuple[Node, Node]]:
    first, second = Node(redis_url), Node(redis_url)
    yield first, second
    first.stop()
    second.stop()


def test_backend_publish_reaches_subscribers_of_every_server(
    nodes: tuple[Node, Node], redis_url: str
) -> None:
    on_first, on_second = nodes[0].client(), nodes[1].client()
    on_first.subscribe("private-news")
    on_second.subscribe("private-news")
    options = {
        "REDIS_URL": redis_url,
        "APP_ID": CONFIG.app_id,
        "KEY": CONFIG.key,
        "SECRET": CONFIG.secret,
    }
    with override_settings(
        REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS={"tornado_redis": options}
    ):
        realtime_core.publish("private-news", "headline", {"id": 1})
    for client in (on_first, on_second):
        assert client.expect("headline")["data"] == '{"id":1}'


def test_http_api_on_one_server_reaches_the_other(nodes: tuple[Node, Node]) -> None:
    first, second = nodes
    listener, excluded = second.client(), second.client()
    listener.subscribe("room")
    excluded.subscribe("room")
    first.api().trigger(["room"], "said", {"text": "hi"}, socket_id=excluded.socket_id)
    said = listener.expect("said")
    assert json.loads(said["data"]) == {"text": "hi"}
    assert excluded.expect("pusher_internal:position")["position"] == said["position"]
    excluded.nothing_more()


def test_presence_is_shared_and_a_killed_server_loses_its_members(
    nodes: tuple[Node, Node],
) -> None:
    doomed, survivor = nodes
    alice = doomed.client()
    alice.subscribe("presence-room", user_id="alice")
    bob = survivor.client()
    reply = json.loads(bob.subscribe("presence-room", user_id="bob")["data"])
    assert sorted(reply["presence"]["ids"]) == ["alice", "bob"]
    assert json.loads(alice.expect("pusher_internal:member_added")["data"])["user_id"] == "bob"
    users = survivor.api().users_info("presence-room")["users"]
    assert sorted(user["id"] for user in users) == ["alice", "bob"]
    assert doomed.api().channel_info("presence-room", ["user_count"])["user_count"] == 2

    doomed.process.send_signal(signal.SIGKILL)
    doomed.process.communicate(timeout=10)
    killed_at = time.monotonic()
    removed = bob.expect("pusher_internal:member_removed", timeout=NODE_TIMEOUT * 4)
    elapsed = time.monotonic() - killed_at
    assert json.loads(removed["data"]) == {"user_id": "alice"}
    bound = NODE_TIMEOUT + NODE_TIMEOUT / 3
    assert elapsed < bound + 1.0, f"members of a dead server lingered {elapsed:.1f}s"
    assert [user["id"] for user in survivor.api().users_info("presence-room")["users"]] == ["bob"]


def test_terminate_reaches_connections_on_the_other_server(nodes: tuple[Node, Node]) -> None:
    first, second = nodes
    target = first.client()
    target.sign_in("u-9")
    second.api().terminate_user_connections("u-9")
    frames, code = target.closed_with()
    assert code == 4009
    assert frames[-1]["data"]["code"] == 4009


def test_channels_are_counted_across_servers(nodes: tuple[Node, Node]) -> None:
    first, second = nodes
    first.client().subscribe("shared")
    second.client().subscribe("shared")
    second.client().subscribe("only-second")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        info = first.api().channel_info("shared", ["subscription_count"])
        if info.get("subscription_count") == 2:
            break
        time.sleep(0.05)
    assert info == {"occupied": True, "subscription_count": 2}
    assert set(first.api().channels_info()["channels"]) == {"shared", "only-second"}


def test_sigterm_on_one_server_leaves_the_other_serving(nodes: tuple[Node, Node]) -> None:
    first, second = nodes
    leaving = first.client()
    staying = second.client()
    staying.subscribe("presence-lobby", user_id="stay")
    leaving.subscribe("presence-lobby", user_id="leave")
    staying.expect("pusher_internal:member_added")
    first.process.send_signal(signal.SIGTERM)
    _, code = leaving.closed_with()
    assert code == 4200
    assert json.loads(staying.expect("pusher_internal:member_removed")["data"]) == {
        "user_id": "leave"
    }
    assert first.process.wait(10) == 0


def test_a_cache_channel_replays_its_last_event_on_every_server(
    nodes: tuple[Node, Node], redis_url: str
) -> None:
    first, second = nodes
    early = first.client()
    early.subscribe("cache-scores")
    assert early.recv() == {"event": "pusher:cache_miss", "channel": "cache-scores"}
    options = {
        "REDIS_URL": redis_url,
        "APP_ID": CONFIG.app_id,
        "KEY": CONFIG.key,
        "SECRET": CONFIG.secret,
    }
    with override_settings(
        REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS={"tornado_redis": options}
    ):
        realtime_core.publish("cache-scores", "goal", {"home": 1})
    second.api().trigger(["private-cache-room"], "topic", "rust")
    assert early.expect("goal")["data"] == '{"home":1}'
    for node in nodes:
        newcomer = node.client()
        newcomer.subscribe("cache-scores")
        assert newcomer.recv() == {"event": "goal", "channel": "cache-scores", "data": '{"home":1}'}
        newcomer.subscribe("private-cache-room")
        assert newcomer.recv() == {
            "event": "topic",
            "channel": "private-cache-room",
            "data": "rust",
        }
        info = node.api().channel_info("cache-scores", ["cache"])
        assert info["cache"]["data"] == '{"home":1}'
        assert 1790 <= info["cache"]["ttl"] <= 1800


@pytest.fixture
def eventful_nodes(redis_url: str) -> Iterator[tuple[Node, Node]]:
    """Two nodes sending subscription count and watchlist events."""
    switched = {"SUBSCRIPTION_COUNT_EVENTS": "1", "WATCHLIST_EVENTS": "1"}
    first, second = Node(redis_url, **switched), Node(redis_url, **switched)
    yield first, second
    first.stop()
    second.stop()


def subscription_count(client: PusherTestClient, timeout: float = 5.0) -> int:
    number: int = json.loads(client.expect("pusher_internal:subscription_count", timeout)["data"])[
        "subscription_count"
    ]
    return number


def test_subscription_counts_are_the_clusters_and_reach_every_server(
    eventful_nodes: tuple[Node, Node],
) -> None:
    first, second = eventful_nodes
    here = first.client()
    here.subscribe("room")
    assert subscription_count(here) == 1
    there = second.client()
    there.subscribe("room")
    assert subscription_count(here) == subscription_count(there) == 2
    there.close()
    assert subscription_count(here) == 1
    here.nothing_more()


def test_a_big_channel_is_throttled_across_servers_and_gets_its_last_count(
    eventful_nodes: tuple[Node, Node],
) -> None:
    """Pusher's rule: every change up to 100 subscribers, at most one count per 5 s
    beyond, whichever servers the changes come through; the last one is never lost."""
    first, second = eventful_nodes
    watcher = first.client()
    watcher.subscribe("crowd")
    seen = [subscription_count(watcher)]
    for n in range(2, 101):
        (first if n % 2 else second).client(max_queue=None).subscribe("crowd")
        seen.append(subscription_count(watcher))
    assert seen == list(range(1, 101))
    started = time.monotonic()
    for n in range(101, 106):
        (first if n % 2 else second).client(max_queue=None).subscribe("crowd")
    assert subscription_count(watcher, timeout=10) == 105
    waited = time.monotonic() - started
    assert 4.0 <= waited <= 8.0, f"the trailing count came after {waited:.1f} s"
    watcher.nothing_more(1.0)


def test_users_are_online_while_signed_in_on_any_server(
    eventful_nodes: tuple[Node, Node],
) -> None:
    first, second = eventful_nodes
    ann = first.client()
    ann.sign_in("ann", watchlist=["bob"])
    assert json.loads(ann.expect("pusher_internal:watchlist_events")["data"]) == {
        "events": [{"name": "offline", "user_ids": ["bob"]}]
    }
    bob_there, bob_here = second.client(), first.client()
    bob_there.sign_in("bob")
    assert json.loads(ann.expect("pusher_internal:watchlist_events")["data"]) == {
        "events": [{"name": "online", "user_ids": ["bob"]}]
    }
    bob_here.sign_in("bob")
    bob_there.close()
    ann.nothing_more(0.5)
    bob_here.close()
    assert json.loads(ann.expect("pusher_internal:watchlist_events")["data"]) == {
        "events": [{"name": "offline", "user_ids": ["bob"]}]
    }


def test_a_killed_servers_users_go_offline_within_the_node_timeout(
    eventful_nodes: tuple[Node, Node],
) -> None:
    survivor, doomed = eventful_nodes
    doomed.client().sign_in("bob")
    ann = survivor.client()
    ann.sign_in("ann", watchlist=["bob"])
    assert json.loads(ann.expect("pusher_internal:watchlist_events")["data"]) == {
        "events": [{"name": "online", "user_ids": ["bob"]}]
    }
    doomed.process.send_signal(signal.SIGKILL)
    doomed.process.communicate(timeout=10)
    offline = ann.expect("pusher_internal:watchlist_events", timeout=NODE_TIMEOUT * 4)
    assert json.loads(offline["data"]) == {"events": [{"name": "offline", "user_ids": ["bob"]}]}
