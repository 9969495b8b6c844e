"""The backend contract.

The base class owns policy: option validation, limits, message validation and
encoding, waiting for the transaction to commit, and turning transport failures
into :class:`~realtime_core.exceptions.PublishError`. A backend implements only its
transport hooks (:meth:`Backend.send`, optionally :meth:`Backend.asend`),
:meth:`Backend.check`, :meth:`Backend.client_config` and :attr:`Backend.capabilities`.

Optional features have a default that raises
:class:`~realtime_core.exceptions.UnsupportedFeature`: a backend overrides them only
when its capabilities say it offers them (:meth:`Backend.history` where
``capabilities.recovery`` is true), or when it can tell what they ask
(:meth:`Backend.inspect`).

With ``REALTIME_CONSOLE`` on, each publish is also sent, once it has gone out, to the
debug console's live log (:mod:`realtime_core.console_feed`), through the same transport.

Constructors must not do I/O: backends are built lazily on first use and may be
rebuilt whenever the settings change.
"""

import abc
import asyncio
import contextlib
import dataclasses
import enum
import functools
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, TypeAlias

from django.db import connections, transaction

from .. import console_feed
from ..brokers.base import History
from ..conf import Option, int_option, validate_options
from ..exceptions import InvalidMessage, PublishError, RealtimeError, UnsupportedFeature
from ..inspection import Inspection
from ..messages import Event, Message
from ..positions import Position
from ..protocol import DEFAULT_LIMITS, Limits
from ..signing import Credentials

__all__ = ["Backend", "Capabilities", "CheckResult", "CheckStatus", "FailureHandler"]

logger = logging.getLogger(__name__)

FailureHandler: TypeAlias = Callable[[RealtimeError], None]
"""Takes what a send raised, instead of it being raised or logged (see
:meth:`Backend.publish_prepared`)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Capabilities:
    """What a backend can deliver, so tools can warn before a switch breaks a feature."""

    presence: bool
    """``presence-`` channels: who is subscribed, with members joining and leaving."""
    client_events: bool
    """Browsers send ``client-`` events to the other subscribers of a channel."""
    user_signin: bool
    """Users sign in on their connection and receive the events sent to them."""
    encrypted_channels: bool
    """``private-encrypted-`` channels, end-to-end encrypted, can be published to."""
    cache_channels: bool
    """Cache channels (``cache-``, ``private-cache-``, ``presence-cache-``...) keep their
    last event for 30 minutes and give it to each new subscriber, or
    ``pusher:cache_miss``."""
    recovery: bool
    """Missed messages are replayed to a client that reconnects."""
    multi_process: bool
    """Publishes from one process reach sockets served by another."""
    subscription_counts: bool
    """Subscribers hear their channel's number of connections as it changes
    (``pusher:subscription_count``), when the app enables it."""
    watchlists: bool
    """A signed-in user hears who of its watchlist comes online and goes offline
    (watchlist events), when the app enables them."""
    http_fallback: bool
    """Clients that cannot open a WebSocket (a proxy blocks it) connect over HTTP
    streaming or polling instead: pusher-js's ``xhr_streaming`` and ``xhr_polling``,
    and realtime.js's own fallback."""


class CheckStatus(enum.Enum):
    """How one verification step ended."""

    OK = "ok"
    WARNING = "warning"
    """It works, but something the team should know may break delivery."""
    FAILED = "failed"
    SKIPPED = "skipped"
    """Not run: a step it depends on failed."""


