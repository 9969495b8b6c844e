"""Subscription count events: subscribers hear their channel's count as it changes."""

import dataclasses
import json
import time
from collections.abc import Callable

import pytest

from realtime_core.brokers.base import (
    CountThrottle,
    Delivery,
    DeliveryHandler,
)
from realtime_core.brokers.in_process import InProcessBroker, InProcessExchange
from tests.server.broker_doubles import InterceptingBroker
from tests.server_harness import TEST_CONFIG, ServerThread

from .conftest import Server
from .pusher_client import PusherTestClient


def count(client: PusherTestClient, channel: str, timeout: float = 5.0) -> int:
    """The next frame, which must be ``channel``'s subscription count: the count."""
    frame = client.expect("pusher_internal:subscription_count", timeout)
    assert frame["channel"] == channel
    number: int = json.loads(frame["data"])["subscription_count"]
    return number


@pytest.fixture
def counting(make_server: Callable[..., Server]) -> Server:
    return make_server(subscription_count_events=True)


@pytest.mark.parametrize("channel", ["room", "private-room"])
def test_every_subscriber_hears_each_change(counting: Server, channel: str) -> None:
    first = counting.client()
    first.subscribe(channel)
    assert count(first, channel) == 1
    second = counting.client()
    assert second.subscribe(channel)["event"] == "pusher_internal:subscription_succeeded"
    assert count(first, channel) == count(second, channel) == 2
    third = counting.client()
    third.subscribe(channel)
    assert count(first, channel) == count(second, channel) == count(third, channel) == 3
    second.send("pusher:unsubscribe", {"channel": channel})
    assert count(first, channel) == count(third, channel) == 2
    third.close()
    assert count(first, channel) == 1
    first.nothing_more()


def test_presence_channels_count_members_instead(counting: Server) -> None:
    first = counting.client()
    first.subscribe("presence-room", user_id="1")
    counting.client().subscribe("presence-room", user_id="2")
    first.expect("pusher_internal:member_added")
    first.nothing_more()


def test_without_the_option_nothing_is_sent(server: Server) -> None:
    first = server.client()
    first.subscribe("room")
    server.client().subscribe("room")
    first.nothing_more()


def test_a_big_channel_hears_at_most_one_count_per_interval_and_the_last_one(
    make_server: Callable[..., Server],
) -> None:
    interval = 0.6
    server = make_server(
        subscription_count_events=True,
        subscription_count_throttle=CountThrottle(above=2, interval=interval),
    )
    watcher = server.client()
    watcher.subscribe("room")
    assert count(watcher, "room") == 1
    server.client().subscribe("room")
    assert count(watcher, "room") == 2
    started = time.monotonic()
    for _ in range(3):
        server.client().subscribe("room")
    assert count(watcher, "room", timeout=interval + 2) == 5
    assert time.monotonic() - started >= interval * 0.8
    watcher.nothing_more(interval * 1.5)


def test_a_server_that_stops_sends_the_count_it_owes() -> None:
    exchange = InProcessExchange()
    config = dataclasses.replace(
        TEST_CONFIG,
        subscription_count_events=True,
        subscription_count_throttle=CountThrottle(above=0, interval=60),
    )
    staying = ServerThread(config, lambda: InProcessBroker(exchange))
    leaving = ServerThread(config, lambda: InProcessBroker(exchange))
    watcher = PusherTestClient(staying.ws_url, config)
    try:
        watcher.subscribe("room")
        assert count(watcher, "room") == 1
        PusherTestClient(leaving.ws_url, config).subscribe("room")  # 2: held back a minute
        watcher.nothing_more()
        leaving.stop()
        assert count(watcher, "room") == 1
    finally:
        watcher.close()
        staying.stop()


class DeafBroker(InterceptingBroker):
    """Loses subscription counts while ``deaf``, as a lost pub/sub link would."""

    def __init__(self, exchange: InProcessExchange) -> None:
        super().__init__(exchange)
        self.deaf = False

    def intercept(self, deliver: DeliveryHandler) -> DeliveryHandler:
        def deaf_to_counts(delivery: Delivery) -> None:
            if not (self.deaf and b"pusher_internal:subscription_count" in delivery.payload):
                deliver(delivery)

        return deaf_to_counts


def test_after_a_resync_each_channel_is_told_its_count_again() -> None:
    exchange = InProcessExchange()
    brokers: list[DeafBroker] = []

    def make_broker() -> DeafBroker:
        brokers.append(DeafBroker(exchange))
        return brokers[-1]

    config = dataclasses.replace(TEST_CONFIG, subscription_count_events=True)
    thread = ServerThread(config, make_broker)
    watcher, joiner = (PusherTestClient(thread.ws_url, config) for _ in range(2))
    try:
        watcher.subscribe("room")
        assert count(watcher, "room") == 1
        (broker,) = brokers
        broker.deaf = True
        joiner.subscribe("room")
        watcher.nothing_more()
        broker.deaf = False
        assert broker.resync is not None
        broker.resync()
        assert count(watcher, "room") == count(joiner, "room") == 2
    finally:
        watcher.close()
        joiner.close()
        thread.stop()
