"""The guide's ``nginx.conf``: read, checked, and stood in for where nginx is missing.

:func:`parse` reads nginx's syntax (directives ending in ``;``, blocks in braces,
``#`` comments, quoted strings) into nested :class:`Directive`\\ s, failing on what
nginx would refuse to parse. :class:`LeastConnProxy` then does what the sample
configures, for the guide's and the browser tests on machines without nginx: it
listens where the ``server`` block listens and hands each new connection to the
upstream server with the fewest open connections (``least_conn``, ties taken in
turn), trying the next one when a server refuses, as nginx's default
``proxy_next_upstream error`` does. It relays bytes both ways, WebSocket upgrades
included; it only stands in for a configuration whose every ``location`` proxies to
that one upstream (:func:`socket_routes` checks).
"""

import asyncio
import dataclasses
import itertools
import re
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

from tests.server_harness import pipe

__all__ = ["Directive", "LeastConnProxy", "SocketRoutes", "parse", "socket_routes"]

_TOKEN = re.compile(r"""\s+|#[^\n]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[{};]|[^\s{};"'#]+""")


@dataclasses.dataclass
class Directive:
    """``name args...;`` or ``name args... { children }``."""

    name: str
    args: list[str]
    children: list["Directive"] | None = None
    line: int = 0

    def find(self, name: str) -> list["Directive"]:
        return [child for child in self.children or [] if child.name == name]

    def walk(self) -> Iterator["Directive"]:
        for child in self.children or []:
            yield child
            yield from child.walk()


def parse(text: str) -> Directive:
    """The configuration as a tree under a root ``Directive``; ValueError on bad syntax."""
    root = Directive("", [], [])
    stack = [root]
    words: list[str] = []
    line = 1
    word_line = 1
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError(f"line {line}: cannot read {text[position : position + 20]!r}")
        token = match.group()
        position = match.end()
        if token.isspace() or token.startswith("#"):
            line += token.count("\n")
            continue
        if token in {";", "{"}:
            if not words:
                raise ValueError(f"line {line}: {token!r} without a directive")
            directive = Directive(words[0], words[1:], [] if token == "{" else None, word_line)
            children = stack[-1].children
            assert children is not None
            children.append(directive)
            if token == "{":
                stack.append(directive)
            words = []
        elif token == "}":
            if words or len(stack) == 1:
                raise ValueError(f"line {line}: unexpected '}}' (missing ';' or extra brace)")
            stack.pop()
        else:
            if not words:
                word_line = line
            words.append(token[1:-1] if token[0] in "\"'" else token)
    if words or len(stack) != 1:
        raise ValueError("the configuration ends inside a directive or block")
    return root


@dataclasses.dataclass(frozen=True)
class SocketRoutes:
    """What the sample routes: one listening address to one least_conn upstream."""

    listen: tuple[str, int]
    upstream: str
    servers: tuple[tuple[str, int], ...]
    least_conn: bool


def _address(text: str, where: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not port.isdigit():
        raise ValueError(f"{where}: expected host:port, got {text!r}")
    return host or "0.0.0.0", int(port)


def socket_routes(config: Directive) -> SocketRoutes:
    """The sample's listen address and upstream; ValueError for anything the stand-in
    proxy would not reproduce (several servers, or locations going elsewhere)."""
    (http,) = config.find("http") or [None]
    if http is None:
        raise ValueError("no http block")
    servers = http.find("server")
    if len(servers) != 1:
        raise ValueError(f"expected one server block, found {len(servers)}")
    (server,) = servers
    listens = server.find("listen")
    if len(listens) != 1:
        raise ValueError("the server block must listen on one address")
    listen = _address(listens[0].args[0], "listen")
    targets = {
        location.find("proxy_pass")[0].args[0] if location.find("proxy_pass") else None
        for location in server.find("location")
    }
    if len(targets) != 1 or None in targets:
        raise ValueError(f"every location must proxy_pass to one upstream, found {targets}")
    (target,) = targets
    assert target is not None
    name = target.removeprefix("http://")
    upstreams = {upstream.args[0]: upstream for upstream in http.find("upstream")}
    if name not in upstreams:
        raise ValueError(f"proxy_pass names {target}, which is no upstream block")
    upstream = upstreams[name]
    addresses = tuple(
        _address(entry.args[0], f"upstream {name}") for entry in upstream.find("server")
    )
    return SocketRoutes(listen, name, addresses, bool(upstream.find("least_conn")))


class LeastConnProxy:
    """Stand-in for the sample nginx (see the module docstring), on its own thread."""

    def __init__(self, routes: SocketRoutes) -> None:
        self.routes = routes
        self.active = dict.fromkeys(routes.servers, 0)
        """Open connections per upstream server."""
        self._turn = itertools.cycle(range(len(routes.servers)))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server: asyncio.Server | None = None
        self._relays: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._call(self._listen())

    def _call(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(10)

    async def _listen(self) -> None:
        host, port = self.routes.listen
        self._server = await asyncio.start_server(self._relay, host, port)

    def _candidates(self) -> list[tuple[str, int]]:
        """Upstream servers, fewest open connections first, ties taken in turn."""
        start = next(self._turn)
        servers = list(self.routes.servers)
        in_turn = servers[start:] + servers[:start]
        return sorted(in_turn, key=lambda server: self.active[server])

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._relays.add(task)
        self._writers.add(writer)
        try:
            await self._relay_to_upstream(reader, writer)
        finally:
            self._relays.discard(task)
            self._writers.discard(writer)

    async def _relay_to_upstream(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        for server in self._candidates():
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection(*server)
            except OSError:
                continue  # proxy_next_upstream error: try the next server
            break
        else:
            writer.close()
            return
        self.active[server] += 1
        self._writers.add(upstream_writer)
        try:
            await asyncio.gather(
                pipe(reader, upstream_writer), pipe(upstream_reader, writer)
            )
        finally:
            self.active[server] -= 1
            self._writers.discard(upstream_writer)

    def close(self) -> None:
        """Stop listening, close the relayed connections (both ends), stop the loop."""

        async def shut_down() -> None:
            assert self._server is not None
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            if self._relays:
                await asyncio.wait(self._relays, timeout=5)
            await self._server.wait_closed()

        self._call(shut_down())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
