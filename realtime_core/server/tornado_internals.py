"""Everything this package relies on in Tornado beyond its documented API, in one place.

Each function says which attributes or behaviour it relies on;
``tests/server/test_tornado_internals.py`` checks every one of them against the
installed Tornado, so an upgrade that changes one fails there, by name, instead of
under load. Nothing else in the package touches Tornado's private attributes.
"""

import abc
import asyncio
import contextlib
import functools
import socket
import struct
from collections.abc import Callable
from typing import Any, NamedTuple, cast

from tornado.http1connection import HTTP1Connection, HTTP1ServerConnection
from tornado.httputil import HTTPFile
from tornado.iostream import IOStream, StreamClosedError
from tornado.log import app_log
from tornado.util import _websocket_mask
from tornado.web import RequestHandler
from tornado.websocket import (
    WebSocketClientConnection,
    WebSocketHandler,
    WebSocketProtocol,
    WebSocketProtocol13,
)

from ..protocol import ErrorCode

__all__ = [
    "CallbackFrameReader",
    "NoticeBeforeTooBig",
    "buffered_bytes",
    "client_stream",
    "lean_write_queues",
    "release_upgrade_request",
    "response_stream",
    "server_connection_stream",
    "socket_of",
    "websocket_stream",
    "with_protocol_class",
]


def buffered_bytes(stream: IOStream) -> int:
    """Bytes ``stream`` holds that the kernel has not taken yet (0: a write goes out now).

    IOStream exposes no public size for its write buffer. Relies on its counters
    ``_total_write_index`` (bytes handed to ``write()``) and ``_total_write_done_index``
    (bytes the socket took), both there since Tornado 5.
    """
    return stream._total_write_index - stream._total_write_done_index


def socket_of(stream: IOStream) -> socket.socket:
    """The socket ``stream`` reads and writes, to send on it directly when nothing is
    buffered. Relies on ``IOStream.socket``, the socket it was built on."""
    return stream.socket


def websocket_stream(handler: WebSocketHandler) -> IOStream:
    """The IOStream of ``handler``'s open WebSocket, detached from its HTTP connection.

    Relies on ``WebSocketHandler.ws_connection`` (the protocol, set before ``open()``)
    and its ``stream`` (detached from the HTTP connection before ``open()`` too).
    """
    protocol = handler.ws_connection
    assert protocol is not None, "Tornado sets ws_connection before open()"
    stream = protocol.stream
    assert stream is not None, "Tornado detaches the stream before open()"
    return stream


def release_upgrade_request(handler: RequestHandler) -> None:
    """Drop what only the HTTP upgrade needed: about 3 KiB per open WebSocket.

    Relies on Tornado reading none of these once ``open()`` runs: the request's
    ``connection``, ``server_connection`` (the HTTP/1 connection, its finished
    request-loop task and context), ``headers`` and parsed arguments; the response
    headers (``RequestHandler._headers``); the handler's template namespace
    (``RequestHandler.ui``, which Tornado drops at close). The 101 went out before
    ``open()``, and frames go to the detached stream. What a log line names (method,
    URI, remote address) stays.
    """
    request = handler.request
    request.connection = None
    request.server_connection = None
    request.headers = None  # type: ignore[assignment]
    request.arguments = request.query_arguments = request.body_arguments = _NO_ARGUMENTS
    request.files = _NO_FILES
    handler._headers = None  # type: ignore[assignment]
    handler.ui = None  # type: ignore[assignment]


_NO_ARGUMENTS: dict[str, list[bytes]] = {}
_NO_FILES: dict[str, list[HTTPFile]] = {}


class _ListQueue(list[Any]):
    """The part of ``collections.deque`` IOStream uses, on a list: an empty deque
    allocates a block of 64 slots (760 bytes), an empty list none."""

    __slots__ = ()

    def popleft(self) -> Any:
        return self.pop(0)


def lean_write_queues(stream: IOStream) -> None:
    """Put ``stream``'s two write queues (futures of pending writes, buffered chunks)
    on lists, each about 700 bytes smaller than the deque Tornado makes, keeping what
    they hold.

    A list's ``popleft`` moves what follows, so this suits a stream whose writes are
    bounded, as :class:`~.fanout.Outlet` bounds a connection's. Relies on
    ``IOStream._write_futures`` and ``_write_buffer._buffers`` (a ``_StreamBuffer``)
    being used only through ``append``, ``popleft``, ``clear``, indexing, iteration
    and truth.
    """
    stream._write_futures = _ListQueue(stream._write_futures)  # type: ignore[assignment]
    buffer = stream._write_buffer
    buffer._buffers = _ListQueue(buffer._buffers)  # type: ignore[assignment]


