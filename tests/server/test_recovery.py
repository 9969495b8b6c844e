"""Positions and recovery (``realtime_core.positions``) on a real server, in process."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from realtime_core.brokers.base import (
    Delivery,
    DeliveryHandler,
)
from realtime_core.brokers.in_process import InProcessExchange
from realtime_core.positions import HistoryLimits, Position
from tests.server.broker_doubles import InterceptingBroker
from tests.server_harness import TEST_CONFIG, ServerThread

from .conftest import Server
from .pusher_client import PusherTestClient


def subscribe_from(client: PusherTestClient, channel: str, position: str) -> dict[str, Any]:
    client.send("pusher:subscribe", {"channel": channel, "position": position})
    return client.recv()


def test_the_handshake_announces_recovery(server: Server) -> None:
    client = server.client()
    assert client.established["extensions"] == ["recovery"]


def test_events_carry_consecutive_positions_from_the_subscription_on(server: Server) -> None:
    client = server.client()
    start = Position.parse(client.subscribe("news")["position"])
    assert start is not None
    assert start.offset == 0
    for n in range(3):
        server.publish("news", "e", str(n))
    positions = [client.expect("e")["position"] for _ in range(3)]
    assert positions == [f"{start.epoch}:{n}" for n in (1, 2, 3)]


def test_a_client_that_resumes_gets_what_it_missed_in_order_then_live_events(
    server: Server,
) -> None:
    first = server.client()
    first.subscribe("news")
    server.publish("news", "e", "1")
    last_seen = first.expect("e")["position"]
    first.close()
    for n in (2, 3, 4):
        server.publish("news", "e", str(n))

    again = server.client()
    reply = subscribe_from(again, "news", last_seen)
    epoch = last_seen.partition(":")[0]
    assert reply["event"] == "pusher_internal:subscription_succeeded"
    assert (reply["recovered"], reply["position"]) == (True, f"{epoch}:4")
    replayed = [again.recv() for _ in range(3)]
    assert [(f["data"], f["position"]) for f in replayed] == [
        (str(n), f"{epoch}:{n}") for n in (2, 3, 4)
    ]
    server.publish("news", "e", "5")
    assert again.expect("e")["position"] == f"{epoch}:5"
    again.nothing_more()


def test_a_client_up_to_date_resumes_with_nothing_to_replay(server: Server) -> None:
    client = server.client()
    position = client.subscribe("news")["position"]
    client.close()
    again = server.client()
    reply = subscribe_from(again, "news", position)
    assert (reply["recovered"], reply["position"]) == (True, position)
    again.nothing_more()


@pytest.mark.parametrize("asked", ["abcdef:1", "0123456789ab:3"])
def test_another_epoch_is_not_recovered(server: Server, asked: str) -> None:
    server.publish("news", "e", "1")
    client = server.client()
    reply = subscribe_from(client, "news", asked)
    assert reply["recovered"] is False
    client.nothing_more()
    server.publish("news", "e", "2")
    assert client.expect("e")["data"] == "2"


def test_a_position_older_than_the_history_is_not_recovered(
    make_server: Callable[..., Server],
) -> None:
    server = make_server()
    server.exchange.limits = HistoryLimits(size=3)
    first = server.client()
    first.subscribe("news")
    server.publish("news", "e", "1")
    seen = first.expect("e")["position"]
    for n in range(2, 7):
        server.publish("news", "e", str(n))
    reply = subscribe_from(server.client(), "news", seen)
    assert reply["recovered"] is False
    assert reply["position"].endswith(":6")


def test_a_malformed_position_is_an_ordinary_subscription(server: Server) -> None:
    client = server.client()
    reply = subscribe_from(client, "news", "not a position")
    assert "recovered" not in reply
    assert reply["position"].endswith(":0")


def test_presence_subscriptions_resume_too(server: Server) -> None:
    member = server.client()
    server.publish("presence-room", "e", "1")
    first = member.subscribe("presence-room", user_id="7")
    position = first["position"]
    member.close()
    server.publish("presence-room", "e", "2")

    again = server.client()
    channel_data = json.dumps({"user_id": "7", "user_info": None})
    data = {"channel": "presence-room", "channel_data": channel_data, "position": position}
    data["auth"] = again.auth("presence-room", channel_data)
    again.send("pusher:subscribe", data)
    reply = again.expect("pusher_internal:subscription_succeeded")
    assert reply["recovered"] is True
    assert json.loads(reply["data"])["presence"]["ids"] == ["7"]
    assert again.expect("e")["data"] == "2"


class LossyBroker(InterceptingBroker):
    """Loses the deliveries whose data is in ``lost``, as a broken pub/sub link would."""

    def __init__(self, exchange: InProcessExchange, lost: set[str]) -> None:
        super().__init__(exchange)
        self.lost = lost

    def intercept(self, deliver: DeliveryHandler) -> DeliveryHandler:
        def lossy(delivery: Delivery) -> None:
            if json.loads(delivery.payload).get("data") not in self.lost:
                deliver(delivery)

        return lossy


@pytest.fixture
def lossy() -> Any:
    exchange = InProcessExchange()
    brokers: list[LossyBroker] = []

    def factory() -> LossyBroker:
        brokers.append(LossyBroker(exchange, set()))
        return brokers[-1]

    thread = ServerThread(TEST_CONFIG, factory)
    yield thread, exchange, brokers[0]
    thread.stop()


def publish(exchange: InProcessExchange, channel: str, data: str) -> None:
    from realtime_core.messages import Message

    exchange.send([Message((channel,), "e", data)])


def test_the_server_fills_a_gap_it_notices_from_the_history(lossy: Any) -> None:
    thread, exchange, broker = lossy
    client = PusherTestClient(thread.ws_url, TEST_CONFIG)
    client.subscribe("news")
    broker.lost.update({"2", "3"})
    for n in range(1, 6):
        publish(exchange, "news", str(n))
    assert [client.expect("e")["data"] for _ in range(5)] == ["1", "2", "3", "4", "5"]
    client.nothing_more()
    assert thread.server.stats.gaps_filled == 1
    client.close()


def test_a_resync_fills_what_the_broker_missed_without_doubling(lossy: Any) -> None:
    thread, exchange, broker = lossy
    client = PusherTestClient(thread.ws_url, TEST_CONFIG)
    client.subscribe("news")
    publish(exchange, "news", "1")
    broker.lost.add("2")
    publish(exchange, "news", "2")
    assert client.expect("e")["data"] == "1"
    client.nothing_more()
    thread.loop.call_soon_threadsafe(broker.resync)
    assert client.expect("e")["data"] == "2"
    thread.loop.call_soon_threadsafe(broker.resync)
    client.nothing_more()
    client.close()
