"""RedisBroker against a real redis-server: the broker contract, then what is Redis's own:
the keys and scripts, node liveness and outages.

Several brokers on one Redis stand for several socket server processes; a crash is a
real process killed with SIGKILL.
"""

import asyncio
import json
import logging
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import pytest
import redis.asyncio

from realtime_core import frames
from realtime_core.brokers.base import (
    CACHE_MISS_INTERVAL,
    CountAnnouncement,
    CountThrottle,
    Delivery,
    LifecycleEvent,
)
from realtime_core.brokers.redis import RedisBroker
from realtime_core.brokers.redis_schema import RedisKeys, decode_delivery, encode_delivery
from realtime_core.brokers.redis_urls import ASYNC_POOL_SIZE, redact_url
from realtime_core.positions import HistoryLimits, Position
from realtime_core.protocol import CACHE_TTL

from ..redis_server import RedisProcess
from .contract import BrokerContract, Connect, Node, event, eventually, run

APP_ID = "1"


def redis_broker(url: str, **options: Any) -> RedisBroker:
    """A broker with heartbeats and timeouts short enough for tests."""
    options = {"heartbeat_interval": 1.0, "node_timeout": 5.0, "timeout": 2.0, **options}
    return RedisBroker(url, app_id=options.pop("app_id", APP_ID), **options)


@asynccontextmanager
async def running(url: str, **options: Any) -> AsyncIterator[Node]:
    node = await Node(redis_broker(url, **options)).start()
    try:
        yield node
    finally:
        await node.broker.close()


@asynccontextmanager
async def raw_redis(url: str) -> AsyncIterator[Any]:
    """A plain client, to look at what the brokers left in Redis (replies are bytes)."""
    client = redis.asyncio.Redis.from_url(url)
    try:
        yield client
    finally:
        await client.aclose()


class TestRedisBroker(BrokerContract):
    @pytest.fixture
    def connect(self, redis_url: str) -> Connect:
        def connect(limits: HistoryLimits) -> RedisBroker:
            return redis_broker(redis_url, history_size=limits.size, history_ttl=limits.ttl)

        return connect


# Fan-out ------------------------------------------------------------------------------


def test_unlisten_stops_delivery_and_listen_resumes_it(redis_url: str) -> None:
    keys = RedisKeys.for_app(APP_ID)

    async def subscribed(client: Any) -> list[bytes]:
        return sorted(await client.pubsub_channels(f"{keys.base}*"))

    async def scenario() -> None:
        async with running(redis_url) as server, raw_redis(redis_url) as client:
            assert await subscribed(client) == [keys.control.encode()]
            await server.broker.listen("a")
            assert await subscribed(client) == [keys.channel("a").encode(), keys.control.encode()]
            await server.broker.publish([event(("a",), data="1")])
            await eventually(lambda: len(server.deliveries) == 1)
            await server.broker.unlisten("a")
            deadline = time.monotonic() + 2  # UNSUBSCRIBE is not awaited: nothing depends on it
            while await subscribed(client) != [keys.control.encode()]:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.01)
            await server.broker.publish([event(("a",), data="2")])
            await asyncio.sleep(0.2)
            assert len(server.deliveries) == 1
            await server.broker.listen("a")
            await server.broker.publish([event(("a",), data="3")])
            await eventually(lambda: len(server.deliveries) == 2)
            third = server.deliveries[1]
            assert third.payload == frames.channel_event("a", "e", "3", third.position)

    run(scenario())


