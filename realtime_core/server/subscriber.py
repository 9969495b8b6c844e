"""A local connection as the hub sees it: what the hub reads of it and asks of it.

The hub indexes connections by channel and by user, writes fan-out frames to their
outlets and closes them; it never changes their session (:mod:`.session`), which
only the connection itself does.
"""

from collections.abc import Set
from typing import Protocol

from ..protocol import ErrorCode
from .fanout import FrameOutlet

__all__ = ["Subscriber"]


class Subscriber(Protocol):
    """What :class:`~.hub.Hub` needs of a connection
    (:class:`~.client_protocol.ClientProtocol` over any transport)."""

    @property
    def socket_id(self) -> str:
        """The id deliveries name to leave out their sender."""
        ...

    @property
    def address(self) -> str:
        """The client's address, counted for ``max_connections_per_address``."""
        ...

    @property
    def outlet(self) -> FrameOutlet:
        """Where fan-out writes this connection's frames."""
        ...

    @property
    def channels(self) -> Set[str]:
        """The channels it is subscribed to, left for it when it closes."""
        ...

    @property
    def user_id(self) -> str | None:
        """The user signed in on it, whose ``#server-to-user-`` channel reaches it."""
        ...

    def send(self, payload: bytes) -> None:
        """Queue one frame, in order with fan-out frames."""
        ...

    def close_with(self, code: ErrorCode, reason: str) -> None:
        """Send ``pusher:error`` with ``code``, then close with the same code."""
        ...

    def check_activity(self, now: float) -> None:
        """Ping it when idle, close it when a ping went unanswered."""
        ...
