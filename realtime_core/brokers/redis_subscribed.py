"""Internal: one Redis connection in subscribed mode, its replies parsed a read at a time.

A socket server's pub/sub connection carries every message its connections receive,
so its reading is on the hot path of every delivery. redis-py's ``PubSub`` reads one
reply per call, line by line, each read an ``await`` with its own timeout, and builds
a dict per message: about two thirds of a server's work per delivered message.
:class:`SubscribedConnection` lets redis-py open the connection (so TLS, credentials,
the Sentinel's primary and a Cluster node's options all work as for any other call),
then reads the socket in chunks and parses every reply a chunk holds with
:func:`parse_replies`, which has a fast path for the one reply that matters: a message.

In subscribed mode Redis sends only arrays (pushes in RESP3): ``message`` and
``smessage`` (channel, data), the ``subscribe`` family's confirmations (channel,
count), PING's ``pong``, and error lines; :func:`parse_replies` reads every RESP2 and
RESP3 type all the same, so a connection negotiated either way is read.
"""

import asyncio
from typing import Any

import redis.asyncio
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import InvalidResponse, ResponseError

__all__ = ["Reply", "SubscribedConnection", "parse_replies"]

Reply = Any
"""A parsed reply: bytes, int, None, a list of replies, or a ``ResponseError``."""

_CHUNK = 1 << 16
_ARRAYS = frozenset(b"*>~")  # array, push, set: ``count`` replies follow
_BLOBS = frozenset(b"$=!")  # bulk string, verbatim string, blob error: ``length`` bytes
_LINES = frozenset(b"+#,(")  # simple string, boolean, double, big number: the line
_MESSAGE_HEADS = {
    b"%s3\r\n$%d\r\n%s\r\n$" % (array, len(kind), kind): kind
    for kind in (b"message", b"smessage")
    for array in (b"*", b">")
}
"""How a message's reply begins, up to its channel's length (RESP2, RESP3)."""
_HEAD_LENGTHS = frozenset(len(head) for head in _MESSAGE_HEADS)


class _Incomplete(Exception):
    """The buffer ends inside a reply: read more."""


def _blob(buffer: bytes, start: int) -> tuple[bytes | None, int]:
    """The bulk string whose length line starts at ``start`` (after its type byte)."""
    end = buffer.find(b"\r\n", start)
    if end < 0:
        raise _Incomplete
    length = int(buffer[start:end])
    if length < 0:
        return None, end + 2
    stop = end + 2 + length
    if len(buffer) < stop + 2:
        raise _Incomplete
    return buffer[end + 2 : stop], stop + 2


def _reply(buffer: bytes, start: int) -> tuple[Reply, int]:
    """The reply at ``start`` and where the next begins."""
    if start >= len(buffer):
        raise _Incomplete
    kind = buffer[start]
    if kind in _BLOBS:
        blob, after = _blob(buffer, start + 1)
        if kind == 0x21 and blob is not None:  # "!": a blob error
            return ResponseError(blob.decode(errors="replace")), after
        return blob, after
    end = buffer.find(b"\r\n", start)
    if end < 0:
        raise _Incomplete
    line = buffer[start + 1 : end]
    after = end + 2
    if kind in _ARRAYS or kind == 0x25 or kind == 0x7C:  # "%" map, "|" attributes
        count = int(line)
        if count < 0:
            return None, after
        if kind == 0x25 or kind == 0x7C:
            count *= 2
        items = []
        for _ in range(count):
            item, after = _reply(buffer, after)
            items.append(item)
        if kind == 0x7C:  # attributes describe the reply that follows: skip them
            return _reply(buffer, after)
        return items, after
    if kind == 0x3A:  # ":" integer
        return int(line), after
    if kind in _LINES:
        return line, after
    if kind == 0x2D:  # "-" error
        return ResponseError(line.decode(errors="replace")), after
    if kind == 0x5F:  # "_" null
        return None, after
    raise InvalidResponse(f"Redis sent a reply of unknown type {chr(kind)!r}")


def parse_replies(buffer: bytes) -> tuple[list[Reply], int]:
    """Every complete reply at the start of ``buffer``, and how many bytes they took.

    A message comes as ``[b"message", channel, data]`` (``b"smessage"`` when sharded)
    whichever protocol the connection speaks. Raises ``InvalidResponse`` for bytes
    that are not RESP.
    """
    replies: list[Reply] = []
    position, size = 0, len(buffer)
    try:
        while position < size:
            kind = None
            for length in _HEAD_LENGTHS:
                kind = _MESSAGE_HEADS.get(buffer[position : position + length])
                if kind is not None:
                    channel, after = _blob(buffer, position + length)
                    data, after = _blob(buffer, after + 1)
                    replies.append([kind, channel, data])
                    break
            else:
                reply, after = _reply(buffer, position)
                replies.append(reply)
            position = after
    except _Incomplete:
        pass
    except ValueError as exc:  # a length or an integer that is not a number
        raise InvalidResponse(f"Redis sent a malformed reply ({exc})") from exc
    return replies, position


class SubscribedConnection:
    """A connection of ``client``'s pool, taken out of it for subscribing.

    Commands are sent with :meth:`send`; what Redis sends back, confirmations and
    messages alike, comes from :meth:`read`. Never returned to the pool: :meth:`close`
    closes it.
    """

    def __init__(self, connection: AbstractConnection, stream: asyncio.StreamReader) -> None:
        self._connection = connection
        self._stream = stream
        self._rest = b""

    @classmethod
    async def open(cls, client: redis.asyncio.Redis) -> "SubscribedConnection":
        """Connect (and authenticate, select the database ...) as ``client`` would."""
        pool = client.connection_pool
        connection: AbstractConnection = pool.make_connection()  # type: ignore[no-untyped-call]
        try:
            await connection.connect()  # type: ignore[no-untyped-call]
            # redis-py reads its replies from this stream; none is pending once the
            # handshake is done, and from then on only read() reads it.
            stream = connection._reader
            if stream is None:
                raise RedisConnectionError("redis-py opened no stream to read")
        except BaseException:
            await connection.disconnect()
            raise
        return cls(connection, stream)

    async def send(self, *arguments: bytes | str) -> None:
        """Send one command. Raises ``ConnectionError`` once the connection is lost
        (redis-py would open a new one, subscribed to nothing)."""
        if not self._connection.is_connected:
            raise RedisConnectionError("the pub/sub connection is closed")
        await self._connection.send_command(*arguments, check_health=False)

    async def read(self, timeout: float) -> list[Reply]:
        """The replies the next chunk completes (never empty); raises ``TimeoutError``
        after ``timeout`` seconds without one, ``ConnectionError`` when Redis closes."""
        async with asyncio.timeout(timeout):
            while True:
                chunk = await self._stream.read(_CHUNK)
                if not chunk:
                    raise RedisConnectionError("Redis closed the pub/sub connection")
                buffer = self._rest + chunk if self._rest else chunk
                replies, used = parse_replies(buffer)
                self._rest = buffer[used:]
                if replies:
                    return replies

    async def close(self) -> None:
        await self._connection.disconnect()
