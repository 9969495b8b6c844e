"""The contract every broker passes: subclass :class:`BrokerContract` per broker.

A subclass provides the ``connect`` fixture: a function that makes a new broker on the
test's one backing store (an in-process exchange, a Redis), as each socket server
process holds its own broker onto what they share. Everything else is shared, and
follows what :class:`realtime_core.brokers.base.Broker` promises.
"""

import asyncio
import functools
import json
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, ClassVar

import pytest

from realtime_core import frames
from realtime_core.brokers.base import (
    Broker,
    CachedEvent,
    CountAnnouncement,
    CountThrottle,
    Delivery,
    LifecycleEvent,
    PresenceFull,
    PresenceJoin,
)
from realtime_core.messages import Message
from realtime_core.positions import HistoryLimits, Position
from realtime_core.protocol import CACHE_PREFIXES, CACHE_TTL

Connect = Callable[[HistoryLimits], Broker]
"""Makes one more broker on the test's store; every broker of a test gets the same limits."""

LIMITS = HistoryLimits(size=100, ttl=60)


class Node:
    """A started broker as one socket server process runs it, recording what it is handed."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.deliveries: list[Delivery] = []
        self.terminated: list[str] = []
        self.lifecycle: list[LifecycleEvent] = []
        self.online: list[tuple[str, bool]] = []
        """(user id, came online) as the online handler heard them."""
        self.resyncs = 0

    async def start(self) -> "Node":
        await self.broker.start(
            self.deliveries.append,
            self.terminated.append,
            self._resync,
            self.lifecycle.append,
            online=self._online_changed,
        )
        return self

    def _online_changed(self, user_id: str, online: bool) -> None:
        self.online.append((user_id, online))

    def reported(self, *names: str) -> list[LifecycleEvent]:
        """The lifecycle events of those names (all when none are given), in order."""
        return [event for event in self.lifecycle if not names or event.name in names]

    def _resync(self) -> None:
        self.resyncs += 1

    def on(self, channel: str) -> list[Delivery]:
        return [delivery for delivery in self.deliveries if delivery.channel == channel]


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not become true in time"
        await asyncio.sleep(0.01)


SCENARIO_TIMEOUT = 60.0
"""Seconds a scenario may take: a hang fails with the traceback of the await it hung
in, rather than as pytest-timeout's dump of an idle event loop."""


def run(scenario: Coroutine[Any, Any, None]) -> None:
    asyncio.run(asyncio.wait_for(scenario, SCENARIO_TIMEOUT))


def event(
    channels: tuple[str, ...], name: str = "e", data: str = '"x"', socket_id: str | None = None
) -> Message:
    return Message(channels, name, data, socket_id)


