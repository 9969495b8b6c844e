"""``CallbackFrameReader`` reads every frame RFC 6455 allows, as Tornado's coroutine did,
and an idle connection holds no coroutine.

A raw socket plays the client, so frames Tornado's own client never sends (fragments,
a ping between fragments, reserved bits, 64-bit lengths) are covered.
"""

import asyncio
import gc
import os
import struct
import types
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application
from tornado.websocket import WebSocketHandler, WebSocketProtocol

from realtime_core.server.fanout import text_frame
from realtime_core.server.tornado_internals import NoticeBeforeTooBig, with_protocol_class

LIMIT = 100_000


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 20))


class Notice(NoticeBeforeTooBig):
    def too_big_notice(self, limit: int) -> bytes:
        return text_frame(f"over {limit}".encode())


class Echo(WebSocketHandler):
    """Echoes every message: text as text, binary as binary; ``slow`` messages after a
    pause, to show the next frame waits for ``on_message``'s coroutine."""

    closed: asyncio.Event

    def get_websocket_protocol(self) -> WebSocketProtocol | None:
        return with_protocol_class(super().get_websocket_protocol(), Notice)

    async def on_message(self, message: str | bytes) -> None:
        if message == "slow":
            await asyncio.sleep(0.05)
        await self.write_message(message, binary=isinstance(message, bytes))

    def on_close(self) -> None:
        Echo.closed.set()


def frame(opcode: int, payload: bytes, *, final: bool = True, reserved: int = 0) -> bytes:
    """A masked client frame."""
    first = (0x80 if final else 0) | reserved | opcode
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", first, 0x80 | length)
    elif length < 65_536:
        head = struct.pack("!BBH", first, 0x80 | 126, length)
    else:
        head = struct.pack("!BBQ", first, 0x80 | 127, length)
    mask = os.urandom(4)
    return head + mask + bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))


class Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    def send(self, *frames: bytes) -> None:
        self.writer.write(b"".join(frames))

    async def receive(self) -> tuple[int, bytes]:
        """The next server frame: opcode and payload (None at the end of the stream)."""
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return first & 0x0F, await self.reader.readexactly(length)

    async def ended(self) -> bool:
        """True once the server closed the TCP connection (whatever it sent before)."""
        while await self.reader.read(65_536):
            pass
        return True


