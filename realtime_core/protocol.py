"""Pusher Channels names, limits, codes and validation, shared by every backend and the server.

The defaults are Pusher's published limits (the server reference,
``docs/reference/server.md``, lists them), so an app that publishes fine on one
backend publishes fine on all.
:class:`ErrorCode` names every close and error code the server sends or Pusher
documents, each with its description and the reconnect rule of its range.
"""

import dataclasses
import enum
import re
from collections.abc import Iterable, Mapping

from .exceptions import InvalidMessage

__all__ = [
    "AUTHORIZED_PREFIXES",
    "CACHE_PREFIXES",
    "CACHE_TTL",
    "DEFAULT_LIMITS",
    "DEFAULT_WEBHOOK_EVENTS",
    "SAME_HOST",
    "SELF_HOSTED_TRANSPORTS",
    "WEBHOOK_EVENTS",
    "ErrorCode",
    "Limits",
    "Reconnect",
    "is_cache_channel",
    "is_user_id",
    "self_hosted_client_options",
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
CACHE_PREFIXES = ("cache-", "private-cache-", "presence-cache-", "private-encrypted-cache-")
"""Cache channels: public, private, presence and encrypted channels that also keep their
last event for new subscribers (Pusher's names; each subscribes like its base kind)."""
CACHE_TTL = 1800
"""Seconds a cache channel keeps its last event: Pusher's 30 minutes."""
RESERVED_EVENT_PREFIXES = ("pusher:", "pusher_internal:")
SOCKET_ID_RE = re.compile(r"\A[0-9]+\.[0-9]+\Z")
APP_ID_RE = re.compile(r"\A[0-9]+\Z")
"""App ids are digits: the Pusher SDKs refuse anything else."""

SELF_HOSTED_TRANSPORTS = ("ws", "wss", "xhr_streaming", "xhr_polling")
"""pusher-js's ``enabledTransports`` for a self-hosted server: WebSockets, then the
HTTP fallbacks it serves at ``/pusher/app/{key}/...``; never SockJS, which only
Pusher's own hosts serve."""


def self_hosted_client_options(host: str, port: int) -> dict[str, object]:
    """pusher-js's options that keep every transport on ``host:port`` (by default its
    HTTP fallbacks would go to Pusher's ``sockjs.pusher.com``)."""
    return {
        "wsHost": host,
        "wsPort": port,
        "wssPort": port,
        "httpHost": host,
        "httpPort": port,
        "httpsPort": port,
        "enabledTransports": list(SELF_HOSTED_TRANSPORTS),
    }


SAME_HOST = "self"
"""In the allowed origins (a backend's ``ALLOWED_ORIGINS``, the server's
``allowed_origins``): pages of the host the socket is served from."""

WEBHOOK_EVENTS = frozenset(
    {
        "channel_occupied",
        "channel_vacated",
        "member_added",
        "member_removed",
        "client_event",
        "subscription_count",
        "cache_miss",
    }
)
"""The kinds of lifecycle event a socket server sends (as webhooks, or as in-process
signals when embedded); Pusher's webhook event names."""

DEFAULT_WEBHOOK_EVENTS = WEBHOOK_EVENTS - {"subscription_count"}
"""What is sent unless configured otherwise: Pusher's webhooks, less subscription counts
(which Pusher sends only when the app turns them on)."""


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


class Reconnect(enum.Enum):
    """What a client does after the server closes its connection with a code.

    Pusher gives each hundred of its codes one rule; WebSocket's own codes (below
    4000) are retried with backoff by pusher-js and ``realtime.js`` alike.
    """

    NEVER = "does not reconnect: the same settings would be refused again"
    """4000-4099."""
    AFTER_BACKOFF = "reconnects after backing off, a second or more"
    """4100-4199, and WebSocket's own codes."""
    AT_ONCE = "reconnects at once"
    """4200-4299."""
    STAYS_CONNECTED = "not a close: sent on a connection that stays open"
    """4300-4399: a close with one of them would make pusher-js stop reconnecting,
    so the server never closes with them."""

    @property
    def description(self) -> str:
        """The rule in words, for reference tables."""
        return self.value


class ErrorCode(enum.IntEnum):
    """The ``code`` of a ``pusher:error``, a close, or a ``LimitReached`` subscription error.

    Members compare and encode as their numbers, so they go on the wire as they are.
    Each has a one-line :attr:`description` and the :attr:`reconnect` rule of its
    range; ``ErrorCode(code)`` names a code a client received.
    """

    MESSAGE_TOO_BIG = 1009
    TLS_ONLY = 4000
    APP_DOES_NOT_EXIST = 4001
    APP_DISABLED = 4003
    OVER_CONNECTION_QUOTA = 4004
    PATH_NOT_FOUND = 4005
    INVALID_VERSION_FORMAT = 4006
    UNSUPPORTED_PROTOCOL_VERSION = 4007
    NO_PROTOCOL_VERSION = 4008
    UNAUTHORIZED = 4009
    OVER_CAPACITY = 4100
    RECONNECT_IMMEDIATELY = 4200
    PONG_NOT_RECEIVED = 4201
    CLOSED_AFTER_INACTIVITY = 4202
    LIMIT_REACHED = 4301
    WATCHLIST_LIMIT = 4302

    @property
    def description(self) -> str:
        """What the code means, in one line (what this server sends it for, if it does)."""
        return _DESCRIPTIONS[self]

    @property
    def reconnect(self) -> Reconnect:
        """What a client does after a close with this code, by the code's range."""
        if self < 4000:
            return Reconnect.AFTER_BACKOFF  # WebSocket's own codes
        if self < 4100:
            return Reconnect.NEVER
        if self < 4200:
            return Reconnect.AFTER_BACKOFF
        if self < 4300:
            return Reconnect.AT_ONCE
        return Reconnect.STAYS_CONNECTED


_DESCRIPTIONS: Mapping[ErrorCode, str] = {
    ErrorCode.MESSAGE_TOO_BIG: (
        "A message over the size limit (WebSocket's own code): closed before it is read"
    ),
    ErrorCode.TLS_ONLY: "The app accepts TLS connections only: clients connect again with wss://",
    ErrorCode.APP_DOES_NOT_EXIST: "No app has the key in the connection's URL",
    ErrorCode.APP_DISABLED: "The app is disabled",
    ErrorCode.OVER_CONNECTION_QUOTA: "Over the connection quota: here, of one client address",
    ErrorCode.PATH_NOT_FOUND: "No app is served at the connection's path",
    ErrorCode.INVALID_VERSION_FORMAT: "The protocol version in the URL is not a number",
    ErrorCode.UNSUPPORTED_PROTOCOL_VERSION: "The protocol version is not one of 5 to 7",
    ErrorCode.NO_PROTOCOL_VERSION: "The URL gives no protocol version",
    ErrorCode.UNAUTHORIZED: (
        "Unauthorized: a refused sign-in or user id, or a connection the app terminated"
    ),
    ErrorCode.OVER_CAPACITY: (
        "Over capacity: the server, a presence channel, or a client that reads too slowly"
    ),
    ErrorCode.RECONNECT_IMMEDIATELY: "Reconnect at once: the server is shutting down",
    ErrorCode.PONG_NOT_RECEIVED: "Nothing arrived within the pong timeout after a ping",
    ErrorCode.CLOSED_AFTER_INACTIVITY: "Closed after a long inactivity (clients that cannot ping)",
    ErrorCode.LIMIT_REACHED: (
        "A request over a limit: client events per second, channels, or user_info size"
    ),
    ErrorCode.WATCHLIST_LIMIT: (
        "A watchlist over its limit (100 user ids): the first ones are watched, the sign-in holds"
    ),
}


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


def is_cache_channel(name: str) -> bool:
    """Whether ``name`` is a cache channel (one of :data:`CACHE_PREFIXES`)."""
    return name.startswith(CACHE_PREFIXES)


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
