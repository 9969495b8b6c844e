"""``migration_guide/nginx.conf``: how the guide's nginx sample is checked.

nginx is not installed for the tests. The sample is parsed with nginx's syntax rules
and checked for what WebSocket proxying needs and for agreement with the guide's
commands and settings; where nginx is installed, ``nginx -t`` must accept it too.
The stand-in proxy the guide and browser tests use without nginx is tested here.
"""

import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .markdown import read_page
from .nginx import Directive, LeastConnProxy, SocketRoutes, parse, socket_routes
from .processes import free_port
from .runner import GUIDE

SAMPLE = GUIDE / "nginx.conf"


def _seconds(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(s|m)?", value).groups()  # type: ignore[union-attr]
    return int(number) * (60 if unit == "m" else 1)


def _location(config: Directive, path: str) -> Directive:
    for directive in config.walk():
        if directive.name == "location" and directive.args[-1] == path:
            return directive
    raise AssertionError(f"no location {path}")


def test_the_sample_proxies_websockets_to_both_socket_servers() -> None:
    config = parse(SAMPLE.read_text())
    routes = socket_routes(config)
    assert routes == SocketRoutes(
        listen=("127.0.0.1", 6000),
        upstream="realtime_sockets",
        servers=(("127.0.0.1", 6001), ("127.0.0.1", 6002)),
        least_conn=True,
    )
    sockets = _location(config, "/app/")
    headers = {tuple(d.args) for d in sockets.find("proxy_set_header")}
    assert ("Upgrade", "$http_upgrade") in headers
    assert ("Connection", "$connection_upgrade") in headers
    assert [d.args for d in sockets.find("proxy_http_version")] == [["1.1"]]
    (upgrade_map,) = [d for d in config.walk() if d.name == "map"]
    assert upgrade_map.args == ["$http_upgrade", "$connection_upgrade"]
    (read_timeout,) = sockets.find("proxy_read_timeout")
    assert _seconds(read_timeout.args[0]) > 120, "idle sockets are pinged every 120 s"


def test_the_sample_runs_as_an_ordinary_user_in_the_foreground() -> None:
    config = parse(SAMPLE.read_text())
    top = {d.name: d.args for d in config.children or []}
    assert top["daemon"] == ["off"]
    assert top["error_log"] == ["stderr"]
    assert not top["pid"][0].startswith("/"), "the pid file goes in the prefix directory"
    temp_paths = [d for d in config.walk() if d.name.endswith("_temp_path")]
    assert {d.name for d in temp_paths} >= {"client_body_temp_path", "proxy_temp_path"}
    assert all(not d.args[0].startswith("/") for d in temp_paths)


def test_the_sample_matches_the_guide_and_the_settings() -> None:
    guide = read_page(GUIDE / "02-self-hosted-tornado-redis.md")
    commands = [command for block in guide.blocks for command in block.commands]
    for port in (6001, 6002):
        assert f"python manage.py realtime_server --port {port}" in commands
    assert any('-c "$PWD/../nginx.conf"' in command for command in commands)
    settings = (GUIDE / "todo" / "todo_project" / "settings.py").read_text()
    assert 'os.environ.get("REALTIME_WS_PORT", "6000")' in settings


def test_nginx_accepts_the_sample_where_it_is_installed(tmp_path: Path) -> None:
    """Runs ``nginx -t`` when nginx is on PATH; elsewhere the checks above stand."""
    nginx = shutil.which("nginx")
    if nginx is None:
        return  # not a skip: CI has no nginx, and the structural checks ran
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", "stderr", "-c", str(SAMPLE)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    "text",
    ["events {}\nhttp { server { listen 1 } }", "events {\n", "http { } }", "listen 1"],
)
def test_what_nginx_would_not_parse_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"line|ends inside"):
        parse(text)


class NamedServer:
    """A TCP server that sends its name to each connection and keeps it open."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            connection.sendall(self.name.encode())
            self.accepted.append(connection)

    def close(self) -> None:
        if self.listener.fileno() != -1:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes accept(); refuses from now on
            self.listener.close()
        self._thread.join(5)
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def upstreams() -> Iterator[list[NamedServer]]:
    servers = [NamedServer("one"), NamedServer("two")]
    yield servers
    for server in servers:
        server.close()


def test_the_stand_in_spreads_connections_and_skips_a_server_that_is_down(
    upstreams: list[NamedServer],
) -> None:
    routes = SocketRoutes(
        listen=("127.0.0.1", free_port()),
        upstream="test",
        servers=tuple(("127.0.0.1", server.port) for server in upstreams),
        least_conn=True,
    )
    proxy = LeastConnProxy(routes)
    clients: list[socket.socket] = []

    def hello() -> str:
        client = socket.create_connection(routes.listen, timeout=5)
        clients.append(client)
        return client.recv(16).decode()

    try:
        assert sorted([hello(), hello()]) == ["one", "two"], "least_conn: one each"
        upstreams[0].close()
        assert [hello(), hello()] == ["two", "two"], "a refusing server is skipped"
    finally:
        for client in clients:
            client.close()
        proxy.close()
