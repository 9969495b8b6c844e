"""Internal: the ``tornado_redis`` backend: self-hosted socket servers fanned out through Redis.

Install ``pip install "django-realtime-core[redis]"`` and run any number of socket
servers (``realtime-server``) on the same Redis, app id and key prefix as Django.
Publishing needs only Redis: the servers receive through it, each subscribed to the
channels its own connections listen to, so a publish reaches every server.

Its options, ``REALTIME_OPTIONS["tornado_redis"]``, are declared with their defaults
and what they do in :attr:`TornadoRedisBackend.transport_options` (and listed in
``docs/reference/backends/tornado_redis.md``).

Each publish (every event of a batch, every channel) is one Lua script call, one
round trip (on a Redis Cluster, one per slot among the channels, in turn), and is never
retried: a failure raises ``PublishError`` rather than risk sending twice.
``apublish()`` runs that call in a worker thread: a native asyncio client is bound to
one event loop, and callers such as ``asyncio.run()`` create and close loops freely.
:meth:`TornadoRedisBackend.close` releases the connections; the backend stays usable
and reconnects on its next publish, so a publish that arrives after commit, late, still
goes out.
"""

import re
import threading
import time
from collections.abc import Mapping
from typing import Any

import redis
import redis.cluster
from redis.backoff import NoBackoff
from redis.commands.core import Script
from redis.exceptions import RedisError
from redis.retry import Retry

from ..brokers.base import History
from ..brokers.redis import RedisBroker
from ..brokers.redis_schema import (
    HISTORY_SCRIPT,
    LIVE_NODES_SCRIPT,
    PUBLISH_SCRIPT,
    RedisKeys,
    history_arguments,
    parse_history,
    publish_calls,
    script_text,
)
from ..brokers.redis_urls import ClusterTarget, SyncClient, check_url, redact_url, sync_client
from ..conf import Option
from ..exceptions import PublishError
from ..inspection import Inspection
from ..messages import Message
from ..positions import Position
from ..protocol import self_hosted_client_options
from .base import CheckResult, CheckStatus
from .redis_inspection import read_inspection
from .self_hosted import SelfHostedBackend, credential_options, server_options

__all__ = ["TornadoRedisBackend"]

_PREFIX = re.compile(r"\A[^\s:{}]+\Z")


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _redis_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        check_url(value)
    except ValueError:
        return False
    return True


