"""Where a published message stands in its channel, for recovery after a reconnect.

Every event the application publishes gets a position on each of its channels: an
*offset*, 1 for the first message and one more for each next one, within an
*epoch*, an opaque token that changes whenever the channel's history is lost (Redis
restarted without persistence, or the channel stayed quiet for longer than its
history is kept). On the wire it is one string, ``"{epoch}:{offset}"``, in a
top-level ``position`` field that pusher-js and Pysher ignore:

* channel events carry the position they were given;
* ``pusher_internal:subscription_succeeded`` carries the channel's position at the
  moment of subscription (offset 0 before anything was published);
* a ``pusher:subscribe`` that carries the last position a client processed asks
  for what it missed: the success frame then says ``recovered: true`` and the
  missed events follow it, in order, once, before any live event; or it says
  ``recovered: false`` (another epoch, or older than the history kept) and the
  client must fetch its state again.

The handshake announces the extension (``extensions: ["recovery"]`` in
``pusher:connection_established``), so clients only use it where it exists.
"""

import dataclasses
import re
import secrets

__all__ = [
    "DEFAULT_HISTORY_SIZE",
    "DEFAULT_HISTORY_TTL",
    "EPOCH_RE",
    "HistoryLimits",
    "Position",
    "new_epoch",
    "offset_of",
]

DEFAULT_HISTORY_SIZE = 100
DEFAULT_HISTORY_TTL = 300

EPOCH_RE = re.compile(r"\A[0-9a-f]{1,32}\Z")
"""What an epoch looks like: lowercase hex, so it needs no escaping in JSON or Lua."""

_POSITION_RE = re.compile(r"\A([0-9a-f]{1,32}):(0|[1-9][0-9]{0,17})\Z")


def offset_of(position: str) -> int:
    """The offset of a well-formed ``"{epoch}:{offset}"`` (one a broker assigned)."""
    return int(position.rpartition(":")[2])


def new_epoch() -> str:
    """A fresh epoch: 48 random bits, so two histories never share one by chance."""
    return secrets.token_hex(6)


@dataclasses.dataclass(frozen=True, slots=True, order=False)
class Position:
    """An offset within an epoch (see the module docstring)."""

    epoch: str
    offset: int

    @classmethod
    def parse(cls, text: object) -> "Position | None":
        """The position ``text`` spells, or None when it is not one."""
        if not isinstance(text, str):
            return None
        match = _POSITION_RE.match(text)
        if match is None:
            return None
        return cls(match[1], int(match[2]))

    def follows(self, earlier: "Position") -> bool:
        """Whether this is the very next position after ``earlier``: the next offset
        of its epoch, or the first of a new epoch."""
        if self.epoch == earlier.epoch:
            return self.offset == earlier.offset + 1
        return self.offset == 1

    def __str__(self) -> str:
        return f"{self.epoch}:{self.offset}"


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryLimits:
    """How much of each channel's history is kept for recovery.

    An event older than ``ttl`` seconds is no longer replayed, and a channel quiet for
    that long starts a new epoch.
    """

    size: int = DEFAULT_HISTORY_SIZE
    """Events kept per channel (at least that many on Redis, which trims whole nodes)."""
    ttl: int = DEFAULT_HISTORY_TTL
    """Seconds an event stays replayable."""

    def __post_init__(self) -> None:
        if self.size < 1 or self.ttl < 1:
            raise ValueError(f"history size and ttl must be positive, got {self.size}, {self.ttl}")
