"""Internal: Redis pub/sub connections, subscribed to a changing set of keys and kept alive.

:class:`~realtime_core.brokers.redis.RedisBroker` subscribes a socket server to
the channels its connections listen to through a :class:`Subscriber`. When the
connection fails (or stops answering PING) it is replaced, with backoff, and every key
is subscribed again; messages published meanwhile are missed.

On a Redis Cluster a :class:`ClusterSubscriber` holds one sharded :class:`Subscriber`
(``SSUBSCRIBE``) per primary, each with the keys whose slots that primary serves. When a
shard's connection fails, or its server drops a subscription itself (its slot moved),
the cluster's slot map is read again and every key moved to the subscriber of the
primary that serves it now (a replica promoted by a failover, say); then
``on_reconnected`` runs, as after any reconnection, for the server to fill the gap.
"""

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable

import redis.asyncio
import redis.asyncio.cluster
from redis.exceptions import RedisClusterException, RedisError, ResponseError

from .redis_subscribed import Reply, SubscribedConnection

__all__ = ["REDIS_ERRORS", "ClusterSubscriber", "Subscriber"]

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

    ``sharded``: subscribe with ``SSUBSCRIBE``, to one Cluster node (``client``); then
    ``on_lost`` runs when the connection fails and when the node drops a subscription
    itself (the key's slot moved), for the :class:`ClusterSubscriber` to find the keys'
    primaries anew. ``always`` may be None there: a shard without the control channel.
    ``owns_client``: :meth:`close` closes ``client`` too.
    """

    def __init__(
        self,
        client: redis.asyncio.Redis,
        *,
        url: str,
        always: bytes | None,
        on_message: Callable[[bytes, bytes], None],
        on_reconnected: Callable[[], Awaitable[None]],
        ping_interval: float,
        timeout: float,
        sharded: bool = False,
        on_lost: Callable[[], None] | None = None,
        owns_client: bool = False,
    ) -> None:
        self._client = client
        self._owns_client = owns_client
        self._url = url
        self._sharded = sharded
        self._on_lost = on_lost
        self._always = always
        self._on_message = on_message
        self._on_reconnected = on_reconnected
        self._ping_interval = ping_interval
        self._timeout = timeout
        self.keys: set[bytes] = set()
        """The keys subscribed besides ``always``; only their messages are passed on."""
        self._connection: SubscribedConnection | None = None
        self._lock = asyncio.Lock()  # orders SUBSCRIBE/UNSUBSCRIBE and reconnections
        self._confirmations: dict[bytes, list[asyncio.Future[None]]] = defaultdict(list)
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        """Set by :meth:`wake` to cut a reconnection's backoff short."""

    @property
    def connected(self) -> bool:
        return self._connection is not None

    def wake(self) -> None:
        """Redis answered another call: if the connection is down, reconnect now rather
        than at the end of the backoff (messages published meanwhile are missed, and
        the history that fills them in holds only so many)."""
        if self._connection is None:
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
        if self._owns_client:
            await self._client.aclose()

    async def add(self, key: bytes) -> None:
        """Subscribe ``key``; returns once Redis confirmed it (at once during an outage:
        the reconnection subscribes it)."""
        async with self._lock:
            if key in self.keys:
                return
            self.keys.add(key)
            if self._connection is None:
                return
            confirmed = asyncio.get_running_loop().create_future()
            self._confirmations[key].append(confirmed)
            try:
                await self._subscribe(self._connection, key)
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
            if self._connection is not None:
                try:
                    await self._connection.send(
                        "SUNSUBSCRIBE" if self._sharded else "UNSUBSCRIBE", key
                    )
                except REDIS_ERRORS as exc:
                    logger.debug("Unsubscribing %r failed (%s)", key, exc)

    async def _connect(self) -> SubscribedConnection:
        connection = await SubscribedConnection.open(self._client)
        try:
            async with self._lock:
                wanted = [*self.keys] if self._always is None else [self._always, *self.keys]
                if self._sharded:
                    for key in wanted:  # one SSUBSCRIBE per key: each may be of its own slot
                        await self._subscribe(connection, key)
                elif wanted:
                    await connection.send("SUBSCRIBE", *wanted)
                self._connection = connection
        except BaseException:
            await connection.close()
            raise
        return connection

    async def _subscribe(self, connection: SubscribedConnection, key: bytes) -> None:
        await connection.send("SSUBSCRIBE" if self._sharded else "SUBSCRIBE", key)

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        for futures in self._confirmations.values():
            for future in futures:
                if not future.done():
                    future.set_result(None)
        self._confirmations.clear()
        if connection is not None:
            with contextlib.suppress(*REDIS_ERRORS):
                await connection.close()

    async def _read_forever(self) -> None:
        loop = asyncio.get_running_loop()
        delay, lost_at = _RECONNECT_FIRST, None
        while True:
            try:
                connection = self._connection or await self._connect()
                if lost_at is not None:
                    logger.info(
                        "Redis pub/sub at %s is back after %.1f s; re-subscribed %d channels",
                        self._url,
                        loop.time() - lost_at,
                        len(self.keys),
                    )
                    lost_at, delay = None, _RECONNECT_FIRST
                    await self._on_reconnected()
                await self._read(connection)
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
                if self._on_lost is not None:
                    self._on_lost()
                self._wake.clear()
                # asyncio.timeout, not wait_for, which on Python 3.11 can swallow the
                # cancellation close() sends (the loop would then never end).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._wake.wait()
                delay = min(delay * 2, _RECONNECT_MAX)

    async def _read(self, connection: SubscribedConnection) -> None:
        """Dispatch messages until the connection fails; PING it when it falls silent."""
        loop = asyncio.get_running_loop()
        heard = loop.time()
        while True:
            try:
                replies = await connection.read(self._ping_interval)
            except TimeoutError:
                if loop.time() - heard > 2 * self._ping_interval:
                    raise ConnectionError(
                        "Redis did not answer PING on the pub/sub connection"
                    ) from None
                await connection.send("PING")
                continue
            heard = loop.time()
            for reply in replies:
                self._dispatch(reply)

    def _dispatch(self, reply: Reply) -> None:
        if isinstance(reply, ResponseError):
            raise reply  # a refused command: start afresh on a new connection
        if not isinstance(reply, list) or len(reply) != 3:
            return  # PING's pong
        kind, key, value = reply
        if kind in (b"message", b"smessage"):
            if key == self._always or key in self.keys:
                try:
                    self._on_message(key, value)
                except Exception:
                    logger.exception("Handling a message on %r failed", key)
        elif kind in (b"subscribe", b"ssubscribe"):
            for future in self._confirmations.pop(key, ()):
                if not future.done():
                    future.set_result(None)
        elif kind == b"sunsubscribe" and key in self.keys and self._on_lost is not None:
            logger.info("Redis at %s dropped the subscription to %r (slot moved)", self._url, key)
            self.keys.discard(key)  # no longer subscribed here: placed anew
            self._on_lost()


class ClusterSubscriber:
    """:class:`Subscriber`'s interface on a Redis Cluster: one sharded subscriber per
    primary serving a subscribed key, following slot moves and failovers (see the module
    docstring). ``always`` is subscribed on the primary serving its slot."""

    def __init__(
        self,
        client: redis.asyncio.cluster.RedisCluster,
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
        """The keys subscribed besides ``always``."""
        self._shards: dict[str, Subscriber] = {}
        """Node name (``host:port``) -> the subscriber of the keys it serves."""
        self._owner: dict[bytes, str] = {}
        """Key (``always`` too) -> the node name whose subscriber holds it."""
        self._lock = asyncio.Lock()  # orders adds, removals and moves
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def wake(self) -> None:
        for shard in list(self._shards.values()):
            shard.wake()

    async def start(self) -> None:
        """Learn the slots (or, if the Cluster is unreachable, log it), subscribe
        ``always``, and watch for lost shards until closed."""
        try:
            await self._client.initialize()
        except REDIS_ERRORS as exc:
            logger.warning(
                "Redis Cluster at %s is unreachable (%s: %s); serving anyway and retrying",
                self._url,
                type(exc).__name__,
                exc,
            )
            self._lost.set()
        else:
            async with self._lock:
                await self._place(self._always)
        self._task = asyncio.create_task(self._watch(), name="redis-cluster-pubsub")

    async def close(self) -> None:
        self._closed = True
        self._lost.set()  # so the watch ends even if a redis-py call swallows the cancel
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        shards, self._shards = list(self._shards.values()), {}
        self._owner.clear()
        for shard in shards:
            await shard.close()

    async def add(self, key: bytes) -> None:
        """Subscribe ``key`` on the primary of its slot; returns once it confirmed it (at
        once while the slots are unknown: the next placement subscribes it)."""
        async with self._lock:
            if key in self.keys:
                return
            self.keys.add(key)
            shard = await self._place(key)
        if shard is not None:
            await shard.add(key)

    async def remove(self, key: bytes) -> None:
        async with self._lock:
            self.keys.discard(key)
            name = self._owner.pop(key, None)
            shard = self._shards.get(name) if name is not None else None
            if name is not None and shard is not None:
                await shard.remove(key)
                await self._close_if_idle(name, shard)

    def _primary(self, key: bytes) -> redis.asyncio.cluster.ClusterNode | None:
        """The primary serving ``key``'s slot in the slot map; None if none does."""
        try:
            return self._client.nodes_manager.get_node_from_slot(self._client.keyslot(key))
        except (*REDIS_ERRORS, RedisClusterException, IndexError, KeyError):
            return None

    async def _place(self, key: bytes) -> Subscriber | None:
        """Record ``key`` with the subscriber of its slot's primary (started if new);
        None when the slot map does not name one. The caller holds the lock."""
        node = self._primary(key)
        if node is None:
            self._owner.pop(key, None)
            self._lost.set()
            return None
        shard = self._shards.get(node.name)
        if shard is None:
            shard = self._shards[node.name] = self._shard(node)
            await shard.start()
        self._owner[key] = node.name
        if key == self._always:
            await shard.add(key)
        return shard

    def _shard(self, node: redis.asyncio.cluster.ClusterNode) -> Subscriber:
        pool = redis.asyncio.ConnectionPool(
            connection_class=node.connection_class, **node.connection_kwargs
        )
        return Subscriber(
            redis.asyncio.Redis(connection_pool=pool),
            url=f"{self._url} (node {node.name})",
            always=None,
            on_message=self._on_message,
            on_reconnected=self._on_reconnected,
            ping_interval=self._ping_interval,
            timeout=self._timeout,
            sharded=True,
            on_lost=self._lost.set,
            owns_client=True,
        )

    async def _close_if_idle(self, name: str, shard: Subscriber) -> None:
        if name not in self._owner.values():
            self._shards.pop(name, None)
            await shard.close()

    async def _watch(self) -> None:
        """Whenever a shard is lost (and every ``ping_interval`` while one stays lost),
        read the slot map again and move keys to the primaries that serve them now."""
        while True:
            await self._lost.wait()
            if self._closed:
                return
            self._lost.clear()
            try:
                moved = await self._rebalance()
            except REDIS_ERRORS as exc:
                logger.debug("Reading the Redis Cluster's slots failed (%s); retrying", exc)
                self._lost.set()
                moved = False
            except Exception:
                logger.exception("Following the Redis Cluster's slots failed; retrying")
                self._lost.set()
                moved = False
            if moved:
                await self._on_reconnected()
            if not all(shard.connected for shard in self._shards.values()):
                self._lost.set()  # look again while a shard is down (a failover under way)
            # Pace the retries while the cluster fails a primary over.
            await asyncio.sleep(self._ping_interval if self._lost.is_set() else 0)

    async def _rebalance(self) -> bool:
        """Move every key whose slot another primary serves now; True if any moved."""
        await self._client.nodes_manager.initialize()
        moved = False
        async with self._lock:
            for key in [self._always, *self.keys]:
                old = self._owner.get(key)
                shard = self._shards.get(old) if old is not None else None
                node = self._primary(key)
                if node is not None and node.name == old and shard and key in shard.keys:
                    continue  # still subscribed on the primary that serves it
                if shard is not None:
                    await shard.remove(key)
                new = await self._place(key)  # None: no primary yet, tried again later
                if new is not None:
                    moved = True
                    if key != self._always:
                        await new.add(key)
            for name, shard in list(self._shards.items()):
                await self._close_if_idle(name, shard)
        if moved:
            logger.info("Followed the Redis Cluster at %s to new primaries", self._url)
        return moved
