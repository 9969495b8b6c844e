"""Start and stop a socket server; what the command line and ``realtime_server`` run.

Stopping is graceful: the listening sockets close first, every client gets
``pusher:error`` 4200 and a 4200 close (pusher-js and Pysher reconnect at once,
to another server behind the same address), then the broker withdraws this
process's presence members.
"""

import asyncio
import logging
import signal
import socket
import threading
from collections.abc import Callable, Sequence
from typing import Any

from prometheus_client import CollectorRegistry
from tornado.netutil import bind_sockets

from ..brokers.base import Broker
from ..protocol import ErrorCode
from .app import make_app
from .broker_probe import BrokerProbe
from .config import ServerConfig
from .events import EventSink
from .http_server import GuardedHTTPServer
from .hub import Hub
from .metrics import metrics_registry
from .stats import Stats
from .status import BROKER_TIMEOUT
from .webhook_sender import WebhookPolicy, WebhookSender

__all__ = ["RealtimeServer", "serve_forever"]

logger = logging.getLogger(__name__)


class RealtimeServer:
    """One server process: a hub on a broker, served over HTTP and WebSocket."""

    def __init__(
        self,
        config: ServerConfig,
        broker: Broker,
        *,
        extra_handlers: Sequence[Any] = (),
        events: EventSink | None = None,
    ) -> None:
        """``events`` receives the lifecycle events; without it, they are POSTed as
        webhooks to ``config.webhook_url`` when that is set."""
        self.config = config
        self.stats = Stats()
        self.webhooks: WebhookSender | None = None
        """The webhook sender, when this server POSTs webhooks."""
        if events is None and config.webhook_url is not None:
            policy = WebhookPolicy(url=config.webhook_url, key=config.key, secret=config.secret)
            events = self.webhooks = WebhookSender(policy)
        self.hub = Hub(config, broker, self.stats, events)
        self.probe = BrokerProbe(
            broker, self.hub.outage, config.broker_ping_interval, BROKER_TIMEOUT
        )
        """Pings the broker for the metrics."""
        self.metrics: CollectorRegistry = metrics_registry(self.hub, self.probe, self.webhooks)
        """This server's metrics, served at ``/metrics``."""
        self._extra_handlers = extra_handlers
        self._http: GuardedHTTPServer | None = None
        self.sockets: list[socket.socket] = []

    async def start(self, host: str, port: int) -> None:
        """Connect the broker and listen on ``host:port`` (port 0 picks a free one)."""
        await self.start_on(bind_sockets(port, host))

    async def start_on(self, sockets: list[socket.socket]) -> None:
        """Connect the broker and serve on listening ``sockets`` (see ``bind_sockets``)."""
        if self.webhooks is not None:
            self.webhooks.start()
        await self.hub.start()
        self.probe.start()
        self._http = GuardedHTTPServer(
            make_app(self.hub, self.metrics, self._extra_handlers),
            xheaders=True,
            idle_connection_timeout=self.config.header_timeout,
            body_timeout=self.config.body_timeout,
            sockets=lambda: len(self.hub.connections),
            max_pending_per_address=self.config.max_pending_per_address,
        )
        self.sockets = sockets
        self._http.add_sockets(self.sockets)
        logger.info("Serving app %s on %s", self.config.app_id, self.addresses)

    @property
    def addresses(self) -> list[str]:
        return [f"{s.getsockname()[0]}:{s.getsockname()[1]}" for s in self.sockets]

    async def stop(self, grace: float = 3.0) -> None:
        """Stop accepting, ask clients to reconnect elsewhere, then release the broker."""
        if self._http is not None:
            self._http.stop()
        reason = "Server is shutting down; please reconnect"
        self.hub.close_all(ErrorCode.RECONNECT_IMMEDIATELY, reason)
        deadline = asyncio.get_running_loop().time() + grace
        while self.hub.connections and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        if self._http is not None:
            await self._http.close_all_connections()
        await self.probe.stop()
        await self.hub.stop()
        if self.webhooks is not None:
            await self.webhooks.stop()


async def serve_forever(
    server: RealtimeServer,
    sockets: list[socket.socket],
    grace: float = 3.0,
    *,
    ready: Callable[[], None] | None = None,
) -> None:
    """Serve on listening ``sockets`` until SIGTERM or SIGINT, then stop gracefully;
    ``ready`` is called once the server is serving.

    Binding is the caller's (``tornado.netutil.bind_sockets``), so an address in use
    is reported before anything starts.

    Signals reach only the main thread: run elsewhere (Django's autoreloader runs
    ``runserver`` in a thread of its own), the server runs until its process ends.
    """
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
    await server.start_on(sockets)
    if ready is not None:
        ready()
    await stopping.wait()
    logger.info("Stopping: closing %d connections with 4200", len(server.hub.connections))
    await server.stop(grace)
