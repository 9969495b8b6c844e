"""What :mod:`realtime_core.server.tornado_internals` relies on holds on this Tornado.

Each test drives the installed Tornado for real (sockets, an HTTP server, WebSockets),
so an upgrade that renames or changes one of these internals fails here, by name.
"""

import asyncio
import collections
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from tornado.httpserver import HTTPServer
from tornado.httputil import HTTPHeaders
from tornado.iostream import IOStream, StreamClosedError
from tornado.netutil import bind_sockets
from tornado.web import Application
from tornado.websocket import (
    WebSocketClientConnection,
    WebSocketHandler,
    WebSocketProtocol,
    websocket_connect,
)

from realtime_core.server.fanout import text_frame
from realtime_core.server.tornado_internals import (
    NoticeBeforeTooBig,
    buffered_bytes,
    client_stream,
    lean_write_queues,
    release_upgrade_request,
    server_connection_stream,
    socket_of,
    websocket_stream,
    with_protocol_class,
)

MUCH = 8 * 1024 * 1024
"""More than any kernel buffers for one socket pair: some of it stays in Tornado's."""


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 20))


def connected_pair() -> tuple[socket.socket, socket.socket]:
    near, far = socket.socketpair()
    near.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    far.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return near, far


def test_buffered_bytes_counts_what_the_kernel_has_not_taken_yet() -> None:
    async def exchange() -> None:
        near, far = connected_pair()
        writer, reader = IOStream(near), IOStream(far)
        try:
            assert buffered_bytes(writer) == 0
            written = writer.write(b"x" * MUCH)
            assert 0 < buffered_bytes(writer) <= MUCH, "the kernel cannot take it all"
            received = await reader.read_bytes(MUCH)
            await written
            assert len(received) == MUCH
            assert buffered_bytes(writer) == 0
            writer.write(b"y")  # a later write advances both counters again
            assert await reader.read_bytes(1) == b"y"
            assert buffered_bytes(writer) == 0
        finally:
            writer.close()
            reader.close()

    run(exchange)


def test_lean_write_queues_keep_what_is_queued_and_every_write_in_order() -> None:
    async def exchange() -> None:
        near, far = connected_pair()
        writer, reader = IOStream(near), IOStream(far)
        try:
            pieces = [bytes([n]) * size for n, size in enumerate((10, 5000, 1, MUCH, 3000, 7))]
            first = writer.write(pieces[0] + pieces[1])
            big = writer.write(pieces[2] + pieces[3])
            assert buffered_bytes(writer) > 0, "some of it waits in Tornado's queues"
            lean_write_queues(writer)
            assert type(writer._write_futures) is not collections.deque
            assert type(writer._write_buffer._buffers) is not collections.deque
            later = [writer.write(piece) for piece in pieces[4:]]
            size = sum(map(len, pieces))
            assert await reader.read_bytes(size) == b"".join(pieces)
            for written in (first, big, *later):
                await asyncio.wait_for(written, 1)
            assert buffered_bytes(writer) == 0
            writer.close()
            with pytest.raises(StreamClosedError):
                await writer.write(b"after close")
        finally:
            writer.close()
            reader.close()

    run(exchange)


def test_socket_of_is_the_socket_the_stream_writes_to() -> None:
    async def exchange() -> None:
        near, far = socket.socketpair()
        writer, reader = IOStream(near), IOStream(far)
        try:
            assert socket_of(writer) is near
            socket_of(writer).send(b"direct")
            assert await reader.read_bytes(6) == b"direct"
        finally:
            writer.close()
            reader.close()

    run(exchange)


class Seen:
    """What the handlers under test saw, for the test to check."""

    def __init__(self) -> None:
        self.stream: IOStream | None = None
        self.headers_before: list[object] = []
        self.closed = asyncio.Event()
        self.close_code: int | None = None


class ReleasingHandler(WebSocketHandler):
    """Takes its stream and releases the upgrade request in ``open()``, then echoes."""

    def initialize(self, seen: Seen) -> None:
        self.seen = seen

    def open(self, *args: str, **kwargs: str) -> None:
        self.seen.stream = websocket_stream(self)
        self.seen.headers_before = [self.request.headers, self._headers]
        release_upgrade_request(self)

    def on_message(self, message: str | bytes) -> None:
        self.write_message(message)

    def on_close(self) -> None:
        self.seen.close_code = self.close_code
        self.seen.closed.set()


class TooBigNotice(NoticeBeforeTooBig):
    def too_big_notice(self, limit: int) -> bytes:
        return text_frame(f"over {limit}".encode())


class NoticingHandler(ReleasingHandler):
    def get_websocket_protocol(self) -> WebSocketProtocol | None:
        return with_protocol_class(super().get_websocket_protocol(), TooBigNotice)


