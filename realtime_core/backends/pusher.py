"""Internal: the ``pusher`` backend, publishing through Pusher Channels' HTTP API (official SDK).

Install ``pip install "django-realtime-core[pusher]"`` (the ``pusher`` SDK, which
brings PyNaCl for encrypted channels). Browsers connect to Pusher, or to any
Pusher-compatible server named by ``HOST``; Django only makes signed HTTP requests.

Its options, ``REALTIME_OPTIONS["pusher"]``, are declared with their defaults and
what they do in :attr:`PusherBackend.transport_options` (and listed in
``docs/reference/backends/pusher.md``).

One API call carries an event to at most 100 channels, and a batch call at most 10
(event, channel) pairs. ``MAX_CHANNELS`` defaults to Pusher's 100 like every
backend's, and may be raised up to 1000: a publish to more channels is then split
into one call per 100, sent one after the other. Such a publish is not atomic: if a
call fails, the channels of the calls before it have received the event, and the
``PublishError`` says how many. ``publish_batch()`` sends every (event, channel) pair
in order, ten per call. Nothing is retried, so nothing is sent twice.

``apublish()`` runs the blocking SDK call in a worker thread.
:meth:`PusherBackend.close` releases the HTTP connections; the backend stays usable.
"""

import base64
import binascii
import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import requests
from pusher.crypto import encrypt  # type: ignore[import-untyped]
from pusher.pusher_client import PusherClient  # type: ignore[import-untyped]

from ..conf import Option
from ..exceptions import InvalidMessage, PublishError
from ..inspection import Inspection
from ..messages import Event, Message
from ..protocol import DEFAULT_LIMITS, ENCRYPTED_PREFIX, Limits, self_hosted_client_options
from ..signing import Credentials
from .base import Backend, Capabilities, CheckResult, CheckStatus
from .pusher_errors import describe_failure
from .pusher_inspection import read_inspection
from .self_hosted import credential_options

__all__ = ["PusherBackend"]

CHANNELS_PER_TRIGGER = 100
"""Channels Pusher's API takes in one ``/events`` call."""
ITEMS_PER_BATCH = 10
"""(event, channel) pairs Pusher's API takes in one ``/batch_events`` call."""
MOST_CHANNELS = 1000
"""The most ``MAX_CHANNELS`` may allow: ten ``/events`` calls per publish."""
MASTER_KEY_BYTES = 32

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_CLUSTER = re.compile(rf"\A{_LABEL}\Z")
_HOST = re.compile(rf"\A(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:.]+\])\Z", re.IGNORECASE)


