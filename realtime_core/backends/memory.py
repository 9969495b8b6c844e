"""Internal: the ``memory`` backend: in-process delivery, the embedded default.

Publishes go to :data:`exchange`, shared by the whole process, which the embedded
socket server listens to through an
:class:`~realtime_core.brokers.in_process.InProcessBroker`. Validation and encoding are
the same as on every other backend, and everything sent is recorded in
:data:`realtime_core.testing.outbox` while a test captures it.

It cannot reach sockets served by another process: use ``tornado_redis`` or
``pusher`` when Django runs in several processes. A process that serves no sockets
(``manage.py shell``, a task worker, a cron command) says so with one WARNING the
first time it publishes, rather than dropping events in silence.
"""

import time
from collections.abc import Mapping
from typing import Any

from django.utils.crypto import salted_hmac

from ..brokers.base import History
from ..brokers.in_process import InProcessBroker, InProcessExchange
from ..deployment import RUNSERVER_HINT, multi_process_signals, runserver_problem
from ..inspection import MAX_CHANNELS, MAX_MEMBERS, MAX_PRESENCE_CHANNELS, ChannelState, Inspection
from ..messages import Message
from ..positions import Position
from ..protocol import PRESENCE_PREFIX, SELF_HOSTED_TRANSPORTS
from ..testing import outbox
from .base import CheckResult, CheckStatus
from .self_hosted import SelfHostedBackend, credential_options, server_options

__all__ = ["MemoryBackend", "exchange"]

exchange = InProcessExchange()
"""The process-wide exchange every :class:`MemoryBackend` publishes into."""


class MemoryBackend(SelfHostedBackend):
    """Delivers to sockets served by this process (see the module docstring).

    ``APP_ID`` and ``KEY`` have defaults; ``SECRET`` defaults to one derived from
    Django's ``SECRET_KEY``, so the embedded server needs no configuration.
    ``HISTORY_SIZE`` (100) and ``HISTORY_TTL`` (300 s) bound what the process keeps of
    each channel for recovery (:class:`~realtime_core.positions.HistoryLimits`).
    """

    transport_options = {
        **credential_options(
            {"APP_ID": "1", "KEY": "embedded", "SECRET": None},
            helps={
                "SECRET": "Signs channel authorizations. Unset, it is derived from Django's "
                "``SECRET_KEY``. It is never sent to browsers."
            },
        ),
        # The site and its sockets share a host: only its own pages may open sockets.
        **server_options(allowed_origins=("self",)),
    }
    default_port = 8000
    serves_django = True
    multi_process = False

    @property
    def secret(self) -> str:
        configured = self.options["SECRET"]
        if configured is not None:
            return str(configured)
        return salted_hmac("realtime_core.backends.memory", "secret").hexdigest()

    def __init__(self, options: Mapping[str, Any], *, name: str) -> None:
        super().__init__(options, name=name)
        # One exchange per process, so the process's settings decide its history.
        exchange.limits = self.history_limits

    def make_broker(self) -> InProcessBroker:
        return InProcessBroker(exchange)

    def send(self, messages: list[Message]) -> None:
        outbox.record(messages)
        if not outbox.capturing:
            exchange.warn_if_unserved()
        exchange.send(messages)

    async def asend(self, messages: list[Message]) -> None:
        # Nothing here blocks: no thread hop needed.
        self.send(messages)

    def history(self, channel: str, since: Position | None) -> History:
        """What this process's :data:`exchange` keeps of ``channel`` (the sockets this
        process serves); see
        :meth:`~realtime_core.brokers.in_process.InProcessExchange.history`."""
        return exchange.history(channel, since)

    def inspect(self, prefix: str = "") -> Inspection:
        """What this process's :data:`exchange` holds: the socket servers this process
        runs (read directly, so their connections are current), the channels their
        connections occupy and the members of presence channels."""
        nodes = tuple(exchange.nodes())
        counts = exchange.subscription_counts()
        names = sorted(name for name in counts if name.startswith(prefix))
        channels = []
        members: dict[str, dict[str, object]] = {}
        for name in names[:MAX_CHANNELS]:
            users = None
            if name.startswith(PRESENCE_PREFIX):
                present = exchange.presence_members(name)
                users = len(present)
                if len(members) < MAX_PRESENCE_CHANNELS:
                    members[name] = dict(list(present.items())[:MAX_MEMBERS])
            channels.append(ChannelState(name, counts[name], users))
        truncated = len(names) > MAX_CHANNELS
        if nodes:
            return Inspection(nodes, tuple(channels), truncated, members)
        unserved = (
            "This process serves no sockets. With memory, the console only sees the "
            "sockets of the process that serves it: open it on the site served by "
            "manage.py runserver or manage.py realtime_server."
        )
        return Inspection(nodes, tuple(channels), truncated, members, notes=(unserved,))

    def client_config(self) -> dict[str, Any]:
        # The embedded server shares the page's own host and port, for the HTTP
        # fallbacks too.
        return {
            "backend": self.name,
            "key": self.options["KEY"],
            "enabledTransports": list(SELF_HOSTED_TRANSPORTS),
        }

    def check(self, timeout: float | None = None) -> list[CheckResult]:
        """Nothing to connect to: what the deployment shows about delivery.

        ``connectivity`` warns when other processes publish: their events never reach
        the sockets of the process serving them
        (:func:`~realtime_core.deployment.multi_process_signals`). ``deployment`` says
        which commands serve the sockets: this library's ``manage.py runserver``
        (:func:`~realtime_core.deployment.runserver_problem`) and ``realtime_server``.
        """
        started = time.perf_counter()
        signals = multi_process_signals()
        runserver = runserver_problem()
        elapsed = time.perf_counter() - started
        return [self._connectivity(signals, elapsed), self._deployment(runserver, elapsed)]

    @staticmethod
    def _connectivity(signals: list[str], elapsed: float) -> CheckResult:
        if not signals:
            detail = (
                "in-process delivery: events reach the sockets served by the process that "
                "publishes them"
            )
            return CheckResult("connectivity", CheckStatus.OK, elapsed, detail)
        detail = (
            f"in-process delivery, but this deployment runs several processes "
            f"({'; '.join(signals)}): events published in one never reach sockets served "
            "by another"
        )
        hint = (
            "Use tornado_redis (self-hosted, through Redis) or pusher, or run Django as the "
            "single process manage.py realtime_server."
        )
        return CheckResult("connectivity", CheckStatus.WARNING, elapsed, detail, hint)

    @staticmethod
    def _deployment(runserver: tuple[str, str] | None, elapsed: float) -> CheckResult:
        if runserver is not None:
            detail, app = runserver
            hint = RUNSERVER_HINT.format(app=app)
            return CheckResult("deployment", CheckStatus.WARNING, elapsed, detail, hint)
        detail = (
            "manage.py runserver and manage.py realtime_server serve the site and its "
            "sockets in one process; a WSGI server (gunicorn, uWSGI, mod_wsgi) serves none"
        )
        return CheckResult("deployment", CheckStatus.OK, elapsed, detail)
