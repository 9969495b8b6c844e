"""Pusher Channels names, limits and validation, shared by every backend and the server.

The defaults are Pusher's published limits (see ``shared/design/pusher-protocol.md``
section 7), so an app that publishes fine on one backend publishes fine on all.
"""

import dataclasses
import re
from collections.abc import Iterable

from .exceptions import InvalidMessage

__all__ = [
    "AUTHORIZED_PREFIXES",
    "DEFAULT_LIMITS",
    "SAME_HOST",
    "Limits",
    "is_user_id",
    "validate_channel_name",
    "validate_channels",
    "validate_event_name",
    "validate_socket_id",
]

CHANNEL_NAME_RE = re.compile(r"\A[-a-zA-Z0-9_=@,.;]+\Z")
SERVER_TO_USER_PREFIX = "#server-to-user-"
PRIVATE_PREFIX = "private-"
PRESENCE_PREFIX = "presence-"
ENCRYPTED_PREFIX = "private-encrypted-"
AUTHORIZED_PREFIXES = (PRIVATE_PREFIX, PRESENCE_PREFIX)
"""Channels whose subscriptions need a signature (and that take client events)."""
RESERVED_EVENT_PREFIXES = ("pusher:", "pusher_internal:")
SOCKET_ID_RE = re.compile(r"\A[0-9]+\.[0-9]+\Z")
APP_ID_RE = re.compile(r"\A[0-9]+\Z")
"""App ids are digits: the Pusher SDKs refuse anything else."""

SAME_HOST = "self"
"""In the allowed origins (a backend's ``ALLOWED_ORIGINS``, the server's
``allowed_origins``): pages of the host the socket is served from."""


@dataclasses.dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds every publish is validated against before it is sent."""

    max_data_bytes: int = 10_240
    """Size of the JSON-encoded ``data`` in UTF-8 bytes."""
    max_channels: int = 100
    """Channels in one event."""
    max_event_name_length: int = 200
    max_channel_name_length: int = 200
    max_batch_size: int = 10
    """Events in one batch publish."""


DEFAULT_LIMITS = Limits()


def validate_event_name(name: str, limits: Limits) -> None:
    """Reject event names Pusher would refuse or that only Pusher itself may send."""
    if not isinstance(name, str) or not name:
        raise InvalidMessage(f"Event name must be a non-empty string, got {name!r}.")
    if not name.isprintable():
        raise InvalidMessage(f"Event name {name!r} contains control or unencodable characters.")
    if len(name) > limits.max_event_name_length:
        raise InvalidMessage(
            f"Event name is {len(name)} characters long; "
            f"the limit is {limits.max_event_name_length}."
        )
    if name.startswith(RESERVED_EVENT_PREFIXES):
        raise InvalidMessage(
            f"Event name {name!r} is reserved: names starting with "
            f"{' or '.join(RESERVED_EVENT_PREFIXES)} are sent only by the protocol itself."
        )


def is_user_id(user_id: str, max_length: int) -> bool:
    """A signed-in user id: 1 to ``max_length`` characters of a channel name's alphabet,
    so ``#server-to-user-{id}`` is a valid channel."""
    return len(user_id) <= max_length and bool(CHANNEL_NAME_RE.match(user_id))


def validate_channel_name(name: str, limits: Limits) -> None:
    """Check one channel name against Pusher's character set and length."""
    if name.startswith(SERVER_TO_USER_PREFIX):
        user_id = name.removeprefix(SERVER_TO_USER_PREFIX)
        if not is_user_id(user_id, limits.max_channel_name_length):
            raise InvalidMessage(
                f"Invalid user channel {name!r}: the user id must be 1-"
                f"{limits.max_channel_name_length} characters of letters, digits and _-=@,.;"
            )
        return
    if len(name) > limits.max_channel_name_length:
        raise InvalidMessage(
            f"Channel name {name[:40]!r}... is {len(name)} characters long; "
            f"the limit is {limits.max_channel_name_length}."
        )
    if not CHANNEL_NAME_RE.match(name):
        raise InvalidMessage(
            f"Invalid channel name {name!r}: use only letters, digits and _-=@,.; "
            "(no spaces, slashes or '#')."
        )


def validate_channels(channels: str | Iterable[str], limits: Limits) -> tuple[str, ...]:
    """Normalize one name or an iterable of names to a tuple of unique, valid names.

    Order is kept and duplicates are dropped so a channel never receives an event twice.
    """
    if isinstance(channels, str):
        names: tuple[str, ...] = (channels,)
    elif isinstance(channels, Iterable) and not isinstance(channels, bytes | bytearray):
        names = tuple(channels)
    else:
        raise InvalidMessage(
            f"Channels must be a channel name or an iterable of names, got {channels!r}."
        )
    for name in names:
        if not isinstance(name, str):
            raise InvalidMessage(f"Channel names must be strings, got {name!r}.")
    unique = tuple(dict.fromkeys(names))
    if not unique:
        raise InvalidMessage("At least one channel is required.")
    if len(unique) > limits.max_channels:
        raise InvalidMessage(
            f"{len(unique)} channels in one publish; the limit is {limits.max_channels}. "
            "Split the publish or use fewer channels."
        )
    for name in unique:
        validate_channel_name(name, limits)
    if len(unique) > 1 and any(name.startswith(ENCRYPTED_PREFIX) for name in unique):
        raise InvalidMessage(
            f"A {ENCRYPTED_PREFIX}* channel must be the only channel of its publish "
            "(each encrypted channel has its own key)."
        )
    return unique


def validate_socket_id(socket_id: str | None) -> None:
    """Accept ``None`` or a Pusher socket id such as ``"1234.5678"``."""
    if socket_id is not None and (
        not isinstance(socket_id, str) or not SOCKET_ID_RE.match(socket_id)
    ):
        raise InvalidMessage(
            f"Invalid socket_id {socket_id!r}: expected digits, a dot and digits "
            "such as '1234.5678' (the value the browser client reports)."
        )
