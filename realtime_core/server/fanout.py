"""Writing frames to many sockets fast (``docs/explanation/performance.md``).

A published message becomes one WebSocket frame, built once and shared by every
subscriber. The first message of an event-loop turn is written at once to every
socket that has nothing queued; later ones in the same turn queue per connection
and are flushed once at its end, so under load one system call carries everything
a connection got in that turn. Bytes go straight to the socket when Tornado holds
nothing for it; only what the kernel does not take goes through ``IOStream.write``
(which keeps order: a direct send happens only while nothing is queued). Every connection's queue is
bounded: a client that does not read is dropped, never allowed to grow memory or
hold up the others. Tornado is handed at most :data:`HANDED_TO_TORNADO` bytes for a
connection that is behind; the rest waits in the connection's own queue, which can be
dropped, so a dropped client reads little more before its ``4100``.
"""

import asyncio
import contextlib
import logging
import struct
from collections.abc import Callable
from typing import Protocol

from tornado.iostream import IOStream, StreamClosedError

from .stats import Stats
from .tornado_internals import buffered_bytes, socket_of

__all__ = [
    "HANDED_TO_TORNADO",
    "FlushScheduler",
    "FrameOutlet",
    "Outlet",
    "text_frame",
    "text_frame_payload",
]

logger = logging.getLogger(__name__)

HANDED_TO_TORNADO = 65_536
"""Bytes a connection that is behind may have in Tornado's buffer at once (the kernel's
own buffers come first): what it still reads after it is dropped for being too slow."""


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


def text_frame_payload(frame: bytes) -> bytes:
    """The payload of a frame built by :func:`text_frame` (an HTTP transport sends
    the payload alone)."""
    length = frame[1]
    return frame[2:] if length < 126 else frame[4:] if length == 126 else frame[10:]


class FrameOutlet(Protocol):
    """Where fan-out writes one connection's frames (WebSocket text frames, built
    once for every subscriber): :class:`Outlet` for a socket, an HTTP session's
    outlet (:mod:`.http_transport`) for the HTTP transports. Every one is bounded
    and calls its overflow callback once when a write would pass its limit."""

    def idle(self) -> bool:
        """Whether a write would go out at once, in order (no need to queue)."""
        ...

    def queue(self, frame: bytes) -> bool:
        """Queue ``frame``; True when the outlet was empty (it needs a flush)."""
        ...

    def flush(self) -> None:
        """Send everything queued."""
        ...

    def write(self, data: bytes) -> None:
        """Send ``data`` now, after anything already sent."""
        ...


class Outlet:
    """One connection's outgoing queue.

    ``stream`` is the connection's detached IOStream; ``limit`` bounds the bytes
    queued here plus those Tornado still buffers; ``on_overflow`` runs once when a
    write would pass it. The bytes written go to ``stats.bytes_out``.
    """

    __slots__ = (
        "_direct",
        "_draining",
        "_frames",
        "_queued",
        "limit",
        "on_overflow",
        "overflowed",
        "stats",
        "stream",
    )

    def __init__(
        self, stream: IOStream, limit: int, on_overflow: Callable[[], None], stats: Stats
    ) -> None:
        self.stream = stream
        self.limit = limit
        self.on_overflow = on_overflow
        self.stats = stats
        self.overflowed = False
        self._frames: list[bytes] = []
        self._queued = 0
        self._draining = False
        # Plain TCP only: a TLS stream must encrypt through IOStream.
        self._direct = type(stream) is IOStream

    def idle(self) -> bool:
        """Nothing is queued here or in Tornado: a write would go out at once, in order."""
        return not self._frames and buffered_bytes(self.stream) == 0

    def queue(self, frame: bytes) -> bool:
        """Queue ``frame``; True when the outlet was empty (it needs a flush)."""
        if self.overflowed:
            return False
        self._frames.append(frame)
        self._queued += len(frame)
        if self._queued + buffered_bytes(self.stream) > self.limit:
            self._overflow()
            return False
        return len(self._frames) == 1

    def flush(self) -> None:
        """Write everything queued, in one system call when the socket takes it."""
        if not self._frames:
            return
        data = self._frames[0] if len(self._frames) == 1 else b"".join(self._frames)
        self._frames.clear()
        self._queued = 0
        self.write(data)

    def write(self, data: bytes) -> None:
        """Write ``data`` after anything already buffered: straight to the socket when
        Tornado holds nothing for it, through ``IOStream.write`` for what is left."""
        stream = self.stream
        if self.overflowed or stream.closed():
            return
        left: bytes | memoryview = data
        if self._direct and buffered_bytes(stream) == 0:
            try:
                sent = socket_of(stream).send(data)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                # The peer is gone; Tornado notices on its next read and closes.
                return
            self.stats.bytes_out += sent
            if sent == len(data):
                return
            left = memoryview(data)[sent:]
        buffered = buffered_bytes(stream)
        if buffered >= HANDED_TO_TORNADO:
            self._hold(bytes(left), buffered)
            return
        if len(left) + buffered > self.limit:
            self._overflow()
            return
        with contextlib.suppress(StreamClosedError):
            stream.write(left)
            self.stats.bytes_out += len(left)

    def _hold(self, data: bytes, buffered: int) -> None:
        """Keep ``data`` (older than anything queued) until Tornado's buffer drains."""
        self._frames.insert(0, data)
        self._queued += len(data)
        if self._queued + buffered > self.limit:
            self._overflow()
            return
        if not self._draining:
            self._draining = True
            try:
                # An empty write's future resolves once everything before it is sent.
                drained = self.stream.write(b"")
            except StreamClosedError:
                return
            drained.add_done_callback(self._drained)

    def _drained(self, future: "asyncio.Future[None]") -> None:
        self._draining = False
        if not future.cancelled() and future.exception() is None:
            self.flush()

    def _overflow(self) -> None:
        self._frames.clear()
        self._queued = 0
        if not self.overflowed:
            self.overflowed = True
            self.on_overflow()


class FlushScheduler:
    """Decides, per fan-out, between writing at once and coalescing within a loop turn.

    The first fan-out of a loop turn writes straight to every idle socket (lowest
    latency when traffic is light); later ones in the same turn queue, and every
    queue is flushed once at the end of the turn (one system call per connection
    when traffic is heavy).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._dirty: list[FrameOutlet] = []
        self._scheduled = False

    def write_through(self) -> bool:
        """True for the first fan-out of this loop turn: write now instead of queueing."""
        if self._scheduled:
            return False
        self._schedule()
        return True

    def queue(self, outlet: FrameOutlet, frame: bytes) -> None:
        if outlet.queue(frame):
            if not self._scheduled:
                self._schedule()
            self._dirty.append(outlet)

    def _schedule(self) -> None:
        self._scheduled = True
        self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        dirty, self._dirty = self._dirty, []
        self._scheduled = False
        for outlet in dirty:
            try:
                outlet.flush()
            except Exception:
                logger.exception("Flushing a connection failed")
