"""The publish API: backend lifecycle, transactions, errors, async."""

import asyncio
import logging
import threading

import pytest
from django.db import transaction
from django.test import override_settings

import realtime_core
from realtime_core import Event, InvalidMessage, PublishError, RealtimeConfigurationError
from realtime_core.backends.base import Backend
from realtime_core.backends.memory import MemoryBackend
from realtime_core.messages import Message
from realtime_core.testing import Outbox


class FlakyTransport(MemoryBackend):
    """The memory backend with a transport that fails on demand."""

    failure: Exception | None = None
    closed = False

    def send(self, messages: list[Message]) -> None:
        if self.failure is not None:
            raise self.failure
        super().send(messages)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def flaky(monkeypatch: pytest.MonkeyPatch) -> FlakyTransport:
    backend = FlakyTransport({}, name="memory")
    monkeypatch.setattr("realtime_core.publishing._backend", backend)
    return backend


def test_get_backend_is_built_once() -> None:
    assert realtime_core.get_backend() is realtime_core.get_backend()
    assert isinstance(realtime_core.get_backend(), MemoryBackend)


def test_get_backend_is_rebuilt_when_settings_change() -> None:
    before = realtime_core.get_backend()
    with override_settings(REALTIME_OPTIONS={"memory": {"MAX_CHANNELS": 3}}):
        inside = realtime_core.get_backend()
        assert inside is not before
        assert inside.limits.max_channels == 3
    after = realtime_core.get_backend()
    assert after.limits.max_channels == 100


def test_replaced_backend_is_closed(flaky: FlakyTransport) -> None:
    with override_settings(REALTIME_BACKEND="memory"):
        pass
    assert flaky.closed


def test_unknown_backend_fails_on_first_use() -> None:
    with (
        override_settings(REALTIME_BACKEND="nope"),
        pytest.raises(RealtimeConfigurationError, match="REALTIME_BACKEND = 'nope'"),
    ):
        realtime_core.publish("c", "e", 1)


def test_publish_records_what_was_sent(realtime_outbox: Outbox) -> None:
    realtime_core.publish(["a", "b"], "created", {"id": 1}, socket_id="1.2")
    (sent,) = realtime_outbox
    assert sent.channels == ("a", "b")
    assert (sent.event, sent.data, sent.json, sent.socket_id) == (
        "created",
        {"id": 1},
        '{"id":1}',
        "1.2",
    )


def test_batch_is_validated_as_a_whole(realtime_outbox: Outbox) -> None:
    with pytest.raises(InvalidMessage, match="11 events in one batch; the limit is 10"):
        realtime_core.publish_batch(Event("c", "e", n) for n in range(11))
    with pytest.raises(InvalidMessage, match="batch is empty"):
        realtime_core.publish_batch([])
    with pytest.raises(
        InvalidMessage, match=r"holds realtime_core\.Event objects, got \('c', 'e', 1\)"
    ):
        realtime_core.publish_batch([("c", "e", 1)])  # type: ignore[list-item]
    realtime_core.publish_batch(Event(f"c{n}", "e", n) for n in range(10))
    assert [event.data for event in realtime_outbox] == list(range(10))


def test_transport_error_reaches_the_caller_as_publish_error(flaky: FlakyTransport) -> None:
    flaky.failure = ConnectionError("refused")
    with pytest.raises(
        PublishError, match="'memory' backend failed to publish: ConnectionError: refused"
    ) as info:
        realtime_core.publish("c", "e", 1)
    assert info.value.backend == "memory"
    assert isinstance(info.value.__cause__, ConnectionError)


def test_async_transport_error_is_a_publish_error(flaky: FlakyTransport) -> None:
    flaky.failure = TimeoutError("slow")
    with pytest.raises(PublishError, match="TimeoutError: slow"):
        asyncio.run(realtime_core.apublish("c", "e", 1))


def test_apublish_and_batch(realtime_outbox: Outbox) -> None:
    async def main() -> None:
        await realtime_core.apublish("c", "one", 1)
        await realtime_core.apublish_batch([Event("c", "two", 2), Event("d", "three", 3)])

    asyncio.run(main())
    assert [(e.event, e.data) for e in realtime_outbox] == [("one", 1), ("two", 2), ("three", 3)]


