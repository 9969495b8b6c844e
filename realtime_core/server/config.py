"""Settings of one socket server: the app it serves and the limits it enforces."""

import dataclasses

from ..brokers.base import DEFAULT_COUNT_THROTTLE, CountThrottle
from ..protocol import APP_ID_RE, DEFAULT_LIMITS, DEFAULT_WEBHOOK_EVENTS, WEBHOOK_EVENTS, Limits

__all__ = ["ServerConfig"]


@dataclasses.dataclass(frozen=True, slots=True)
class ServerConfig:
    """One Pusher app (id, key, secret) and how the server treats its clients.

    The defaults are Pusher's: 120 s activity timeout, 10 client events per second,
    100 presence members with at most 1 KB of user info each.
    """

    app_id: str
    key: str
    secret: str
    client_events: bool = False
    """Let subscribed clients send ``client-`` events on private and presence channels."""
    activity_timeout: int = 120
    """Seconds of silence after which the client should ping (sent in the handshake)."""
    pong_timeout: float = 30.0
    """Seconds the server waits for any frame after pinging an idle client (then 4201)."""
    max_presence_members: int = 100
    max_user_info_bytes: int = 1024
    max_user_id_length: int = 128
    client_events_per_second: int = 10
    max_subscriptions: int = 1000
    """Channels one connection may be subscribed to at once (bounds its memory)."""
    max_frame_bytes: int = 16_384
    """Largest frame a client may send; bigger ones get an error, the socket stays open."""
    max_output_bytes: int = 1_048_576
    """Bytes queued for one connection before it is dropped with 4100 as too slow."""
    allowed_origins: tuple[str, ...] = ("*",)
    """``Origin`` values allowed to open sockets (``https://example.com``): ``*`` allows
    any, ``self`` the host the socket is served from (a page of the same site). Clients
    that send no ``Origin`` (servers, SDKs) are not browsers and are not checked."""
    max_connections: int | None = None
    """WebSocket connections this node accepts; past it a new one gets 4100 (over
    capacity: clients retry after a backoff, perhaps on another node). None: no cap."""
    max_pending_per_address: int | None = None
    """Plain HTTP connections from one peer address whose request is still being read
    or answered (a slowloris holds them open); past it new ones are closed at once.
    Leave it None behind a proxy: every connection then comes from the proxy."""
    max_connections_per_address: int | None = None
    """WebSocket connections from one client address (behind a proxy, the address it
    forwards); past it a new one gets 4004 (over quota: clients stop). None: no cap."""
    http_session_timeout: float = 10.0
    """Seconds an HTTP session (pusher-js's ``xhr_streaming`` and ``xhr_polling``) may
    go without a receive request open; then it is closed like a socket that went away."""
    http_heartbeat: float = 25.0
    """Seconds between heartbeats on a streaming response, and the longest a poll
    waits for something to send before it is answered with a heartbeat."""
    header_timeout: float = 10.0
    """Seconds a client has to send a request's headers, the WebSocket upgrade included
    (slow or silent connections are closed), and to wait idle between requests."""
    body_timeout: float = 10.0
    """Seconds a client has to send a request's body once its headers promised one."""
    max_request_age: int = 600
    """Seconds an HTTP API request's ``auth_timestamp`` may differ from the clock."""
    limits: Limits = DEFAULT_LIMITS
    """Names, sizes and counts accepted from the HTTP API and from clients (Pusher's)."""
    webhook_url: str | None = None
    """Where to POST Pusher-format webhooks (e.g. the Django site's
    ``realtime_core:webhooks``); None: no webhooks."""
    webhook_events: frozenset[str] = DEFAULT_WEBHOOK_EVENTS
    """The kinds of event sent (see :mod:`.events`)."""
    broker_ping_interval: float = 5.0
    """Seconds between pings of the broker, whose round trip ``/metrics`` reports; an
    outage is noticed within this even when no request comes."""
    subscription_count_events: bool = False
    """Send the subscribers of every channel but presence ones
    ``pusher_internal:subscription_count`` when its count changes, on any server (Pusher's
    subscription counting, which an app turns on)."""
    subscription_count_throttle: CountThrottle = DEFAULT_COUNT_THROTTLE
    """How often: after every change up to ``above`` subscribers, at most once per
    ``interval`` seconds beyond (Pusher's 100 and 5 s); shared by every server."""
    watchlist_events: bool = False
    """Tell a signed-in connection who of its ``user_data`` watchlist is online, and
    each change (Pusher's watchlist events, which an app turns on)."""
    max_watchlist_size: int = 100
    """User ids of a watchlist that are watched; past it the first ones are kept and the
    client gets ``pusher:error`` 4302."""

    def __post_init__(self) -> None:
        if not APP_ID_RE.match(self.app_id):
            raise ValueError(
                f"app_id must be digits (the Pusher SDKs refuse anything else), got {self.app_id!r}"
            )
        if not self.key or not self.secret:
            raise ValueError("key and secret must be non-empty")
        if self.activity_timeout < 1 or self.pong_timeout <= 0:
            raise ValueError("activity_timeout and pong_timeout must be positive")
        for cap in (
            self.max_connections,
            self.max_connections_per_address,
            self.max_pending_per_address,
        ):
            if cap is not None and cap < 1:
                raise ValueError(f"connection caps must be positive or None, got {cap}")
        unknown = sorted(self.webhook_events - WEBHOOK_EVENTS)
        if unknown:
            raise ValueError(
                f"unknown webhook events {unknown}; known: {', '.join(sorted(WEBHOOK_EVENTS))}"
            )
        if self.webhook_url is not None and not self.webhook_url.startswith(
            ("http://", "https://")
        ):
            raise ValueError("webhook_url must be an http:// or https:// URL")
        if self.header_timeout <= 0 or self.body_timeout <= 0:
            raise ValueError("header_timeout and body_timeout must be positive")
        if self.http_session_timeout <= 0 or self.http_heartbeat <= 0:
            raise ValueError("http_session_timeout and http_heartbeat must be positive")
        if self.broker_ping_interval <= 0:
            raise ValueError("broker_ping_interval must be positive")
        if self.max_watchlist_size < 1:
            raise ValueError(f"max_watchlist_size must be positive, got {self.max_watchlist_size}")
