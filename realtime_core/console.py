"""The debug console's live log, fed: who may read it, and the lifecycle records sent to it.

The live log is :data:`~realtime_core.console_feed.CHANNEL`, which only active staff
users may subscribe to: :func:`register_rule` (run by the app's ``ready()``) registers
that rule ahead of every app's ``realtime.py``, so no pattern of theirs decides it, and
system check ``realtime_core.E007`` reports a rule registered earlier still.

Publishes are recorded by the backends themselves (:mod:`realtime_core.console_feed`);
the lifecycle events and webhooks are recorded here, where they become signals:
:func:`record_lifecycle` for each batch of events (the webhook endpoint's, the embedded
server's), :func:`record_webhook` for each request to the webhook endpoint. Recording
never fails the caller: a record that cannot be published is logged and dropped.
"""

import contextlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from . import console_feed
from .authorization import ChannelRegistry, RequestUser
from .backends.base import Backend
from .messages import Event
from .publishing import get_backend

__all__ = ["may_read", "record_lifecycle", "record_webhook", "register_rule"]

logger = logging.getLogger(__name__)


def may_read(user: RequestUser) -> bool:
    """Whether ``user`` may open the console and subscribe to its live log: active staff."""
    return bool(user.is_active and getattr(user, "is_staff", False))


def register_rule(registry: ChannelRegistry) -> None:
    """Let only :func:`may_read` users subscribe to the live log's channel (once: the
    app's ``ready()`` runs again whenever ``INSTALLED_APPS`` is overridden)."""
    if console_feed.CHANNEL not in registry.patterns():
        registry.register(console_feed.CHANNEL, may_read)


def record_lifecycle(events: Sequence[Mapping[str, Any]], time_ms: int) -> None:
    """Send the console the records of webhook events that happened at ``time_ms``."""
    with _logged_failures("lifecycle events"):
        backend = get_backend()
        _publish(backend, console_feed.lifecycle_events(events, time_ms, backend.limits))


def record_webhook(status: int, detail: str, events: Sequence[Mapping[str, Any]] = ()) -> None:
    """Send the console the record of a webhook request the endpoint answered with
    ``status`` (``detail``: why it refused), carrying ``events`` when it was read."""
    with _logged_failures("a webhook"):
        backend = get_backend()
        record = console_feed.webhook_event(status, detail, events, backend.limits)
        _publish(backend, [] if record is None else [record])


def _publish(backend: Backend, records: list[Event]) -> None:
    size = backend.limits.max_batch_size
    for start in range(0, len(records), size):
        backend.publish(records[start : start + size])


@contextlib.contextmanager
def _logged_failures(what: str) -> Iterator[None]:
    try:
        yield
    except Exception:
        logger.warning("The debug console could not record %s", what, exc_info=True)
