"""The ``memory`` backend: in-process delivery, the embedded default.

Publishes go to :data:`broker`, one in-process broker shared by the whole process,
which the embedded socket server subscribes to. Validation and encoding are the
same as on every other backend, and everything sent is recorded in
:data:`realtime_core.testing.outbox` while a test captures it.

It cannot reach sockets served by another process: use ``tornado_redis`` or
``pusher`` when Django runs in several processes.
"""

import itertools
import logging
import threading
import time
import uuid
from collections.abc import Sequence
from typing import Any

from ..broker import Broker, Delivery, Listener
from ..messages import Event, Message
from ..testing import outbox
from .base import Backend, Capabilities, CheckResult, CheckStatus

__all__ = ["InProcessBroker", "MemoryBackend", "broker"]

logger = logging.getLogger(__name__)


class InProcessBroker(Broker):
    """A thread-safe broker for publishers and listeners in one process.

    Listeners run on the publishing thread, in position order per channel.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._listeners: dict[str, tuple[Listener, ...]] = {}
        self._positions = itertools.count(1)

    def publish(self, messages: Sequence[Message]) -> None:
        # Holding the lock while listeners run keeps each channel's deliveries in
        # position order across concurrent publishers; listeners must not block.
        with self._lock:
            for message in messages:
                for channel in message.channels:
                    delivery = Delivery(channel, message, str(next(self._positions)))
                    for listener in self._listeners.get(channel, ()):
                        try:
                            listener(delivery)
                        except Exception:
                            logger.exception("Listener %r failed on channel %r", listener, channel)

    def subscribe(self, channel: str, listener: Listener) -> None:
        with self._lock:
            self._listeners[channel] = (*self._listeners.get(channel, ()), listener)

    def unsubscribe(self, channel: str, listener: Listener) -> None:
        with self._lock:
            remaining = tuple(item for item in self._listeners.get(channel, ()) if item != listener)
            if remaining:
                self._listeners[channel] = remaining
            else:
                self._listeners.pop(channel, None)


broker = InProcessBroker()
"""The process-wide broker every :class:`MemoryBackend` publishes into."""


class MemoryBackend(Backend):
    """Delivers to sockets served by this process (see the module docstring)."""

    def send(self, messages: list[Message]) -> None:
        outbox.record(messages)
        broker.publish(messages)

    async def asend(self, messages: list[Message]) -> None:
        # Nothing here blocks: no thread hop needed.
        self.send(messages)

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            presence=True,
            client_events=True,
            user_signin=True,
            encrypted_channels=True,
            recovery=False,
            multi_process=False,
        )

    def client_config(self) -> dict[str, Any]:
        return {"backend": self.name}

    def check(self) -> list[CheckResult]:
        connectivity = CheckResult(
            "connectivity", CheckStatus.OK, 0.0, "in-process delivery: no network involved"
        )
        started = time.perf_counter()
        channel = f"realtime-check-{uuid.uuid4().hex}"
        messages = self.prepare([Event(channel, "realtime-check", {"check": channel})])
        received: list[Delivery] = []
        broker.subscribe(channel, received.append)
        try:
            broker.publish(messages)
        finally:
            broker.unsubscribe(channel, received.append)
        elapsed = time.perf_counter() - started
        if [delivery.message for delivery in received] == messages:
            detail, status = "the event reached an in-process listener unchanged", CheckStatus.OK
        else:
            detail = f"expected exactly {messages[0]!r}, received {received!r}"
            status = CheckStatus.FAILED
        return [connectivity, CheckResult("round trip", status, elapsed, detail)]