@dataclasses.dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one verification step (of :meth:`Backend.check` or ``realtime_check``)."""

    step: str
    status: CheckStatus
    duration: float
    """Seconds the step took."""
    detail: str
    hint: str = ""


_LIMIT_HELP = {
    "max_data_bytes": "The most UTF-8 bytes an event's JSON-encoded data may take; a bigger "
    "publish raises DataTooLarge.",
    "max_channels": "The most channels one event may go to.",
    "max_event_name_length": "The most characters an event name may have.",
    "max_channel_name_length": "The most characters a channel name may have.",
    "max_batch_size": "The most events one publish_batch() may carry.",
}
"""What each ``MAX_*`` option bounds, by :class:`Limits` field."""


def limit_options(transport: Limits) -> dict[str, Option]:
    """``MAX_*`` options: Pusher's limits by default, never above what the transport takes.

    Defaulting to Pusher's limits even where a transport takes more keeps an app that
    works on one backend working on all of them.
    """
    options = {}
    for field in dataclasses.fields(Limits):
        most = getattr(transport, field.name)
        default = min(getattr(DEFAULT_LIMITS, field.name), most)
        options[field.name.upper()] = int_option(
            default, minimum=1, maximum=most, help=_LIMIT_HELP[field.name]
        )
    return options


def _open_transactions(using: str | None) -> list[str]:
    """Aliases of the databases whose open ``atomic()`` block a publish must wait for."""
    if using is not None:
        return [using] if transaction.get_connection(using).in_atomic_block else []
    return [
        str(connection.alias)
        for connection in connections.all(initialized_only=True)
        if connection.in_atomic_block
    ]


class Backend(abc.ABC):
    """Base class of every backend.

    ``options`` is the backend's ``REALTIME_OPTIONS`` entry; ``name`` is the name it is
    registered under. Unknown keys and bad values raise ``RealtimeConfigurationError``.
    """

    transport_limits: ClassVar[Limits] = DEFAULT_LIMITS
    """The most the transport accepts; the ``MAX_*`` options can only lower these."""
    transport_options: ClassVar[Mapping[str, Option]] = {}
    """Backend-specific option keys, besides the ``MAX_*`` limits every backend has."""

    def __init__(self, options: Mapping[str, Any], *, name: str) -> None:
        self.name = name
        self.options = validate_options(name, self.option_spec(), options)
        self.limits = Limits(
            **{field.name: self.options[field.name.upper()] for field in dataclasses.fields(Limits)}
        )

    @classmethod
    def option_spec(cls) -> dict[str, Option]:
        """Every option key this backend accepts."""
        return {**limit_options(cls.transport_limits), **cls.transport_options}

    # Policy ---------------------------------------------------------------------------

    def prepare(self, events: Sequence[Event]) -> list[Message]:
        """Validate and encode ``events``; raises ``InvalidMessage`` before anything is sent."""
        if not events:
            raise InvalidMessage("Nothing to publish: the batch is empty.")
        if len(events) > self.limits.max_batch_size:
            raise InvalidMessage(
                f"{len(events)} events in one batch; the limit is {self.limits.max_batch_size}."
            )
        for event in events:
            if not isinstance(event, Event):
                raise InvalidMessage(f"A batch holds realtime_core.Event objects, got {event!r}.")
        return [Message.from_event(event, self.limits) for event in events]

    def publish(self, events: Sequence[Event], *, using: str | None = None) -> None:
        """Validate ``events`` now; send them now, or after commit inside ``atomic()``.

        With ``using``, only that database's transaction is waited for; without it, every
        transaction open on this thread (any database) must commit first.
        """
        self.publish_prepared(self.prepare(events), using=using)

    def publish_prepared(
        self,
        messages: list[Message],
        *,
        using: str | None = None,
        on_failure: FailureHandler | None = None,
    ) -> None:
        """Send messages :meth:`prepare` returned, when :meth:`publish` would send them.

        A switch's transition sends the configured backend's messages to those of
        ``REALTIME_ALSO_PUBLISH_TO`` this way: the same bytes, after the same commit.
        With ``on_failure``, a transport failure is handed to it instead of being
        raised (or, after commit, logged).
        """
        if self._defer_until_commit(messages, using, on_failure):
            return
        try:
            self._deliver(messages)
        except RealtimeError as error:
            if on_failure is None:
                raise
            on_failure(error)

    async def apublish(self, events: Sequence[Event]) -> None:
        """Awaitable :meth:`publish`: validates, then sends at once without blocking the loop.

        Django transactions are synchronous and invisible from async code, so there is
        no commit to wait for here; publish from the synchronous code that runs the
        transaction to wait for its commit.
        """
        await self.apublish_prepared(self.prepare(events))

    async def apublish_prepared(self, messages: list[Message]) -> None:
        """Awaitable :meth:`publish_prepared`: sends at once, like :meth:`apublish`."""
        with self._transport_errors():
            await self.asend(messages)
        copies = self._console_copies(messages)
        if copies:
            try:
                await self.asend(copies)
            except Exception:
                self._console_failed(copies)

    def _defer_until_commit(
        self, messages: list[Message], using: str | None, on_failure: FailureHandler | None
    ) -> bool:
        waiting = set(_open_transactions(using))
        if not waiting:
            return False

        # Sent once every transaction open around the publish has committed; if one
        # rolls back, its callback never runs and nothing is sent.
        def committed(alias: str) -> None:
            waiting.discard(alias)
            if not waiting:
                self._deliver_after_commit(messages, on_failure)

        for alias in list(waiting):
            transaction.on_commit(functools.partial(committed, alias), using=alias)
        return True

    def _deliver(self, messages: list[Message]) -> None:
        """The one place synchronous publishes are sent: then copied to the console."""
        with self._transport_errors():
            self.send(messages)
        copies = self._console_copies(messages)
        if copies:
            try:
                self.send(copies)
            except Exception:
                self._console_failed(copies)

    def _console_copies(self, messages: list[Message]) -> list[Message]:
        """The debug console's records of ``messages``, sent; none while it is off.

        The console never makes a publish fail: what goes wrong here is logged.
        """
        try:
            records = console_feed.publish_events(messages, self.limits)
            return self.prepare(records) if records else []
        except Exception:
            logger.exception("Recording a publish for the debug console failed")
            return []

    def _console_failed(self, copies: list[Message]) -> None:
        logger.warning(
            "The debug console missed %d publish record(s): sending them failed",
            len(copies),
            exc_info=True,
        )

    def _deliver_after_commit(
        self, messages: list[Message], on_failure: FailureHandler | None
    ) -> None:
        # The caller has moved on; raising here would break whatever runs the commit
        # (a response already built, a task already acknowledged) without un-committing.
        try:
            self._deliver(messages)
        except RealtimeError as error:
            if on_failure is not None:
                on_failure(error)
                return
            logger.exception(
                "Publishing %s after commit failed; the events were not delivered.",
                ", ".join(f"{m.name!r} to {', '.join(m.channels)}" for m in messages),
            )

    @contextlib.contextmanager
    def _transport_errors(self) -> Iterator[None]:
        """Let our own errors through; turn any transport exception into ``PublishError``."""
        try:
            yield
        except RealtimeError:
            raise
        except Exception as exc:
            raise PublishError(
                f"The {self.name!r} backend failed to publish: {type(exc).__name__}: {exc}",
                backend=self.name,
            ) from exc

    # Transport hooks ------------------------------------------------------------------

    @abc.abstractmethod
    def send(self, messages: list[Message]) -> None:
        """Hand validated messages to the transport, or raise."""

    async def asend(self, messages: list[Message]) -> None:
        """Async :meth:`send`; the default runs :meth:`send` in a worker thread."""
        await asyncio.to_thread(self.send, messages)

    @abc.abstractmethod
    def check(self, timeout: float | None = None) -> list[CheckResult]:
        """Verify that this backend reaches what it publishes to (its connectivity).

        Each network wait is bounded by ``timeout`` seconds, or by the backend's own
        timeout when that is shorter or ``timeout`` is None. The round trip through the
        socket URL browsers use is not a backend's job: ``manage.py realtime_check``
        (:mod:`realtime_core.diagnostics`) runs it the same way for every backend.
        """

    def socket_url_hint(self) -> str:
        """What to correct when browsers cannot reach :meth:`client_config`'s socket URL."""
        return f"Check the socket address in REALTIME_OPTIONS[{self.name!r}]."

    def delivery_hint(self) -> str:
        """What to correct when a published event never reaches that socket URL."""
        return (
            "The socket server browsers connect to does not receive what this backend "
            "publishes: check that both use the same app and transport settings."
        )

    @abc.abstractmethod
    def client_config(self) -> dict[str, Any]:
        """What the browser client needs to connect. Never includes a secret."""

    @property
    @abc.abstractmethod
    def capabilities(self) -> Capabilities:
        """The features this backend delivers."""

    @property
    @abc.abstractmethod
    def credentials(self) -> Credentials:
        """The key and secret that the channel authorization endpoint signs with."""

    # Optional features ----------------------------------------------------------------

    def history(self, channel: str, since: Position | None) -> History:
        """``channel``'s latest position and the kept events after ``since`` (every
        event after it, or ``complete=False``; see :class:`~realtime_core.brokers.base.History`).

        What a client that cannot resume itself (pusher-js, Pysher) fetches to catch up
        (:mod:`realtime_core.history_views`). Only backends whose
        ``capabilities.recovery`` is true keep a history: this default raises
        :class:`~realtime_core.exceptions.UnsupportedFeature`. A backend that has one
        raises :class:`~realtime_core.exceptions.PublishError` when its store cannot be
        reached.
        """
        raise UnsupportedFeature(
            f"The {self.name!r} backend keeps no history of its channels: missed events "
            "cannot be fetched again, reload the state instead.",
            backend=self.name,
            feature="history",
        )

    def inspect(self, prefix: str = "") -> Inspection:
        """The sockets' state now: the socket servers, the occupied channels whose name
        starts with ``prefix`` and their subscriptions, and the members of their presence
        channels (see :mod:`realtime_core.inspection`; the debug console shows it).

        A backend answers what it can tell and names what it cannot in
        :attr:`~realtime_core.inspection.Inspection.unknown`. This default raises
        :class:`~realtime_core.exceptions.UnsupportedFeature`; a backend that can tell
        raises :class:`~realtime_core.exceptions.PublishError` when what it reads
        cannot be reached.
        """
        raise UnsupportedFeature(
            f"The {self.name!r} backend cannot tell which sockets are connected.",
            backend=self.name,
            feature="inspect",
        )

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release connections and threads; the backend is not used afterwards."""
