"""A switch's transition: every publish also goes to the backends of REALTIME_ALSO_PUBLISH_TO.

The mirrors get the primary's messages (the same bytes), after the same commit; their
failures are logged and counted, never raised, and never keep the event from the others.
"""

import asyncio
import collections
import json
import logging

import pytest
from django.db import transaction
from django.test import override_settings

import realtime_core
from realtime_core import Event, InvalidMessage, PublishError, RealtimeConfigurationError
from realtime_core.backends.memory import MemoryBackend
from realtime_core.backends.tornado_redis import TornadoRedisBackend
from realtime_core.conf import also_publish_to
from realtime_core.messages import Message
from realtime_core.positions import Position

CREDENTIALS = {"APP_ID": "9", "KEY": "mirror-key", "SECRET": "mirror-secret"}


class Recording(MemoryBackend):
    """The memory backend keeping what it sent, with a transport that fails on demand."""

    def __init__(self, name: str, **options: object) -> None:
        super().__init__(options, name=name)
        self.sent: list[Message] = []
        self.failure: Exception | None = None
        self.closed = False

    def send(self, messages: list[Message]) -> None:
        if self.failure is not None:
            raise self.failure
        self.sent.extend(messages)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def primary(monkeypatch: pytest.MonkeyPatch) -> Recording:
    backend = Recording("memory")
    monkeypatch.setattr("realtime_core.publishing._backend", backend)
    return backend


@pytest.fixture
def mirrors(monkeypatch: pytest.MonkeyPatch) -> tuple[Recording, Recording]:
    pair = (Recording("old"), Recording("older"))
    monkeypatch.setattr("realtime_core.publishing._mirrors", pair)
    return pair


@pytest.fixture(autouse=True)
def fresh_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("realtime_core.publishing._failures", collections.Counter())


def test_every_publish_reaches_the_primary_and_each_mirror_with_the_same_bytes(
    primary: Recording, mirrors: tuple[Recording, Recording]
) -> None:
    realtime_core.publish(["a", "b"], "created", {"id": 1, "text": "Milk"}, socket_id="1.2")
    realtime_core.publish_batch([Event("c", "one", 1), Event("d", "two", 2)])
    (first, *batch) = primary.sent
    assert first.data == '{"id":1,"text":"Milk"}'
    for mirror in mirrors:
        assert mirror.sent == primary.sent
        assert all(a is b for a, b in zip(mirror.sent, primary.sent, strict=True))
    assert [message.name for message in batch] == ["one", "two"]
    assert realtime_core.mirror_failures() == {}


def test_an_invalid_publish_reaches_nobody(
    primary: Recording, mirrors: tuple[Recording, Recording]
) -> None:
    with pytest.raises(InvalidMessage):
        realtime_core.publish("c", "pusher:reserved", 1)
    assert primary.sent == mirrors[0].sent == mirrors[1].sent == []


def test_a_failing_mirror_is_logged_and_counted_and_the_others_still_get_it(
    primary: Recording, mirrors: tuple[Recording, Recording], caplog: pytest.LogCaptureFixture
) -> None:
    mirrors[0].failure = ConnectionError("refused")
    with caplog.at_level(logging.ERROR, logger="realtime_core.publishing"):
        realtime_core.publish("c", "created", 1)
        realtime_core.publish("c", "updated", 2)
    assert (
        [m.name for m in primary.sent]
        == [m.name for m in mirrors[1].sent]
        == [
            "created",
            "updated",
        ]
    )
    assert realtime_core.mirror_failures() == {"old": 2}
    assert "Publishing 'created' to c through 'old' (REALTIME_ALSO_PUBLISH_TO) failed" in (
        caplog.text
    )
    assert "ConnectionError: refused" in caplog.text


def test_the_primary_failing_is_raised_and_the_mirrors_still_get_it(
    primary: Recording, mirrors: tuple[Recording, Recording]
) -> None:
    primary.failure = ConnectionError("down")
    with pytest.raises(PublishError, match="'memory' backend failed to publish"):
        realtime_core.publish("c", "created", 1)
    assert [len(mirror.sent) for mirror in mirrors] == [1, 1]


