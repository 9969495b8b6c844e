"""What a backend can tell about its sockets right now: what
:meth:`~realtime_core.backends.base.Backend.inspect` answers.

Each backend answers from where that state lives: ``memory`` from this process's
in-process exchange, ``tornado_redis`` from Redis (the socket servers' heartbeats,
counts and presence members), ``pusher`` from Pusher's HTTP API. A value the backend
cannot tell is ``None``, and :attr:`Inspection.unknown` says why under the field's
name; the debug console (:mod:`realtime_core.console_views`) shows that reason in its
place. Every answer is bounded, whatever the number of channels: at most
:data:`MAX_CHANNELS` channels, and the members of at most :data:`MAX_PRESENCE_CHANNELS`
presence channels, :data:`MAX_MEMBERS` each.
"""

import dataclasses
from collections.abc import Mapping

__all__ = [
    "MAX_CHANNELS",
    "MAX_MEMBERS",
    "MAX_PRESENCE_CHANNELS",
    "ChannelState",
    "Inspection",
    "NodeState",
]

MAX_CHANNELS = 200
"""The most channels one inspection lists (:attr:`Inspection.truncated` says if more)."""
MAX_PRESENCE_CHANNELS = 10
"""The most presence channels whose members one inspection lists."""
MAX_MEMBERS = 100
"""The most members listed per presence channel (Pusher's default member limit)."""


@dataclasses.dataclass(frozen=True, slots=True)
class NodeState:
    """One socket server process."""

    id: str
    connections: int | None
    """Its open WebSocket connections; None when it does not report them."""
    channels: int
    """Channels with at least one subscriber on it."""
    last_heartbeat: float | None
    """Seconds since it last said it was alive (its connections are counted as of
    then); None for a server in this process, which is read directly."""


@dataclasses.dataclass(frozen=True, slots=True)
class ChannelState:
    """One occupied channel."""

    name: str
    subscriptions: int | None
    """Connections subscribed to it on every server; None when the backend cannot tell."""
    users: int | None
    """Distinct members of a presence channel; None for other channels."""


@dataclasses.dataclass(frozen=True, slots=True)
class Inspection:
    """The sockets' state as one backend sees it (see the module docstring)."""

    nodes: tuple[NodeState, ...] | None
    """The socket server processes; None when the backend cannot tell (Pusher)."""
    channels: tuple[ChannelState, ...]
    """Occupied channels whose name starts with the prefix asked for, by name."""
    truncated: bool
    """More channels matched than :data:`MAX_CHANNELS`: narrow the prefix to see them."""
    members: Mapping[str, Mapping[str, object]]
    """Presence channel -> user id -> user info, for the first presence channels listed
    (``None`` as info when the backend knows the ids only)."""
    unknown: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Field name (``nodes``, ``connections``, ``subscriptions``, ``member_info``) -> why
    the backend cannot tell it."""
    notes: tuple[str, ...] = ()
    """What else the reader should know to read this answer right."""