def response_stream(handler: RequestHandler) -> IOStream:
    """The IOStream ``handler``'s response is written to, to bound what a client that
    does not read leaves buffered in it (:func:`buffered_bytes`). Relies on
    ``HTTP1Connection.stream``, the stream of the request's HTTP/1 connection."""
    connection = handler.request.connection
    assert isinstance(connection, HTTP1Connection), "Tornado serves HTTP/1 here"
    return connection.stream


def server_connection_stream(server_connection: object) -> IOStream:
    """The IOStream of the HTTP/1 connection ``HTTPServer.on_close`` is given.

    Relies on ``HTTP1ServerConnection.stream``, the stream it was built on, which
    ``HTTPServer.handle_stream`` was handed first.
    """
    assert isinstance(server_connection, HTTP1ServerConnection)
    return server_connection.stream


def client_stream(connection: WebSocketClientConnection) -> IOStream | None:
    """The IOStream under a client WebSocket (None before its handshake), to close the
    TCP connection at once when the server does not answer a close.

    Take it before ``close()``, which forgets the protocol. Relies on
    ``WebSocketClientConnection.protocol`` and its ``stream``.
    """
    protocol = connection.protocol
    return None if protocol is None else protocol.stream


class CallbackFrameReader(WebSocketProtocol13):
    """Tornado's RFC 6455 protocol, reading frames through future callbacks instead of
    its receive coroutine.

    Tornado's handler waits in a chain of seven coroutines and a task (the request's
    ``_execute``, ``get``, ``accept_connection``... down to ``_read_bytes``) for as long
    as the socket is open, and their frames keep the upgrade request's headers alive:
    about 3 KiB per idle connection. Here ``_receive_frame_loop`` returns once the
    first read is started, that chain finishes, and an idle connection holds one
    pending read future and its callback. It also makes the stream's write queues
    lists (:func:`lean_write_queues`).

    Frames are parsed as Tornado's ``_receive_frame`` does (RFC 6455 section 5) and
    handed to Tornado's ``_handle_message``, which runs ``on_message``, answers pings
    and close frames; the next frame is read once the returned future (if any) is
    done, as Tornado awaits it. Relies on ``stream``, ``params.max_message_size``,
    ``client_terminated``, ``close_code``/``close_reason``, ``_decompressor``,
    ``_frame_compressed``, ``_fragmented_message_buffer``/``_opcode``,
    ``_handle_message``, ``_abort`` and ``handler.on_ws_connection_close``. A frame
    being read lives in the callbacks' arguments, not in new attributes.
    """

    async def _receive_frame_loop(self) -> None:
        assert self.stream is not None, "Tornado detaches the stream before open()"
        lean_write_queues(self.stream)
        self._read(2, self._on_frame_start)

    def _read(self, count: int, then: "_Step") -> None:
        """Read ``count`` bytes, then call ``then`` with them (at once when none)."""
        if count == 0:
            self._step(then, b"")
            return
        stream = self.stream
        assert stream is not None, "Tornado detaches the stream before open()"
        try:
            reading = asyncio.ensure_future(stream.read_bytes(count))
        except StreamClosedError:
            self._stop_reading(aborted=True)
            return
        reading.add_done_callback(functools.partial(self._on_read, then))

    def _on_read(self, then: "_Step", done: "asyncio.Future[bytes]") -> None:
        if done.cancelled() or done.exception() is not None:
            # StreamClosedError, as Tornado's receive loop expects: the peer is gone.
            self._stop_reading(aborted=True)
            return
        self._step(then, done.result())

    def _step(self, then: "_Step", data: bytes) -> None:
        try:
            then(data)
        except Exception:
            app_log.error("Reading a WebSocket frame failed", exc_info=True)
            self._stop_reading(aborted=True)

    def _next_frame(self) -> None:
        if self.client_terminated:
            self._stop_reading(aborted=False)
        else:
            self._read(2, self._on_frame_start)

    def _stop_reading(self, *, aborted: bool) -> None:
        if aborted:
            self._abort()
        self.handler.on_ws_connection_close(self.close_code, self.close_reason)

    def _on_frame_start(self, data: bytes) -> None:
        header, length_byte = data[0], data[1]
        opcode = header & self.OPCODE_MASK
        reserved = header & self.RSV_MASK
        if self._decompressor is not None and opcode != 0:
            # Set on a message's first frame, applied once all its frames are in.
            self._frame_compressed = bool(reserved & self.RSV1)
            reserved &= ~self.RSV1
        length = length_byte & 0x7F
        if reserved or (opcode & 0x8 and length >= 126):
            # An extension never negotiated, or a control frame too long for one.
            self._abort()
            self._next_frame()
            return
        frame = _Frame(bool(header & self.FIN), opcode, bool(length_byte & 0x80), length)
        extended = {126: 2, 127: 8}.get(length, 0)
        self._read(extended + 4 * frame.masked, functools.partial(self._on_frame_head, frame))

    def _on_frame_head(self, frame: "_Frame", data: bytes) -> None:
        length = frame.length
        if length == 126:
            length = struct.unpack("!H", data[:2])[0]
        elif length == 127:
            length = struct.unpack("!Q", data[:8])[0]
        fragments = self._fragmented_message_buffer
        if length + (len(fragments) if fragments is not None else 0) > self.params.max_message_size:
            self.close(1009, "message too big")
            self._abort()
            self._next_frame()
            return
        mask = data[-4:] if frame.masked else None
        self._read(length, functools.partial(self._on_payload, frame, mask))

    def _on_payload(self, frame: "_Frame", mask: bytes | None, data: bytes) -> None:
        if mask is not None:
            data = _websocket_mask(mask, data)
        opcode, final = frame.opcode, frame.final
        fragments = self._fragmented_message_buffer
        if opcode & 0x8:
            valid = final  # a control frame may come between fragments, never fragmented
        elif opcode == 0:
            valid = fragments is not None  # a continuation continues something
            if fragments is not None:
                fragments.extend(data)
                if final:
                    opcode = cast(int, self._fragmented_message_opcode)  # typed None
                    data = bytes(fragments)
                    self._fragmented_message_buffer = None
        else:
            valid = fragments is None  # a new message waits for the last one's end
            if valid and not final:
                self._fragmented_message_opcode = opcode  # type: ignore[assignment]
                self._fragmented_message_buffer = bytearray(data)
        if not valid:
            self._abort()
        elif final:
            handled = self._handle_message(opcode, data)
            if handled is not None:
                # Tornado reads the next frame once on_message's coroutine is done.
                handled.add_done_callback(lambda _: self._step(self._after_message, b""))
                return
        self._next_frame()

    def _after_message(self, _: bytes) -> None:
        self._next_frame()


