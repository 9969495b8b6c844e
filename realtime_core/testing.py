"""Test helpers: an outbox of everything published through the memory backend.

Like ``django.core.mail.outbox``, but it records only while a capture is active, so
a long-running process never accumulates events:

* pytest: every test captures into an empty :data:`outbox` (the plugin installed with
  the package); request the ``realtime_outbox`` fixture to read it;
* Django/unittest ``TestCase``: mix in :class:`RealtimeTestMixin` and read
  ``self.realtime_outbox``;
* anywhere: ``with outbox.capture() as published: ...``.

Each starts from an empty outbox; a capture inside another shares its events.
Publishes made inside ``transaction.atomic()`` are recorded when the transaction
commits; Django's ``TestCase`` never commits, so wrap such code in
``self.captureOnCommitCallbacks(execute=True)`` (or use ``TransactionTestCase`` /
``@pytest.mark.django_db(transaction=True)``).
"""

import dataclasses
import json
import threading
import unittest
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from . import console_feed
from .messages import Message

__all__ = ["Outbox", "PublishedEvent", "RealtimeTestMixin", "outbox"]


@dataclasses.dataclass(frozen=True, slots=True)
class PublishedEvent:
    """One event as the memory backend sent it."""

    channels: tuple[str, ...]
    event: str
    data: Any
    """The data as a browser decodes it."""
    json: str
    """The exact JSON text sent."""
    socket_id: str | None


class Outbox:
    """Events published through the memory backend while a capture is active."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[PublishedEvent] = []
        self._captures = 0

    def record(self, messages: Iterable[Message]) -> None:
        """Called by the memory backend for every publish; ignored unless capturing.

        The debug console's records (``REALTIME_CONSOLE``) are not the app's publishes:
        they are left out, so turning the console on changes no test's outbox.
        """
        with self._lock:
            if not self._captures:
                return
            self._events.extend(
                PublishedEvent(m.channels, m.name, json.loads(m.data), m.data, m.socket_id)
                for m in messages
                if m.channels != (console_feed.CHANNEL,)
            )

    @property
    def capturing(self) -> bool:
        """Whether a capture is active (a test is reading what is published)."""
        return self._captures > 0

    @contextmanager
    def capture(self) -> Iterator["Outbox"]:
        """Record publishes until the block ends, starting from an empty outbox.

        A capture nested in another (``outbox.capture()`` inside a test using the
        fixture) shares the outer one's events instead of wiping them.
        """
        with self._lock:
            if not self._captures:
                self._events.clear()
            self._captures += 1
        try:
            yield self
        finally:
            with self._lock:
                self._captures -= 1

    def clear(self) -> None:
        with self._lock:
            self._events.clear()

    def filter(
        self, *, channel: str | None = None, event: str | None = None
    ) -> list[PublishedEvent]:
        """Recorded events sent to ``channel`` and/or named ``event``."""
        return [
            item
            for item in self
            if (channel is None or channel in item.channels)
            and (event is None or item.event == event)
        ]

    def __iter__(self) -> Iterator[PublishedEvent]:
        with self._lock:
            return iter(list(self._events))

    def __len__(self) -> int:
        return len(self._events)

    def __getitem__(self, index: int) -> PublishedEvent:
        return self._events[index]

    def __repr__(self) -> str:
        return f"<Outbox {list(self)!r}>"


outbox = Outbox()
"""The process-wide outbox the memory backend records into."""


if TYPE_CHECKING:
    _TestCase = unittest.TestCase
else:
    _TestCase = object


class RealtimeTestMixin(_TestCase):
    """For ``unittest``/Django test cases: ``self.realtime_outbox`` is fresh in every test."""

    realtime_outbox: Outbox

    def setUp(self) -> None:
        super().setUp()
        self.realtime_outbox = self.enterContext(outbox.capture())