def test_positions_increase_per_channel_and_the_stream_keeps_history(redis_url: str) -> None:
    async def scenario() -> None:
        async with running(redis_url, history_size=100, history_ttl=60) as server:
            await server.broker.listen("a")
            for n in range(3):
                await server.broker.publish([event(("a",), data=str(n))])
            await server.broker.publish([event(("a",), data=str(n)) for n in range(3, 6)])
            await eventually(lambda: len(server.deliveries) == 6)
            positions = [Position.parse(d.position) for d in server.deliveries]
            epoch = positions[0].epoch if positions[0] else ""
            assert positions == [Position(epoch, offset) for offset in range(1, 7)]
            async with raw_redis(redis_url) as client:
                stream = RedisKeys.for_app(APP_ID).stream("a")
                entries = await client.xrange(stream)
                assert [entry_id.decode() for entry_id, _ in entries] == [
                    f"{offset}-0" for offset in range(1, 7)
                ]
                assert [fields[b"f"] for _, fields in entries] == [
                    d.payload for d in server.deliveries
                ]
                assert 0 < await client.ttl(stream) <= 60
            history = await server.broker.history("a", Position(epoch, 2))
            assert history.complete
            assert history.position == Position(epoch, 6)
            assert list(history.deliveries) == server.deliveries[2:]
            latest = await server.broker.history("a", None)
            assert (latest.position, latest.deliveries) == (Position(epoch, 6), ())
            other_epoch = await server.broker.history("a", Position("abc", 2))
            assert (other_epoch.complete, other_epoch.deliveries) == (False, ())

    run(scenario())


def test_a_batch_is_one_script_call_delivered_in_order(redis_url: str) -> None:
    async def evalsha_calls(client: Any) -> int:
        stats = await client.info("commandstats")
        return int(stats.get("cmdstat_evalsha", {}).get("calls", 0))

    async def scenario() -> None:
        channels = ("a", "b", "c")
        async with running(redis_url) as server, raw_redis(redis_url) as client:
            for channel in channels:
                await server.broker.listen(channel)
            await server.broker.publish([event(("a",))])  # loads the script
            await eventually(lambda: len(server.deliveries) == 1)
            before = await evalsha_calls(client)
            batch = [event(channels, data=str(n)) for n in range(10)]
            await server.broker.publish(batch)
            assert await evalsha_calls(client) == before + 1
            await eventually(lambda: len(server.deliveries) == 31)
            for channel in channels:
                received = server.on(channel)[-10:]
                expected = [
                    frames.channel_event(channel, "e", str(n), d.position)
                    for n, d in enumerate(received)
                ]
                assert [d.payload for d in received] == expected

    run(scenario())


def test_apps_and_prefixes_do_not_hear_each_other(redis_url: str) -> None:
    async def scenario() -> None:
        async with (
            running(redis_url) as server,
            running(redis_url, app_id="2") as other_app,
            running(redis_url, key_prefix="staging") as other_prefix,
        ):
            for node in (server, other_app, other_prefix):
                await node.broker.listen("a")
            await server.broker.publish([event(("a",))])
            await eventually(lambda: len(server.deliveries) == 1)
            await asyncio.sleep(0.2)
            assert other_app.deliveries == other_prefix.deliveries == []

    run(scenario())


def test_cached_events_and_reported_misses_are_keys_that_expire(redis_url: str) -> None:
    keys = RedisKeys.for_app(APP_ID)

    async def scenario() -> None:
        async with running(redis_url) as server, raw_redis(redis_url) as client:
            await server.broker.publish([event(("cache-a",), data='"x"')])
            value = await client.get(keys.cache("cache-a"))
            cached = await server.broker.cached_event("cache-a")
            assert cached is not None
            assert value == b"%s\n%s" % (str(cached.position).encode(), cached.payload)
            assert CACHE_TTL - 5 <= await client.ttl(keys.cache("cache-a")) <= CACHE_TTL
            await client.pexpire(keys.cache("cache-a"), 1)
            await asyncio.sleep(0.05)
            assert await server.broker.cached_event("cache-a") is None
            await server.broker.report_cache_miss("cache-a")
            assert 0 < await client.ttl(keys.cache_miss("cache-a")) <= CACHE_MISS_INTERVAL
            await server.broker.report_cache_miss("cache-a")
            await client.delete(keys.cache_miss("cache-a"))  # as after the interval
            await server.broker.report_cache_miss("cache-a")
            assert server.reported("cache_miss") == [LifecycleEvent("cache_miss", "cache-a")] * 2

    run(scenario())


