"""Cache channels on a real server, in process: the replay after the success frame,
``pusher:cache_miss`` and its webhook event, and how the cache meets recovery."""

import asyncio
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from realtime_core.brokers.base import (
    Delivery,
    DeliveryHandler,
)
from realtime_core.brokers.in_process import InProcessBroker, InProcessExchange
from realtime_core.messages import Message
from realtime_core.positions import HistoryLimits, Position
from realtime_core.protocol import CACHE_PREFIXES, DEFAULT_WEBHOOK_EVENTS
from tests.server.broker_doubles import InterceptingBroker
from tests.server_harness import TEST_CONFIG, ServerThread

from .conftest import Server
from .pusher_client import PusherTestClient

SUCCEEDED = "pusher_internal:subscription_succeeded"


def cache_miss(channel: str) -> dict[str, Any]:
    return {"event": "pusher:cache_miss", "channel": channel}


def replayed(channel: str, event: str, data: str) -> dict[str, Any]:
    """The cached event as a new subscriber gets it: no position."""
    return {"event": event, "channel": channel, "data": data}


def subscribe_from(client: PusherTestClient, channel: str, position: str) -> dict[str, Any]:
    client.send("pusher:subscribe", {"channel": channel, "position": position})
    return client.expect(SUCCEEDED)


@pytest.mark.parametrize("prefix", CACHE_PREFIXES)
def test_an_empty_cache_channel_answers_cache_miss(server: Server, prefix: str) -> None:
    channel = f"{prefix}scores"
    client = server.client()
    assert client.subscribe(channel, user_id="7")["event"] == SUCCEEDED
    assert client.recv() == cache_miss(channel)
    client.nothing_more()


@pytest.mark.parametrize("prefix", CACHE_PREFIXES)
def test_a_new_subscriber_gets_the_last_event_then_live_ones(server: Server, prefix: str) -> None:
    channel = f"{prefix}scores"
    server.publish(channel, "goal", '{"home":1}')
    server.publish(channel, "goal", '{"home":2}')
    client = server.client()
    success = client.subscribe(channel, user_id="7")
    assert success["event"] == SUCCEEDED
    start = Position.parse(success["position"])
    assert start is not None
    assert start.offset == 2
    assert client.recv() == replayed(channel, "goal", '{"home":2}')
    server.publish(channel, "goal", '{"home":3}')
    live = client.expect("goal")
    assert (live["data"], live["position"]) == ('{"home":3}', f"{start.epoch}:3")
    client.nothing_more()


def test_other_channels_keep_nothing(server: Server) -> None:
    for channel in ("scores", "private-scores", "presence-scores", "scores-cache-x"):
        server.publish(channel, "goal", "1")
        client = server.client()
        assert client.subscribe(channel, user_id="7")["event"] == SUCCEEDED
        client.nothing_more()


def test_subscribers_already_there_get_the_event_once(server: Server) -> None:
    channel = "cache-scores"
    first = server.client()
    first.subscribe(channel)
    assert first.recv() == cache_miss(channel)
    server.publish(channel, "goal", "1")
    assert first.expect("goal")["data"] == "1"
    second = server.client()
    second.subscribe(channel)
    assert second.recv() == replayed(channel, "goal", "1")
    first.nothing_more()


def test_private_cache_channels_are_authorized_like_private_ones(server: Server) -> None:
    client = server.client()
    client.send("pusher:subscribe", {"channel": "private-cache-scores", "auth": "test-key:bad"})
    refused = client.expect("pusher:subscription_error")
    assert refused["data"]["status"] == 401


def test_presence_cache_members_come_first_then_the_event(server: Server) -> None:
    channel = "presence-cache-room"
    server.publish(channel, "topic", '"rust"')
    client = server.client()
    success = client.subscribe(channel, user_id="7", info={"name": "Ada"})
    assert '"ids":["7"]' in success["data"]
    assert client.recv() == replayed(channel, "topic", '"rust"')


