"""The in-process broker: the contract, and its exchange under concurrent threads."""

import asyncio
import json
import threading
import time

import pytest

from realtime_core.brokers.base import Delivery
from realtime_core.brokers.in_process import InProcessBroker, InProcessExchange
from realtime_core.inspection import NodeState
from realtime_core.messages import Message
from realtime_core.positions import HistoryLimits, Position

from .contract import BrokerContract, Connect


class TestInProcessBroker(BrokerContract):
    settle_seconds = 0.05
    """Deliveries run on the publishing call: nothing arrives later."""

    @pytest.fixture
    def connect(self) -> Connect:
        exchange = InProcessExchange()

        def connect(limits: HistoryLimits) -> InProcessBroker:
            exchange.limits = limits
            return InProcessBroker(exchange)

        return connect


def make_message(channel: str, n: int) -> Message:
    return Message((channel,), "n", str(n))


def test_concurrent_publishers_lose_nothing_and_keep_order() -> None:
    test_broker = InProcessExchange()
    threads, per_thread = 8, 500
    seen: list[Delivery] = []

    def slow_listener(delivery: Delivery) -> None:
        time.sleep(0)  # yield the GIL: without the broker's lock, publishers would interleave
        seen.append(delivery)

    test_broker.subscribe("shared", slow_listener)
    start = threading.Barrier(threads)

    def publisher(index: int) -> None:
        start.wait()
        for n in range(per_thread):
            test_broker.send([Message(("shared",), f"p{index}", str(n))])

    workers = [threading.Thread(target=publisher, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert len(seen) == threads * per_thread
    positions = [Position.parse(d.position) for d in seen]
    (epoch,) = {position.epoch for position in positions if position}
    assert positions == [Position(epoch, n) for n in range(1, threads * per_thread + 1)]
    for index in range(threads):
        mine = [int(json.loads(d.payload)["data"]) for d in seen if b'"p%d"' % index in d.payload]
        assert mine == list(range(per_thread))


def test_concurrent_subscribe_and_publish_is_safe() -> None:
    test_broker = InProcessExchange()
    stop = threading.Event()
    counts = [0]

    def churn() -> None:
        while not stop.is_set():

            def listener(delivery: Delivery) -> None:
                counts[0] += 1

            test_broker.subscribe("c", listener)
            test_broker.unsubscribe("c", listener)

    churner = threading.Thread(target=churn)
    churner.start()
    steady: list[Delivery] = []
    test_broker.subscribe("c", steady.append)
    for n in range(2000):
        test_broker.send([make_message("c", n)])
    stop.set()
    churner.join()
    assert [int(json.loads(d.payload)["data"]) for d in steady] == list(range(2000))


def test_failing_listener_does_not_stop_others(caplog) -> None:  # type: ignore[no-untyped-def]
    test_broker = InProcessExchange()
    got: list[Delivery] = []

    def broken(delivery: Delivery) -> None:
        raise RuntimeError("boom")

    test_broker.subscribe("c", broken)
    test_broker.subscribe("c", got.append)
    test_broker.send([make_message("c", 1)])
    assert len(got) == 1
    assert "Listener" in caplog.text
    assert "boom" in caplog.text


def test_unsubscribed_listener_receives_nothing() -> None:
    test_broker = InProcessExchange()
    got: list[Delivery] = []
    test_broker.subscribe("c", got.append)
    test_broker.unsubscribe("c", got.append)
    test_broker.unsubscribe("never", got.append)
    test_broker.send([make_message("c", 1)])
    assert got == []


def test_one_message_on_two_channels_gets_a_position_per_channel() -> None:
    test_broker = InProcessExchange()
    got: list[Delivery] = []
    test_broker.subscribe("a", got.append)
    test_broker.subscribe("b", got.append)
    test_broker.send([Message(("a", "b"), "e", "1")])
    assert [d.channel for d in got] == ["a", "b"]
    assert got[0].position != got[1].position
    assert [json.loads(d.payload)["channel"] for d in got] == ["a", "b"]


def test_the_exchange_tells_each_servers_connections_and_channels() -> None:
    exchange = InProcessExchange()
    counted, uncounted = InProcessBroker(exchange), InProcessBroker(exchange)

    async def scenario() -> None:
        await counted.start(lambda d: None, lambda u: None, lambda: None, connections=lambda: 3)
        await uncounted.start(lambda d: None, lambda u: None, lambda: None)
        await counted.count_subscription("news", 1)
        await counted.count_subscription("sports", 2)

    asyncio.run(scenario())
    assert exchange.nodes() == [
        NodeState(counted.node_id, connections=3, channels=2, last_heartbeat=None),
        NodeState(uncounted.node_id, connections=None, channels=0, last_heartbeat=None),
    ]
    asyncio.run(counted.close())
    assert [node.id for node in exchange.nodes()] == [uncounted.node_id]