def test_payload_format_round_trips() -> None:
    frame = b'{"event":"e","channel":"a","data":"line\\nbreak"}'
    assert decode_delivery("a", encode_delivery("1-2", "3.4", frame)) == Delivery(
        "a", frame, "1-2", "3.4"
    )
    assert decode_delivery("a", encode_delivery("", None, frame)) == Delivery("a", frame, "", None)


def test_redacted_url_hides_only_the_password() -> None:
    assert redact_url("redis://:s3cret@db.example:6380/2") == "redis://:***@db.example:6380/2"
    assert redact_url("redis://app:s3cret@db.example/0") == "redis://app:***@db.example/0"
    assert redact_url("redis://db.example:6379/0") == "redis://db.example:6379/0"
    assert (
        redact_url("redis://db.example/0?db=1&password=s3cret&Password=x")
        == "redis://db.example/0?db=1&password=***&Password=***"
    )
    assert (
        redact_url("unix:///run/redis.sock?password=s3cret")
        == "unix:///run/redis.sock?password=***"
    )


# Liveness -----------------------------------------------------------------------------


def test_each_heartbeat_says_how_many_connections_the_server_has(redis_url: str) -> None:
    async def scenario() -> None:
        open_connections = [3]
        broker = redis_broker(redis_url, heartbeat_interval=0.1, node_timeout=1.0)
        await broker.start(
            lambda delivery: None,
            lambda user_id: None,
            lambda: None,
            connections=lambda: open_connections[0],
        )
        key = RedisKeys.for_app(APP_ID).node_connections(broker.node_id)
        try:
            async with raw_redis(redis_url) as client:
                assert await client.get(key) == b"3"
                assert 0 < await client.pttl(key) <= 1000  # gone with the node's liveness
                open_connections[0] = 4
                deadline = time.monotonic() + 2
                while await client.get(key) != b"4":
                    assert time.monotonic() < deadline, "the next heartbeat did not count again"
                    await asyncio.sleep(0.02)
        finally:
            await broker.close()

    run(scenario())


def test_a_server_that_does_not_count_its_connections_writes_no_count(redis_url: str) -> None:
    async def scenario() -> None:
        async with running(redis_url) as node, raw_redis(redis_url) as client:
            broker = node.broker
            assert isinstance(broker, RedisBroker)
            key = RedisKeys.for_app(APP_ID).node_connections(broker.node_id)
            assert await client.exists(key) == 0

    run(scenario())


CRASHING_SERVER = """
import asyncio, sys
from realtime_core.brokers.redis import RedisBroker

async def main(url, heartbeat, timeout):
    broker = RedisBroker(url, app_id="1", heartbeat_interval=heartbeat, node_timeout=timeout)
    await broker.start(lambda delivery: None, lambda user_id: None, lambda: None)
    await broker.join_presence("presence-room", "9.1", "ghost", {"name": "G"}, 100)
    await broker.join_presence("presence-room", "9.2", "shared", None, 100)
    await broker.count_subscription("presence-room", 2)
    await broker.count_subscription("lonely", 1)
    await broker.count_sign_in("9.1", "ghost")
    print("ready", flush=True)
    await asyncio.Event().wait()

asyncio.run(main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3])))
"""


