"""Redis Cluster: the broker contract on a real cluster, Django publishing into it, and
delivery that goes on when a primary dies.

The clusters are real ``redis-server --cluster-enabled yes`` processes (three primaries;
with a replica each for the failover), built with ``redis-cli --cluster create``.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import pytest
import redis
import redis.asyncio.cluster
import redis.exceptions
from django.test import override_settings
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from realtime_core.brokers.redis import RedisBroker
from realtime_core.brokers.redis_schema import RedisKeys, by_slot, publish_calls
from realtime_core.brokers.redis_urls import (
    ASYNC_POOL_SIZE,
    ClusterTarget,
    async_client,
    redact_url,
)
from realtime_core.exceptions import PublishError, RealtimeConfigurationError
from realtime_core.messages import Message
from realtime_core.positions import HistoryLimits, Position
from realtime_core.publishing import get_backend, publish
from realtime_core.server.config import ServerConfig
from tests.server.pusher_client import PusherTestClient
from tests.server_harness import ServerThread

from ..redis_server import RedisCluster
from .contract import BrokerContract, Connect, Node, event, eventually, run

APP_ID = "1"
CONFIG = ServerConfig(app_id="78", key="cluster-key", secret="cluster-secret")


def cluster_broker(url: str, **options: Any) -> RedisBroker:
    options = {"heartbeat_interval": 1.0, "node_timeout": 5.0, "timeout": 2.0, **options}
    return RedisBroker(url, app_id=options.pop("app_id", APP_ID), **options)


@asynccontextmanager
async def running(url: str, **options: Any) -> AsyncIterator[Node]:
    node = await Node(cluster_broker(url, **options)).start()
    try:
        yield node
    finally:
        await node.broker.close()


class TestClusterBroker(BrokerContract):
    @pytest.fixture
    def connect(self, redis_cluster: RedisCluster) -> Connect:
        def connect(limits: HistoryLimits) -> RedisBroker:
            return cluster_broker(
                redis_cluster.url, history_size=limits.size, history_ttl=limits.ttl
            )

        return connect


# URLs ---------------------------------------------------------------------------------


def test_a_cluster_url_names_nodes_and_credentials() -> None:
    target = ClusterTarget.parse("redis+cluster://app:pw@10.0.0.1:7000,node-2:7001")
    assert target == ClusterTarget(
        (("10.0.0.1", 7000), ("node-2", 7001)), username="app", password="pw"
    )
    assert ClusterTarget.parse("rediss+cluster://n:1/0").tls  # type: ignore[union-attr]
    assert ClusterTarget.parse("redis://127.0.0.1:6379/0") is None
    assert redact_url("redis+cluster://app:pw@n1:7000,n2:7000") == (
        "redis+cluster://app:***@n1:7000,n2:7000"
    )


@pytest.mark.parametrize(
    "url",
    [
        "redis+cluster://",
        "redis+cluster://node",
        "redis+cluster://node:7000/1",
        "redis+cluster://node:7000?password=x",
        "redis+cluster://node:port",
    ],
)
def test_a_malformed_cluster_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="Cluster"):
        ClusterTarget.parse(url)


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("redis+cluster://n1:7000,n2:7000", True),
        ("rediss+cluster://:pw@n1:7000", True),
        ("redis+cluster://n1:7000/3", False),
        ("redis+cluster://n1", False),
    ],
)
def test_the_tornado_redis_backend_takes_cluster_urls(url: str, accepted: bool) -> None:
    options = {"tornado_redis": {"APP_ID": "1", "KEY": "k", "SECRET": "s", "REDIS_URL": url}}
    with override_settings(REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS=options):
        if accepted:
            assert get_backend().keys.sharded  # type: ignore[attr-defined]
        else:
            with pytest.raises(RealtimeConfigurationError, match="REDIS_URL"):
                get_backend()


# Layout -------------------------------------------------------------------------------


def test_a_channels_keys_share_a_slot_and_the_app_wide_keys_another() -> None:
    keys = RedisKeys.for_app("1", sharded=True)
    slot = redis.crc.key_slot
    channel_keys = [
        keys.meta("news"),
        keys.stream("news"),
        keys.cache("news"),
        keys.cache_miss("news"),
        keys.channel("news"),
        keys.subscription_count("news"),
        *keys.presence("news"),
    ]
    assert {slot(key.encode()) for key in channel_keys} == {keys.slot("news")}
    app_keys = [
        keys.nodes,
        keys.control,
        keys.occupancy,
        keys.online,
        keys.node_presence("n1"),
        keys.node_subscriptions("n1"),
        keys.node_connections("n1"),
        keys.node_signins("n1"),
    ]
    assert len({slot(key.encode()) for key in app_keys}) == 1
    assert all(key.startswith("realtime:1:") for key in channel_keys + app_keys)
    assert keys.channel_of(keys.channel("news").encode()) == "news"
    with pytest.raises(ValueError, match="braces"):
        RedisKeys.for_app("1", "pre{fix}")


def test_a_publish_is_one_call_on_one_redis_and_one_per_slot_on_a_cluster() -> None:
    channels = [f"room-{n}" for n in range(20)]
    messages = [Message(tuple(channels[:10]), "a", "1"), Message(tuple(channels[5:]), "b", "2")]
    limits = HistoryLimits(10, 60)
    assert len(publish_calls(RedisKeys.for_app("1"), messages, limits)) == 1
    sharded = RedisKeys.for_app("1", sharded=True)
    calls = publish_calls(sharded, messages, limits)
    slots = {sharded.slot(channel) for channel in channels}
    assert len(calls) == len(slots) > 1
    for keys, _arguments in calls:
        assert len({redis.crc.key_slot(key.encode()) for key in keys}) == 1
    groups = by_slot(sharded, [(m, c) for m in messages for c in m.channels], lambda p: p[1])
    assert sum(len(group) for group in groups) == 25


# Delivery -----------------------------------------------------------------------------


def test_each_channel_is_subscribed_on_the_primary_of_its_slot(
    redis_cluster: RedisCluster,
) -> None:
    channels = [f"c{n}" for n in range(12)]

    async def scenario() -> None:
        async with running(redis_cluster.url) as sender, running(redis_cluster.url) as node:
            for channel in channels:
                await node.broker.listen(channel)
            await sender.broker.publish([event(tuple(channels), name="hello")])
            await eventually(lambda: all(node.on(channel) for channel in channels))
            for channel in channels:
                primary = redis_cluster.primary_of(node.broker.keys.channel(channel))
                with redis.Redis(port=primary.port) as client:
                    assert client.pubsub_shardnumsub(node.broker.keys.channel(channel)) == [
                        (node.broker.keys.channel(channel).encode(), 1)
                    ]
            positions = [node.on(channel)[0].position for channel in channels]
            assert all(position and position.endswith(":1") for position in positions)

    run(scenario())


def django_options(url: str) -> dict[str, Any]:
    return {
        "tornado_redis": {
            "APP_ID": CONFIG.app_id,
            "KEY": CONFIG.key,
            "SECRET": CONFIG.secret,
            "REDIS_URL": url,
            "TIMEOUT": 1,
        }
    }


def test_django_publishes_through_the_cluster_to_a_socket_server(
    redis_cluster: RedisCluster,
) -> None:
    url = redis_cluster.url
    server = ServerThread(CONFIG, lambda: RedisBroker(url, app_id=CONFIG.app_id, timeout=2.0))
    client = PusherTestClient(server.ws_url, CONFIG)
    try:
        options = django_options(url)
        with override_settings(REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS=options):
            channels = ["news", "sport", "weather", "cache-score"]
            for channel in channels:
                reply = client.subscribe(channel)
                assert reply["event"] == "pusher_internal:subscription_succeeded"
            assert client.expect("pusher:cache_miss")["channel"] == "cache-score"
            publish(channels, "tick", "all")
            received = {client.expect("tick")["channel"] for _ in channels}
            assert received == set(channels)
            history = get_backend().history("sport", None)  # type: ignore[attr-defined]
            assert history.position.offset == 1
            checks = get_backend().check(timeout=2)
            assert [check.status.value for check in checks] == ["ok", "ok"]
    finally:
        client.close()
        server.stop()


def test_two_realtime_servers_share_presence_and_deliveries_through_the_cluster(
    redis_cluster: RedisCluster,
) -> None:
    from tests.server.test_cluster import CONFIG as SERVER_CONFIG
    from tests.server.test_cluster import Node as ServerProcess

    first, second = ServerProcess(redis_cluster.url), ServerProcess(redis_cluster.url)
    try:
        alice, bob = first.client(), second.client()
        alice.subscribe("presence-room", user_id="alice")
        reply = json.loads(bob.subscribe("presence-room", user_id="bob")["data"])
        assert sorted(reply["presence"]["ids"]) == ["alice", "bob"]
        joined = json.loads(alice.expect("pusher_internal:member_added")["data"])
        assert joined["user_id"] == "bob"
        first.api().trigger("presence-room", "hello", {"n": 1})
        for client in (alice, bob):
            assert json.loads(client.expect("hello")["data"]) == {"n": 1}
        options = django_options(redis_cluster.url)
        options["tornado_redis"].update(
            APP_ID=SERVER_CONFIG.app_id, KEY=SERVER_CONFIG.key, SECRET=SERVER_CONFIG.secret
        )
        with override_settings(REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS=options):
            publish("presence-room", "from-django", [2])
            inspection = get_backend().inspect()  # type: ignore[attr-defined]
        for client in (alice, bob):
            frame = client.expect("from-django")
            assert (frame["data"], frame["position"].partition(":")[2]) == ("[2]", "2")
        assert len(inspection.nodes) == 2
        [room] = inspection.channels
        assert (room.name, room.subscriptions, room.users) == ("presence-room", 2, 2)
        assert set(inspection.members["presence-room"]) == {"alice", "bob"}
    finally:
        first.stop()
        second.stop()


def test_realtime_server_refuses_a_malformed_cluster_url() -> None:
    from realtime_core.server.cli import main

    argv = ["--app-id", "1", "--key", "k", "--secret", "s", "--port", "0"]
    with pytest.raises(SystemExit, match="--redis-url: a Redis Cluster URL is"):
        main([*argv, "--redis-url", "redis+cluster://node:7000/2"])


# Connections --------------------------------------------------------------------------


def unretried_client(url: str, **options: Any) -> redis.asyncio.cluster.RedisCluster:
    """The broker's Cluster client: a failed call is not sent again."""
    client = async_client(url, retry=Retry(NoBackoff(), 0), **options)
    assert isinstance(client, redis.asyncio.cluster.RedisCluster)
    return client


