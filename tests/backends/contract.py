"""The contract every backend passes: subclass :class:`BackendContract` per backend.

A subclass provides the backend's name and options (``backend_name``,
``backend_options``) and :meth:`BackendContract.listen`, which subscribes to a
channel the way that backend's subscribers really receive (the in-process broker,
a WebSocket client on the server, ...). Everything else is shared.
"""

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest
from django.db import transaction
from django.test import override_settings

import realtime_core
from realtime_core import Event, InvalidMessage
from realtime_core.backends.base import Backend, CheckStatus
from realtime_core.messages import encode_data


class Received(NamedTuple):
    channel: str
    event: str
    data: str
    """The JSON text of ``data`` as the subscriber got it."""


class Receiver:
    """What one subscriber received; filled in by the backend-specific listener."""

    socket_id: str
    """The subscriber's connection, which a publish may exclude."""

    def __init__(self) -> None:
        self.received: list[Received] = []

    def wait(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.005)
        return list(self.received)


class BackendContract:
    backend_name: str
    backend_options: dict[str, Any] = {}
    settle_seconds = 0.2
    """How long to wait before concluding that nothing more arrives."""

    @pytest.fixture
    def backend(self) -> Iterator[Backend]:
        with override_settings(
            REALTIME_BACKEND=self.backend_name,
            REALTIME_OPTIONS={self.backend_name: self.backend_options},
        ):
            yield realtime_core.get_backend()

    @pytest.fixture
    def channel(self) -> str:
        return f"contract-{uuid.uuid4().hex}"

    def listen(self, backend: Backend, channel: str) -> Receiver:
        raise NotImplementedError("each backend's contract test says how subscribers receive")

    def test_event_arrives_with_identical_data(self, backend: Backend, channel: str) -> None:
        receiver = self.listen(backend, channel)
        data = {"id": 7, "text": "Milk ü", "done": False, "tags": [1, 2], "price": "1.50"}
        realtime_core.publish(channel, "created", data)
        assert receiver.wait(1) == [Received(channel, "created", encode_data(data))]
        assert json.loads(receiver.received[0].data) == data

    def test_every_channel_receives_once(self, backend: Backend, channel: str) -> None:
        other = f"{channel}-other"
        first, second = self.listen(backend, channel), self.listen(backend, other)
        realtime_core.publish([channel, other, channel], "updated", {"id": 1})
        assert first.wait(1) == [Received(channel, "updated", '{"id":1}')]
        assert second.wait(1) == [Received(other, "updated", '{"id":1}')]
        time.sleep(self.settle_seconds)
        assert len(first.received) == 1

    def test_batch_arrives_in_order(self, backend: Backend, channel: str) -> None:
        receiver = self.listen(backend, channel)
        realtime_core.publish_batch(Event(channel, "tick", n) for n in range(10))
        assert [item.data for item in receiver.wait(10)] == [str(n) for n in range(10)]

    def test_apublish_delivers(self, backend: Backend, channel: str) -> None:
        receiver = self.listen(backend, channel)
        asyncio.run(realtime_core.apublish(channel, "async", {"ok": True}))
        assert receiver.wait(1) == [Received(channel, "async", '{"ok":true}')]

    def test_publisher_socket_is_excluded(self, backend: Backend, channel: str) -> None:
        publisher, other = self.listen(backend, channel), self.listen(backend, channel)
        realtime_core.publish(channel, "said", "hi", socket_id=publisher.socket_id)
        assert other.wait(1) == [Received(channel, "said", '"hi"')]
        time.sleep(self.settle_seconds)
        assert publisher.received == []

    def test_invalid_publish_sends_nothing(self, backend: Backend, channel: str) -> None:
        receiver = self.listen(backend, channel)
        with pytest.raises(InvalidMessage):
            realtime_core.publish_batch(
                [Event(channel, "fine", 1), Event(channel, "pusher:reserved", 2)]
            )
        time.sleep(self.settle_seconds)
        assert receiver.received == []

    @pytest.mark.django_db(transaction=True)
    def test_sent_after_commit_only(self, backend: Backend, channel: str) -> None:
        receiver = self.listen(backend, channel)
        with transaction.atomic():
            realtime_core.publish(channel, "kept", 1)
            time.sleep(self.settle_seconds)
            assert receiver.received == []
        with transaction.atomic():
            realtime_core.publish(channel, "rolled-back", 2)
            transaction.set_rollback(True)
        assert receiver.wait(1) == [Received(channel, "kept", "1")]
        time.sleep(self.settle_seconds)
        assert len(receiver.received) == 1

    def test_check_passes_on_a_healthy_backend(self, backend: Backend) -> None:
        results = backend.check()
        assert results, "check() must report at least one step"
        assert [r.status for r in results] == [CheckStatus.OK] * len(results), results
