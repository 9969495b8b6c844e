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
from collections.abc import Sequence
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from ..broker import Broker
from .app import make_app
from .config import ServerConfig
from .hub import Hub
from .stats import Stats

__all__ = ["RealtimeServer", "serve_forever"]

logger = logging.getLogger(__name__)


class RealtimeServer:
    """One server process: a hub on a broker, served over HTTP and WebSocket."""

    def __init__(
        self, config: ServerConfig, broker: Broker, *, extra_handlers: Sequence[Any] = ()
    ) -> None:
        self.config = config
        self.stats = Stats()
        self.hub = Hub(config, broker, self.stats)
        self._extra_handlers = extra_handlers
        self._http: HTTPServer | None = None
        self.sockets: list[socket.socket] = []

    async def start(self, host: str, port: int) -> None:
        """Connect the broker and listen on ``host:port`` (port 0 picks a free one)."""
        await self.hub.start()
        self._http = HTTPServer(make_app(self.hub, self._extra_handlers), xheaders=True)
        self.sockets = bind_sockets(port, host)
        self._http.add_sockets(self.sockets)
        logger.info("Serving app %s on %s", self.config.app_id, self.addresses)

    @property
    def addresses(self) -> list[str]:
        return [f"{s.getsockname()[0]}:{s.getsockname()[1]}" for s in self.sockets]

    async def stop(self, grace: float = 3.0) -> None:
        """Stop accepting, ask clients to reconnect elsewhere, then release the broker."""
        if self._http is not None:
            self._http.stop()
        self.hub.close_all(4200, "Server is shutting down; please reconnect")
        deadline = asyncio.get_running_loop().time() + grace
        while self.hub.connections and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        if self._http is not None:
            await self._http.close_all_connections()
        await self.hub.stop()


async def serve_forever(server: RealtimeServer, host: str, port: int, grace: float = 3.0) -> None:
    """Run ``server`` until SIGTERM or SIGINT, then stop it gracefully."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await server.start(host, port)
    await stopping.wait()
    logger.info("Stopping: closing %d connections with 4200", len(server.hub.connections))
    await server.stop(grace)