def test_more_calls_at_once_to_one_node_than_its_pool_has_connections_all_succeed(
    redis_cluster: RedisCluster,
) -> None:
    """5,000 connections closing at once each leave their channels: the calls to one
    node past its :data:`ASYNC_POOL_SIZE` wait for a connection instead of failing
    (``MaxConnectionsError``), and open no connection past it. The count also fails if
    redis-py stops sending each call through ``RedisCluster._execute_command``, the
    private method the bound wraps."""
    key, calls, name = "{burst}counter", ASYNC_POOL_SIZE * 10, "burst-test"

    def connected() -> int:
        with redis.Redis(port=redis_cluster.primary_of(key).port) as node:
            return sum(1 for client in node.client_list() if client["name"] == name)

    async def scenario() -> None:
        client = unretried_client(redis_cluster.url, socket_timeout=10, client_name=name)
        try:
            await client.initialize()  # or the calls would queue up for it, one by one
            before = connected()
            await asyncio.gather(*(client.incr(key) for _ in range(calls)))
            assert int(await client.getdel(key)) == calls
            assert 0 < connected() - before <= ASYNC_POOL_SIZE
        finally:
            await client.aclose()

    run(scenario())


def test_a_call_that_finds_no_free_connection_within_socket_timeout_says_so(
    redis_cluster: RedisCluster,
) -> None:
    key = "{paused}counter"
    primary = redis_cluster.primary_of(key)

    async def scenario() -> None:
        client = unretried_client(redis_cluster.url, socket_timeout=0.5)
        try:
            await client.initialize()
            # Each call then connects before it sends, so the last one starts waiting for
            # a connection before the others start waiting for their replies: it gives
            # up first, whatever the machine's speed.
            for node in client.get_nodes():
                await node.disconnect()
            with redis.Redis(port=primary.port, socket_timeout=5) as admin:
                admin.client_pause(10_000, all=False)  # writes wait, handshakes do not
                try:
                    *held, late = await asyncio.gather(
                        *(client.incr(key) for _ in range(ASYNC_POOL_SIZE + 1)),
                        return_exceptions=True,
                    )
                finally:
                    admin.client_unpause()
                    admin.delete(key)
        finally:
            await client.aclose()
        assert all(isinstance(error, redis.exceptions.TimeoutError) for error in held)
        assert isinstance(late, redis.exceptions.MaxConnectionsError)
        assert str(late) == (
            f"no connection to Redis Cluster node 127.0.0.1:{primary.port} was free within"
            f" socket_timeout (0.5 s): {ASYNC_POOL_SIZE} calls to it were in flight"
        )

    run(scenario())


