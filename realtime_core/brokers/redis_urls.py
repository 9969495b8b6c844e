"""Internal: Redis clients from a URL: a plain Redis, the primary a Sentinel names, or a Cluster.

Besides redis-py's own ``redis://``, ``rediss://`` and ``unix://`` URLs, the publishers
and the socket servers take a Sentinel URL for the common primary/replica setup::

    redis+sentinel://[[user]:password@]host:port[,host:port...]/service_name[/db]
    rediss+sentinel://...          the primary over TLS
    ...?sentinel_password=secret   the Sentinels' own password, if they have one

The clients ask the Sentinels for the service's current primary when they connect and
again after a connection fails, so a failover costs the calls made while it lasted: the
broker's usual outage handling (retries, resync, history) covers the rest.

and a Redis Cluster URL (Redis 7 or later: sharded pub/sub), naming any of its nodes::

    redis+cluster://[[user]:password@]host:port[,host:port...]
    rediss+cluster://...           over TLS

The clients learn the other nodes and the slots from the first node that answers, and
again after a node fails or a slot moves. A Cluster has only database 0.
"""

import asyncio
import dataclasses
import sys
import urllib.parse
from typing import Any

import redis
import redis.asyncio
import redis.asyncio.cluster
import redis.asyncio.sentinel
import redis.cluster
import redis.exceptions
import redis.sentinel

__all__ = [
    "URL_SCHEMES",
    "AsyncClient",
    "ClusterTarget",
    "SentinelTarget",
    "SyncClient",
    "async_client",
    "check_url",
    "redact_url",
    "sync_client",
]

SENTINEL_SCHEMES = ("redis+sentinel://", "rediss+sentinel://")
CLUSTER_SCHEMES = ("redis+cluster://", "rediss+cluster://")
URL_SCHEMES = ("redis://", "rediss://", "unix://", *SENTINEL_SCHEMES, *CLUSTER_SCHEMES)
"""The URL schemes a Redis URL may have here."""

SyncClient = redis.Redis | redis.cluster.RedisCluster
AsyncClient = redis.asyncio.Redis | redis.asyncio.cluster.RedisCluster


def check_url(url: str) -> None:
    """Raise ``ValueError`` (never repeating a password) unless ``url`` is a Redis URL
    these clients take."""
    if not url.startswith(URL_SCHEMES):
        raise ValueError(f"a Redis URL starts with one of {', '.join(URL_SCHEMES)}")
    SentinelTarget.parse(url)
    ClusterTarget.parse(url)