class BrokerContract:
    settle_seconds: ClassVar[float] = 0.2
    """How long to wait before concluding that nothing more arrives."""

    @pytest.fixture
    def connect(self) -> Connect:
        raise NotImplementedError("each broker's contract test says how to make its brokers")

    @asynccontextmanager
    async def nodes(
        self, connect: Connect, count: int, limits: HistoryLimits = LIMITS
    ) -> AsyncIterator[list[Node]]:
        """``count`` started brokers on one store, closed afterwards."""
        async with AsyncExitStack() as stack:
            started = []
            for _ in range(count):
                node = await Node(connect(limits)).start()
                stack.push_async_callback(node.broker.close)
                started.append(node)
            yield started

    async def settle(self) -> None:
        await asyncio.sleep(self.settle_seconds)

    # Delivery -----------------------------------------------------------------------

    def test_only_listened_channels_are_delivered(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 2) as (server, publisher):
                await server.broker.listen("a")
                await publisher.broker.publish([event(("a", "b")), event(("b",))])
                await eventually(lambda: len(server.deliveries) >= 1)
                await self.settle()
                (delivery,) = server.deliveries
                assert delivery.channel == "a"
                assert delivery.payload == frames.channel_event("a", "e", '"x"', delivery.position)
                assert Position.parse(delivery.position) is not None
                assert delivery.except_socket_id is None
                assert publisher.deliveries == []

        run(scenario())

    def test_every_listening_server_receives_each_event_once(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 3) as (first, second, publisher):
                for node in (first, second):
                    await node.broker.listen("a")
                    await node.broker.listen("b")
                await publisher.broker.publish([event(("a", "b"), data="1")])
                await eventually(lambda: len(first.deliveries) == len(second.deliveries) == 2)
                await self.settle()
                assert first.deliveries == second.deliveries
                on_a, on_b = first.on("a"), first.on("b")
                assert len(on_a) == len(on_b) == 1
                assert json.loads(on_b[0].payload)["channel"] == "b"
                for delivery in (on_a[0], on_b[0]):
                    position = Position.parse(delivery.position)
                    assert position is not None
                    assert position.offset == 1  # positions count per channel

        run(scenario())

    def test_a_batch_is_delivered_in_order_with_increasing_positions(
        self, connect: Connect
    ) -> None:
        async def scenario() -> None:
            channels = ("a", "b", "c")
            async with self.nodes(connect, 1) as (server,):
                for channel in channels:
                    await server.broker.listen(channel)
                await server.broker.publish([event(channels, data=str(n)) for n in range(10)])
                await server.broker.publish([event(("a",), data="10")])
                await eventually(lambda: len(server.deliveries) == 31)
                for channel in channels:
                    received = server.on(channel)
                    assert [d.payload for d in received] == [
                        frames.channel_event(channel, "e", str(n), d.position)
                        for n, d in enumerate(received)
                    ]
                    positions = [Position.parse(d.position) for d in received]
                    epoch = positions[0].epoch if positions[0] else ""
                    offsets = range(1, len(received) + 1)
                    assert positions == [Position(epoch, offset) for offset in offsets]

        run(scenario())

    def test_except_socket_id_is_carried(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 1) as (server,):
                await server.broker.listen("presence-a")
                await server.broker.publish([event(("presence-a",), socket_id="12.34")])
                frame = frames.member_removed("presence-a", "7")
                await server.broker.publish_frame("presence-a", frame, except_socket_id="5.6")
                await server.broker.publish_frame("presence-a", frame)
                await eventually(lambda: len(server.deliveries) == 3)
                published, excluded, everyone = server.deliveries
                assert published.except_socket_id == "12.34"
                assert published.position
                assert excluded == Delivery("presence-a", frame, "", "5.6")
                assert everyone == Delivery("presence-a", frame, "", None)

        run(scenario())

    def test_unlisten_stops_delivery_and_listen_resumes_it(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 2) as (server, publisher):
                await server.broker.listen("a")
                await publisher.broker.publish([event(("a",), data="1")])
                await eventually(lambda: len(server.deliveries) == 1)
                await server.broker.unlisten("a")
                await self.settle()  # an unsubscription may take effect a little later
                await publisher.broker.publish([event(("a",), data="2")])
                await self.settle()
                assert len(server.deliveries) == 1
                await server.broker.listen("a")
                await publisher.broker.publish([event(("a",), data="3")])
                await eventually(lambda: len(server.deliveries) == 2)
                third = server.deliveries[1]
                assert third.payload == frames.channel_event("a", "e", "3", third.position)

        run(scenario())

    def test_a_failing_handler_does_not_stop_deliveries(
        self, connect: Connect, caplog: pytest.LogCaptureFixture
    ) -> None:
        async def scenario() -> None:
            delivered: list[Delivery] = []

            def deliver(delivery: Delivery) -> None:
                delivered.append(delivery)
                if len(delivered) == 1:
                    raise RuntimeError("handler bug")

            broker = connect(LIMITS)
            await broker.start(deliver, lambda user_id: None, lambda: None)
            try:
                await broker.listen("a")
                await broker.publish([event(("a",), data="1")])
                await broker.publish([event(("a",), data="2")])
                await eventually(lambda: len(delivered) == 2)
            finally:
                await broker.close()

        run(scenario())
        assert "handler bug" in caplog.text

    def test_terminate_user_reaches_every_server(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 2) as (first, second):
                await first.broker.terminate_user("user\nwith newline")
                await eventually(lambda: bool(first.terminated and second.terminated))
                await self.settle()
                assert first.terminated == second.terminated == ["user\nwith newline"]

        run(scenario())

    def test_ping_answers(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 1) as (node,):
                await node.broker.ping()

        run(scenario())

    # History ------------------------------------------------------------------------

    def test_history_since_a_position_has_the_events_after_it(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 2) as (server, publisher):
                fresh = await server.broker.history("a", None)
                assert (fresh.position.offset, fresh.deliveries, fresh.complete) == (0, (), True)
                epoch = fresh.position.epoch
                # Kept while no server listens, too:
                await publisher.broker.publish([event(("a",), data=str(n)) for n in range(3)])
                await server.broker.listen("a")
                await publisher.broker.publish([event(("b",))])
                await publisher.broker.publish([event(("a",), data=str(n)) for n in range(3, 6)])
                await eventually(lambda: len(server.deliveries) == 3)
                assert [d.position for d in server.deliveries] == [
                    f"{epoch}:{n}" for n in (4, 5, 6)
                ]

                everything = await publisher.broker.history("a", Position(epoch, 0))
                assert everything.complete
                assert everything.position == Position(epoch, 6)
                assert [d.payload for d in everything.deliveries] == [
                    frames.channel_event("a", "e", str(n), f"{epoch}:{n + 1}") for n in range(6)
                ]
                assert list(everything.deliveries[3:]) == server.deliveries
                after_two = await server.broker.history("a", Position(epoch, 2))
                assert after_two.complete
                assert after_two.deliveries == everything.deliveries[2:]
                latest = await server.broker.history("a", None)
                assert (latest.position, latest.deliveries, latest.complete) == (
                    Position(epoch, 6),
                    (),
                    True,
                )
                caught_up = await server.broker.history("a", Position(epoch, 6))
                assert (caught_up.deliveries, caught_up.complete) == ((), True)

        run(scenario())

    def test_history_from_another_epoch_or_the_future_is_incomplete(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 1) as (node,):
                await node.broker.publish([event(("a",)), event(("a",))])
                current = (await node.broker.history("a", None)).position
                assert current.offset == 2
                for since in (Position("another", 1), Position(current.epoch, 3)):
                    history = await node.broker.history("a", since)
                    assert (history.position, history.deliveries) == (current, ())
                    assert not history.complete, since

        run(scenario())

    def test_history_past_its_size_is_incomplete(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 1, HistoryLimits(size=5, ttl=60)) as (server,):
                await server.broker.listen("a")
                await server.broker.publish([event(("a",), data=str(n)) for n in range(10)])
                for n in range(10, 300):  # Redis trims whole stream nodes: go well past them
                    await server.broker.publish([event(("a",), data=str(n))])
                await eventually(lambda: len(server.deliveries) == 300)
                last = Position.parse(server.deliveries[-1].position)
                assert last is not None
                behind = await server.broker.history("a", Position(last.epoch, 1))
                assert not behind.complete
                recent = await server.broker.history("a", Position(last.epoch, 296))
                assert recent.complete
                assert list(recent.deliveries) == server.deliveries[-4:]

        run(scenario())

    def test_frames_published_as_is_are_not_kept(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 1) as (server,):
                await server.broker.listen("presence-a")
                await server.broker.publish_frame(
                    "presence-a", frames.member_removed("presence-a", "7")
                )
                await server.broker.publish([event(("presence-a",))])
                await eventually(lambda: len(server.deliveries) == 2)
                epoch = (await server.broker.history("presence-a", None)).position.epoch
                history = await server.broker.history("presence-a", Position(epoch, 0))
                assert history.complete
                assert list(history.deliveries) == server.deliveries[1:]

        run(scenario())

    def test_a_channel_quiet_past_the_ttl_starts_a_new_epoch(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 1, HistoryLimits(size=100, ttl=1)) as (node,):
                await node.broker.publish([event(("a",))])
                before = (await node.broker.history("a", None)).position
                await asyncio.sleep(1.3)
                history = await node.broker.history("a", before)
                assert not history.complete
                assert history.deliveries == ()
                assert history.position.epoch != before.epoch
                assert history.position.offset == 0

        run(scenario())

    # Cache channels -------------------------------------------------------------------

    def test_a_cache_channel_keeps_its_last_event_for_every_server(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 2) as (server, publisher):
                await server.broker.listen("cache-a")
                await publisher.broker.publish(
                    [event(("cache-a", "b"), data='"1"'), event(("cache-a",), "last", '"2"')]
                )
                await eventually(lambda: len(server.deliveries) == 2)
                cached = await server.broker.cached_event("cache-a")
                assert cached is not None
                assert cached.payload == frames.unpositioned_channel_event("cache-a", "last", '"2"')
                assert str(cached.position) == server.deliveries[-1].position
                assert CACHE_TTL - 5 <= cached.ttl <= CACHE_TTL
                assert await publisher.broker.cached_event("cache-a") == cached
                assert await server.broker.cached_event("b") is None
                assert await server.broker.cached_event("cache-never") is None

        run(scenario())

    def test_every_kind_of_cache_channel_is_cached_and_no_other(self, connect: Connect) -> None:
        cached_kinds = [f"{prefix}x" for prefix in CACHE_PREFIXES]
        others = ["x", "cachex", "private-x", "presence-x", "private-encrypted-x", "a-cache-x"]

        async def scenario() -> None:
            async with self.nodes(connect, 1) as (node,):
                for channel in cached_kinds + others:
                    await node.broker.publish([event((channel,))])
                found = {
                    channel: await node.broker.cached_event(channel)
                    for channel in cached_kinds + others
                }
                assert [channel for channel, cached in found.items() if cached] == cached_kinds

        run(scenario())

    def test_the_cache_outlives_the_history(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 1, HistoryLimits(size=1, ttl=1)) as (node,):
                await node.broker.publish([event(("cache-a",), "old"), event(("cache-a",), "new")])
                before = await node.broker.cached_event("cache-a")
                assert isinstance(before, CachedEvent)
                assert b'"new"' in before.payload
                await asyncio.sleep(1.3)
                history = await node.broker.history("cache-a", None)
                assert history.position.epoch != before.position.epoch
                after = await node.broker.cached_event("cache-a")
                assert isinstance(after, CachedEvent)
                assert (after.payload, after.position) == (before.payload, before.position)

        run(scenario())

    def test_a_cache_miss_is_reported_once_across_servers(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 3) as nodes:
                await asyncio.gather(
                    *(node.broker.report_cache_miss("cache-a") for node in nodes for _ in range(5))
                )
                await nodes[0].broker.report_cache_miss("cache-b")
                everywhere = [event for node in nodes for event in node.reported("cache_miss")]
                assert sorted(everywhere, key=lambda e: e.channel) == [
                    LifecycleEvent("cache_miss", "cache-a"),
                    LifecycleEvent("cache_miss", "cache-b"),
                ]
                assert LifecycleEvent("cache_miss", "cache-a").as_webhook_event() == {
                    "name": "cache_miss",
                    "channel": "cache-a",
                }

        run(scenario())

    # Presence -----------------------------------------------------------------------

    def test_presence_counts_a_user_once_across_servers(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 2) as (a, b):
                room = "presence-room"
                assert await a.broker.join_presence(room, "1.1", "u1", {"name": "Ann"}, 100) == (
                    PresenceJoin(True, {"u1": {"name": "Ann"}})
                )
                assert await b.broker.join_presence(room, "2.1", "u1", {"name": "Ann"}, 100) == (
                    PresenceJoin(False, {"u1": {"name": "Ann"}})
                )
                joined = await b.broker.join_presence(room, "2.2", "u2", None, 100)
                assert joined == PresenceJoin(True, {"u1": {"name": "Ann"}, "u2": None})
                assert await a.broker.leave_presence(room, "1.1") is None
                assert await a.broker.presence_members(room) == {"u1": {"name": "Ann"}, "u2": None}
                assert await b.broker.leave_presence(room, "2.1") == "u1"
                assert await a.broker.presence_members(room) == {"u2": None}
                assert await a.broker.leave_presence(room, "2.1") is None
                assert await b.broker.leave_presence(room, "never-joined") is None

        run(scenario())

    def test_joining_twice_is_harmless(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 1) as (node,):
                room = "presence-room"
                await node.broker.join_presence(room, "1.1", "u1", 1, 100)
                assert await node.broker.join_presence(room, "1.1", "u1", 1, 100) == (
                    PresenceJoin(False, {"u1": 1})
                )
                assert await node.broker.leave_presence(room, "1.1") == "u1"
                assert await node.broker.presence_members(room) == {}

        run(scenario())

    def test_member_limit_refuses_only_new_users(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 2) as (a, b):
                room = "presence-room"
                await a.broker.join_presence(room, "1.1", "u1", None, 2)
                await b.broker.join_presence(room, "2.1", "u2", None, 2)
                with pytest.raises(PresenceFull):
                    await a.broker.join_presence(room, "1.2", "u3", None, 2)
                assert (await b.broker.join_presence(room, "2.2", "u1", None, 2)).added is False
                assert await a.broker.presence_members(room) == {"u1": None, "u2": None}
                await b.broker.leave_presence(room, "2.1")
                assert (await a.broker.join_presence(room, "1.2", "u3", None, 2)).added is True

        run(scenario())

    def test_leave_and_announce_tells_the_channel_when_the_user_is_gone(
        self, connect: Connect
    ) -> None:
        async def scenario() -> None:
            room = "presence-room"
            async with self.nodes(connect, 2) as (observer, server):
                await observer.broker.listen(room)
                await server.broker.join_presence(room, "1.1", "u1", None, 100)
                await server.broker.join_presence(room, "1.2", "u1", None, 100)
                await server.broker.leave_and_announce(room, "1.1")
                await self.settle()
                assert observer.deliveries == []
                await server.broker.leave_and_announce(room, "1.2")
                await eventually(lambda: bool(observer.deliveries))
                assert observer.deliveries == [
                    Delivery(room, frames.member_removed(room, "u1"), "", None)
                ]
                assert await observer.broker.presence_members(room) == {}

        run(scenario())

    # Subscription counts and closing ------------------------------------------------

    def test_subscription_counts_are_summed_over_live_servers(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 1) as (a,):
                async with self.nodes(connect, 1) as (b,):
                    await asyncio.gather(*(a.broker.count_subscription("x", 1) for _ in range(50)))
                    await b.broker.count_subscription("x", 1)
                    await b.broker.count_subscription("y", 1)
                    await a.broker.count_subscription("y", 1)
                    await a.broker.count_subscription("y", -1)
                    assert await a.broker.subscription_counts() == {"x": 51, "y": 1}
                    await asyncio.gather(*(a.broker.count_subscription("x", -1) for _ in range(50)))
                    assert await b.broker.subscription_counts() == {"x": 1, "y": 1}
                assert await a.broker.subscription_counts() == {}

        run(scenario())

    def test_close_withdraws_members_and_counts_and_stops_delivering(
        self, connect: Connect
    ) -> None:
        async def scenario() -> None:
            room = "presence-room"
            async with self.nodes(connect, 1) as (observer,):
                await observer.broker.listen(room)
                leaving = await Node(connect(LIMITS)).start()
                await leaving.broker.listen(room)
                await leaving.broker.join_presence(room, "1.1", "u1", None, 100)
                await leaving.broker.join_presence(room, "1.2", "u2", {"n": 2}, 100)
                await leaving.broker.count_subscription(room, 2)
                assert await observer.broker.subscription_counts() == {room: 2}
                await leaving.broker.close()
                delivered_before_closing = list(leaving.deliveries)
                await eventually(lambda: len(observer.deliveries) == 2)
                assert sorted(observer.deliveries, key=lambda d: d.payload) == [
                    Delivery(room, frames.member_removed(room, "u1"), "", None),
                    Delivery(room, frames.member_removed(room, "u2"), "", None),
                ]
                assert await observer.broker.presence_members(room) == {}
                assert await observer.broker.subscription_counts() == {}
                await observer.broker.publish([event((room,))])
                await eventually(lambda: len(observer.deliveries) == 3)
                await self.settle()
                assert leaving.deliveries == delivered_before_closing

        run(scenario())

    # Lifecycle events ------------------------------------------------------------------

    def test_occupied_and_vacated_are_reported_once_across_servers(self, connect: Connect) -> None:
        occupancy = ("channel_occupied", "channel_vacated")

        async def scenario() -> None:
            async with self.nodes(connect, 3) as nodes:
                first, second, third = nodes
                await first.broker.count_subscription("x", 1)
                await asyncio.gather(
                    second.broker.count_subscription("x", 1),
                    third.broker.count_subscription("x", 1),
                    first.broker.count_subscription("x", 1),
                )
                await asyncio.gather(
                    *(node.broker.count_subscription("x", -1) for node in nodes),
                )
                await first.broker.count_subscription("x", -1)
                everywhere = [event for node in nodes for event in node.reported(*occupancy)]
                assert everywhere == [
                    LifecycleEvent("channel_occupied", "x"),
                    LifecycleEvent("channel_vacated", "x"),
                ]
                assert first.reported(*occupancy) == everywhere
                # Occupied again: reported again, by whoever made it so.
                await third.broker.count_subscription("x", 1)
                assert third.reported(*occupancy) == [LifecycleEvent("channel_occupied", "x")]

        run(scenario())

    def test_each_count_change_reports_the_total_across_servers(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 2) as (a, b):
                await a.broker.count_subscription("x", 1)
                await b.broker.count_subscription("x", 1)
                await a.broker.count_subscription("x", -1)

                def counts(node: Node) -> list[int | None]:
                    return [
                        event.subscription_count for event in node.reported("subscription_count")
                    ]

                assert counts(a) == [1, 1]
                assert counts(b) == [2]

        run(scenario())

    def test_members_added_and_removed_once_per_user_across_servers(self, connect: Connect) -> None:
        room = "presence-room"
        members = ("member_added", "member_removed")

        async def scenario() -> None:
            async with self.nodes(connect, 2) as (a, b):
                await a.broker.join_presence(room, "1.1", "u1", None, 100)
                await b.broker.join_presence(room, "2.1", "u1", None, 100)
                await b.broker.join_presence(room, "2.2", "u2", None, 100)
                await a.broker.leave_presence(room, "1.1")
                await b.broker.leave_presence(room, "2.1")
                await b.broker.leave_presence(room, "2.2")
                assert a.reported(*members) == [LifecycleEvent("member_added", room, user_id="u1")]
                assert b.reported(*members) == [
                    LifecycleEvent("member_added", room, user_id="u2"),
                    LifecycleEvent("member_removed", room, user_id="u1"),
                    LifecycleEvent("member_removed", room, user_id="u2"),
                ]

        run(scenario())

    def test_a_closing_server_reports_what_its_leaving_empties(self, connect: Connect) -> None:
        room = "presence-room"

        async def scenario() -> None:
            async with self.nodes(connect, 1) as (staying,):
                await staying.broker.count_subscription("shared", 1)
                leaving = await Node(connect(LIMITS)).start()
                await leaving.broker.count_subscription("shared", 1)
                await leaving.broker.count_subscription(room, 1)
                await leaving.broker.join_presence(room, "9.1", "u9", None, 100)
                leaving.lifecycle.clear()
                await leaving.broker.close()
                assert leaving.reported("member_removed", "channel_vacated") == [
                    LifecycleEvent("member_removed", room, user_id="u9"),
                    LifecycleEvent("channel_vacated", room),
                ]
                assert await staying.broker.subscription_counts() == {"shared": 1}
                await staying.broker.count_subscription("shared", -1)
                assert staying.reported("channel_vacated") == [
                    LifecycleEvent("channel_vacated", "shared")
                ]

        run(scenario())

    # Subscription count events ---------------------------------------------------------

    def test_a_count_change_is_sent_to_the_channel_on_every_server(
        self, connect: Connect
    ) -> None:
        why = CountAnnouncement.CHANGED

        async def scenario() -> None:
            async with self.nodes(connect, 2) as (a, b):
                await a.broker.listen("x")
                await b.broker.listen("x")
                await a.broker.count_subscription("x", 1)
                await b.broker.count_subscription("x", 2)
                assert await b.broker.announce_subscription_count("x", CountThrottle(), why) is None
                count = Delivery("x", frames.subscription_count("x", 3), "", None)
                await eventually(lambda: a.deliveries == b.deliveries == [count])
                # An empty channel has no one to tell.
                assert await a.broker.announce_subscription_count("y", CountThrottle(), why) is None
                await self.settle()
                assert a.deliveries == [count]

        run(scenario())

    def test_a_throttled_count_is_owed_and_sent_once_the_interval_is_over(
        self, connect: Connect
    ) -> None:
        throttle = CountThrottle(above=1, interval=0.5)

        async def scenario() -> None:
            async with self.nodes(connect, 2) as (a, b):
                await a.broker.listen("x")
                announce = {
                    node: functools.partial(node.broker.announce_subscription_count, "x", throttle)
                    for node in (a, b)
                }

                def counts() -> list[int]:
                    return [
                        json.loads(json.loads(d.payload)["data"])["subscription_count"]
                        for d in a.on("x")
                    ]

                await a.broker.count_subscription("x", 2)
                assert await announce[a](CountAnnouncement.CHANGED) is None
                await eventually(lambda: counts() == [2])
                # Within the interval, from either server: held back, and owed.
                await b.broker.count_subscription("x", 1)
                wait = await announce[b](CountAnnouncement.CHANGED)
                assert wait is not None
                assert 0 < wait <= throttle.interval
                await a.broker.count_subscription("x", 1)
                second_wait = await announce[a](CountAnnouncement.CHANGED)
                assert second_wait is not None
                assert second_wait <= wait
                assert await announce[a](CountAnnouncement.OWED) is not None  # still too early
                await self.settle()
                assert counts() == [2]
                await asyncio.sleep(wait)
                # The first server to come back sends the latest count; the other has
                # nothing left to send.
                assert await announce[b](CountAnnouncement.OWED) is None
                assert await announce[a](CountAnnouncement.OWED) is None
                await eventually(lambda: counts() == [2, 4])
                await self.settle()
                assert counts() == [2, 4]

        run(scenario())

    def test_a_small_channel_hears_every_count_and_a_final_one_skips_the_throttle(
        self, connect: Connect
    ) -> None:
        throttle = CountThrottle(above=2, interval=60)

        async def scenario() -> None:
            async with self.nodes(connect, 1) as (node,):
                await node.broker.listen("x")

                async def announce(why: CountAnnouncement) -> float | None:
                    return await node.broker.announce_subscription_count("x", throttle, why)

                for _ in range(2):
                    await node.broker.count_subscription("x", 1)
                    assert await announce(CountAnnouncement.CHANGED) is None
                await node.broker.count_subscription("x", 1)
                assert await announce(CountAnnouncement.CHANGED) is not None  # 3 > above
                assert await announce(CountAnnouncement.FINAL) is None
                assert await announce(CountAnnouncement.FINAL) is None  # no longer owed
                expected = [frames.subscription_count("x", n) for n in (1, 2, 3)]
                await eventually(lambda: [d.payload for d in node.deliveries] == expected)
                await self.settle()
                assert len(node.deliveries) == 3

        run(scenario())

    # Signed-in users -------------------------------------------------------------------

    def test_a_user_is_online_while_signed_in_on_any_server(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 2) as (a, b):
                await a.broker.count_sign_in("1.1", "u1")
                await a.broker.count_sign_in("1.1", "u1")  # counting twice is harmless
                await b.broker.count_sign_in("2.1", "u1")
                await b.broker.count_sign_in("2.2", "u2")
                await eventually(lambda: a.online == b.online == [("u1", True), ("u2", True)])
                assert await a.broker.online_users(["u1", "u2", "u3"]) == {"u1", "u2"}
                await a.broker.count_sign_out("1.1")
                await a.broker.count_sign_out("1.1")
                await b.broker.count_sign_out("never-signed-in")
                assert await b.broker.online_users(["u1", "u2"]) == {"u1", "u2"}
                await b.broker.count_sign_out("2.1")
                expected = [("u1", True), ("u2", True), ("u1", False)]
                await eventually(lambda: a.online == b.online == expected)
                assert await a.broker.online_users(["u1", "u2"]) == {"u2"}
                assert await a.broker.online_users([]) == set()
                await self.settle()
                assert a.online == expected

        run(scenario())

    def test_closing_a_server_signs_its_connections_out(self, connect: Connect) -> None:
        async def scenario() -> None:
            async with self.nodes(connect, 1) as (staying,):
                await staying.broker.count_sign_in("1.1", "both")
                leaving = await Node(connect(LIMITS)).start()
                await leaving.broker.count_sign_in("2.1", "both")
                await leaving.broker.count_sign_in("2.2", "gone")
                await eventually(lambda: ("gone", True) in staying.online)
                await leaving.broker.close()
                await eventually(lambda: ("gone", False) in staying.online)
                assert await staying.broker.online_users(["both", "gone"]) == {"both"}
                assert ("both", False) not in staying.online

        run(scenario())