def _seconds(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 300


class TornadoRedisBackend(SelfHostedBackend):
    """Publishes into Redis for the self-hosted socket servers (see the module docstring)."""

    default_port = 6001
    multi_process = True
    transport_options = {
        **credential_options(),
        "REDIS_URL": Option(
            "a redis://, rediss://, unix://, redis+sentinel://host:port[,host:port]/service "
            "or redis+cluster://host:port[,host:port] URL",
            _redis_url,
            "redis://127.0.0.1:6379/0",
            help="The Redis the socket servers use: ``redis://``, ``rediss://`` (TLS), "
            "``unix://``, ``redis+sentinel://`` (``rediss+sentinel://``) naming the "
            "Sentinels and the service whose primary to use, or ``redis+cluster://`` "
            "(``rediss+cluster://``) naming nodes of a Redis Cluster (Redis 7 or later).",
        ),
        "WS_HOST": Option(
            "a non-empty host name",
            _text,
            "127.0.0.1",
            help="The host browsers open their WebSocket to (the socket servers, or their proxy).",
        ),
        "WS_PORT": Option(
            "an integer from 1 to 65535",
            lambda value: (
                isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535
            ),
            6001,
            help="The port browsers open their WebSocket to.",
        ),
        "USE_TLS": Option(
            "True or False",
            lambda value: isinstance(value, bool),
            False,
            help="Browsers connect with ``wss://``.",
        ),
        "TIMEOUT": Option(
            "a number of seconds above 0, at most 300",
            _seconds,
            5,
            help="Seconds allowed for connecting to Redis and for each reply: a publish "
            "while Redis is unreachable raises ``PublishError`` after about this long.",
        ),
        "KEY_PREFIX": Option(
            "a non-empty string without spaces, ':' or braces",
            lambda value: isinstance(value, str) and bool(_PREFIX.match(value)),
            "realtime",
            help="The first part of every Redis key (``{KEY_PREFIX}:{APP_ID}:...``), so "
            "several apps or deployments share one Redis; the socket servers must use the "
            "same.",
        ),
        "NODE_TIMEOUT": Option(
            "a number of seconds above 0, at most 300",
            _seconds,
            15,
            help="Seconds after which a silent socket server counts as dead and its presence "
            "members are removed (servers heartbeat three times as often).",
        ),
        "WEBHOOK_URL": Option(
            "None or an http:// or https:// URL",
            lambda value: (
                value is None
                or (isinstance(value, str) and value.startswith(("http://", "https://")))
            ),
            None,
            help="Where the socket servers run by ``manage.py realtime_server`` POST their "
            "webhooks: this site's ``realtime_core:webhooks`` URL, as the servers reach it "
            "(e.g. ``https://example.com/realtime/webhooks/``). None: no webhooks.",
        ),
        **server_options(allowed_origins=("*",)),
    }

    def __init__(self, options: Mapping[str, Any], *, name: str) -> None:
        super().__init__(options, name=name)
        sharded = ClusterTarget.parse(self.options["REDIS_URL"]) is not None
        self.keys = RedisKeys.for_app(
            self.options["APP_ID"], self.options["KEY_PREFIX"], sharded=sharded
        )
        self._lock = threading.Lock()
        self._client: SyncClient | None = None
        self._publish_script: Script | None = None

    def _connection(self) -> tuple[SyncClient, Script]:
        """The Redis client and publish script, created on first use (no I/O here)."""
        with self._lock:
            if self._client is None or self._publish_script is None:
                timeout = self.options["TIMEOUT"]
                self._client = sync_client(
                    self.options["REDIS_URL"],
                    socket_timeout=timeout,
                    socket_connect_timeout=timeout,
                    retry=Retry(NoBackoff(), 0),
                )
                self._publish_script = self._client.register_script(
                    script_text(PUBLISH_SCRIPT, sharded=self.keys.sharded)
                )
            return self._client, self._publish_script

    def make_broker(self) -> RedisBroker:
        """A broker for one socket server process on this backend's Redis and keys."""
        return RedisBroker(
            self.options["REDIS_URL"],
            app_id=self.options["APP_ID"],
            key_prefix=self.options["KEY_PREFIX"],
            history_size=self.history_limits.size,
            history_ttl=self.history_limits.ttl,
            node_timeout=self.options["NODE_TIMEOUT"],
            timeout=self.options["TIMEOUT"],
        )

    def send(self, messages: list[Message]) -> None:
        client, publish = self._connection()
        for keys, arguments in publish_calls(self.keys, messages, self.history_limits):
            publish(keys=keys, args=arguments, client=client)

    def history(self, channel: str, since: Position | None) -> History:
        """``channel``'s history as the socket servers keep it in Redis (one script call).

        Raises :class:`~realtime_core.exceptions.PublishError` when Redis fails or cannot
        be reached within ``TIMEOUT``; its message names Redis without the password.
        """
        client, _publish = self._connection()
        keys, arguments = history_arguments(self.keys, channel, since, self.history_limits)
        try:
            # register_script() only hashes the script: EVALSHA, loaded on first use.
            reply = client.register_script(HISTORY_SCRIPT)(keys=keys, args=arguments)
        except RedisError as exc:
            raise self._read_failure(client, exc, f"the history of {channel!r}") from exc
        return parse_history(channel, since, reply)

    def inspect(self, prefix: str = "") -> Inspection:
        """The socket servers' state as they keep it in Redis
        (:mod:`~realtime_core.backends.redis_inspection`): each live server's connections
        as of its last heartbeat, the channels' subscriptions on every server, presence
        members. Raises :class:`~realtime_core.exceptions.PublishError` when Redis fails
        or cannot be reached within ``TIMEOUT``."""
        client, _publish = self._connection()
        try:
            return read_inspection(client, self.keys, self.options["NODE_TIMEOUT"], prefix)
        except RedisError as exc:
            raise self._read_failure(client, exc, "the socket servers' state") from exc

    def _read_failure(self, client: SyncClient, exc: RedisError, what: str) -> PublishError:
        """What reading ``what`` from Redis raised, in words without the password."""
        detail = f"{type(exc).__name__}: {exc}"
        if isinstance(client, redis.cluster.RedisCluster):
            password = client.nodes_manager.connection_kwargs.get("password")
        else:
            password = client.connection_pool.connection_kwargs.get("password")
        if password:
            detail = detail.replace(str(password), "***")
        return PublishError(
            f"The {self.name!r} backend failed to read {what} from Redis at "
            f"{redact_url(self.options['REDIS_URL'])}: {detail}",
            backend=self.name,
        )

    def close(self) -> None:
        with self._lock:
            client, self._client, self._publish_script = self._client, None, None
        if client is not None:
            client.close()

    def client_config(self) -> dict[str, Any]:
        """pusher-js connection options (plus the backend name); never the secret."""
        return {
            "backend": self.name,
            "key": self.options["KEY"],
            **self_hosted_client_options(self.options["WS_HOST"], self.options["WS_PORT"]),
            "forceTLS": self.options["USE_TLS"],
        }

    # Checks ---------------------------------------------------------------------------

    def check(self, timeout: float | None = None) -> list[CheckResult]:
        """Redis answers PING, and how many socket servers heartbeat into it.

        A client of its own, bounded by ``timeout`` (or ``TIMEOUT`` when shorter),
        closed afterwards: the publishing connection is left alone.
        """
        limit = min(timeout or self.options["TIMEOUT"], self.options["TIMEOUT"])
        url = redact_url(self.options["REDIS_URL"])
        client = sync_client(
            self.options["REDIS_URL"],
            socket_timeout=limit,
            socket_connect_timeout=limit,
            retry=Retry(NoBackoff(), 0),
        )
        started = time.perf_counter()
        try:
            try:
                client.ping()
            except RedisError as exc:
                detail = (
                    f"cannot reach Redis at {url} within {limit} s: {type(exc).__name__}: {exc}"
                )
                hint = (
                    f"Start Redis there, or correct REALTIME_OPTIONS[{self.name!r}]['REDIS_URL']."
                )
                elapsed = time.perf_counter() - started
                return [CheckResult("connectivity", CheckStatus.FAILED, elapsed, detail, hint)]
            elapsed = time.perf_counter() - started
            detail = f"Redis at {url} answered PING in {elapsed * 1000:.1f} ms"
            connectivity = CheckResult("connectivity", CheckStatus.OK, elapsed, detail)
            return [connectivity, self._check_servers(client)]
        finally:
            client.close()

    def _check_servers(self, client: SyncClient) -> CheckResult:
        started = time.perf_counter()
        try:
            nodes = client.register_script(LIVE_NODES_SCRIPT)(
                keys=[self.keys.nodes], args=[round(self.options["NODE_TIMEOUT"] * 1000)]
            )
        except RedisError as exc:
            detail = f"reading the servers' heartbeats failed: {type(exc).__name__}: {exc}"
            return CheckResult(
                "socket servers", CheckStatus.FAILED, time.perf_counter() - started, detail
            )
        elapsed = time.perf_counter() - started
        if nodes:
            detail = (
                f"{len(nodes)} socket server process(es) running for app {self.keys.base!r} "
                f"(heard from within NODE_TIMEOUT = {self.options['NODE_TIMEOUT']} s)"
            )
            return CheckResult("socket servers", CheckStatus.OK, elapsed, detail)
        return CheckResult(
            "socket servers",
            CheckStatus.WARNING,
            elapsed,
            f"no socket server is running for keys {self.keys.base!r}: "
            "published events reach nobody",
            hint="Start realtime-server with the same REDIS_URL, APP_ID and KEY_PREFIX.",
        )

    def socket_url_hint(self) -> str:
        return (
            f"Check WS_HOST, WS_PORT and USE_TLS in REALTIME_OPTIONS[{self.name!r}]: they must "
            "name the socket servers (or the proxy in front of them) as browsers reach them, "
            "and a socket server must run there."
        )

    def delivery_hint(self) -> str:
        return (
            "The socket server at that URL does not listen to what Django publishes: run "
            "realtime-server (or manage.py realtime_server) with the same REDIS_URL, APP_ID "
            f"and KEY_PREFIX as REALTIME_OPTIONS[{self.name!r}]."
        )
