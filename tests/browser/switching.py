"""The todo demo in the middle of a switch from ``tornado_redis`` to ``pusher``.

Two Django processes on one database, as a rolling restart leaves them for a while:

- ``old``: ``REALTIME_BACKEND = "tornado_redis"``, ``REALTIME_ALSO_PUBLISH_TO = ["pusher"]``
  (the migration guide's step "mirror": deployed everywhere before the switch);
- ``new``: ``REALTIME_BACKEND = "pusher"``, ``REALTIME_ALSO_PUBLISH_TO = ["tornado_redis"]``.

They are behind one address, :class:`RollingProxy`, the load balancer: each new
connection goes to the next process it is told to use. The transports: a ``manage.py
realtime_server`` socket server on Redis for ``tornado_redis``, and a
``realtime-server`` standing in for Pusher (the ``pusher`` backend's ``HOST``/``PORT``).
"""

import asyncio
import itertools
import json
import shutil
import sys
import urllib.request
from pathlib import Path

from tests.guide.processes import ServerProcess, free_port
from tests.guide.runner import clean_environment
from tests.server_harness import LoopThread, pipe

from .sites import PUSHER_APP, TODO, environment

__all__ = ["RollingProxy", "SwitchSite"]


class RollingProxy(LoopThread):
    """A TCP load balancer on its own thread: each new connection goes to the next of the
    ports :meth:`use` named last, in turn; connections already open stay where they are."""

    def __init__(self) -> None:
        super().__init__(None)
        self._ports: tuple[int, ...] = ()
        self._turns = itertools.count()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.call(self._listen())

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    def use(self, *ports: int) -> None:
        """Hand the next connections to these ports, in turn."""
        self._ports = ports

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        ports = self._ports
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", ports[next(self._turns) % len(ports)]
            )
        except (OSError, ZeroDivisionError):  # down, or no port to use yet
            self._writers.discard(writer)
            writer.close()
            return
        self._writers.add(upstream_writer)
        try:
            await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))
        finally:
            self._writers.discard(writer)
            self._writers.discard(upstream_writer)

    def close(self) -> None:
        async def shut_down() -> None:
            assert self._server is not None
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()

        self._shut_down(shut_down(), 10)


def connections(stats_url: str) -> int:
    """Open WebSocket connections of a socket process, from its ``/stats``."""
    with urllib.request.urlopen(stats_url, timeout=5) as response:
        return int(json.loads(response.read())["connections"])


class SwitchSite:
    """Both Django processes, both transports and the proxy in front (see the module
    docstring). ``url`` is the site as browsers reach it."""

    backend = "tornado_redis -> pusher"
    """What failure reports name the site by."""

    def __init__(self, workspace: Path, database: Path, redis_url: str) -> None:
        self.workspace = workspace
        self.processes: list[ServerProcess] = []
        self.proxy = RollingProxy()
        shutil.copy(database, workspace / "db.sqlite3")
        try:
            self._start(redis_url)
        except BaseException:
            self.close()
            raise

    def _start(self, redis_url: str) -> None:
        socket_port, stand_in_port = free_port(), free_port()
        old_port, new_port = free_port(), free_port()
        transports = {
            "REDIS_URL": redis_url,
            "REALTIME_WS_PORT": str(socket_port),
            **PUSHER_APP,
            "PUSHER_HOST": "127.0.0.1",
            "PUSHER_PORT": str(stand_in_port),
            "PUSHER_USE_TLS": "false",
        }
        old = environment(
            self.workspace, "tornado_redis", transports, also_publish_to=["pusher"], module="old"
        )
        new = environment(
            self.workspace, "pusher", transports, also_publish_to=["tornado_redis"], module="new"
        )
        self.socket_server = self._manage(
            "sockets", old, "realtime_server", "--port", str(socket_port)
        )
        self.stand_in = self._start_process(
            "stand-in",
            [
                str(Path(sys.executable).parent / "realtime-server"),
                *("--app-id", PUSHER_APP["PUSHER_APP_ID"], "--key", PUSHER_APP["PUSHER_KEY"]),
                *("--secret", PUSHER_APP["PUSHER_SECRET"], "--port", str(stand_in_port)),
            ],
            clean_environment(),
        )
        self.old = self._manage(
            "django-old", old, "runserver", "--noreload", f"127.0.0.1:{old_port}"
        )
        self.new = self._manage(
            "django-new", new, "runserver", "--noreload", f"127.0.0.1:{new_port}"
        )
        self.old_port, self.new_port = old_port, new_port
        self.old_url, self.new_url = f"http://127.0.0.1:{old_port}", f"http://127.0.0.1:{new_port}"
        self.url = self.proxy.http_url
        self.socket_stats = f"http://127.0.0.1:{socket_port}/stats"
        self.stand_in_stats = f"http://127.0.0.1:{stand_in_port}/stats"
        self.socket_server.wait_ready(f"http://127.0.0.1:{socket_port}/up")
        self.stand_in.wait_ready(f"http://127.0.0.1:{stand_in_port}/up")
        self.old.wait_ready(f"{self.old_url}/accounts/login/")
        self.new.wait_ready(f"{self.new_url}/accounts/login/")

    def _start_process(self, name: str, args: list[str], env: dict[str, str]) -> ServerProcess:
        process = ServerProcess(name, args, cwd=TODO, env=env, log=self.workspace / f"{name}.log")
        self.processes.append(process)
        return process

    def _manage(self, name: str, env: dict[str, str], *args: str) -> ServerProcess:
        return self._start_process(name, [sys.executable, "manage.py", *args], env)

    def _runserver(self, name: str, env: dict[str, str], port: int) -> ServerProcess:
        return self._manage(name, env, "runserver", "--noreload", f"127.0.0.1:{port}")

    def connections(self) -> dict[str, int]:
        """Open connections per transport (a stopped one has none)."""
        return {
            "tornado_redis": connections(self.socket_stats) if self.socket_server.alive else 0,
            "pusher": connections(self.stand_in_stats),
        }

    def logs(self) -> str:
        """The tail of every process's output, for a failure message."""
        return "\n".join(process.tail() for process in self.processes)

    def close(self) -> None:
        self.proxy.close()
        for process in self.processes:
            process.stop()