def test_a_killed_servers_members_vanish_within_the_node_timeout(redis_url: str) -> None:
    heartbeat, timeout = 0.25, 1.0
    server = subprocess.Popen(
        [sys.executable, "-c", CRASHING_SERVER, redis_url, str(heartbeat), str(timeout)],
        stdout=subprocess.PIPE,
    )

    async def scenario() -> None:
        room = "presence-room"
        async with running(redis_url, heartbeat_interval=heartbeat, node_timeout=timeout) as node:
            await node.broker.listen(room)
            await node.broker.join_presence(room, "1.1", "shared", None, 100)
            await node.broker.count_subscription(room, 1)
            members = {"ghost": {"name": "G"}, "shared": None}
            assert await node.broker.presence_members(room) == members
            assert await node.broker.subscription_counts() == {room: 3, "lonely": 1}
            assert await node.broker.online_users(["ghost"]) == {"ghost"}
            node.lifecycle.clear()

            server.kill()
            killed_at = time.monotonic()
            await eventually(lambda: bool(node.deliveries), timeout=timeout + heartbeat + 3)
            elapsed = time.monotonic() - killed_at
            assert timeout - heartbeat - 0.1 <= elapsed <= timeout + heartbeat + 1.0
            await asyncio.sleep(0.3)
            assert node.deliveries == [
                Delivery(room, frames.member_removed(room, "ghost"), "", None)
            ]
            assert await node.broker.presence_members(room) == {"shared": None}
            assert await node.broker.subscription_counts() == {room: 1}
            assert node.online == [("ghost", False)]
            assert await node.broker.online_users(["ghost"]) == set()
            # The node that swept the dead one reports what its death changed, once.
            ghost_left, *counts = node.lifecycle
            assert ghost_left == LifecycleEvent("member_removed", room, user_id="ghost")
            assert sorted(counts, key=repr) == [
                LifecycleEvent("channel_vacated", "lonely"),
                LifecycleEvent("subscription_count", room, subscription_count=1),
            ]
            async with raw_redis(redis_url) as client:
                nodes = await client.zrange(RedisKeys.for_app(APP_ID).nodes, 0, -1)
                assert nodes == [node.broker.node_id.encode()]

    try:
        assert server.stdout is not None
        assert server.stdout.readline() == b"ready\n"
        run(scenario())
    finally:
        server.kill()
        server.wait()
        if server.stdout is not None:
            server.stdout.close()


def test_a_node_declared_dead_while_alive_puts_its_members_back(redis_url: str) -> None:
    async def scenario() -> None:
        room = "presence-room"
        async with (
            running(redis_url, heartbeat_interval=0.1, node_timeout=1.5) as sweeper,
            running(redis_url, heartbeat_interval=1.0, node_timeout=1.5) as paused,
            raw_redis(redis_url) as client,
        ):
            await sweeper.broker.listen(room)
            await paused.broker.join_presence(room, "1.1", "u1", {"n": 1}, 100)
            await paused.broker.count_subscription(room, 1)
            # As if its heartbeats had stopped long ago (a stalled event loop, a partition):
            await client.zadd(RedisKeys.for_app(APP_ID).nodes, {paused.broker.node_id: 1})
            await eventually(lambda: len(sweeper.deliveries) == 1, timeout=1)
            assert await sweeper.broker.presence_members(room) == {}
            assert await sweeper.broker.subscription_counts() == {}
            await eventually(lambda: len(sweeper.deliveries) == 2, timeout=3)
            assert sweeper.deliveries == [
                Delivery(room, frames.member_removed(room, "u1"), "", None),
                Delivery(room, frames.member_added(room, "u1", {"n": 1}), "", "1.1"),
            ]
            assert await sweeper.broker.presence_members(room) == {"u1": {"n": 1}}
            assert await sweeper.broker.subscription_counts() == {room: 1}

    run(scenario())


