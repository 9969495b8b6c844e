"""Tornado's HTTP server, with a cap on the connections it holds open at once.

A connection that never finishes its request (slowloris) or never says anything
holds a file descriptor until the header timeout; enough of them, and ``accept``
fails with "Too many open files" for everyone, ``/up`` included. So new TCP
connections are closed at once, before any byte is read:

* when this process is within :data:`FD_RESERVE` descriptors of its limit
  (``RLIMIT_NOFILE``), counting the sockets already upgraded to WebSockets;
* when one peer address already has ``ServerConfig.max_pending_per_address``
  connections waiting for their request to be read or answered.

An upgraded WebSocket leaves the count of its HTTP connection when it is upgraded;
the hub's caps (``max_connections``...) govern it from then on.
"""

import logging
import resource
from collections.abc import Callable
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream

from .log_budget import LogBudget
from .tornado_internals import server_connection_stream

__all__ = ["FD_RESERVE", "GuardedHTTPServer", "descriptor_budget"]

logger = logging.getLogger(__name__)

FD_RESERVE = 64
"""Descriptors kept for everything but client connections: Redis, logs, listeners."""


def descriptor_budget() -> int:
    """Client connections this process can hold: its descriptor limit less the reserve."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1_000_000
    return max(soft - FD_RESERVE, 1)


class GuardedHTTPServer(HTTPServer):
    """An :class:`~tornado.httpserver.HTTPServer` that refuses connections past its caps.

    ``sockets()`` counts this process's open WebSockets; ``max_pending_per_address``
    (None: no cap) bounds one peer's connections that are still plain HTTP.
    """

    def initialize(  # type: ignore[override]
        self,
        *args: Any,
        sockets: Callable[[], int],
        max_pending_per_address: int | None,
        **kwargs: Any,
    ) -> None:
        super().initialize(*args, **kwargs)
        self._open_sockets = sockets
        self._max_pending_per_address = max_pending_per_address
        self._budget = descriptor_budget()
        self._peers: dict[IOStream, str] = {}
        self._pending: dict[str, int] = {}
        self._refusals = LogBudget(logger)
        self.refused = 0
        """Connections closed at once because a cap was reached."""

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        peer = str(address[0]) if address else ""
        pending = self._pending.get(peer, 0)
        cap = self._max_pending_per_address
        if len(self._peers) + self._open_sockets() >= self._budget:
            self._refuse(stream, f"{peer}: {self._budget} connections, the process's limit")
            return
        if cap is not None and pending >= cap:
            self._refuse(stream, f"{peer}: {cap} connections waiting for their request")
            return
        self._peers[stream] = peer
        self._pending[peer] = pending + 1
        super().handle_stream(stream, address)

    def on_close(self, server_conn: object) -> None:
        super().on_close(server_conn)
        peer = self._peers.pop(server_connection_stream(server_conn), None)
        if peer is not None:
            left = self._pending.pop(peer, 1) - 1
            if left:
                self._pending[peer] = left

    def _refuse(self, stream: IOStream, why: str) -> None:
        self.refused += 1
        self._refusals.log(logging.WARNING, "Closed a new connection from %s", why)
        stream.close()
