"""The todo demo (``migration_guide/todo``) served for the browser tests, once per backend.

- ``memory``: ``manage.py realtime_server``, the site and its sockets in one process.
- ``tornado_redis``: two ``manage.py realtime_server`` socket processes on one Redis,
  behind the guide's ``nginx.conf`` (its least_conn stand-in, ports mapped), with
  Django served apart by ``manage.py runserver``.
- ``pusher``: Django (``runserver``) with ``REALTIME_BACKEND = "pusher"`` and ``HOST``/
  ``PORT`` pointing at a ``realtime-server`` process standing in for Pusher, with the
  same app id, key and secret.

Every process gets a free port; the database is a copy of one migrated and seeded
SQLite file. Settings come from the project's own ``settings.py`` through its
environment variables, plus a two-line module that sets ``REALTIME_BACKEND``.
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.guide.nginx import LeastConnProxy, parse, socket_routes
from tests.guide.processes import ServerProcess, free_port
from tests.guide.runner import GUIDE, clean_environment, map_ports

__all__ = ["BACKENDS", "PUSHER_APP", "TODO", "TodoSite", "environment", "migrated_database"]

TODO = GUIDE / "todo"
BACKENDS = ("memory", "tornado_redis", "pusher")
PUSHER_APP = {"PUSHER_APP_ID": "123456", "PUSHER_KEY": "browser-key", "PUSHER_SECRET": "s3cret"}


def environment(
    workspace: Path,
    backend: str,
    extra: Mapping[str, str],
    *,
    also_publish_to: Sequence[str] = (),
    module: str = "browser_settings",
) -> dict[str, str]:
    """The environment of a demo process whose settings (``module``, written in
    ``workspace``) are the demo's with ``REALTIME_BACKEND`` and, during a switch,
    ``REALTIME_ALSO_PUBLISH_TO`` changed."""
    settings = workspace / f"{module}.py"
    settings.write_text(
        '"""The demo\'s settings with another backend."""\n\n'
        "from todo_project.settings import *  # noqa: F403\n\n"
        f"REALTIME_BACKEND = {backend!r}\n"
        f"REALTIME_ALSO_PUBLISH_TO = {list(also_publish_to)!r}\n"
    )
    inherited = os.environ.get("PYTHONPATH")  # the checkout under test, when it is set
    return {
        **clean_environment(),
        "PYTHONPATH": os.pathsep.join([str(workspace), str(TODO), *filter(None, [inherited])]),
        "DJANGO_SETTINGS_MODULE": module,
        "TODO_DATABASE": str(workspace / "db.sqlite3"),
        **extra,
    }


def migrated_database(target: Path) -> Path:
    """``target``: the demo's database, migrated, with the sample lists."""
    workspace = target.parent
    env = {**environment(workspace, "memory", {}), "TODO_DATABASE": str(target)}
    for command in (["migrate", "--noinput"], ["seed_todo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=TODO,
            env=env,
            check=True,
            capture_output=True,
            timeout=60,
        )
    return target


class TodoSite:
    """The demo on one backend; ``url`` is the site, ``stats`` the socket processes'
    ``/stats`` URLs, ``expected_connections`` what they count with two pages open."""

    def __init__(
        self, backend: str, workspace: Path, database: Path, redis_url: str | None = None
    ) -> None:
        self.backend = backend
        self.workspace = workspace
        self.processes: list[ServerProcess] = []
        self.proxy: LeastConnProxy | None = None
        shutil.copy(database, workspace / "db.sqlite3")
        try:
            getattr(self, f"_start_{backend}")(redis_url)
        except BaseException:
            self.close()
            raise

    def _start(self, name: str, args: list[str], env: Mapping[str, str]) -> ServerProcess:
        process = ServerProcess(name, args, cwd=TODO, env=env, log=self.workspace / f"{name}.log")
        self.processes.append(process)
        return process

    def _manage(self, name: str, env: Mapping[str, str], *args: str) -> ServerProcess:
        return self._start(name, [sys.executable, "manage.py", *args], env)

    def _start_memory(self, redis_url: str | None) -> None:
        port = free_port()
        env = environment(self.workspace, "memory", {})
        self._manage("embedded", env, "realtime_server", "--port", str(port))
        self.url = f"http://127.0.0.1:{port}"
        self.stats = [f"{self.url}/stats"]
        self.expected_connections = [2]
        self.processes[0].wait_ready(f"{self.url}/accounts/login/")

    def _start_tornado_redis(self, redis_url: str | None) -> None:
        assert redis_url is not None
        port, proxy_port, socket_ports = free_port(), free_port(), (free_port(), free_port())
        env = environment(
            self.workspace,
            "tornado_redis",
            {"REDIS_URL": redis_url, "REALTIME_WS_PORT": str(proxy_port)},
        )
        sockets = [
            self._manage(f"sockets-{number}", env, "realtime_server", "--port", str(socket_port))
            for number, socket_port in enumerate(socket_ports, start=1)
        ]
        django = self._manage("django", env, "runserver", "--noreload", f"127.0.0.1:{port}")
        ports = {6000: proxy_port, 6001: socket_ports[0], 6002: socket_ports[1]}
        nginx_conf = map_ports((GUIDE / "nginx.conf").read_text(), ports)
        self.proxy = LeastConnProxy(socket_routes(parse(nginx_conf)))
        self.url = f"http://127.0.0.1:{port}"
        self.stats = [f"http://127.0.0.1:{socket_port}/stats" for socket_port in socket_ports]
        self.expected_connections = [1, 1]  # one page on each socket process
        for process, socket_port in zip(sockets, socket_ports, strict=True):
            process.wait_ready(f"http://127.0.0.1:{socket_port}/up")
        django.wait_ready(f"{self.url}/accounts/login/")

    def _start_pusher(self, redis_url: str | None) -> None:
        port, stand_in_port = free_port(), free_port()
        stand_in = self._start(
            "stand-in",
            [
                str(Path(sys.executable).parent / "realtime-server"),
                *("--app-id", PUSHER_APP["PUSHER_APP_ID"], "--key", PUSHER_APP["PUSHER_KEY"]),
                *("--secret", PUSHER_APP["PUSHER_SECRET"], "--port", str(stand_in_port)),
            ],
            clean_environment(),
        )
        env = environment(
            self.workspace,
            "pusher",
            {
                **PUSHER_APP,
                "PUSHER_HOST": "127.0.0.1",
                "PUSHER_PORT": str(stand_in_port),
                "PUSHER_USE_TLS": "false",
            },
        )
        django = self._manage("django", env, "runserver", "--noreload", f"127.0.0.1:{port}")
        self.url = f"http://127.0.0.1:{port}"
        self.stats = [f"http://127.0.0.1:{stand_in_port}/stats"]
        self.expected_connections = [2]
        stand_in.wait_ready(f"http://127.0.0.1:{stand_in_port}/up")
        django.wait_ready(f"{self.url}/accounts/login/")

    def logs(self) -> str:
        """The tail of every process's output, for a failure message."""
        return "\n".join(process.tail() for process in self.processes)

    def close(self) -> None:
        if self.proxy is not None:
            self.proxy.close()
        for process in self.processes:
            process.stop()