def test_subscribing_again_on_a_live_subscription_replays_nothing(server: Server) -> None:
    channel = "cache-scores"
    server.publish(channel, "goal", "1")
    client = server.client()
    position = client.subscribe(channel)["position"]
    assert client.recv() == replayed(channel, "goal", "1")
    assert client.subscribe(channel)["event"] == SUCCEEDED
    again = subscribe_from(client, channel, position)
    assert again["recovered"] is True
    client.nothing_more()


def test_a_recovered_resume_gets_the_missed_events_and_no_replay(server: Server) -> None:
    channel = "cache-scores"
    first = server.client()
    first.subscribe(channel)
    assert first.recv() == cache_miss(channel)
    server.publish(channel, "goal", "1")
    seen = first.expect("goal")["position"]
    first.close()
    server.publish(channel, "goal", "2")
    again = server.client()
    assert subscribe_from(again, channel, seen)["recovered"] is True
    missed = again.expect("goal")
    assert (missed["data"], "position" in missed) == ("2", True)
    again.nothing_more()


def test_a_resume_that_is_not_recovered_gets_the_cached_event(server: Server) -> None:
    server.exchange.limits = HistoryLimits(size=2, ttl=300)
    channel = "cache-scores"
    client = server.client()
    client.subscribe(channel)
    assert client.recv() == cache_miss(channel)
    server.publish(channel, "goal", "1")
    seen = client.expect("goal")["position"]
    client.close()
    for n in (2, 3, 4, 5):
        server.publish(channel, "goal", str(n))
    again = server.client()
    assert subscribe_from(again, channel, seen)["recovered"] is False
    assert again.recv() == replayed(channel, "goal", "5")
    other_epoch = server.client()
    assert subscribe_from(other_epoch, channel, "abc123:9")["recovered"] is False
    assert other_epoch.recv() == replayed(channel, "goal", "5")


def test_no_replay_of_an_event_the_resuming_client_processed(server: Server) -> None:
    channel = "cache-scores"
    server.publish(channel, "goal", "1")
    client = server.client()
    position = Position.parse(client.subscribe(channel)["position"])
    assert position is not None
    assert client.recv() == replayed(channel, "goal", "1")
    client.close()
    # A position past the channel's: not recovered, but it has seen the cached event.
    ahead = server.client()
    assert subscribe_from(ahead, channel, f"{position.epoch}:7")["recovered"] is False
    ahead.nothing_more()


def test_the_cache_outlives_the_history(server: Server) -> None:
    server.exchange.limits = HistoryLimits(size=100, ttl=1)
    channel = "cache-scores"
    server.publish(channel, "goal", "1")
    time.sleep(1.3)
    client = server.client()
    start = Position.parse(client.subscribe(channel)["position"])
    assert start is not None
    assert start.offset == 0
    assert client.recv() == replayed(channel, "goal", "1")


def drain(client: PusherTestClient) -> None:
    """Read and drop ``client``'s frames until it closes (so that closing it is quick)."""
    for _ in client.ws:
        pass


class LateBroker(InterceptingBroker):
    """Deliveries reach the server 30 ms after their publish (a slow link to Redis, say):
    meanwhile the cache is ahead of what the server delivered."""

    def intercept(self, deliver: DeliveryHandler) -> DeliveryHandler:
        loop = asyncio.get_running_loop()

        def late(delivery: Delivery) -> None:
            loop.call_soon_threadsafe(loop.call_later, 0.03, deliver, delivery)

        return late


