"""Internal: one Redis pub/sub connection, subscribed to a changing set of keys and kept alive.

:class:`~realtime_core.brokers.redis.RedisBroker` subscribes a socket server to
the channels its connections listen to through a :class:`Subscriber`. When the
connection fails (or stops answering PING) it is replaced, with backoff, and every key
is subscribed again; messages published meanwhile are missed.
"""

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

__all__ = ["REDIS_ERRORS", "Subscriber"]

logger = logging.getLogger(__name__)

REDIS_ERRORS = (RedisError, OSError)
"""What a Redis call raises when Redis is unreachable, slow or refuses it."""

_RECONNECT_FIRST = 0.1
_RECONNECT_MAX = 5.0


class Subscriber:
    """Calls ``on_message(key, data)`` for messages on ``always`` and on the added keys.

    ``on_reconnected`` runs after each reconnection (not the first connection).
    ``ping_interval``: after that long without traffic the connection is PINGed, and
    replaced when twice that passes in silence. ``timeout`` bounds the wait for Redis
    to confirm a subscription.
    """

    def __init__(
        self,
        client: redis.asyncio.Redis,
        *,
        url: str,
        always: bytes,
        on_message: Callable[[bytes, bytes], None],
        on_reconnected: Callable[[], Awaitable[None]],
        ping_interval: float,
        timeout: float,
    ) -> None:
        self._client = client
        self._url = url
        self._always = always
        self._on_message = on_message
        self._on_reconnected = on_reconnected
        self._ping_interval = ping_interval
        self._timeout = timeout
        self.keys: set[bytes] = set()
        """The keys subscribed besides ``always``; only their messages are passed on."""
        self._pubsub: PubSub | None = None
        self._lock = asyncio.Lock()  # orders SUBSCRIBE/UNSUBSCRIBE and reconnections
        self._confirmations: dict[bytes, list[asyncio.Future[None]]] = defaultdict(list)
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        """Set by :meth:`wake` to cut a reconnection's backoff short."""

    def wake(self) -> None:
        """Redis answered another call: if the connection is down, reconnect now rather
        than at the end of the backoff (messages published meanwhile are missed, and
        the history that fills them in holds only so many)."""
        if self._pubsub is None:
            self._wake.set()

    async def start(self) -> None:
        """Connect (or, if Redis is unreachable, log it) and keep reading until closed."""
        try:
            await self._connect()
        except REDIS_ERRORS as exc:
            logger.warning(
                "Redis at %s is unreachable (%s: %s); serving anyway and retrying",
                self._url,
                type(exc).__name__,
                exc,
            )
        self._task = asyncio.create_task(self._read_forever(), name="redis-pubsub")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._drop()

    async def add(self, key: bytes) -> None:
        """Subscribe ``key``; returns once Redis confirmed it (at once during an outage:
        the reconnection subscribes it)."""
        async with self._lock:
            if key in self.keys:
                return
            self.keys.add(key)
            if self._pubsub is None:
                return
            confirmed = asyncio.get_running_loop().create_future()
            self._confirmations[key].append(confirmed)
            try:
                await self._pubsub.subscribe(key)
            except REDIS_ERRORS as exc:
                logger.debug("Subscribing %r failed (%s); it will be on reconnection", key, exc)
                return
        try:
            async with asyncio.timeout(self._timeout):
                await confirmed
        except TimeoutError:
            logger.warning(
                "Redis at %s did not confirm the subscription to %r within %s s",
                self._url,
                key,
                self._timeout,
            )

    async def remove(self, key: bytes) -> None:
        """Unsubscribe ``key``; its messages stop being passed on at once."""
        async with self._lock:
            if key not in self.keys:
                return
            self.keys.discard(key)
            if self._pubsub is not None:
                try:
                    await self._pubsub.unsubscribe(key)
                except REDIS_ERRORS as exc:
                    logger.debug("Unsubscribing %r failed (%s)", key, exc)

    async def _connect(self) -> PubSub:
        pubsub = self._client.pubsub()
        try:
            await pubsub.connect()  # type: ignore[no-untyped-call]
            async with self._lock:
                await pubsub.subscribe(self._always, *self.keys)
                self._pubsub = pubsub
        except BaseException:
            await pubsub.aclose()
            raise
        return pubsub

    async def _drop(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        for futures in self._confirmations.values():
            for future in futures:
                if not future.done():
                    future.set_result(None)
        self._confirmations.clear()
        if pubsub is not None:
            with contextlib.suppress(*REDIS_ERRORS):
                await pubsub.aclose()

    async def _read_forever(self) -> None:
        loop = asyncio.get_running_loop()
        delay, lost_at = _RECONNECT_FIRST, None
        while True:
            try:
                pubsub = self._pubsub or await self._connect()
                if lost_at is not None:
                    logger.info(
                        "Redis pub/sub at %s is back after %.1f s; re-subscribed %d channels",
                        self._url,
                        loop.time() - lost_at,
                        len(self.keys),
                    )
                    lost_at, delay = None, _RECONNECT_FIRST
                    await self._on_reconnected()
                await self._read(pubsub)
            except Exception as exc:
                if lost_at is None:
                    lost_at = loop.time()
                    logger.warning(
                        "Lost the Redis pub/sub connection to %s (%s: %s); reconnecting",
                        self._url,
                        type(exc).__name__,
                        exc,
                        exc_info=not isinstance(exc, REDIS_ERRORS),
                    )
                await self._drop()
                self._wake.clear()
                # asyncio.timeout, not wait_for, which on Python 3.11 can swallow the
                # cancellation close() sends (the loop would then never end).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._wake.wait()
                delay = min(delay * 2, _RECONNECT_MAX)

    async def _read(self, pubsub: PubSub) -> None:
        """Dispatch messages until the connection fails; PING it when it falls silent."""
        loop = asyncio.get_running_loop()
        heard = loop.time()
        while True:
            message = await pubsub.get_message(timeout=self._ping_interval)
            if message is None:
                if loop.time() - heard > 2 * self._ping_interval:
                    raise ConnectionError("Redis did not answer PING on the pub/sub connection")
                await pubsub.ping()
                continue
            heard = loop.time()
            self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind, key = message["type"], message["channel"]
        if kind == "message":
            if key == self._always or key in self.keys:
                try:
                    self._on_message(key, message["data"])
                except Exception:
                    logger.exception("Handling a message on %r failed", key)
        elif kind == "subscribe":
            for future in self._confirmations.pop(key, ()):
                if not future.done():
                    future.set_result(None)
