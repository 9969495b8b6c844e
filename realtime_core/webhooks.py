"""Internal: Pusher-format webhooks, verified and turned into :mod:`realtime_core.signals`.

A webhook is a POST whose body is ``{"time_ms": <ms>, "events": [{"name": ..., "channel":
...}, ...]}``, with ``X-Pusher-Key`` (the app key) and ``X-Pusher-Signature`` (hex
HMAC-SHA256 of the raw body under the app secret). Pusher and the self-hosted servers
send the same thing; :func:`verify` checks it (key and signature in constant time,
``time_ms`` within :data:`MAX_AGE` of now) and :func:`dispatch` sends one signal per event.
With ``memory`` the embedded server hands its events to :class:`InProcessSignals`
instead, which sends the same signals in this process, no HTTP involved.
"""

import concurrent.futures
import dataclasses
import datetime
import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import close_old_connections
from django.dispatch import Signal

from . import console, signals
from .signing import Credentials, constant_time_equal, hmac_sha256_hex

__all__ = ["MAX_AGE", "InProcessSignals", "Webhook", "WebhookRefused", "dispatch", "verify"]

logger = logging.getLogger(__name__)

MAX_AGE = 300.0
"""Seconds a webhook's ``time_ms`` may lie from now, either way (the SDKs' window)."""

# Each event name: its signal, the fields passed on as arguments (besides channel), and
# those of them it may lack (client_event's user_id, outside presence channels).
_EVENTS: Mapping[str, tuple[Signal, tuple[str, ...], frozenset[str]]] = {
    "channel_occupied": (signals.channel_occupied, (), frozenset()),
    "channel_vacated": (signals.channel_vacated, (), frozenset()),
    "member_added": (signals.member_added, ("user_id",), frozenset()),
    "member_removed": (signals.member_removed, ("user_id",), frozenset()),
    "client_event": (
        signals.client_event,
        ("event", "data", "socket_id", "user_id"),
        frozenset({"user_id"}),
    ),
    "subscription_count": (signals.subscription_count, ("subscription_count",), frozenset()),
    "cache_miss": (signals.cache_miss, (), frozenset()),
}


class WebhookRefused(Exception):
    """The request is not a webhook of this app; ``status`` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclasses.dataclass(frozen=True, slots=True)
class Webhook:
    """A verified webhook: when it was made and its events, in order."""

    time_ms: int
    events: Sequence[Mapping[str, Any]]


def verify(
    body: bytes,
    key: str | None,
    signature: str | None,
    credentials: Credentials,
    *,
    now: float | None = None,
) -> Webhook:
    """The webhook ``body`` carries, or :class:`WebhookRefused` (401 for a wrong key,
    signature or time, 400 for a body that is not a webhook)."""
    if key is None or signature is None:
        raise WebhookRefused(401, "X-Pusher-Key and X-Pusher-Signature are required.")
    expected = hmac_sha256_hex(credentials.secret, body)
    # Both compared, so the time taken does not say which one was wrong.
    key_ok = constant_time_equal(key, credentials.key)
    signature_ok = constant_time_equal(signature.lower(), expected)
    if not (key_ok and signature_ok):
        raise WebhookRefused(401, "The key or the signature does not match this app.")
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookRefused(400, "The body is not JSON.") from None
    if not isinstance(payload, dict):
        raise WebhookRefused(400, "The body must be a JSON object.")
    time_ms = payload.get("time_ms")
    events = payload.get("events")
    if not isinstance(time_ms, int) or isinstance(time_ms, bool):
        raise WebhookRefused(400, "time_ms must be an integer.")
    if not isinstance(events, list) or not all(_is_event(event) for event in events):
        raise WebhookRefused(400, "events must be a list of objects with a name and a channel.")
    current = time.time() if now is None else now
    if abs(current - time_ms / 1000) > MAX_AGE:
        raise WebhookRefused(401, f"time_ms is more than {MAX_AGE:.0f} s from now.")
    return Webhook(time_ms=time_ms, events=events)


def _is_event(event: object) -> bool:
    return (
        isinstance(event, dict)
        and isinstance(event.get("name"), str)
        and isinstance(event.get("channel"), str)
    )


def dispatch(webhook: Webhook, *, sender: str) -> int:
    """Send the signal of each event; return how many were sent. The debug console
    records the events first (:func:`realtime_core.console.record_lifecycle`).

    An event of a kind this version does not know is logged and skipped (Pusher may add
    kinds); an event lacking a field its signal passes on is refused before any signal
    is sent, so a webhook is handled entirely or not at all.
    """
    happened = datetime.datetime.fromtimestamp(webhook.time_ms / 1000, tz=datetime.UTC)
    calls: list[tuple[Signal, dict[str, Any]]] = []
    for event in webhook.events:
        known = _EVENTS.get(event["name"])
        if known is None:
            logger.warning("Webhook event %r is of a kind not known here: skipped", event["name"])
            continue
        signal, fields, optional = known
        missing = [name for name in fields if name not in event and name not in optional]
        if missing:
            raise WebhookRefused(400, f"{event['name']} event lacks {', '.join(missing)}.")
        arguments = {name: event.get(name) for name in fields}
        calls.append((signal, {"channel": event["channel"], "time": happened, **arguments}))
    console.record_lifecycle(webhook.events, webhook.time_ms)
    for signal, arguments in calls:
        signal.send(sender=sender, **arguments)
    return len(calls)


class InProcessSignals:
    """The embedded server's webhooks: each event's signal sent in this process.

    :meth:`send` is called on the server's event loop and returns at once; receivers run
    one at a time, in order, on a thread of their own (they may use the database, as a
    webhook view's would), with Django's database connections handled as around a
    request. A receiver that raises is logged and the next event goes on. At most
    ``max_queued`` events wait; more are dropped, counted in :attr:`dropped` and logged.
    """

    def __init__(self, sender: str, *, max_queued: int = 10_000) -> None:
        self.sender = sender
        self.max_queued = max_queued
        self.dropped = 0
        self._pending = 0
        self._lock = threading.Lock()
        self._executor = concurrent.futures.ThreadPoolExecutor(1, "realtime-signals")

    def send(self, event: Mapping[str, Any]) -> None:
        """Queue ``event`` (a webhook event object); never blocks."""
        with self._lock:
            if self._pending >= self.max_queued:
                self.dropped += 1
                dropped = self.dropped
            else:
                self._pending += 1
                dropped = 0
        if dropped:
            if dropped == 1 or dropped % 1000 == 0:
                logger.error(
                    "%d realtime signals dropped: receivers are slower than events arrive",
                    dropped,
                )
            return
        webhook = Webhook(time_ms=int(time.time() * 1000), events=[dict(event)])
        self._executor.submit(self._dispatch, webhook)

    def _dispatch(self, webhook: Webhook) -> None:
        close_old_connections()
        try:
            dispatch(webhook, sender=self.sender)
        except Exception:
            logger.exception("A receiver of %s failed", webhook.events[0].get("name"))
        finally:
            close_old_connections()
            with self._lock:
                self._pending -= 1

    def close(self) -> None:
        """Send what is queued, then stop the thread."""
        self._executor.shutdown(wait=True)
