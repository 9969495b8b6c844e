"""Internal: what the backends whose sockets this library serves have in common.

``memory`` (embedded: one process serves Django and the sockets) and
``tornado_redis`` (socket servers fanned out through Redis) are run by
``manage.py realtime_server``: each holds the options the server is configured from
(:func:`realtime_core.serving.server_config` reads them) and builds its broker. Both
accept the Pusher-style credentials the auth endpoint signs with and the server
verifies.
"""

import abc
import dataclasses
import re
from typing import Any, ClassVar

from ..brokers.base import Broker
from ..conf import Option
from ..positions import DEFAULT_HISTORY_SIZE, DEFAULT_HISTORY_TTL, HistoryLimits
from ..protocol import APP_ID_RE, DEFAULT_WEBHOOK_EVENTS, SAME_HOST, WEBHOOK_EVENTS
from ..signing import Credentials
from .base import Backend, Capabilities

__all__ = ["SelfHostedBackend", "credential_options", "server_options"]


def _non_empty_string(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def credential_options(
    defaults: dict[str, Any] | None = None, *, helps: dict[str, str] | None = None
) -> dict[str, Option]:
    """``APP_ID``, ``KEY``, ``SECRET`` and ``CLIENT_EVENTS``; required unless defaulted.

    ``helps`` replaces what the documentation says an option does, where a backend
    gives it a meaning of its own (such as a default it derives).
    """
    given: dict[str, Any] = defaults or {}
    spec = {
        "APP_ID": Option(
            "a string of digits (the Pusher SDKs accept no other app id)",
            lambda value: isinstance(value, str) and bool(APP_ID_RE.match(value)),
            help="The app's id: the one the socket servers serve, or the Pusher app's.",
        ),
        "KEY": Option(
            "a non-empty string",
            _non_empty_string,
            help="The app's public key, which browsers connect with (``/app/{KEY}``).",
        ),
        "SECRET": Option(
            "a non-empty string",
            _non_empty_string,
            secret=True,
            help="Signs channel authorizations and API requests. It is never sent to browsers.",
        ),
        "CLIENT_EVENTS": Option(
            "True or False (let clients send client- events)",
            lambda value: isinstance(value, bool),
            False,
            help="Servers run by ``manage.py realtime_server`` accept ``client-`` events on "
            "private and presence channels.",
        ),
    }
    for key, default in given.items():
        spec[key] = dataclasses.replace(spec[key], default=default)
    for key, help_text in (helps or {}).items():
        spec[key] = dataclasses.replace(spec[key], help=help_text)
    return spec


def _count(value: Any, most: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= most


def _origins(value: Any) -> bool:
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(
            isinstance(origin, str)
            and (origin in {"*", SAME_HOST} or bool(_ORIGIN_RE.match(origin)))
            for origin in value
        )
    )


def _cap(value: Any) -> bool:
    return value is None or _count(value, 10_000_000)


_ORIGIN_RE = re.compile(r"\Ahttps?://[^/\s]+\Z")


def server_options(allowed_origins: tuple[str, ...]) -> dict[str, Option]:
    """What the socket servers take from Django's settings besides the credentials:
    ``ALLOWED_ORIGINS`` (default ``allowed_origins``), the connection caps, the events
    they send and the history kept for recovery."""
    return {
        "ALLOWED_ORIGINS": Option(
            "a list of origins ('https://example.com'), '*' for any or 'self' for the host "
            "the sockets are served from",
            _origins,
            list(allowed_origins),
            help="The origins whose pages may open sockets; a page of another origin gets "
            "403 on the WebSocket upgrade.",
        ),
        "MAX_CONNECTIONS": Option(
            "None or a positive integer (WebSocket connections per server process)",
            _cap,
            None,
            help="WebSocket connections one server process accepts, then closes new ones "
            "with 4100; None: no cap.",
        ),
        "MAX_CONNECTIONS_PER_ADDRESS": Option(
            "None or a positive integer (WebSocket connections from one client address)",
            _cap,
            None,
            help="WebSocket connections from one client address (as the proxy forwards "
            "it), then 4004; None: no cap.",
        ),
        "MAX_PENDING_PER_ADDRESS": Option(
            "None or a positive integer (HTTP connections one peer may hold open; not "
            "behind a proxy)",
            _cap,
            None,
            help="Plain HTTP connections one peer address may hold open, then new ones are "
            "closed at once; for servers reached directly, not behind a proxy. None: no cap.",
        ),
        "WEBHOOK_EVENTS": Option(
            f"a list of webhook event kinds, each one of {', '.join(sorted(WEBHOOK_EVENTS))}",
            lambda value: (
                isinstance(value, list | tuple)
                and all(isinstance(kind, str) and kind in WEBHOOK_EVENTS for kind in value)
            ),
            sorted(DEFAULT_WEBHOOK_EVENTS),
            help="The kinds of lifecycle event the socket servers send, as the signals of "
            "``realtime_core.signals`` (in-process with ``memory``; as webhooks with "
            "``tornado_redis``, when ``WEBHOOK_URL`` is set).",
        ),
        "SUBSCRIPTION_COUNT_EVENTS": Option(
            "True or False",
            lambda value: isinstance(value, bool),
            False,
            help="The socket servers send the subscribers of every channel but presence ones "
            "``pusher_internal:subscription_count`` when its number of connections changes "
            "(pusher-js and realtime.js: ``pusher:subscription_count``), as Pusher does for "
            "an app that enables subscription counting: after every change up to 100 "
            "subscribers, at most every 5 seconds beyond, the last count always sent.",
        ),
        "WATCHLIST_EVENTS": Option(
            "True or False",
            lambda value: isinstance(value, bool),
            False,
            help="The socket servers tell a signed-in connection which users of the "
            "``watchlist`` in its ``user_data`` (at most 100 user ids) are online, then "
            "each change (``realtime.user.watchlist`` and pusher-js's "
            "``pusher.user.watchlist``: ``online`` and ``offline``), as Pusher does for an "
            "app that enables watchlist events. A user is online while signed in on at "
            "least one connection.",
        ),
        **_history_options(),
    }


def _history_options() -> dict[str, Option]:
    """``HISTORY_SIZE`` and ``HISTORY_TTL``: what is kept of each channel for recovery."""
    return {
        "HISTORY_SIZE": Option(
            "an integer from 1 to 100000 (events kept per channel)",
            lambda value: _count(value, 100_000),
            DEFAULT_HISTORY_SIZE,
            help="Events kept per channel, so that a client that reconnects gets the ones "
            "it missed.",
        ),
        "HISTORY_TTL": Option(
            "a number of seconds from 1 to 86400 (how long an event stays replayable)",
            lambda value: _count(value, 86_400),
            DEFAULT_HISTORY_TTL,
            help="Seconds an event stays replayable; a channel quiet for longer starts a "
            "new epoch.",
        ),
    }


class SelfHostedBackend(Backend):
    """A backend whose sockets ``manage.py realtime_server`` serves."""

    default_port: ClassVar[int]
    """Where ``realtime_server`` listens unless ``--port`` says otherwise."""
    serves_django: ClassVar[bool] = False
    """Serve the Django site from the same process and port (embedded mode)."""
    multi_process: ClassVar[bool]
    """Publishes from one process reach sockets served by another."""

    @property
    def capabilities(self) -> Capabilities:
        # The server relays private-encrypted- channels, but publish() here cannot
        # encrypt (there is no master key to encrypt with), so an app cannot use them
        # through this backend. Recovery: see realtime_core.positions.
        return Capabilities(
            presence=True,
            client_events=True,
            user_signin=True,
            encrypted_channels=False,
            cache_channels=True,
            recovery=True,
            multi_process=self.multi_process,
            subscription_counts=True,
            watchlists=True,
            http_fallback=True,
        )

    @property
    def history_limits(self) -> HistoryLimits:
        """What the servers keep of each channel for recovery (``HISTORY_*`` options)."""
        return HistoryLimits(self.options["HISTORY_SIZE"], self.options["HISTORY_TTL"])

    @property
    def secret(self) -> str:
        return str(self.options["SECRET"])

    @property
    def credentials(self) -> Credentials:
        return Credentials(key=self.options["KEY"], secret=self.secret)

    @abc.abstractmethod
    def make_broker(self) -> Broker:
        """A new broker for one server process (built inside its event loop)."""