def test_a_mirror_with_lower_limits_counts_what_it_would_refuse(
    primary: Recording, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    small = Recording("small", MAX_DATA_BYTES=10, MAX_BATCH_SIZE=2)
    monkeypatch.setattr("realtime_core.publishing._mirrors", (small,))
    with caplog.at_level(logging.ERROR, logger="realtime_core.publishing"):
        realtime_core.publish("c", "big", "x" * 20)
        realtime_core.publish_batch([Event("c", "e", n) for n in range(3)])
        realtime_core.publish("c", "fits", 1)
    assert len(primary.sent) == 5
    assert [message.name for message in small.sent] == ["fits"]
    assert realtime_core.mirror_failures() == {"small": 2}
    assert "data is 22 bytes of JSON; the limit is 10" in caplog.text
    assert "3 events in one batch; the limit is 2" in caplog.text


def test_async_publishes_reach_the_mirrors_and_count_their_failures(
    primary: Recording, mirrors: tuple[Recording, Recording]
) -> None:
    mirrors[1].failure = TimeoutError("slow")

    async def main() -> None:
        await realtime_core.apublish("c", "one", 1)
        await realtime_core.apublish_batch([Event("c", "two", 2)])

    asyncio.run(main())
    assert [m.name for m in primary.sent] == [m.name for m in mirrors[0].sent] == ["one", "two"]
    assert realtime_core.mirror_failures() == {"older": 2}


@pytest.mark.django_db(transaction=True, databases=["default", "other"])
class TestAfterCommit:
    def test_the_mirrors_wait_for_the_same_commit(
        self, primary: Recording, mirrors: tuple[Recording, Recording]
    ) -> None:
        with transaction.atomic(using="other"), transaction.atomic():
            realtime_core.publish("c", "kept", 1)
            assert primary.sent == mirrors[0].sent == []
        assert [m.name for m in mirrors[0].sent] == [m.name for m in primary.sent] == ["kept"]

    def test_a_rollback_sends_to_none_of_them(
        self, primary: Recording, mirrors: tuple[Recording, Recording]
    ) -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            realtime_core.publish("c", "rolled-back", 1)
            raise RuntimeError("abort")
        assert primary.sent == mirrors[0].sent == mirrors[1].sent == []

    def test_using_waits_for_that_database_only(
        self, primary: Recording, mirrors: tuple[Recording, Recording]
    ) -> None:
        with transaction.atomic(using="other"):
            realtime_core.publish("c", "now", 1, using="default")
            assert [len(backend.sent) for backend in (primary, *mirrors)] == [1, 1, 1]

    def test_a_mirror_failing_after_commit_is_counted(
        self,
        primary: Recording,
        mirrors: tuple[Recording, Recording],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        mirrors[0].failure = ConnectionError("gone")
        with caplog.at_level(logging.ERROR, logger="realtime_core"), transaction.atomic():
            realtime_core.publish("c", "late", 1)
        assert realtime_core.mirror_failures() == {"old": 1}
        assert "through 'old' (REALTIME_ALSO_PUBLISH_TO) failed" in caplog.text
        assert "after commit failed" not in caplog.text  # the primary's message, not this
        assert [len(backend.sent) for backend in (primary, mirrors[1])] == [1, 1]


def test_the_setting_is_a_tuple_of_distinct_names() -> None:
    assert also_publish_to() == ()
    with override_settings(REALTIME_ALSO_PUBLISH_TO=["pusher", "tornado_redis"]):
        assert also_publish_to() == ("pusher", "tornado_redis")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("pusher", "must be a list of backend names"),
        (["pusher", ""], "must hold backend names"),
        (["pusher", 3], "got 3"),
        (["pusher", "pusher"], "lists 'pusher' more than once"),
    ],
)
def test_a_malformed_setting_is_refused(value: object, message: str) -> None:
    with (
        override_settings(REALTIME_ALSO_PUBLISH_TO=value),
        pytest.raises(RealtimeConfigurationError, match=message),
    ):
        also_publish_to()


def test_the_primary_itself_is_never_a_mirror() -> None:
    with override_settings(REALTIME_ALSO_PUBLISH_TO=["memory"]):
        assert realtime_core.get_mirrors() == ()


def test_an_unknown_mirror_says_which_setting_names_it() -> None:
    with (
        override_settings(REALTIME_ALSO_PUBLISH_TO=["nope"]),
        pytest.raises(
            RealtimeConfigurationError, match="'nope' in REALTIME_ALSO_PUBLISH_TO cannot be used"
        ),
    ):
        realtime_core.publish("c", "e", 1)


def test_the_mirrors_are_rebuilt_and_closed_when_the_settings_change(redis_url: str) -> None:
    options = {"tornado_redis": {"REDIS_URL": redis_url, **CREDENTIALS}}
    with override_settings(REALTIME_ALSO_PUBLISH_TO=["tornado_redis"], REALTIME_OPTIONS=options):
        (mirror,) = realtime_core.get_mirrors()
        assert isinstance(mirror, TornadoRedisBackend)
        assert realtime_core.get_mirrors() == (mirror,)
        closed: list[str] = []
        mirror.close = lambda: closed.append(mirror.name)  # type: ignore[method-assign]
    assert closed == ["tornado_redis"]
    assert realtime_core.get_mirrors() == ()


def test_a_real_mirror_keeps_the_events_in_its_history(redis_url: str) -> None:
    options = {"tornado_redis": {"REDIS_URL": redis_url, "KEY_PREFIX": "mirror", **CREDENTIALS}}
    with override_settings(REALTIME_ALSO_PUBLISH_TO=["tornado_redis"], REALTIME_OPTIONS=options):
        (mirror,) = realtime_core.get_mirrors()
        realtime_core.publish("mirrored", "created", {"id": 1})
        latest = mirror.history("mirrored", None).position
        kept = mirror.history("mirrored", Position(latest.epoch, 0))
    assert latest.offset == 1
    (delivery,) = kept.deliveries
    assert json.loads(delivery.payload)["data"] == '{"id":1}'