# Failover -----------------------------------------------------------------------------


def test_delivery_goes_on_after_a_primary_dies_and_the_gap_is_filled_from_the_stream(
    disposable_redis_cluster: RedisCluster,
) -> None:
    cluster = disposable_redis_cluster
    url = cluster.url
    channels = [f"feed-{n}" for n in range(6)]

    def got_last(node: Node) -> bool:
        return all(any(b'"last"' in d.payload for d in node.on(c)) for c in channels)

    async def scenario() -> None:
        async with running(url, heartbeat_interval=0.25, timeout=0.5) as node:
            for channel in channels:
                await node.broker.listen(channel)
            keys = node.broker.keys
            victim = cluster.primary_of(keys.channel(channels[0]))
            doomed = [c for c in channels if cluster.primary_of(keys.channel(c)) is victim]
            publisher = cluster_broker(url, timeout=0.5)
            try:
                await publisher.publish([event(tuple(channels), name="before")])
                await eventually(lambda: all(node.on(channel) for channel in channels))
                await asyncio.sleep(0.5)  # replication is asynchronous: let the replica catch up
                resyncs = node.resyncs

                victim.stop()  # SIGKILL: its replica takes over after the node timeout
                published = dict.fromkeys(channels, 0)
                deadline = time.monotonic() + 30
                while not all(published.values()) or node.resyncs == resyncs:
                    assert time.monotonic() < deadline, "no failover, or no resync"
                    for channel in channels:
                        with suppress(*node.broker.unavailable_errors):
                            await publisher.publish([event((channel,), name="after")])
                            published[channel] += 1
                    await asyncio.sleep(0.1)
                await publisher.publish([event(tuple(channels), name="last")])
                await eventually(lambda: got_last(node), timeout=10)
                for channel in doomed:
                    # Every accepted publish is in the stream, in order: what the node
                    # missed while it followed the failover, the resync fills from there.
                    latest = (await node.broker.history(channel, None)).position
                    assert latest.offset == 2 + published[channel]
                    full = await node.broker.history(channel, Position(latest.epoch, 0))
                    assert full.complete
                    assert [d.position for d in full.deliveries] == [
                        f"{latest.epoch}:{offset}" for offset in range(1, latest.offset + 1)
                    ]
            finally:
                await publisher.close()

    run(scenario())