def test_close_withdraws_members_counts_and_the_node(redis_url: str) -> None:
    async def scenario() -> None:
        room = "presence-room"
        async with running(redis_url) as observer:
            await observer.broker.listen(room)
            leaving = await Node(redis_broker(redis_url)).start()
            await leaving.broker.join_presence(room, "1.1", "u1", None, 100)
            await leaving.broker.count_subscription(room, 1)
            await leaving.broker.count_sign_in("1.1", "u1")
            await leaving.broker.close()
            await leaving.broker.close()
            await eventually(lambda: bool(observer.deliveries))
            assert observer.deliveries == [
                Delivery(room, frames.member_removed(room, "u1"), "", None)
            ]
            assert await observer.broker.presence_members(room) == {}
            assert await observer.broker.subscription_counts() == {}
            async with raw_redis(redis_url) as client:
                keys = sorted(key.decode() for key in await client.keys("*"))
                assert keys == [RedisKeys.for_app(APP_ID).nodes]

    run(scenario())


def test_more_calls_at_once_than_the_pool_has_connections_all_succeed(redis_url: str) -> None:
    # 5,000 members closing at once each leave their channel: the calls past the
    # pool's size wait for a connection instead of failing (MaxConnectionsError).
    members = ASYNC_POOL_SIZE * 3

    async def scenario() -> None:
        room = "presence-crowd"
        async with running(redis_url) as node:
            await asyncio.gather(
                *(
                    node.broker.join_presence(room, f"1.{n}", f"u{n}", None, members)
                    for n in range(members)
                )
            )
            assert len(await node.broker.presence_members(room)) == members
            await asyncio.gather(
                *(node.broker.leave_presence(room, f"1.{n}") for n in range(members))
            )
            assert await node.broker.presence_members(room) == {}

    run(scenario())


def test_survives_a_redis_restart_and_puts_its_state_back(
    disposable_redis: RedisProcess, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="realtime_core.brokers")
    url, room = disposable_redis.url, "presence-room"

    async def publish_until_delivered(node: Node, channel: str) -> None:
        deadline = time.monotonic() + 10
        while not node.on(channel):
            assert time.monotonic() < deadline, "nothing was delivered after the restart"
            with suppress(redis.RedisError):
                await node.broker.publish([event((channel,), name="after")])
            await asyncio.sleep(0.1)

    async def scenario() -> None:
        async with running(url, heartbeat_interval=0.25, node_timeout=2.0) as node:
            await node.broker.listen("a")
            await node.broker.join_presence(room, "1.1", "u1", {"n": 1}, 100)
            await node.broker.count_subscription(room, 1)
            await node.broker.count_sign_in("1.1", "u1")

            disposable_redis.stop()
            with pytest.raises(redis.RedisError):
                await node.broker.publish([event(("a",))])
            await asyncio.sleep(0.5)
            disposable_redis.start()

            await publish_until_delivered(node, "a")
            await node.broker.listen("b")
            await node.broker.publish([event(("b",))])
            await eventually(lambda: bool(node.on("b")))
            await eventually(lambda: "restoring 1 presence entries" in caplog.text)
            assert await node.broker.presence_members(room) == {"u1": {"n": 1}}
            assert await node.broker.subscription_counts() == {room: 1}
            assert await node.broker.online_users(["u1"]) == {"u1"}

    run(scenario())
    assert "Lost the Redis pub/sub connection" in caplog.text
    assert "is back after" in caplog.text


def test_a_reconnection_asks_the_server_to_resync(disposable_redis: RedisProcess) -> None:
    async def scenario() -> None:
        async with running(disposable_redis.url, heartbeat_interval=0.25, timeout=0.5) as node:
            await node.broker.listen("a")
            assert node.resyncs == 0  # the first connection missed nothing
            disposable_redis.stop()
            await asyncio.sleep(0.5)
            disposable_redis.start()
            await eventually(lambda: node.resyncs == 1, timeout=10)
            await node.broker.publish([event(("a",))])
            await eventually(lambda: bool(node.on("a")))
            assert node.resyncs == 1

    run(scenario())