def test_apublish_validates_before_sending(realtime_outbox: Outbox) -> None:
    with pytest.raises(InvalidMessage):
        asyncio.run(realtime_core.apublish("bad channel", "e", 1))
    assert len(realtime_outbox) == 0


def test_default_asend_runs_send_off_the_event_loop() -> None:
    send_threads: list[threading.Thread] = []

    class BlockingTransport(Backend):
        """A backend that relies on the base class's default ``asend``."""

        def send(self, messages: list[Message]) -> None:
            send_threads.append(threading.current_thread())

        check = client_config = capabilities = credentials = None  # type: ignore[assignment]

    async def main() -> threading.Thread:
        await BlockingTransport({}, name="blocking").apublish([Event("c", "e", 1)])
        return threading.current_thread()

    loop_thread = asyncio.run(main())
    assert len(send_threads) == 1
    assert send_threads[0] is not loop_thread


@pytest.mark.django_db(transaction=True, databases=["default", "other"])
class TestTransactions:
    def test_commit_publishes_once(self, realtime_outbox: Outbox) -> None:
        with transaction.atomic():
            realtime_core.publish("c", "e", 1)
            assert len(realtime_outbox) == 0
        assert [e.data for e in realtime_outbox] == [1]

    def test_rollback_publishes_nothing(self, realtime_outbox: Outbox) -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            realtime_core.publish("c", "e", 1)
            raise RuntimeError("abort")
        assert len(realtime_outbox) == 0

    def test_nested_blocks_wait_for_the_outermost_commit(self, realtime_outbox: Outbox) -> None:
        with transaction.atomic():
            with transaction.atomic():
                realtime_core.publish("c", "inner-kept", 1)
            assert len(realtime_outbox) == 0
            with pytest.raises(RuntimeError), transaction.atomic():
                realtime_core.publish("c", "inner-rolled-back", 2)
                raise RuntimeError("abort savepoint")
            realtime_core.publish("c", "outer", 3)
        assert [e.event for e in realtime_outbox] == ["inner-kept", "outer"]

    def test_validation_errors_are_raised_inside_the_transaction(
        self, realtime_outbox: Outbox
    ) -> None:
        with transaction.atomic():
            with pytest.raises(InvalidMessage):
                realtime_core.publish("c", "pusher:nope", 1)
            realtime_core.publish("c", "fine", 1)
        assert [e.event for e in realtime_outbox] == ["fine"]

    def test_failure_after_commit_is_logged_not_raised(
        self, flaky: FlakyTransport, caplog: pytest.LogCaptureFixture
    ) -> None:
        flaky.failure = ConnectionError("down")
        with caplog.at_level(logging.ERROR, logger="realtime_core"), transaction.atomic():
            realtime_core.publish("c", "lost", 1)
        assert "Publishing 'lost' to c after commit failed" in caplog.text
        assert "ConnectionError: down" in caplog.text

    def test_a_transaction_on_another_database_is_waited_for(self, realtime_outbox: Outbox) -> None:
        with pytest.raises(RuntimeError), transaction.atomic(using="other"):
            realtime_core.publish("c", "rolled-back", 1)
            raise RuntimeError("abort")
        with transaction.atomic(using="other"):
            realtime_core.publish("c", "kept", 2)
            assert len(realtime_outbox) == 0
        assert [e.event for e in realtime_outbox] == ["kept"]

    def test_nested_transactions_on_two_databases_wait_for_both(
        self, realtime_outbox: Outbox
    ) -> None:
        with transaction.atomic(using="other"):
            with transaction.atomic():
                realtime_core.publish("c", "both", 1)
            assert len(realtime_outbox) == 0
        assert [e.event for e in realtime_outbox] == ["both"]

        with pytest.raises(RuntimeError), transaction.atomic(using="other"):
            with transaction.atomic():
                realtime_core.publish("c", "outer-rolled-back", 2)
            raise RuntimeError("abort the outer transaction")
        assert [e.event for e in realtime_outbox] == ["both"]

    def test_using_waits_only_for_that_database(self, realtime_outbox: Outbox) -> None:
        with transaction.atomic(using="other"):
            realtime_core.publish("c", "now", 1, using="default")
            assert [e.event for e in realtime_outbox] == ["now"]
