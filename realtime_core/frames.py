"""Internal: the JSON text of every frame the server sends, built once per message.

Encodings follow the protocol (``docs/explanation/protocol.md``): ``data`` is a JSON
*string* everywhere except in ``pusher:error`` (an object, which Pysher needs) and in
forwarded client events (relayed as the sender wrote them); connection-level frames
never carry a ``channel`` key.
"""

import json
from collections.abc import Sequence
from typing import Any

from .protocol import ErrorCode

__all__ = [
    "EXTENSIONS",
    "PONG",
    "cache_miss",
    "channel_event",
    "client_event",
    "compact_json",
    "connection_established",
    "error",
    "member_added",
    "member_removed",
    "ping",
    "position_only",
    "signin_success",
    "subscription_count",
    "subscription_count_parts",
    "subscription_error",
    "subscription_succeeded",
    "unpositioned_channel_event",
    "watchlist_events",
    "with_position",
]


def compact_json(value: Any, *, allow_nan: bool = True) -> str:
    """JSON without spaces or ASCII escapes: what goes on the wire, and what is measured
    against the size limits. ``allow_nan=False`` refuses NaN and infinities (ValueError),
    which other JSON parsers reject."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=allow_nan)


def _encode(frame: dict[str, Any]) -> bytes:
    return compact_json(frame).encode()


PONG = b'{"event":"pusher:pong","data":"{}"}'


def ping() -> bytes:
    return b'{"event":"pusher:ping","data":"{}"}'


EXTENSIONS = ("recovery",)
"""Protocol extensions this server offers (:mod:`realtime_core.positions`)."""


def connection_established(socket_id: str, activity_timeout: int) -> bytes:
    data = {"socket_id": socket_id, "activity_timeout": activity_timeout, "extensions": EXTENSIONS}
    return _encode({"event": "pusher:connection_established", "data": compact_json(data)})


def error(code: ErrorCode | None, message: str) -> bytes:
    """A connection-level ``pusher:error``; ``code`` None for errors that must not
    make clients reconnect or give up (a refused subscription, a bad frame)."""
    return _encode({"event": "pusher:error", "data": {"code": code, "message": message}})


def channel_event(channel: str, event: str, data: str, position: str) -> bytes:
    """An event published by the application; ``data`` is already JSON text.

    ``position`` (:mod:`realtime_core.positions`) comes last: the Redis publish script
    appends it the same way to a frame built by :func:`unpositioned_channel_event`.
    """
    return _encode({"event": event, "channel": channel, "data": data, "position": position})


def position_only(channel: str, position: str) -> bytes:
    """What a socket excluded from an event gets instead: the channel's new position,
    so it sees no gap. pusher-js ignores ``pusher_internal:`` events it does not know."""
    return _encode({"event": "pusher_internal:position", "channel": channel, "position": position})


def unpositioned_channel_event(channel: str, event: str, data: str) -> bytes:
    """:func:`channel_event` before its position is known (Redis assigns it)."""
    return _encode({"event": event, "channel": channel, "data": data})


def with_position(frame: bytes, position: str) -> bytes:
    """``frame`` of :func:`unpositioned_channel_event` with ``position`` added, as Lua does."""
    return b'%s,"position":"%s"}' % (frame[:-1], position.encode())


def cache_miss(channel: str) -> bytes:
    """What a new subscriber of a cache channel gets when nothing is cached (no ``data``,
    as Pusher sends it)."""
    return _encode({"event": "pusher:cache_miss", "channel": channel})


def client_event(channel: str, event: str, data: Any, user_id: str | None) -> bytes:
    frame: dict[str, Any] = {"event": event, "channel": channel, "data": data}
    if user_id is not None:
        frame["user_id"] = user_id
    return _encode(frame)


def subscription_succeeded(
    channel: str,
    members: dict[str, object] | None = None,
    *,
    position: str | None = None,
    recovered: bool | None = None,
) -> bytes:
    """``members`` (user id to info) for presence channels, None for the others.

    ``position`` is where the channel stands for this subscriber; ``recovered`` answers
    a subscription that asked to resume (:mod:`realtime_core.positions`).
    """
    if members is None:
        data = "{}"
    else:
        presence = {"ids": list(members), "hash": members, "count": len(members)}
        data = compact_json({"presence": presence})
    frame: dict[str, Any] = {
        "event": "pusher_internal:subscription_succeeded",
        "channel": channel,
        "data": data,
    }
    if position is not None:
        frame["position"] = position
    if recovered is not None:
        frame["recovered"] = recovered
    return _encode(frame)


def subscription_error(channel: str, error_type: str, message: str, status: int) -> bytes:
    data = {"type": error_type, "error": message, "status": status}
    return _encode({"event": "pusher:subscription_error", "channel": channel, "data": data})


def member_added(channel: str, user_id: str, user_info: object) -> bytes:
    data = compact_json({"user_id": user_id, "user_info": user_info})
    return _encode({"event": "pusher_internal:member_added", "channel": channel, "data": data})


def member_removed(channel: str, user_id: str) -> bytes:
    data = compact_json({"user_id": user_id})
    return _encode({"event": "pusher_internal:member_removed", "channel": channel, "data": data})


def signin_success(user_data: str) -> bytes:
    return _encode({"event": "pusher:signin_success", "data": {"user_data": user_data}})


def subscription_count(channel: str, count: int) -> bytes:
    """``pusher_internal:subscription_count``: the channel's connections on every server
    (pusher-js hands it to ``pusher:subscription_count`` bindings)."""
    prefix, suffix = subscription_count_parts(channel)
    return b"%s%d%s" % (prefix, count, suffix)


def subscription_count_parts(channel: str) -> tuple[bytes, bytes]:
    """:func:`subscription_count` before and after the count, which Lua puts between."""
    event = "pusher_internal:subscription_count"
    frame = _encode({"event": event, "channel": channel, "data": "{}"})
    # No channel name holds braces or quotes: the data string is the only "{}".
    before, _, after = frame.rpartition(b'"{}"')
    return before + b'"{\\"subscription_count\\":', b'}"' + after


def watchlist_events(online: Sequence[str], offline: Sequence[str]) -> bytes:
    """``pusher_internal:watchlist_events`` (a connection-level frame): which users of
    the signed-in user's watchlist came online and went offline; an empty kind is left out."""
    events = [
        {"name": name, "user_ids": list(user_ids)}
        for name, user_ids in (("online", online), ("offline", offline))
        if user_ids
    ]
    data = compact_json({"events": events})
    return _encode({"event": "pusher_internal:watchlist_events", "data": data})
