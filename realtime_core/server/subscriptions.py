"""Who may subscribe to a channel and sign in: the server's half of authorization.

The Django auth endpoint decides who may join and signs its answer with the app
secret; the server only checks the signature over the exact strings the client
sends (``docs/explanation/protocol.md``, "Subscribing") and the presence limits.
"""

from typing import Any, NamedTuple

from ..exceptions import InvalidMessage
from ..frames import compact_json
from ..protocol import (
    AUTHORIZED_PREFIXES,
    PRESENCE_PREFIX,
    SERVER_TO_USER_PREFIX,
    ErrorCode,
    is_user_id,
    validate_channel_name,
)
from ..signing import channel_string_to_sign, user_string_to_sign, verify
from .config import ServerConfig
from .inbound import loads_text
from .session import Session

__all__ = [
    "SignInRefused",
    "SubscriptionRefused",
    "Watchlist",
    "authorize_sign_in",
    "authorize_subscription",
    "watchlist_of",
]

Member = tuple[str, object]
"""A presence member: user id and user info."""
SignIn = tuple[str, dict[str, Any]]
"""A verified sign-in: the user id and the decoded ``user_data`` it came with."""


class Watchlist(NamedTuple):
    """The user ids a sign-in watches (watchlist events)."""

    user_ids: tuple[str, ...]
    """The first ``ServerConfig.max_watchlist_size`` of the ``user_data`` watchlist."""
    listed: int
    """How many the watchlist listed: more than kept, and the client is told (4302)."""


class SubscriptionRefused(Exception):
    """Sent to the client as a channel-scoped ``pusher:subscription_error``."""

    def __init__(self, message: str, kind: str = "AuthError", status: int = 401) -> None:
        """``status`` is an HTTP status, or an :class:`ErrorCode` for ``LimitReached``."""
        super().__init__(message)
        self.kind = kind
        self.status = status


class SignInRefused(Exception):
    """Sent to the client as ``pusher:error`` 4009 (the socket stays open)."""


def authorize_subscription(
    config: ServerConfig, session: Session, channel: str, data: dict[str, Any]
) -> Member | None:
    """Check a ``pusher:subscribe`` request on the connection of ``session``; return
    the member for presence channels."""
    try:
        validate_channel_name(channel, config.limits)
    except InvalidMessage as exc:
        raise SubscriptionRefused(str(exc), "InvalidChannel", 400) from None
    if channel.startswith(SERVER_TO_USER_PREFIX):
        if session.user_id is None or channel != SERVER_TO_USER_PREFIX + session.user_id:
            raise SubscriptionRefused(
                "Only the user signed in on this connection may subscribe to its user channel",
                status=403,
            )
        return None
    if not channel.startswith(AUTHORIZED_PREFIXES):
        return None
    presence = channel.startswith(PRESENCE_PREFIX)
    channel_data = data.get("channel_data") if presence else None
    if presence and channel_data is None and session.signed_in_data is None:
        raise SubscriptionRefused(
            "Presence subscriptions need channel_data (a JSON string) or a signed-in user",
            status=400,
        )
    if channel_data is not None and not isinstance(channel_data, str):
        raise SubscriptionRefused("channel_data must be a JSON string", status=400)
    string_to_sign = channel_string_to_sign(session.socket_id, channel, channel_data)
    if not verify(config.key, config.secret, string_to_sign, data.get("auth")):
        raise SubscriptionRefused(_invalid_signature(string_to_sign))
    if not presence:
        return None
    if channel_data is not None:
        member = _member_from_channel_data(channel_data)
    else:
        assert session.signed_in_data is not None
        member = _signed_in_member(session.signed_in_data)
    _check_member_limits(config, member)
    return member


def _invalid_signature(string_to_sign: str) -> str:
    """Real Pusher's wording; quotes what was signed, never the expected signature."""
    return (
        f"Invalid signature: expected the HMAC SHA256 hex digest of {string_to_sign!r} "
        "signed with the app secret"
    )


def _member_from_channel_data(channel_data: str) -> Member:
    try:
        decoded = loads_text(channel_data)
    except ValueError:
        decoded = None
    if not isinstance(decoded, dict) or "user_id" not in decoded:
        raise SubscriptionRefused("channel_data must be a JSON object with a user_id", status=400)
    user_id = decoded["user_id"]
    if isinstance(user_id, bool) or not isinstance(user_id, str | int) or user_id == "":
        raise SubscriptionRefused("user_id must be a non-empty string or a number", status=400)
    return str(user_id), decoded.get("user_info")


def _signed_in_member(user_data: dict[str, Any]) -> Member:
    return str(user_data["id"]), user_data.get("user_info")


def _check_member_limits(config: ServerConfig, member: Member) -> None:
    user_id, user_info = member
    if len(user_id) > config.max_user_id_length:
        raise SubscriptionRefused(
            f"user_id is over {config.max_user_id_length} characters",
            "LimitReached",
            ErrorCode.UNAUTHORIZED,
        )
    info_size = len(compact_json(user_info).encode())
    if info_size > config.max_user_info_bytes:
        raise SubscriptionRefused(
            f"user_info is {info_size} bytes; the limit is {config.max_user_info_bytes}",
            "LimitReached",
            ErrorCode.LIMIT_REACHED,
        )


def authorize_sign_in(config: ServerConfig, session: Session, data: Any) -> SignIn:
    """Check a ``pusher:signin`` request on the connection of ``session``; return the
    user id it signs in and its decoded ``user_data``."""
    if not isinstance(data, dict):
        raise SignInRefused("pusher:signin needs data with 'auth' and 'user_data'")
    user_data = data.get("user_data")
    if not isinstance(user_data, str):
        raise SignInRefused("pusher:signin needs user_data as a JSON string")
    string_to_sign = user_string_to_sign(session.socket_id, user_data)
    if not verify(config.key, config.secret, string_to_sign, data.get("auth")):
        raise SignInRefused(_invalid_signature(string_to_sign))
    try:
        decoded = loads_text(user_data)
    except ValueError:
        decoded = None
    user_id = decoded.get("id") if isinstance(decoded, dict) else None
    if not isinstance(user_id, str) or not user_id:
        raise SignInRefused("user_data must be a JSON object whose id is a non-empty string")
    if not is_user_id(user_id, config.max_user_id_length):
        raise SignInRefused(
            f"user id must be 1-{config.max_user_id_length} letters, digits or _-=@,.;"
        )
    if session.user_id is not None and session.user_id != user_id:
        raise SignInRefused(
            f"This connection is signed in as {session.user_id}; open a new one for {user_id}"
        )
    return user_id, decoded


def watchlist_of(config: ServerConfig, user_data: dict[str, Any]) -> Watchlist:
    """The watchlist of a verified sign-in's ``user_data``: a list of user ids (none
    when absent), of which the first ``config.max_watchlist_size`` are kept, as Pusher
    keeps its first 100."""
    listed = user_data.get("watchlist")
    if listed is None:
        return Watchlist((), 0)
    kept = listed[: config.max_watchlist_size] if isinstance(listed, list) else None
    if kept is None or not all(
        isinstance(user_id, str) and is_user_id(user_id, config.max_user_id_length)
        for user_id in kept
    ):
        raise SignInRefused(
            "user_data's watchlist must be a list of user ids, each 1-"
            f"{config.max_user_id_length} letters, digits or _-=@,.;"
        )
    return Watchlist(tuple(kept), len(listed))
