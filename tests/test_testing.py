"""The outbox helpers for pytest, unittest and plain code."""

from django.test import SimpleTestCase, TestCase

import realtime_core
from realtime_core import Event
from realtime_core.testing import Outbox, RealtimeTestMixin, outbox
from tests.testapp.models import TodoList


def test_nothing_is_recorded_without_a_capture() -> None:
    box = Outbox()
    backend = realtime_core.get_backend()
    box.record(backend.prepare([Event("c", "e", 1)]))
    with box.capture() as captured:
        assert len(captured) == 0
        box.record(backend.prepare([Event("c", "e", 2)]))
        assert [e.data for e in captured] == [2]
    box.record(backend.prepare([Event("c", "e", 3)]))
    assert [e.data for e in box] == [2]


def test_every_pytest_test_starts_with_an_empty_recording_outbox() -> None:
    assert len(outbox) == 0
    realtime_core.publish("c", "e", "no fixture requested")
    assert [e.data for e in outbox] == ["no fixture requested"]


def test_a_nested_capture_keeps_the_outer_events(realtime_outbox: Outbox) -> None:
    realtime_core.publish("c", "first", 1)
    with outbox.capture() as inner:
        realtime_core.publish("c", "second", 2)
        assert inner is realtime_outbox
    realtime_core.publish("c", "third", 3)
    assert [e.event for e in realtime_outbox] == ["first", "second", "third"]


def test_fixture_starts_empty_and_filters(realtime_outbox: Outbox) -> None:
    assert len(realtime_outbox) == 0
    realtime_core.publish(["a", "b"], "created", {"id": 1})
    realtime_core.publish("b", "deleted", {"id": 1})
    assert [e.event for e in realtime_outbox.filter(channel="a")] == ["created"]
    assert [e.channels for e in realtime_outbox.filter(event="deleted")] == [("b",)]
    assert realtime_outbox[1].json == '{"id":1}'


class MixinTests(RealtimeTestMixin, SimpleTestCase):
    def test_first(self) -> None:
        self.assertEqual(len(self.realtime_outbox), 0)
        realtime_core.publish("c", "e", "first")
        self.assertEqual([e.data for e in self.realtime_outbox], ["first"])

    def test_second_starts_empty(self) -> None:
        self.assertEqual(len(self.realtime_outbox), 0)
        realtime_core.publish("c", "e", "second")
        self.assertEqual(self.realtime_outbox[0].data, "second")


class TestCaseWithCommitCallbacks(RealtimeTestMixin, TestCase):
    """The testing how-to's advice for Django's TestCase, whose transaction never commits."""

    def test_saves_are_recorded_when_commit_callbacks_run(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            TodoList.objects.create(name="Inbox")
            self.assertEqual(len(self.realtime_outbox), 0)
        self.assertEqual([e.event for e in self.realtime_outbox], ["created"])
        self.assertEqual(self.realtime_outbox[0].data["name"], "Inbox")