def test_subscribers_joining_while_events_pour_in_miss_none_and_get_none_twice() -> None:
    """The replay is the event at the success frame's position, and the live events
    continue from the next one, however publishes and the subscription interleave."""
    channel = "cache-ticker"
    exchange = InProcessExchange()
    thread = ServerThread(TEST_CONFIG, lambda: LateBroker(exchange))
    stop = threading.Event()

    def publish_in_bursts() -> None:
        n = 0
        while not stop.is_set():
            for _ in range(5):
                exchange.send([Message((channel,), "tick", str(n))])
                n += 1
            time.sleep(0.05)

    # Listened to throughout, the channel's position here follows the late deliveries.
    keeper = PusherTestClient(thread.ws_url, TEST_CONFIG)
    keeper.subscribe(channel)
    reading = threading.Thread(target=drain, args=(keeper,))
    reading.start()
    publisher = threading.Thread(target=publish_in_bursts)
    publisher.start()
    try:
        time.sleep(0.1)
        for _ in range(20):
            client = PusherTestClient(thread.ws_url, TEST_CONFIG)
            start = Position.parse(client.subscribe(channel)["position"])
            assert start is not None
            assert start.offset > 0
            assert client.recv() == replayed(channel, "tick", str(start.offset - 1))
            for offset in range(start.offset + 1, start.offset + 6):
                tick = client.expect("tick")
                assert tick["position"] == f"{start.epoch}:{offset}"
                assert tick["data"] == str(offset - 1)
            client.close()
            time.sleep(0.013)  # subscribe at another moment of the burst cycle
    finally:
        stop.set()
        publisher.join()
        keeper.close()
        reading.join()
        thread.stop()


class HookedServer:
    """A server on a private exchange whose webhook event objects are recorded."""

    def __init__(self, webhook_events: frozenset[str]) -> None:
        self.events: list[Mapping[str, object]] = []
        self.exchange = InProcessExchange()
        config = dataclasses.replace(TEST_CONFIG, webhook_events=webhook_events)
        self.thread = ServerThread(config, lambda: InProcessBroker(self.exchange), events=self)
        self.clients: list[PusherTestClient] = []

    def send(self, event: Mapping[str, object]) -> None:
        """The server's event sink."""
        self.events.append(event)

    def named(self, name: str) -> list[Mapping[str, object]]:
        return [event for event in self.events if event["name"] == name]

    def client(self) -> PusherTestClient:
        client = PusherTestClient(self.thread.ws_url, self.thread.config)
        self.clients.append(client)
        return client

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        self.thread.stop()


@pytest.fixture
def hooked_server() -> Iterator[Callable[..., HookedServer]]:
    servers: list[HookedServer] = []

    def make(webhook_events: frozenset[str] = DEFAULT_WEBHOOK_EVENTS) -> HookedServer:
        servers.append(HookedServer(webhook_events))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


def test_a_crowd_finding_the_cache_empty_makes_one_cache_miss_event(
    hooked_server: Callable[..., HookedServer],
) -> None:
    server = hooked_server()
    clients = [server.client() for _ in range(5)]
    for client in clients:
        client.send("pusher:subscribe", {"channel": "cache-scores"})
    for client in clients:
        client.expect(SUCCEEDED)
        assert client.recv() == cache_miss("cache-scores")
    clients[0].subscribe("cache-other")
    time.sleep(0.2)
    assert server.named("cache_miss") == [
        {"name": "cache_miss", "channel": "cache-scores"},
        {"name": "cache_miss", "channel": "cache-other"},
    ]
    server.exchange.send([Message(("cache-scores",), "goal", "1")])
    newcomer = server.client()
    newcomer.subscribe("cache-scores")
    assert newcomer.recv() == replayed("cache-scores", "goal", "1")
    time.sleep(0.2)
    assert len(server.named("cache_miss")) == 2


def test_no_cache_miss_event_unless_asked_for(hooked_server: Callable[..., HookedServer]) -> None:
    server = hooked_server(DEFAULT_WEBHOOK_EVENTS - {"cache_miss"})
    client = server.client()
    client.subscribe("cache-scores")
    assert client.recv() == cache_miss("cache-scores")
    time.sleep(0.2)
    assert server.named("cache_miss") == []
    assert server.named("channel_occupied") != []