def _seconds(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 300


def _port(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535


def _decode_master_key(encoded: object) -> bytes | None:
    """The 32 bytes of a canonical base64 master key (the SDK round-trips it), else None."""
    if not isinstance(encoded, str):
        return None
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(key) != MASTER_KEY_BYTES or base64.b64encode(key).decode() != encoded:
        return None
    return key


class _Utf8Text(str):
    """Text whose ``sys.getsizeof`` is about its UTF-8 size, which ``trigger()`` means.

    ``trigger()`` refuses ``data`` above 30 KB by ``sys.getsizeof``, which counts four
    bytes per character for the whole string once one character (an emoji) needs
    them: it would refuse 8 KB of text that Pusher accepts. :class:`Message` already
    checked the UTF-8 size against ``MAX_DATA_BYTES`` (at most 10 KB); a ``str`` is
    sent as it is, never re-encoded.
    """

    __slots__ = ()

    def __sizeof__(self) -> int:
        return len(self.encode("utf-8"))


class PusherBackend(Backend):
    """Publishes through Pusher's HTTP API (see the module docstring)."""

    transport_limits = Limits(
        max_data_bytes=DEFAULT_LIMITS.max_data_bytes,
        max_channels=MOST_CHANNELS,
        max_event_name_length=DEFAULT_LIMITS.max_event_name_length,
        max_channel_name_length=DEFAULT_LIMITS.max_channel_name_length,
        max_batch_size=DEFAULT_LIMITS.max_batch_size,
    )
    transport_options = {
        **{
            key: option
            for key, option in credential_options().items()
            if key != "CLIENT_EVENTS"  # an app setting in the Pusher dashboard
        },
        "CLUSTER": Option(
            "a cluster name such as 'mt1', 'eu' or 'ap1' (lower-case letters, digits, '-')",
            lambda value: isinstance(value, str) and bool(_CLUSTER.match(value)),
            "mt1",
            help="The app's cluster: the API is ``api-{CLUSTER}.pusher.com`` and browsers "
            "connect to ``ws-{CLUSTER}.pusher.com``.",
        ),
        "HOST": Option(
            "None or a bare host name or IP address such as 'ws.example.com', without "
            "scheme or port: USE_TLS chooses https, PORT holds the port",
            lambda value: value is None or (isinstance(value, str) and bool(_HOST.match(value))),
            None,
            help="A Pusher-compatible server (such as ``realtime-server``) serving both the "
            "API and the WebSockets, instead of Pusher's.",
        ),
        "PORT": Option(
            "None or an integer from 1 to 65535",
            lambda value: value is None or _port(value),
            None,
            help="The port of ``HOST``, for the API and the WebSockets; None: 443 with TLS, "
            "80 without.",
        ),
        "USE_TLS": Option(
            "True or False",
            lambda value: isinstance(value, bool),
            True,
            help="HTTPS to the API, and ``wss://`` for browsers connecting to ``HOST``.",
        ),
        "TIMEOUT": Option(
            "a number of seconds above 0, at most 300",
            _seconds,
            5,
            help="Seconds allowed for connecting and for each answer: a publish to an "
            "unreachable or silent API raises ``PublishError`` after about this long.",
        ),
        "ENCRYPTION_MASTER_KEY": Option(
            f"None or the base64 of {MASTER_KEY_BYTES} random bytes (44 characters); make one "
            'with: python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"',
            lambda value: value is None or _decode_master_key(value) is not None,
            None,
            secret=True,
            help="Enables ``private-encrypted-`` channels: the SDK encrypts what is "
            "published to them, and each channel's shared secret derives from this key. "
            "Without it, publishing to such a channel raises ``InvalidMessage``.",
        ),
    }

    def __init__(self, options: Mapping[str, Any], *, name: str) -> None:
        super().__init__(options, name=name)
        encoded_master_key = self.options["ENCRYPTION_MASTER_KEY"]
        self._master_key = encoded_master_key and _decode_master_key(encoded_master_key)
        tls = self.options["USE_TLS"]
        self.api_host: str = self.options["HOST"] or f"api-{self.options['CLUSTER']}.pusher.com"
        self.api_port: int = self.options["PORT"] or (443 if tls else 80)
        self.endpoint = f"{'https' if tls else 'http'}://{self.api_host}:{self.api_port}"
        self._lock = threading.Lock()
        self._client: Any = None

    def _sdk(self) -> Any:
        """The SDK client (default requests backend), built on first use: no I/O here.

        Host and port are passed apart, never in a URL (``from_url`` mangles ports).
        """
        with self._lock:
            if self._client is None:
                self._client = self._new_sdk_client(self.options["TIMEOUT"])
            return self._client

    def _new_sdk_client(self, timeout: float) -> Any:
        return PusherClient(
            app_id=self.options["APP_ID"],
            key=self.options["KEY"],
            secret=self.options["SECRET"],
            ssl=self.options["USE_TLS"],
            host=self.api_host,
            port=self.api_port,
            timeout=timeout,
            encryption_master_key_base64=self.options["ENCRYPTION_MASTER_KEY"],
        )

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.http.session.close()

    # Publishing -----------------------------------------------------------------------

    def prepare(self, events: Sequence[Event]) -> list[Message]:
        """As the base does, and refuse encrypted channels when no key could encrypt."""
        messages = super().prepare(events)
        if self._master_key is None:
            for message in messages:
                for channel in message.channels:
                    if channel.startswith(ENCRYPTED_PREFIX):
                        raise InvalidMessage(
                            f"Channel {channel!r} is end-to-end encrypted: set "
                            f"REALTIME_OPTIONS[{self.name!r}]['ENCRYPTION_MASTER_KEY'] so "
                            "events to it are encrypted; unencrypted, no browser could read "
                            "them."
                        )
        return messages

    def send(self, messages: list[Message]) -> None:
        client = self._sdk()
        if len(messages) == 1:
            (message,) = messages
            data = _Utf8Text(message.data)
            channels = message.channels
            for start in range(0, len(channels), CHANNELS_PER_TRIGGER):
                with self._failures(start, len(channels), "channels"):
                    client.trigger(
                        list(channels[start : start + CHANNELS_PER_TRIGGER]),
                        message.name,
                        data,
                        message.socket_id,
                    )
            return
        items = [
            self._batch_item(message, channel)
            for message in messages
            for channel in message.channels
        ]
        for start in range(0, len(items), ITEMS_PER_BATCH):
            with self._failures(start, len(items), "(event, channel) pairs"):
                # already_encoded=True: the SDK's own checks would refuse data near
                # the 10 KB limit (it measures with sys.getsizeof), and would re-encode
                # nothing anyway; it skips encryption too, done in _batch_item.
                client.trigger_batch(items[start : start + ITEMS_PER_BATCH], already_encoded=True)

    def _batch_item(self, message: Message, channel: str) -> dict[str, str]:
        data = message.data
        if channel.startswith(ENCRYPTED_PREFIX):
            # As the SDK's trigger() and trigger_batch() encrypt (prepare() made sure of a key).
            data = json.dumps(encrypt(channel, data, self._master_key), ensure_ascii=False)
        item = {"channel": channel, "name": message.name, "data": data}
        if message.socket_id is not None:
            item["socket_id"] = message.socket_id
        return item

    @contextlib.contextmanager
    def _failures(self, sent: int, total: int, unit: str) -> Iterator[None]:
        """Turn an SDK or network failure into ``PublishError``, saying what went out."""
        try:
            yield
        except Exception as exc:
            failure = describe_failure(exc, endpoint=self.endpoint, timeout=self.options["TIMEOUT"])
            partial = f" {sent} of {total} {unit} had been published before." if sent else ""
            raise PublishError(
                f"Publishing to Pusher at {self.endpoint} failed: {failure.detail}.{partial} "
                f"{failure.hint}".rstrip(),
                backend=self.name,
            ) from exc

    # Browser, capabilities, credentials ----------------------------------------------

    def client_config(self) -> dict[str, Any]:
        """pusher-js connection options (plus the backend name); never a secret."""
        config: dict[str, Any] = {
            "backend": self.name,
            "key": self.options["KEY"],
            "cluster": self.options["CLUSTER"],
        }
        if self.options["HOST"] is not None:
            # A Pusher-compatible server of its own: no transport may go to Pusher's hosts.
            config |= {
                **self_hosted_client_options(self.api_host, self.api_port),
                "forceTLS": self.options["USE_TLS"],
            }
        return config

    @property
    def capabilities(self) -> Capabilities:
        # Client events, subscription counting and watchlist events are Pusher's own:
        # each also needs its switch in the app's settings on Pusher's dashboard.
        return Capabilities(
            presence=True,
            client_events=True,
            user_signin=True,
            encrypted_channels=True,
            cache_channels=True,
            recovery=False,
            multi_process=True,
            subscription_counts=True,
            watchlists=True,
            http_fallback=True,
        )

    @property
    def credentials(self) -> Credentials:
        return Credentials(
            key=self.options["KEY"],
            secret=self.options["SECRET"],
            encryption_master_key=self._master_key,
        )

    def inspect(self, prefix: str = "") -> Inspection:
        """What Pusher's HTTP API tells (:mod:`~realtime_core.backends.pusher_inspection`):
        the occupied channels, their subscription counts when the app counts them,
        presence members by id; never its servers or connections. Raises
        :class:`~realtime_core.exceptions.PublishError` when the API cannot be read."""
        try:
            return read_inspection(self._sdk(), prefix)
        except Exception as exc:
            failure = describe_failure(exc, endpoint=self.endpoint, timeout=self.options["TIMEOUT"])
            raise PublishError(
                f"Reading the channels from Pusher at {self.endpoint} failed: {failure.detail}. "
                f"{failure.hint}".rstrip(),
                backend=self.name,
            ) from exc

    # Checks ---------------------------------------------------------------------------

    def check(self, timeout: float | None = None) -> list[CheckResult]:
        """Connectivity: a signed request (list the occupied channels) must be accepted.

        It goes through an SDK client of its own, bounded by ``timeout`` (or
        ``TIMEOUT`` when shorter) and closed afterwards.
        """
        configured = self.options["TIMEOUT"]
        limit = min(timeout or configured, configured)
        client = self._new_sdk_client(limit)
        started = time.perf_counter()
        try:
            client.channels_info()
        except Exception as exc:
            elapsed = time.perf_counter() - started
            failure = describe_failure(exc, endpoint=self.endpoint, timeout=configured)
            detail, hint = failure.detail, failure.hint
            if isinstance(exc, requests.Timeout) and limit < configured:
                # The check's own bound ran out, not TIMEOUT: raising TIMEOUT won't help.
                detail = f"timed out: {self.endpoint} did not answer within the check's {limit} s"
                hint = "The service is slow or a firewall drops the packets: check the network."
            hint = f"{hint} Settings: REALTIME_OPTIONS[{self.name!r}].".lstrip()
            return [CheckResult("connectivity", CheckStatus.FAILED, elapsed, detail, hint)]
        finally:
            client.http.session.close()
        elapsed = time.perf_counter() - started
        detail = (
            f"Pusher's API at {self.endpoint} accepted a signed request for app "
            f"{self.options['APP_ID']} in {elapsed * 1000:.1f} ms"
        )
        return [CheckResult("connectivity", CheckStatus.OK, elapsed, detail)]

    def socket_url_hint(self) -> str:
        where = (
            "HOST, PORT and USE_TLS"
            if self.options["HOST"] is not None
            else "CLUSTER (the app's cluster in the Pusher dashboard)"
        )
        return f"Check {where} in REALTIME_OPTIONS[{self.name!r}]."

    def delivery_hint(self) -> str:
        return (
            f"The API at {self.endpoint} accepted the event, but the sockets at that URL belong "
            f"to another app or cluster: check APP_ID, KEY and CLUSTER (or HOST and PORT) in "
            f"REALTIME_OPTIONS[{self.name!r}] against the app's keys."
        )