def test_a_moved_slot_is_followed_and_its_gap_filled(redis_cluster: RedisCluster) -> None:
    cluster = redis_cluster

    async def scenario() -> None:
        async with running(cluster.url, heartbeat_interval=0.25) as node:
            keys = node.broker.keys
            slot = keys.slot("moving")
            source = cluster.primary_of_slot(slot)
            target = next(other for other in cluster.primaries() if other is not source)
            await node.broker.listen("moving")
            await node.broker.publish([event(("moving",), name="before")])
            await eventually(lambda: len(node.on("moving")) == 1)
            resyncs = node.resyncs
            try:
                # The source drops the subscription (in a thread: heartbeats go on).
                await asyncio.to_thread(cluster.move_slot, slot, target)
                await eventually(lambda: node.resyncs > resyncs)
                await node.broker.publish([event(("moving",), name="after")])
                await eventually(lambda: len(node.on("moving")) == 2)
                assert node.on("moving")[1].position.endswith(":2")  # the stream moved too
                with redis.Redis(port=target.port) as client:
                    assert client.pubsub_shardnumsub(keys.channel("moving")) == [
                        (keys.channel("moving").encode(), 1)
                    ]
            finally:
                await asyncio.to_thread(cluster.move_slot, slot, source)

    run(scenario())


def test_a_socket_servers_clients_miss_nothing_when_a_primary_dies(
    disposable_redis_cluster: RedisCluster,
) -> None:
    """What the server missed while it followed the failover it fills in from the
    channel's stream (its resync, or the gap the next delivery's position shows): the
    client gets every accepted publish, once, in order. The server looks for the new
    primary every heartbeat interval, 2 s here, so Django's publisher is likely to get
    publishes accepted there before the server subscribes to it."""
    cluster = disposable_redis_cluster
    url = cluster.url
    keys = RedisKeys.for_app(CONFIG.app_id, sharded=True)
    victim = cluster.primary_of(keys.channel("news"))
    server = ServerThread(
        CONFIG,
        lambda: RedisBroker(url, app_id=CONFIG.app_id, heartbeat_interval=2.0, timeout=0.5),
    )
    client = PusherTestClient(server.ws_url, CONFIG)
    accepted: list[str] = []
    try:
        options = django_options(url)
        with override_settings(REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS=options):
            assert client.subscribe("news")["event"] == "pusher_internal:subscription_succeeded"
            publish("news", "tick", "0")
            accepted.append('"0"')
            assert client.expect("tick")["data"] == '"0"'
            time.sleep(0.5)  # replication is asynchronous: let the replica catch up

            victim.stop()
            deadline = time.monotonic() + 30
            n = 0
            while len(accepted) < 40:
                assert time.monotonic() < deadline, "the publisher never reached the new primary"
                n += 1
                with suppress(PublishError):
                    publish("news", "tick", str(n))
                    accepted.append(f'"{n}"')
                time.sleep(0.05)
        received = [client.expect("tick", timeout=15)["data"] for _ in accepted[1:]]
        assert received == accepted[1:]
        client.nothing_more()
    finally:
        client.close()
        server.stop()