class _Frame(NamedTuple):
    """What a frame's first two bytes said, while the rest of it is read."""

    final: bool
    opcode: int
    masked: bool
    length: int


class NoticeBeforeTooBig(CallbackFrameReader):
    """Tornado's RFC 6455 protocol (read by :class:`CallbackFrameReader`), writing
    :meth:`too_big_notice` before it closes the socket for a message over
    ``websocket_max_message_size``.

    Such a message is refused before it is read, as Tornado does, with a bare 1009
    close and nothing said, through ``close(1009, ...)``. Relies on
    ``server_terminated``, ``stream`` and ``params.max_message_size``. Instances are
    Tornado's own, given this class by :func:`with_protocol_class`: subclasses add
    methods, never state.
    """

    @abc.abstractmethod
    def too_big_notice(self, limit: int) -> bytes:
        """The bytes (whole WebSocket frames) to send before closing for a message
        over ``limit`` bytes."""

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        stream = self.stream
        too_big = code == ErrorCode.MESSAGE_TOO_BIG and not self.server_terminated
        if too_big and stream is not None and not stream.closed():
            with contextlib.suppress(StreamClosedError):
                stream.write(self.too_big_notice(self.params.max_message_size))
        super().close(code, reason)


_Step = Callable[[bytes], None]


def with_protocol_class(
    protocol: WebSocketProtocol | None, protocol_class: type[NoticeBeforeTooBig]
) -> WebSocketProtocol | None:
    """``protocol`` as an instance of ``protocol_class`` when it is Tornado's RFC 6455
    protocol (any other is returned as it is).

    For ``WebSocketHandler.get_websocket_protocol``, an undocumented hook: relies on
    Tornado building the protocol there, before the handshake, from the handler's
    settings.
    """
    if type(protocol) is WebSocketProtocol13:
        protocol.__class__ = protocol_class
    return protocol
