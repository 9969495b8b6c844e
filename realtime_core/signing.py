"""Pusher's HMAC-SHA256 signatures for channel authorization and user signin.

The auth string is ``<key>:<hex digest>``. Strings are signed exactly as received
(``channel_data`` and ``user_data`` are never re-serialized: the SDKs format JSON
differently) and compared in constant time, key included.
"""

import dataclasses
import hashlib
import hmac

__all__ = [
    "Credentials",
    "channel_string_to_sign",
    "constant_time_equal",
    "hmac_sha256_hex",
    "sign",
    "user_string_to_sign",
    "verify",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Credentials:
    """What signs channel authorizations and signins for one app.

    ``key`` is public (browsers connect with it); ``secret`` and
    ``encryption_master_key`` never leave the server and are kept out of ``repr``.
    """

    key: str
    secret: str = dataclasses.field(repr=False)
    encryption_master_key: bytes | None = dataclasses.field(default=None, repr=False)
    """32 bytes from which each ``private-encrypted-`` channel's shared secret derives."""


def hmac_sha256_hex(secret: str, message: str | bytes) -> str:
    """Lower-case hex HMAC-SHA256 of ``message`` (text as UTF-8) under ``secret``.

    It is also a webhook's ``X-Pusher-Signature``, of the raw body.
    """
    raw = message.encode() if isinstance(message, str) else message
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def channel_string_to_sign(socket_id: str, channel: str, channel_data: str | None = None) -> str:
    """What a private (``socket:channel``) or presence (``…:channel_data``) auth signs."""
    if channel_data is None:
        return f"{socket_id}:{channel}"
    return f"{socket_id}:{channel}:{channel_data}"


def user_string_to_sign(socket_id: str, user_data: str) -> str:
    """What a signin auth signs."""
    return f"{socket_id}::user::{user_data}"


def sign(key: str, secret: str, string_to_sign: str) -> str:
    """The ``auth`` value a client sends: ``<key>:<hex HMAC>``."""
    return f"{key}:{hmac_sha256_hex(secret, string_to_sign)}"


def constant_time_equal(received: str, expected: str) -> bool:
    """Compare in constant time; any text a client sent is accepted (lone surrogates too)."""
    return hmac.compare_digest(
        received.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def verify(key: str, secret: str, string_to_sign: str, auth: object) -> bool:
    """True when ``auth`` is exactly :func:`sign`'s output; constant time."""
    if not isinstance(auth, str):
        return False
    return constant_time_equal(auth, sign(key, secret, string_to_sign))
