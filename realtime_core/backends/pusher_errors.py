"""Internal: what went wrong when the ``pusher`` backend talked to Pusher's HTTP API, in words.

The SDK raises ``PusherBadAuth`` (401), ``PusherForbidden`` (403),
``PusherBadRequest`` (400) or ``PusherBadStatus`` (``"<status>: <body>"``, any other
status), and ``json.JSONDecodeError`` when a 200 answer is not JSON (another
service answered); ``requests`` raises its own exceptions for the network. Each becomes a
:class:`PusherFailure`: what happened, where, and what to check. None of them can
hold the secret: requests are signed with it, never carry it.
"""

import dataclasses
import json

import requests
from pusher.errors import (  # type: ignore[import-untyped]
    PusherBadAuth,
    PusherBadRequest,
    PusherBadStatus,
    PusherForbidden,
)
from urllib3.exceptions import MaxRetryError

__all__ = ["PusherFailure", "describe_failure"]

MAX_BODY_CHARACTERS = 300
"""Error bodies are quoted up to this length (a proxy may answer with a whole page)."""

CREDENTIALS_HINT = "Check APP_ID, KEY and SECRET against the app's keys in the Pusher dashboard."
ADDRESS_HINT = "Check HOST, PORT and USE_TLS (or CLUSTER when HOST is not set)"

_STATUS_HINTS = {
    404: "Check APP_ID, and HOST if set: no app with this id is served there.",
    413: "The server takes less data than MAX_DATA_BYTES allows: lower MAX_DATA_BYTES.",
    429: "The server is rate limiting this app: publish less often or batch events.",
}


@dataclasses.dataclass(frozen=True, slots=True)
class PusherFailure:
    """One failed API request: what happened, and what to check."""

    detail: str
    hint: str


def describe_failure(exc: Exception, *, endpoint: str, timeout: float) -> PusherFailure:
    """Explain ``exc``, raised by an SDK call to ``endpoint`` (``scheme://host:port``)."""
    if isinstance(exc, PusherBadAuth):
        return PusherFailure(
            f"Pusher refused the credentials (401: {_body(exc)})", CREDENTIALS_HINT
        )
    if isinstance(exc, PusherForbidden):
        return PusherFailure(
            f"Pusher refused the request (403: {_body(exc)})",
            "The app may be disabled or over its message quota (see the Pusher dashboard), "
            f"or the credentials are wrong. {CREDENTIALS_HINT}",
        )
    if isinstance(exc, PusherBadRequest):
        return PusherFailure(
            f"Pusher rejected the request as bad (400: {_body(exc)})",
            "The body says what it refused.",
        )
    if isinstance(exc, PusherBadStatus):
        status, _, body = str(exc).partition(": ")
        hint = _STATUS_HINTS.get(int(status), "") if status.isdigit() else ""
        if not hint and status.startswith("5"):
            hint = "The service failed to handle the request; try again later."
        return PusherFailure(f"Pusher answered HTTP {status}: {_shorten(body)}", hint)
    if isinstance(exc, json.JSONDecodeError):
        # The SDK decodes every 200/202 answer; a web server or proxy answers HTML.
        return PusherFailure(
            f"{endpoint} answered with a body that is not JSON ({_shorten(exc.doc)!r})",
            f"{ADDRESS_HINT}: what answers there is not a Pusher-compatible API.",
        )
    if isinstance(exc, requests.Timeout):
        # Before ConnectionError: ConnectTimeout is both.
        doing = "connect to" if isinstance(exc, requests.ConnectTimeout) else "get an answer from"
        return PusherFailure(
            f"timed out: could not {doing} {endpoint} within TIMEOUT = {timeout} s",
            "The service is slow or a firewall drops the packets: check the network, "
            "or raise TIMEOUT.",
        )
    if isinstance(exc, requests.ConnectionError):
        return PusherFailure(
            f"{endpoint} is unreachable: {_network_reason(exc)}",
            f"{ADDRESS_HINT}, and that this machine can reach it.",
        )
    return PusherFailure(f"{type(exc).__name__}: {exc}", "")


def _body(exc: Exception) -> str:
    return _shorten(str(exc)) or "no explanation given"


def _shorten(text: str) -> str:
    text = text.strip()
    if len(text) <= MAX_BODY_CHARACTERS:
        return text
    return f"{text[: MAX_BODY_CHARACTERS - 3]}..."


def _network_reason(exc: requests.ConnectionError) -> str:
    """urllib3's reason (``... [Errno 111] Connection refused``), without the signed URL."""
    wrapped = exc.args[0] if exc.args else None
    if isinstance(wrapped, MaxRetryError) and wrapped.reason is not None:
        return str(wrapped.reason)
    return type(exc).__name__