def test_a_leave_lost_to_a_stalled_redis_is_finished_by_a_later_heartbeat(
    disposable_redis: RedisProcess,
) -> None:
    url, room = disposable_redis.url, "presence-stall"
    options = {"heartbeat_interval": 0.2, "node_timeout": 5.0, "timeout": 0.3}

    def removed(node: Node) -> list[object]:
        return [
            json.loads(json.loads(d.payload)["data"])["user_id"]
            for d in node.on(room)
            if b"member_removed" in d.payload
        ]

    async def scenario() -> None:
        async with running(url, **options) as leaver, running(url, **options) as watcher:
            await watcher.broker.listen(room)
            await leaver.broker.join_presence(room, "1.1", "gone", None, 100)
            await watcher.broker.join_presence(room, "2.2", "stays", None, 100)
            disposable_redis.freeze()
            try:
                with pytest.raises(redis.RedisError):
                    await leaver.broker.leave_presence(room, "1.1")
            finally:
                disposable_redis.thaw()
            await eventually(lambda: removed(watcher) == ["gone"])
            assert await watcher.broker.presence_members(room) == {"stays": None}

    run(scenario())


def test_sign_ins_and_outs_lost_to_a_stalled_redis_are_written_by_a_later_heartbeat(
    disposable_redis: RedisProcess,
) -> None:
    url = disposable_redis.url
    options = {"heartbeat_interval": 0.2, "node_timeout": 5.0, "timeout": 0.3}

    async def scenario() -> None:
        async with running(url, **options) as node, running(url, **options) as watcher:
            await node.broker.count_sign_in("1.1", "leaving")
            await eventually(lambda: watcher.online == [("leaving", True)])
            disposable_redis.freeze()
            try:
                await node.broker.count_sign_in("1.2", "arriving")  # does not raise
                await node.broker.count_sign_out("1.1")
            finally:
                disposable_redis.thaw()
            deadline = time.monotonic() + 5
            while await watcher.broker.online_users(["leaving", "arriving"]) != {"arriving"}:
                assert time.monotonic() < deadline, "the heartbeat did not write them"
                await asyncio.sleep(0.05)
            # What the watcher heard meanwhile may lack what its pub/sub connection missed
            # while reconnecting (then it was asked to resync), never more.
            assert set(watcher.online) <= {
                ("leaving", True),
                ("arriving", True),
                ("leaving", False),
            }

    run(scenario())


def test_throttle_state_expires_and_an_empty_channel_leaves_none(redis_url: str) -> None:
    keys = RedisKeys.for_app(APP_ID)
    throttle = CountThrottle(above=0, interval=0.2)

    async def scenario() -> None:
        async with running(redis_url) as node, raw_redis(redis_url) as client:
            await node.broker.count_subscription("x", 1)
            changed = CountAnnouncement.CHANGED
            assert await node.broker.announce_subscription_count("x", throttle, changed) is None
            ttl = await client.pttl(keys.subscription_count("x"))
            assert 0 < ttl <= 60_200
            await node.broker.count_subscription("x", -1)
            assert await node.broker.announce_subscription_count("x", throttle, changed) is None
            assert await client.exists(keys.subscription_count("x")) == 0

    run(scenario())


def test_starts_and_closes_while_redis_is_down(
    disposable_redis: RedisProcess, caplog: pytest.LogCaptureFixture
) -> None:
    disposable_redis.stop()

    async def scenario() -> None:
        node = Node(redis_broker(disposable_redis.url, timeout=0.5))
        started = time.monotonic()
        await node.start()
        with pytest.raises(redis.RedisError):
            await node.broker.publish([event(("a",))])
        await node.broker.listen("a")
        assert time.monotonic() - started < 3
        await node.broker.close()

    run(scenario())
    assert "unreachable" in caplog.text


def test_ping_answers_while_redis_does_and_raises_when_it_is_gone(
    disposable_redis: RedisProcess,
) -> None:
    async def scenario() -> None:
        async with running(disposable_redis.url, timeout=0.5) as node:
            await node.broker.ping()
            disposable_redis.stop()
            with pytest.raises(redis.RedisError):
                await node.broker.ping()

    run(scenario())
