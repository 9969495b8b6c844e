"""Brokers carry published messages from backends to the socket servers that listen.

A socket server subscribes to the channels its connections are interested in and
receives one :class:`Delivery` per (message, channel). The in-process broker lives in
:mod:`realtime_core.backends.memory`; the Redis broker serves the ``tornado_redis``
backend across processes.
"""

import abc
import dataclasses
from collections.abc import Callable, Sequence

from .messages import Message

__all__ = ["Broker", "Delivery", "Listener"]


@dataclasses.dataclass(frozen=True, slots=True)
class Delivery:
    """One message as it reaches one channel."""

    channel: str
    message: Message
    position: str
    """Where the message stands in its channel: increasing within one broker's
    lifetime, opaque outside the broker that assigned it (a counter in process,
    a stream id in Redis), so clients can later ask for what they missed."""


Listener = Callable[[Delivery], None]
"""Called for every delivery on a subscribed channel. It may run on any thread and
must not block: a socket server hands the delivery to its own event loop."""


class Broker(abc.ABC):
    """Fan-out between publishers and the socket servers listening for channels."""

    @abc.abstractmethod
    def publish(self, messages: Sequence[Message]) -> None:
        """Deliver ``messages`` to every listener of each of their channels."""

    @abc.abstractmethod
    def subscribe(self, channel: str, listener: Listener) -> None:
        """Start calling ``listener`` for deliveries on ``channel``."""

    @abc.abstractmethod
    def unsubscribe(self, channel: str, listener: Listener) -> None:
        """Stop calling ``listener`` for ``channel``; unknown pairs are ignored."""