def _split_netloc(netloc: str) -> tuple[str | None, str | None, str]:
    """``(username, password, hosts)`` of ``[user[:password]@]hosts``."""
    userinfo, at, hosts = netloc.rpartition("@")
    if not at:
        return None, None, netloc
    username, _, password = userinfo.partition(":")
    return (
        urllib.parse.unquote(username) or None,
        urllib.parse.unquote(password) or None,
        hosts,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class ClusterTarget:
    """What a Redis Cluster URL says: nodes to learn the cluster from, and credentials."""

    nodes: tuple[tuple[str, int], ...]
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    tls: bool = False

    @classmethod
    def parse(cls, url: str) -> "ClusterTarget | None":
        """The target of a Cluster URL; None for any other URL; ``ValueError`` when a
        Cluster URL is malformed (the message never repeats a password)."""
        if not url.startswith(CLUSTER_SCHEMES):
            return None
        scheme, _, rest = url.partition("://")
        location, _, query = rest.partition("?")
        netloc, _, path = location.partition("/")
        username, password, hosts = _split_netloc(netloc)
        usage = "a Redis Cluster URL is redis+cluster://[password@]host:port[,host:port...]"
        if path not in ("", "0") or query:
            raise ValueError(f"{usage} (a Cluster has only database 0, and no options here)")
        try:
            nodes = tuple(_host_port(item, "Cluster node") for item in hosts.split(",") if item)
        except ValueError as exc:
            raise ValueError(f"{usage}: {exc}") from None
        if not nodes:
            raise ValueError(usage)
        return cls(nodes, username, password, scheme == "rediss+cluster")


def _cluster_options(target: ClusterTarget, options: dict[str, Any]) -> dict[str, Any]:
    return {**options, "username": target.username, "password": target.password, "ssl": target.tls}


@dataclasses.dataclass(frozen=True, slots=True)
class SentinelTarget:
    """What a Sentinel URL says: where the Sentinels are and which primary to ask for."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    sentinel_password: str | None = dataclasses.field(default=None, repr=False)
    tls: bool = False

    @classmethod
    def parse(cls, url: str) -> "SentinelTarget | None":
        """The target of a Sentinel URL; None for any other URL; ``ValueError`` when a
        Sentinel URL is malformed (the message never repeats a password)."""
        if not url.startswith(SENTINEL_SCHEMES):
            return None
        scheme, _, rest = url.partition("://")
        location, _, query = rest.partition("?")
        netloc, _, path = location.partition("/")
        username, password, hosts = _split_netloc(netloc)
        sentinels = tuple(_host_port(item) for item in hosts.split(",") if item)
        parts = [part for part in path.split("/") if part]
        if (
            not sentinels
            or not parts
            or len(parts) > 2
            or (len(parts) == 2 and not parts[1].isdigit())
        ):
            raise ValueError(
                "a Sentinel URL is redis+sentinel://[password@]host:port[,host:port...]"
                "/service_name[/db]"
            )
        options = dict(urllib.parse.parse_qsl(query))
        return cls(
            sentinels=sentinels,
            service=urllib.parse.unquote(parts[0]),
            db=int(parts[1]) if len(parts) == 2 else 0,
            username=username,
            password=password,
            sentinel_password=options.get("sentinel_password"),
            tls=scheme == "rediss+sentinel",
        )


def _host_port(item: str, kind: str = "Sentinel") -> tuple[str, int]:
    host, colon, port = item.rpartition(":")
    if not colon or not host or not port.isdigit():
        raise ValueError(f"a {kind} address is host:port, got {item!r}")
    return host.strip("[]"), int(port)


def _primary_options(target: SentinelTarget, options: dict[str, Any]) -> dict[str, Any]:
    return {
        **options,
        "db": target.db,
        "username": target.username,
        "password": target.password,
        "ssl": target.tls,
    }


def _sentinel_options(target: SentinelTarget, options: dict[str, Any]) -> dict[str, Any]:
    chosen: dict[str, Any] = {"password": target.sentinel_password}
    for name in ("socket_timeout", "socket_connect_timeout"):
        if name in options:
            chosen[name] = options[name]
    return chosen


class _SentinelRedis(redis.Redis):
    """The primary's client; closing it closes its connections to the Sentinels too."""

    def close(self) -> None:
        super().close()
        pool = self.connection_pool
        if isinstance(pool, redis.sentinel.SentinelConnectionPool):
            for sentinel in pool.sentinel_manager.sentinels:
                sentinel.close()


class _AsyncSentinelRedis(redis.asyncio.Redis):
    """:class:`_SentinelRedis` for asyncio."""

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        await super().aclose(close_connection_pool)
        pool = self.connection_pool
        if isinstance(pool, redis.asyncio.sentinel.SentinelConnectionPool):
            for sentinel in pool.sentinel_manager.sentinels:
                await sentinel.aclose()


def sync_client(url: str, **options: Any) -> SyncClient:
    """A client of the Redis ``url`` names (its current primary, for a Sentinel URL; the
    whole Cluster, for a Cluster URL); ``options`` are redis-py connection options."""
    cluster = ClusterTarget.parse(url)
    if cluster is not None:
        return redis.cluster.RedisCluster(
            startup_nodes=[
                redis.cluster.ClusterNode(host, port)  # type: ignore[no-untyped-call]
                for host, port in cluster.nodes
            ],
            **_cluster_options(cluster, options),
        )
    target = SentinelTarget.parse(url)
    if target is None:
        return redis.Redis.from_url(url, **options)
    sentinel = redis.sentinel.Sentinel(
        list(target.sentinels), sentinel_kwargs=_sentinel_options(target, options)
    )
    client: redis.Redis = sentinel.master_for(
        target.service, redis_class=_SentinelRedis, **_primary_options(target, options)
    )
    return client


ASYNC_POOL_SIZE = 100
"""Connections an asyncio client keeps to one Redis (redis-py's default)."""


class _BlockingSentinelPool(
    redis.asyncio.sentinel.SentinelConnectionPool, redis.asyncio.BlockingConnectionPool
):
    """The Sentinel-named primary's pool, waiting for a free connection when all are
    busy, as :class:`redis.asyncio.BlockingConnectionPool` does."""


class _BlockingRedisCluster(redis.asyncio.cluster.RedisCluster):
    """A Cluster client whose calls to a node, when :data:`ASYNC_POOL_SIZE` of them are
    in flight there, wait for one to end, at most the client's ``socket_timeout``.

    redis-py's Cluster has no blocking pool, nor a way to give its nodes one, so the
    bound is kept here, around the private ``RedisCluster._execute_command``: a command
    goes through it once for each node it is sent to, with that node
    (``tests/brokers/test_cluster.py`` fails if redis-py changes that). The nodes' own
    pools refuse nothing, so what the bound does not count gets a connection past it:
    pipelines and transactions, and a call redirected (MOVED, ASK) to another node
    while a slot moves.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options, max_connections=sys.maxsize)
        self._wait: float | None = self.get_connection_kwargs()["socket_timeout"]
        self._free: dict[str, asyncio.Semaphore] = {}
        """Node name (``host:port``) -> its calls that may start now."""

    async def _execute_command(
        self, target_node: redis.asyncio.cluster.ClusterNode, *args: Any, **kwargs: Any
    ) -> Any:
        # Private in redis-py: see the class docstring.
        free = self._free.get(target_node.name)
        if free is None:
            free = self._free[target_node.name] = asyncio.Semaphore(ASYNC_POOL_SIZE)
        try:
            async with asyncio.timeout(self._wait):
                await free.acquire()
        except TimeoutError:
            # A full pool, not a failed node: redis-py neither retries it nor looks for
            # another topology.
            raise redis.exceptions.MaxConnectionsError(
                f"no connection to Redis Cluster node {target_node.name} was free within"
                f" socket_timeout ({self._wait} s): {ASYNC_POOL_SIZE} calls to it were in"
                " flight"
            ) from None
        try:
            return await super()._execute_command(target_node, *args, **kwargs)
        finally:
            free.release()


def async_client(url: str, **options: Any) -> AsyncClient:
    """:func:`sync_client` for asyncio.

    A call made while :data:`ASYNC_POOL_SIZE` calls are in flight on the connections
    of a plain or Sentinel client, or to one node of a Cluster client (5,000
    connections closing at once each leave their channels), waits for one to end, at
    most the client's ``socket_timeout``, instead of failing at once with
    ``MaxConnectionsError`` as redis-py's default pools do. A Cluster client's
    pipelines are not counted (see :class:`_BlockingRedisCluster`).
    """
    cluster = ClusterTarget.parse(url)
    if cluster is not None:
        nodes = [redis.asyncio.cluster.ClusterNode(host, port) for host, port in cluster.nodes]
        return _BlockingRedisCluster(startup_nodes=nodes, **_cluster_options(cluster, options))
    target = SentinelTarget.parse(url)
    waiting = {"max_connections": ASYNC_POOL_SIZE, "timeout": options.get("socket_timeout")}
    if target is None:
        return redis.asyncio.Redis.from_pool(
            redis.asyncio.BlockingConnectionPool.from_url(url, **options, **waiting)
        )
    sentinel = redis.asyncio.sentinel.Sentinel(
        list(target.sentinels), sentinel_kwargs=_sentinel_options(target, options)
    )
    client: redis.asyncio.Redis = sentinel.master_for(
        target.service,
        redis_class=_AsyncSentinelRedis,
        connection_pool_class=_BlockingSentinelPool,
        **_primary_options(target, options),
        **waiting,
    )
    return client


def redact_url(url: str) -> str:
    """``url`` without its passwords (``:password@``, ``?password=``,
    ``?sentinel_password=``), for messages and logs."""
    scheme, separator, rest = url.partition("://")
    if separator:
        location, query_separator, query = rest.partition("?")
        netloc, slash, path = location.partition("/")
        userinfo, at, hosts = netloc.rpartition("@")
        if at and ":" in userinfo:
            netloc = f"{userinfo.partition(':')[0]}:***@{hosts}"
        url = f"{scheme}://{netloc}{slash}{path}{query_separator}{query}"
    address, separator, query = url.partition("?")
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    hidden_names = {"password", "sentinel_password"}
    if not any(name.lower() in hidden_names for name, _value in pairs):
        return url
    hidden = [(name, "***" if name.lower() in hidden_names else value) for name, value in pairs]
    return f"{address}{separator}{urllib.parse.urlencode(hidden, safe='*')}"
