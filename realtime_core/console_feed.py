"""What the debug console's live log carries: publishes and lifecycle events as records.

The console page (:mod:`realtime_core.console_views`) subscribes to :data:`CHANNEL`, a
private channel only staff may join, and shows each record as it arrives. Records are
published through the configured backend like any event, so the live log works the
same on every backend. Each is an event named after its kind (:data:`KINDS`) whose data
is a JSON object with ``kind``, ``time`` (milliseconds since the epoch) and:

``publish``
    ``event``, ``channels`` (the first :data:`MAX_LISTED_CHANNELS`), ``channel_count``,
    ``socket_id``, ``bytes`` (the size of the data's JSON), ``data`` (its first
    :data:`PREVIEW_BYTES`, or ``null`` on an end-to-end encrypted channel, whose
    plaintext the console must not see either) and ``truncated``;
each of :data:`LIFECYCLE_KINDS` (``channel_occupied``, ``member_added``, ``client_event``, ...)
    ``channel`` and the webhook event's other fields (``user_id``,
    ``subscription_count``, ``event``, ``socket_id``, and ``data`` cut like a publish's);
``webhook``
    ``status`` (what the webhook endpoint answered), ``detail`` (why it refused),
    ``events`` (how many it carried), ``channels`` and ``channel_count``.

Nothing is recorded while ``REALTIME_CONSOLE`` is False, and nothing about
:data:`CHANNEL` itself, so the console never shows its own traffic. A record that
would exceed the backend's ``MAX_DATA_BYTES`` sheds its data preview, then all its
channels but the first; one that still does not fit is dropped.
"""

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import conf
from .exceptions import InvalidMessage
from .messages import Event, Message
from .protocol import ENCRYPTED_PREFIX, Limits

__all__ = [
    "CHANNEL",
    "KINDS",
    "LIFECYCLE_KINDS",
    "MAX_LISTED_CHANNELS",
    "PREVIEW_BYTES",
    "lifecycle_events",
    "publish_events",
    "webhook_event",
]

CHANNEL = "private-realtime-console"
"""The channel the console's records are published to."""
PREVIEW_BYTES = 1024
"""How much of an event's data a record shows (UTF-8 bytes of its JSON text)."""
MAX_LISTED_CHANNELS = 10
"""The most channels a record names (``channel_count`` says how many there were)."""
LIFECYCLE_KINDS = (
    "channel_occupied",
    "channel_vacated",
    "member_added",
    "member_removed",
    "client_event",
    "subscription_count",
    "cache_miss",
)
"""The webhook events the console records, named as ``realtime_core.signals`` names them."""
KINDS = ("publish", "webhook", *LIFECYCLE_KINDS)
"""Every record kind: the event names published to :data:`CHANNEL`."""

_LIFECYCLE_FIELDS = ("user_id", "subscription_count", "event", "socket_id")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _preview(text: str) -> tuple[str, bool]:
    """The first :data:`PREVIEW_BYTES` of ``text`` (whole characters), and whether it was cut."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= PREVIEW_BYTES:
        return text, False
    return encoded[:PREVIEW_BYTES].decode("utf-8", "ignore"), True


def _fitted(kind: str, variants: Iterable[dict[str, Any]], limits: Limits) -> Event | None:
    """The first of ``variants`` (richest first) that ``limits`` let through as an event."""
    for record in variants:
        event = Event(CHANNEL, kind, record)
        try:
            Message.from_event(event, limits)
        except InvalidMessage:
            continue
        return event
    return None


def _listed(channels: Sequence[str]) -> dict[str, Any]:
    return {"channels": list(channels[:MAX_LISTED_CHANNELS]), "channel_count": len(channels)}


def _shed(record: dict[str, Any], channels: Sequence[str]) -> list[dict[str, Any]]:
    """``record``, then without its data preview, then with its first channel only."""
    bare = {**record, "data": None, "truncated": record["data"] is not None}
    return [record, bare, {**bare, "channels": list(channels[:1])}]


def publish_events(messages: Sequence[Message], limits: Limits) -> list[Event]:
    """The console's records of ``messages``, just sent (none while the console is off)."""
    if not conf.console_enabled():
        return []
    now = _now_ms()
    records = []
    for message in messages:
        channels = [channel for channel in message.channels if channel != CHANNEL]
        if not channels:
            continue
        record: dict[str, Any] = {
            "kind": "publish",
            "time": now,
            "event": message.name,
            **_listed(channels),
            "socket_id": message.socket_id,
            "bytes": len(message.data.encode("utf-8")),
        }
        if channels[0].startswith(ENCRYPTED_PREFIX):
            record |= {"data": None, "truncated": False, "encrypted": True}
        else:
            record["data"], record["truncated"] = _preview(message.data)
        event = _fitted("publish", _shed(record, channels), limits)
        if event is not None:
            records.append(event)
    return records


def lifecycle_events(
    events: Sequence[Mapping[str, Any]], time_ms: int, limits: Limits
) -> list[Event]:
    """The console's records of webhook events (``{"name", "channel", ...}``) that
    happened at ``time_ms``: the kinds of :data:`LIFECYCLE_KINDS` only."""
    if not conf.console_enabled():
        return []
    records = []
    for event in events:
        kind, channel = event.get("name"), event.get("channel")
        if kind not in LIFECYCLE_KINDS or not isinstance(channel, str) or channel == CHANNEL:
            continue
        record: dict[str, Any] = {"kind": kind, "time": time_ms, "channel": channel}
        record |= {name: event[name] for name in _LIFECYCLE_FIELDS if name in event}
        variants = [record]
        if isinstance(event.get("data"), str):
            data, truncated = _preview(event["data"])
            variants = [{**record, "data": data, "truncated": truncated}, record]
        fitted = _fitted(kind, variants, limits)
        if fitted is not None:
            records.append(fitted)
    return records


def webhook_event(
    status: int, detail: str, events: Sequence[Mapping[str, Any]], limits: Limits
) -> Event | None:
    """The console's record of a webhook the endpoint answered with ``status`` (None
    while the console is off, or when it only concerned :data:`CHANNEL`)."""
    if not conf.console_enabled():
        return None
    channels = list(
        dict.fromkeys(
            channel
            for event in events
            if isinstance(channel := event.get("channel"), str) and channel != CHANNEL
        )
    )
    if events and not channels and status == 200:
        return None
    record: dict[str, Any] = {
        "kind": "webhook",
        "time": _now_ms(),
        "status": status,
        "detail": detail,
        "events": len(events),
        **_listed(channels),
    }
    shorter = {**record, "channels": channels[:1]}
    return _fitted("webhook", [record, shorter], limits)