@asynccontextmanager
async def connected() -> AsyncIterator[Client]:
    Echo.closed = asyncio.Event()
    server = HTTPServer(Application([(r"/", Echo)], websocket_max_message_size=LIMIT))
    sockets = bind_sockets(0, "127.0.0.1")
    server.add_sockets(sockets)
    reader, writer = await asyncio.open_connection("127.0.0.1", sockets[0].getsockname()[1])
    try:
        writer.write(
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
        yield Client(reader, writer)
    finally:
        writer.close()
        server.stop()
        await server.close_all_connections()


def test_messages_of_every_length_encoding_come_through() -> None:
    async def exchange() -> None:
        async with connected() as client:
            for size in (0, 125, 126, 65_535, 65_536, LIMIT):
                payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
                client.send(frame(0x2, payload))
                assert await client.receive() == (0x2, payload), size
            client.send(frame(0x1, "héllo".encode()))
            assert await client.receive() == (0x1, "héllo".encode())

    run(exchange)


def test_fragments_are_joined_and_a_ping_between_them_is_answered() -> None:
    async def exchange() -> None:
        async with connected() as client:
            client.send(frame(0x1, b"one ", final=False), frame(0x9, b"are you there"))
            assert await client.receive() == (0xA, b"are you there")
            client.send(frame(0x0, b"two ", final=False), frame(0x0, b"three"))
            assert await client.receive() == (0x1, b"one two three")

    run(exchange)


def test_the_next_frame_waits_for_the_coroutine_of_the_last_message() -> None:
    async def exchange() -> None:
        async with connected() as client:
            client.send(frame(0x1, b"slow"), frame(0x1, b"fast"))
            assert await client.receive() == (0x1, b"slow")
            assert await client.receive() == (0x1, b"fast")

    run(exchange)


def test_a_close_frame_is_echoed_and_ends_the_connection() -> None:
    async def exchange() -> None:
        async with connected() as client:
            client.send(frame(0x8, struct.pack("!H", 1000) + b"bye"))
            assert await client.receive() == (0x8, struct.pack("!H", 1000))
            await asyncio.wait_for(Echo.closed.wait(), 2)
            assert await asyncio.wait_for(client.ended(), 6)

    run(exchange)


def test_over_the_limit_gets_the_notice_then_1009() -> None:
    async def exchange() -> None:
        async with connected() as client:
            # Refused on its length alone: only the continuation's head is sent (the
            # server closes at once, and unread bytes would turn that into a reset).
            client.send(frame(0x1, b"x", final=False), frame(0x0, bytes(LIMIT))[:14])
            assert await client.receive() == (0x1, f"over {LIMIT}".encode())
            opcode, payload = await client.receive()
            assert (opcode, payload[:2]) == (0x8, struct.pack("!H", 1009))
            await asyncio.wait_for(Echo.closed.wait(), 2)

    run(exchange)


def test_frames_the_protocol_forbids_close_the_socket() -> None:
    forbidden = {
        "a reserved bit": frame(0x1, b"x", reserved=0x40),
        "a continuation of nothing": frame(0x0, b"x"),
        "a fragmented control frame": frame(0x9, b"x", final=False),
        "a long control frame": frame(0x9, bytes(126)),
        "a new message inside a fragmented one": frame(0x1, b"a", final=False)
        + frame(0x1, b"b"),
        "an unknown opcode": frame(0x3, b"x"),
    }

    async def exchange(bad: bytes) -> None:
        async with connected() as client:
            client.send(bad)
            await asyncio.wait_for(Echo.closed.wait(), 2)
            assert await asyncio.wait_for(client.ended(), 2)

    for name, bad in forbidden.items():
        run(lambda bad=bad: exchange(bad))  # type: ignore[misc]
        assert Echo.closed.is_set(), name


def test_a_peer_that_goes_away_is_closed() -> None:
    async def exchange() -> None:
        async with connected() as client:
            client.send(frame(0x1, b"half", final=False)[:4])
            client.writer.close()
            await asyncio.wait_for(Echo.closed.wait(), 2)

    run(exchange)


def test_an_idle_connection_holds_no_coroutine() -> None:
    """The memory this reader is for: Tornado's handler and frame-reading coroutines
    (and the request headers their frames hold) are gone once the socket is open."""

    async def exchange() -> None:
        async with connected() as client:
            client.send(frame(0x1, b"hi"))
            assert await client.receive() == (0x1, b"hi")
            gc.collect()
            waiting = [
                value.__qualname__
                for value in gc.get_objects()
                if type(value) is types.CoroutineType
                and value.cr_frame is not None
                and "tornado" in value.cr_code.co_filename
            ]
            assert waiting == []

    run(exchange)


def test_a_closed_connection_leaves_nothing_behind() -> None:
    """The callbacks hold the protocol only while a read is pending: once the peer is
    gone, by a close handshake or by vanishing, nothing references it."""

    def alive() -> int:
        gc.collect()
        return sum(type(value) is Notice for value in gc.get_objects())

    async def exchange(polite: bool) -> None:
        async with connected() as client:
            client.send(frame(0x1, b"hi"))
            assert await client.receive() == (0x1, b"hi")
            assert alive() == 1
            if polite:
                client.send(frame(0x8, struct.pack("!H", 1000)))
            else:
                client.writer.transport.abort()
            await asyncio.wait_for(Echo.closed.wait(), 2)
        await asyncio.sleep(0)
        assert alive() == 0

    run(lambda: exchange(True))
    run(lambda: exchange(False))
