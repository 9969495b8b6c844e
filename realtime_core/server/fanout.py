"""Writing frames to many sockets fast (ARCHITECTURE.md section 6).

A published message becomes one WebSocket frame, built once and shared by every
subscriber. Frames queue per connection and are flushed once per event-loop turn,
so one system call carries everything a connection got in that turn. When a
stream has nothing queued the bytes go straight to the socket; only what the
kernel does not take goes through Tornado's ``IOStream.write`` (which keeps order:
a direct send happens only while nothing is queued). Every connection's queue is
bounded: a client that does not read is dropped, never allowed to grow memory or
hold up the others.
"""

import asyncio
import contextlib
import logging
import struct
from collections.abc import Callable

from tornado.iostream import IOStream, StreamClosedError

__all__ = ["FlushScheduler", "Outlet", "text_frame"]

logger = logging.getLogger(__name__)


def text_frame(payload: bytes) -> bytes:
    """An unmasked, final WebSocket text frame (server to client, no compression)."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x81, length)
    elif length < 65_536:
        header = struct.pack("!BBH", 0x81, 126, length)
    else:
        header = struct.pack("!BBQ", 0x81, 127, length)
    return header + payload


class Outlet:
    """One connection's outgoing queue.

    ``stream`` is the connection's detached IOStream; ``limit`` bounds the bytes
    queued here plus those Tornado still buffers; ``on_overflow`` runs once when a
    write would pass it.
    """

    __slots__ = ("_frames", "_queued", "limit", "on_overflow", "overflowed", "stream")

    def __init__(self, stream: IOStream, limit: int, on_overflow: Callable[[], None]) -> None:
        self.stream = stream
        self.limit = limit
        self.on_overflow = on_overflow
        self.overflowed = False
        self._frames: list[bytes] = []
        self._queued = 0

    def queue(self, frame: bytes) -> bool:
        """Queue ``frame``; True when the outlet was empty (it needs a flush)."""
        if self.overflowed:
            return False
        self._frames.append(frame)
        self._queued += len(frame)
        if self._queued + _buffered(self.stream) > self.limit:
            self._overflow()
            return False
        return len(self._frames) == 1

    def flush(self) -> None:
        """Write everything queued: straight to the socket when possible."""
        if not self._frames:
            return
        data = self._frames[0] if len(self._frames) == 1 else b"".join(self._frames)
        self._frames.clear()
        self._queued = 0
        stream = self.stream
        if stream.closed():
            return
        view = memoryview(data)
        if not stream.writing() and type(stream) is IOStream:
            try:
                sent = stream.socket.send(view)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                # The peer is gone; Tornado notices on its next read and closes.
                return
            if sent == len(data):
                return
            view = view[sent:]
        if len(view) + _buffered(stream) > self.limit:
            self._overflow()
            return
        with contextlib.suppress(StreamClosedError):
            stream.write(view)

    def _overflow(self) -> None:
        self._frames.clear()
        self._queued = 0
        if not self.overflowed:
            self.overflowed = True
            self.on_overflow()


def _buffered(stream: IOStream) -> int:
    """Bytes Tornado holds for ``stream`` that the kernel has not taken yet."""
    # IOStream exposes no public size for its write buffer; these two counters have
    # been part of it since Tornado 5 and the slow-client test guards them.
    return stream._total_write_index - stream._total_write_done_index


class FlushScheduler:
    """Flushes every outlet that got frames during this loop turn, once, at its end."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._dirty: list[Outlet] = []

    def queue(self, outlet: Outlet, frame: bytes) -> None:
        if outlet.queue(frame):
            if not self._dirty:
                self._loop.call_soon(self._flush)
            self._dirty.append(outlet)

    def _flush(self) -> None:
        dirty, self._dirty = self._dirty, []
        for outlet in dirty:
            try:
                outlet.flush()
            except Exception:
                logger.exception("Flushing a connection failed")
