"""The server process's registry: which local connections listen to which channels.

The hub turns broker deliveries into frames on sockets: a delivery for a channel
reaches that channel's local subscribers (``#server-to-user-`` channels reach every
connection signed in as that user) except the excluded socket. It tells the broker
which channels this process is interested in, keeps the subscription counts the
HTTP API reports, and pings idle connections.
"""

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from ..broker import Broker, Delivery
from ..protocol import PRESENCE_PREFIX, SERVER_TO_USER_PREFIX
from .config import ServerConfig
from .fanout import FlushScheduler, text_frame
from .stats import Stats

if TYPE_CHECKING:
    from .connection import PusherConnection

__all__ = ["Hub"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Hub:
    """Local connections, their channels, and the broker they share with other servers."""

    def __init__(self, config: ServerConfig, broker: Broker, stats: Stats | None = None) -> None:
        self.config = config
        self.broker = broker
        self.stats = stats or Stats()
        self.connections: dict[str, PusherConnection] = {}
        self._channels: dict[str, set[PusherConnection]] = {}
        self._users: dict[str, set[PusherConnection]] = {}
        self._listening: dict[str, asyncio.Future[None]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._scheduler: FlushScheduler | None = None
        self._sweeper: asyncio.Task[None] | None = None

    # Lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._scheduler = FlushScheduler(self._loop)
        await self.broker.start(self.deliver, self.terminate_user)
        self._sweeper = asyncio.create_task(self._sweep_idle())

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        await self.broker.close()

    @property
    def scheduler(self) -> FlushScheduler:
        if self._scheduler is None:
            raise RuntimeError("the hub has not been started")
        return self._scheduler

    # Connections ------------------------------------------------------------------------

    def add(self, connection: "PusherConnection") -> None:
        self.connections[connection.socket_id] = connection
        self.stats.connections += 1
        self.stats.connections_total += 1

    async def remove(self, connection: "PusherConnection") -> None:
        """Forget a closed connection: leave its channels, sign it out."""
        if self.connections.pop(connection.socket_id, None) is None:
            return
        self.stats.connections -= 1
        for channel in list(connection.channels):
            try:
                await self.unsubscribe(connection, channel)
            except Exception:
                logger.warning(
                    "Leaving %s for closed connection %s failed",
                    channel,
                    connection.socket_id,
                    exc_info=True,
                )
        if connection.user_id is not None:
            await self._forget_user(connection)

    async def subscribe(self, connection: "PusherConnection", channel: str) -> bool:
        """Add ``connection`` to ``channel``; False when it was already there."""
        if channel in connection.channels:
            return False
        connection.channels.add(channel)
        subscribers = self._channels.setdefault(channel, set())
        subscribers.add(connection)
        try:
            await self._listen(channel)
        except Exception:
            connection.channels.discard(channel)
            subscribers.discard(connection)
            if not subscribers:
                self._channels.pop(channel, None)
            raise
        await self.broker.count_subscription(channel, 1)
        return True

    async def unsubscribe(self, connection: "PusherConnection", channel: str) -> None:
        if channel not in connection.channels:
            return
        # Local bookkeeping first: whatever the broker does next, this process forgets
        # the connection and stops listening when it was the last subscriber.
        connection.channels.discard(channel)
        connection.presence_ids.pop(channel, None)
        subscribers = self._channels.get(channel, set())
        subscribers.discard(connection)
        last = not subscribers and self._channels.pop(channel, None) is not None
        try:
            if channel.startswith(PRESENCE_PREFIX):
                await self.broker.leave_and_announce(channel, connection.socket_id)
            await self.broker.count_subscription(channel, -1)
        finally:
            if last:
                await self._unlisten(channel)

    async def sign_in(self, connection: "PusherConnection", user_id: str) -> None:
        connection.user_id = user_id
        connections = self._users.setdefault(user_id, set())
        connections.add(connection)
        try:
            await self._listen(SERVER_TO_USER_PREFIX + user_id)
        except Exception:
            connection.user_id = None
            connections.discard(connection)
            if not connections:
                self._users.pop(user_id, None)
            raise

    async def _forget_user(self, connection: "PusherConnection") -> None:
        user_id = connection.user_id
        assert user_id is not None
        connections = self._users.get(user_id, set())
        connections.discard(connection)
        if not connections and self._users.pop(user_id, None) is not None:
            await self._unlisten(SERVER_TO_USER_PREFIX + user_id)

    async def _listen(self, channel: str) -> None:
        """Return once the broker delivers ``channel`` here, asking it on first interest.

        Every local subscriber waits for the same request, not only the first: a
        confirmed subscription (or sign-in) must not miss what is published next.
        """
        listening = self._listening.get(channel)
        if listening is None:
            listening = self._listening[channel] = asyncio.ensure_future(
                self.broker.listen(channel)
            )
        try:
            await asyncio.shield(listening)
        except Exception:
            if self._listening.get(channel) is listening:
                del self._listening[channel]  # the next subscriber asks again
            raise

    async def _unlisten(self, channel: str) -> None:
        self._listening.pop(channel, None)
        await self.broker.unlisten(channel)

    # Broker callbacks -------------------------------------------------------------------

    def _on_loop(self, callback: Callable[[T], None], argument: T) -> None:
        """Run ``callback(argument)`` on the hub's loop: at once when called there, else
        scheduled thread-safely (the in-process broker calls from publishing threads)."""
        if threading.get_ident() == self._loop_thread:
            callback(argument)
        elif self._loop is not None:
            self._loop.call_soon_threadsafe(callback, argument)

    def deliver(self, delivery: Delivery) -> None:
        """Fan a delivery out to local subscribers; safe to call from any thread."""
        self._on_loop(self._fan_out, delivery)

    def _fan_out(self, delivery: Delivery) -> None:
        channel = delivery.channel
        if channel.startswith(SERVER_TO_USER_PREFIX):
            targets: Iterable[PusherConnection] = self._users.get(
                channel.removeprefix(SERVER_TO_USER_PREFIX), ()
            )
        else:
            targets = self._channels.get(channel, ())
        frame = text_frame(delivery.payload)
        scheduler, excluded, sent = self.scheduler, delivery.except_socket_id, 0
        write_through = scheduler.write_through()
        for connection in targets:
            if connection.socket_id != excluded:
                outlet = connection.outlet
                if write_through and outlet.idle():
                    outlet.write(frame)
                else:
                    scheduler.queue(outlet, frame)
                sent += 1
        self.stats.messages_out += sent

    def terminate_user(self, user_id: str) -> None:
        """Close every local connection signed in as ``user_id``; safe from any thread."""
        self._on_loop(self._terminate_local, user_id)

    def _terminate_local(self, user_id: str) -> None:
        for connection in list(self._users.get(user_id, ())):
            connection.close_with(4009, "Connection terminated by the application")

    # Idle connections -------------------------------------------------------------------

    async def _sweep_idle(self) -> None:
        """Ping connections idle for ``activity_timeout``; close those that stay silent."""
        config = self.config
        interval = min(5.0, config.activity_timeout / 4, config.pong_timeout / 4)
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for connection in list(self.connections.values()):
                try:
                    connection.check_activity(now)
                except Exception:
                    logger.exception("Checking connection %s failed", connection.socket_id)

    def close_all(self, code: int, reason: str) -> None:
        for connection in list(self.connections.values()):
            connection.close_with(code, reason)
