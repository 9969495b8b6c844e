"""Run a real socket server on a free port in a background thread, for tests.

The server gets its own event loop and thread, as it would in its own process, so a
test drives it with ordinary blocking clients (websockets' sync client, the pusher
SDK, requests) and nothing is mocked.
"""

import asyncio
import socket
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from tornado.httpserver import HTTPServer
from tornado.web import Application

from realtime_core.brokers.base import Broker
from realtime_core.server.config import ServerConfig
from realtime_core.server.events import EventSink
from realtime_core.server.runner import RealtimeServer

T = TypeVar("T")

TEST_CONFIG = ServerConfig(app_id="1234", key="test-key", secret="test-secret")


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy ``reader`` to ``writer`` until either end closes (one half of a TCP relay)."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _cancel_leftover_tasks() -> None:
    """Cancel what is still running on the loop and let it finish, as ``asyncio.run`` does:
    a task left pending when the loop closes is reported as destroyed whenever the garbage
    collector meets it, in whichever later test that happens to be."""
    leftovers = asyncio.all_tasks() - {asyncio.current_task()}
    for task in leftovers:
        task.cancel()
    if leftovers:
        await asyncio.wait(leftovers)


class LoopThread:
    """An event loop running in a daemon thread, like a server process of its own."""

    def __init__(self, port: int | None) -> None:
        self.port = port or free_port()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run ``coroutine`` on the thread's loop and wait for its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout)

    def _shut_down(self, closing: Coroutine[Any, Any, None], timeout: float) -> None:
        self.call(closing, timeout)
        self.call(_cancel_leftover_tasks(), timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class ServerThread(LoopThread):
    """A :class:`RealtimeServer` serving on ``127.0.0.1:<port>`` from its own thread.

    ``broker_factory`` is called on the server's loop (async brokers bind to it).
    """

    def __init__(
        self,
        config: ServerConfig,
        broker_factory: Callable[[], Broker],
        port: int | None = None,
        events: EventSink | None = None,
    ) -> None:
        super().__init__(port)
        self.config = config
        self.server: RealtimeServer = self.call(self._start(broker_factory, events))

    async def _start(
        self, broker_factory: Callable[[], Broker], events: EventSink | None
    ) -> RealtimeServer:
        server = RealtimeServer(self.config, broker_factory(), events=events)
        await server.start("127.0.0.1", self.port)
        return server

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/app/{self.config.key}?protocol=7&client=test&version=1"

    def stop(self, grace: float = 1.0) -> None:
        self._shut_down(self.server.stop(grace), timeout=grace + 10)


class AppThread(LoopThread):
    """Any Tornado :class:`Application` served on ``127.0.0.1:<port>`` from its own thread.

    For testing handlers without the whole server. ``app_factory`` is called on the
    thread's loop, so whatever it creates (brokers included) binds to that loop.
    """

    def __init__(self, app_factory: Callable[[], Application], port: int | None = None) -> None:
        super().__init__(port)
        self.http: HTTPServer = self.call(self._listen(app_factory))

    async def _listen(self, app_factory: Callable[[], Application]) -> HTTPServer:
        http = HTTPServer(app_factory())
        http.listen(self.port, "127.0.0.1")
        return http

    def stop(self) -> None:
        self._shut_down(self._close(), timeout=10)

    async def _close(self) -> None:
        self.http.stop()
        await self.http.close_all_connections()
