"""Everything this package relies on in Tornado beyond its documented API, in one place.

Each function says which attributes or behaviour it relies on;
``tests/server/test_tornado_internals.py`` checks every one of them against the
installed Tornado, so an upgrade that changes one fails there, by name, instead of
under load. Nothing else in the package touches Tornado's private attributes.
"""

import abc
import contextlib
import socket

from tornado.http1connection import HTTP1Connection, HTTP1ServerConnection
from tornado.iostream import IOStream, StreamClosedError
from tornado.web import RequestHandler
from tornado.websocket import (
    WebSocketClientConnection,
    WebSocketHandler,
    WebSocketProtocol,
    WebSocketProtocol13,
)

from ..protocol import ErrorCode

__all__ = [
    "NoticeBeforeTooBig",
    "buffered_bytes",
    "client_stream",
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
    """Drop what only the HTTP upgrade needed: about 2 KiB per open WebSocket.

    Relies on Tornado reading neither the request's ``connection`` and ``headers`` nor
    the response headers (``RequestHandler._headers``) once ``open()`` runs: the 101
    went out before it, and frames go to the detached stream.
    """
    handler.request.connection = None
    handler.request.headers = None  # type: ignore[assignment]
    handler._headers = None  # type: ignore[assignment]


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


class NoticeBeforeTooBig(WebSocketProtocol13):
    """Tornado's RFC 6455 protocol, writing :meth:`too_big_notice` before it closes the
    socket for a message over ``websocket_max_message_size``.

    Tornado refuses such a message before reading it, with a bare 1009 close and
    nothing said. Relies on it doing so through ``close(1009, ...)``, and on
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
