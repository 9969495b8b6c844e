"""Which client events the server relays (``docs/explanation/protocol.md``, "Client events").

Only when the app enables them, only ``client-`` events on private and presence
channels the sender is subscribed to (never encrypted ones), within Pusher's rate,
name and size limits. A refused event is answered with ``pusher:error`` and the
socket stays open; only the rate limit has a code (4301, which no client treats as
a reason to reconnect).
"""

from collections.abc import Collection
from typing import Any

from ..frames import compact_json
from ..protocol import AUTHORIZED_PREFIXES, ENCRYPTED_PREFIX, ErrorCode
from .config import ServerConfig

__all__ = ["ClientEventRefused", "EventWindow", "check_client_event", "count_event"]

EventWindow = tuple[int, int]
"""The second a connection's events are counted in, and how many it sent in it."""


class ClientEventRefused(Exception):
    """Sent to the client as a connection-level ``pusher:error`` with ``code``."""

    def __init__(self, message: str, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.code = code


def count_event(window: EventWindow, now: float) -> EventWindow:
    """The window after one more event at monotonic time ``now``."""
    second = int(now)
    start, count = window
    return (start, count + 1) if start == second else (second, 1)


def check_client_event(
    config: ServerConfig,
    event: str,
    channel: Any,
    data: Any,
    subscribed: Collection[str],
    sent_this_second: int,
) -> str:
    """Return the channel to relay ``event`` to, or raise :class:`ClientEventRefused`."""
    if not config.client_events:
        raise ClientEventRefused(
            "To send client events, you must enable this feature in the server's "
            "settings (client_events)."
        )
    if not isinstance(channel, str) or not channel.startswith(AUTHORIZED_PREFIXES):
        raise ClientEventRefused(
            "Client event rejected - only supported on private and presence channels"
        )
    if channel.startswith(ENCRYPTED_PREFIX):
        raise ClientEventRefused("Client events are not supported on encrypted channels")
    if channel not in subscribed:
        raise ClientEventRefused(f"Client event rejected - not subscribed to {channel}")
    if sent_this_second > config.client_events_per_second:
        raise ClientEventRefused(
            f"Client event rejected - over {config.client_events_per_second} per second",
            ErrorCode.LIMIT_REACHED,
        )
    limits = config.limits
    if len(event) > limits.max_event_name_length:
        raise ClientEventRefused(
            f"Client event rejected - event name over {limits.max_event_name_length} characters"
        )
    size = len(compact_json(data).encode())
    if size > limits.max_data_bytes:
        raise ClientEventRefused(f"Client event rejected - data over {limits.max_data_bytes} bytes")
    return channel
