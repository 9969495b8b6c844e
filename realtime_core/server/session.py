"""What one client connection stands for: its socket id, signed-in user and channels.

The connection is the only writer of its session, through the methods here; the hub
reads it (:class:`~.subscriber.Subscriber`) and keeps its own indexes beside it.
"""

import secrets
from collections.abc import Set
from typing import Any

__all__ = ["Session", "new_socket_id"]


def new_socket_id() -> str:
    """Two random integers joined by a dot, as every Pusher SDK expects."""
    return f"{secrets.randbelow(10**9) + 1}.{secrets.randbelow(10**9) + 1}"


class Session:
    """One connection's identity, signed-in user, channels and presence memberships."""

    __slots__ = ("_channels", "_presence_ids", "_signed_in_data", "_user_id", "socket_id")

    def __init__(self, socket_id: str) -> None:
        self.socket_id = socket_id
        """The connection's id, given to the client in ``pusher:connection_established``."""
        self._user_id: str | None = None
        self._signed_in_data: dict[str, Any] | None = None
        self._channels: set[str] = set()
        self._presence_ids: dict[str, str] = {}

    @property
    def user_id(self) -> str | None:
        """The id of the user signed in on this connection (``pusher:signin``), if any."""
        return self._user_id

    @property
    def signed_in_data(self) -> dict[str, Any] | None:
        """The signed-in user's ``user_data``, decoded: presence subscriptions without
        ``channel_data`` join as this user."""
        return self._signed_in_data

    @property
    def channels(self) -> Set[str]:
        """The channels subscribed to, those whose subscription is completing included."""
        return self._channels

    def join(self, channel: str) -> bool:
        """Count ``channel`` as subscribed; False when it was already."""
        if channel in self._channels:
            return False
        self._channels.add(channel)
        return True

    def leave(self, channel: str) -> bool:
        """Forget ``channel`` and the presence membership in it; False when it was not
        subscribed."""
        if channel not in self._channels:
            return False
        self._channels.discard(channel)
        self._presence_ids.pop(channel, None)
        return True

    def set_presence_id(self, channel: str, user_id: str) -> None:
        """Record that this connection is the member ``user_id`` of presence ``channel``."""
        self._presence_ids[channel] = user_id

    def presence_id(self, channel: str) -> str | None:
        """The member this connection is in ``channel`` (client events carry it)."""
        return self._presence_ids.get(channel)

    def sign_in(self, user_id: str, user_data: dict[str, Any]) -> bool:
        """Sign in as ``user_id``, whose signed ``user_data`` replaces any earlier one;
        False when already signed in as that user."""
        assert self._user_id in (None, user_id), "a connection stays one user's"
        self._signed_in_data = user_data
        if self._user_id == user_id:
            return False
        self._user_id = user_id
        return True

    def sign_out(self) -> None:
        """Forget the signed-in user (a sign-in this node could not complete)."""
        self._user_id = None
        self._signed_in_data = None
