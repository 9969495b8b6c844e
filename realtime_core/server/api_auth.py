"""Verification of signed HTTP API requests, as Pusher's SDKs sign them.

Every request carries ``auth_key``, ``auth_timestamp``, ``auth_version``, optionally
``body_md5``, and ``auth_signature``: the hex HMAC-SHA256, under the app secret, of::

    METHOD\\nPATH\\nk1=v1&k2=v2...

where the query part is every received parameter except ``auth_signature``, keys
lower-cased and sorted, values URL-decoded and not re-escaped. The path is the raw
request path. ``body_md5`` is required when the body is not empty and is checked and
signed whenever it is present: the Python SDK sends the MD5 of the empty body even on
GET requests, the Node SDK omits it there.

A rejection says why (so the 401 body helps whoever wrote the client) but never
reveals the expected signature or the secret: it quotes only the string to sign,
which the client built from values it sent.
"""

import hashlib
import re
import time
from urllib.parse import parse_qsl

from ..signing import constant_time_equal, hmac_sha256_hex
from .config import ServerConfig

__all__ = ["AuthenticationFailed", "string_to_sign", "verify_request"]

AUTH_VERSION = "1.0"
REQUIRED_PARAMS = ("auth_key", "auth_timestamp", "auth_version", "auth_signature")
TIMESTAMP_RE = re.compile(r"\A[0-9]{1,12}\Z")


class AuthenticationFailed(Exception):
    """The request is not signed by the app's key and secret; ``str()`` says why."""


def string_to_sign(method: str, path: str, params: dict[str, str]) -> str:
    """What ``auth_signature`` signs: method, raw path and sorted ``k=v`` pairs.

    ``params`` must not contain ``auth_signature``.
    """
    query = "&".join(f"{key}={params[key]}" for key in sorted(params))
    return f"{method}\n{path}\n{query}"


def verify_request(
    config: ServerConfig,
    method: str,
    path: str,
    query: str,
    body: bytes,
    now: float | None = None,
) -> dict[str, str]:
    """Check one request's signature; return its query parameters (keys lower-cased).

    ``path`` and ``query`` are the raw, undecoded parts of the request target and
    ``body`` the raw body bytes. The returned parameters exclude ``auth_signature``
    and are decoded exactly as they were signed, so handlers read ``info`` or
    ``filter_by_prefix`` from here. Raises :class:`AuthenticationFailed`.
    """
    params = _parse_query(query)
    missing = [name for name in REQUIRED_PARAMS if name not in params]
    if missing:
        raise AuthenticationFailed(f"Missing query parameter(s): {', '.join(missing)}.")
    signature = params.pop("auth_signature")
    if not constant_time_equal(params["auth_key"], config.key):
        raise AuthenticationFailed(f"Unknown auth_key {params['auth_key']!r}.")
    if params["auth_version"] != AUTH_VERSION:
        raise AuthenticationFailed(
            f"Unsupported auth_version {params['auth_version']!r}; only {AUTH_VERSION!r} exists."
        )
    signed = string_to_sign(method, path, params)
    if not constant_time_equal(signature, hmac_sha256_hex(config.secret, signed)):
        raise AuthenticationFailed(
            f"Invalid signature: expected the HMAC-SHA256 hex digest, under the app secret, "
            f"of {signed!r}."
        )
    _check_body_md5(params.get("body_md5"), body)
    _check_timestamp(params["auth_timestamp"], config.max_request_age, now)
    return params


def _parse_query(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        name = key.lower()
        if name in params:
            # The signed string would be ambiguous: no SDK ever repeats a parameter.
            raise AuthenticationFailed(f"Query parameter {name!r} is given more than once.")
        params[name] = value
    return params


def _check_body_md5(received: str | None, body: bytes) -> None:
    if received is None:
        if body:
            raise AuthenticationFailed("body_md5 is required when the request has a body.")
        return
    actual = hashlib.md5(body).hexdigest()
    if not constant_time_equal(received, actual):
        raise AuthenticationFailed(
            f"body_md5 {received!r} does not match the body received ({len(body)} bytes, "
            f"MD5 {actual})."
        )


def _check_timestamp(received: str, max_age: int, now: float | None) -> None:
    if not TIMESTAMP_RE.match(received):
        raise AuthenticationFailed(
            f"auth_timestamp must be whole seconds since the epoch, got {received!r}."
        )
    server_time = int(time.time() if now is None else now)
    if abs(server_time - int(received)) > max_age:
        raise AuthenticationFailed(
            f"Timestamp expired: given timestamp ({received}) not within {max_age}s of "
            f"server time ({server_time}). Check the clock of the machine that signed it."
        )