class RecordingServer(HTTPServer):
    """Records the stream each connection came on, and the one ``on_close`` names."""

    def initialize(self, *args: Any, **kwargs: Any) -> None:
        super().initialize(*args, **kwargs)
        self.handed: list[IOStream] = []
        self.closed: list[IOStream] = []

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        self.handed.append(stream)
        super().handle_stream(stream, address)

    def on_close(self, server_conn: object) -> None:
        super().on_close(server_conn)
        self.closed.append(server_connection_stream(server_conn))


@asynccontextmanager
async def serving(seen: Seen) -> AsyncIterator[tuple[RecordingServer, str]]:
    app = Application(
        [
            (r"/releasing", ReleasingHandler, {"seen": seen}),
            (r"/noticing", NoticingHandler, {"seen": seen}),
        ],
        websocket_max_message_size=100,
    )
    server = RecordingServer(app)
    sockets = bind_sockets(0, "127.0.0.1")
    server.add_sockets(sockets)
    try:
        yield server, f"ws://127.0.0.1:{sockets[0].getsockname()[1]}"
    finally:
        server.stop()
        await server.close_all_connections()


async def closed(connection: WebSocketClientConnection) -> None:
    """Wait until ``connection`` reads the end of its socket."""
    while await connection.read_message() is not None:
        pass


def test_the_websocket_stream_is_the_socket_of_the_open_connection() -> None:
    async def exchange() -> None:
        seen = Seen()
        async with serving(seen) as (_, url):
            connection = await websocket_connect(f"{url}/releasing")
            try:
                await connection.write_message("ping")
                assert await connection.read_message() == "ping"
                assert seen.stream is not None
                client_side = client_stream(connection)
                assert client_side is not None
                server_socket, client_socket = socket_of(seen.stream), socket_of(client_side)
                assert server_socket.getpeername() == client_socket.getsockname()
            finally:
                connection.close()
            await seen.closed.wait()

    run(exchange)


def test_a_released_upgrade_request_is_not_needed_to_talk_and_close() -> None:
    async def exchange() -> None:
        seen = Seen()
        async with serving(seen) as (_, url):
            connection = await websocket_connect(f"{url}/releasing")
            try:
                for n in range(3):
                    await connection.write_message(f"message {n}")
                    assert await connection.read_message() == f"message {n}"
            finally:
                connection.close(1000, "done")
            await seen.closed.wait()
            assert seen.close_code == 1000, "the close handshake completed"
            request_headers, response_headers = seen.headers_before
            assert isinstance(request_headers, HTTPHeaders), "there were headers to release"
            assert isinstance(response_headers, HTTPHeaders)

    run(exchange)


def test_closing_the_websocket_stream_ends_the_connection_at_once() -> None:
    """What the server does to a client that never reads: no close handshake to wait
    for, the transport closes, and the handler's ``on_close`` runs."""

    async def exchange() -> None:
        seen = Seen()
        async with serving(seen) as (_, url):
            connection = await websocket_connect(f"{url}/releasing")
            try:
                await connection.write_message("hello")
                assert await connection.read_message() == "hello"
                assert seen.stream is not None
                seen.stream.close()
                await asyncio.wait_for(seen.closed.wait(), 1)
                await asyncio.wait_for(closed(connection), 1)
                assert connection.close_code is None, "no close frame was sent"
            finally:
                connection.close()

    run(exchange)


def test_a_message_over_the_limit_gets_the_notice_then_a_1009_close() -> None:
    async def exchange() -> None:
        seen = Seen()
        async with serving(seen) as (_, url):
            connection = await websocket_connect(f"{url}/noticing")
            try:
                await connection.write_message("small")
                assert await connection.read_message() == "small"
                await connection.write_message("x" * 101)
                assert await connection.read_message() == "over 100"
                await asyncio.wait_for(closed(connection), 5)
                assert connection.close_code == 1009
            finally:
                connection.close()
            await seen.closed.wait()

    run(exchange)


def test_on_close_names_the_stream_the_connection_came_on() -> None:
    async def exchange() -> None:
        seen = Seen()
        async with serving(seen) as (server, url):
            port = int(url.rsplit(":", 1)[1])
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert (await reader.read()).startswith(b"HTTP/1.1 404")
            writer.close()
            await writer.wait_closed()
            while not server.closed:
                await asyncio.sleep(0.01)
            assert server.closed == server.handed

    run(exchange)


def test_the_client_stream_must_be_taken_before_close() -> None:
    async def exchange() -> None:
        seen = Seen()
        async with serving(seen) as (_, url):
            connection = await websocket_connect(f"{url}/releasing")
            stream = client_stream(connection)
            assert isinstance(stream, IOStream)
            assert not stream.closed()
            connection.close()
            assert client_stream(connection) is None, "close() forgets the protocol"
            stream.close()  # what a client that gets no close frame back does
            await asyncio.wait_for(seen.closed.wait(), 1)

    run(exchange)
