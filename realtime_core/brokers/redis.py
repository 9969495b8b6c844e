"""Internal: the Redis broker: socket servers on any number of machines, sharing one Redis.

Publishes go through one Lua script call (:data:`~.redis_schema.PUBLISH_SCRIPT`): each
(message, channel) is appended to the channel's stream, which assigns its position, and
published on the channel's pub/sub key; on a cache channel it also replaces the
channel's cached event. A server subscribes only to the channels its connections
listen to, plus the app's control channel (user terminations).

On a Redis Cluster (a ``redis+cluster://`` URL) the same keys are spread over the
shards by channel (:mod:`~realtime_core.brokers.redis_schema`): a publish is one script
call per slot among its channels, pub/sub is sharded (a
:class:`~.redis_pubsub.ClusterSubscriber`), and every other script call stays on the
slot of one channel or on the app-wide slot.

Presence members and subscription counts live in Redis, changed atomically by scripts.
Every server is a *node* that heartbeats into a sorted set; on each heartbeat it sweeps
nodes silent for longer than ``node_timeout``, removing their presence members (the
channels get ``member_removed``), counts and signed-in connections (their users go
offline). So the members of a server killed without warning disappear within
``node_timeout + heartbeat_interval``.

Redis outages never stop the server: the pub/sub connection reconnects with backoff
and re-subscribes every listened channel, then asks the server to fill what it missed
meanwhile from the channels' streams (:meth:`RedisBroker.history`). If Redis lost this
node's state (a restart without persistence, or the node was silent long enough to be
swept), the next heartbeat puts its presence members and counts back. Calls made
while Redis is unreachable raise ``redis.exceptions.RedisError`` after at most
``timeout`` seconds; subscription counts are written again by the next heartbeat.

Key names, payload formats and scripts: :mod:`realtime_core.brokers.redis_schema`.
"""

import asyncio
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any, NamedTuple

import redis.asyncio.cluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript

from .. import frames
from ..messages import Message
from ..positions import DEFAULT_HISTORY_SIZE, DEFAULT_HISTORY_TTL, HistoryLimits, Position
from .base import (
    CACHE_MISS_INTERVAL,
    Broker,
    CachedEvent,
    ConnectionCounter,
    CountAnnouncement,
    CountThrottle,
    DeliveryHandler,
    History,
    LifecycleEvent,
    LifecycleHandler,
    OnlineHandler,
    PresenceFull,
    PresenceJoin,
    ResyncHandler,
    TerminateHandler,
    occupancy_events,
)
from .redis_pubsub import REDIS_ERRORS, ClusterSubscriber, Subscriber
from .redis_schema import (
    CACHED_EVENT_SCRIPT,
    COUNT_EVENT_SCRIPT,
    COUNTS_SCRIPT,
    DEFAULT_KEY_PREFIX,
    FORGET_NODE_SCRIPT,
    FORGET_PRESENCE_SCRIPT,
    FORGET_SIGNINS_SCRIPT,
    HEARTBEAT_SCRIPT,
    HISTORY_SCRIPT,
    JOIN_SCRIPT,
    LEAVE_SCRIPT,
    LIVE_NODES_SCRIPT,
    PUBLISH_SCRIPT,
    SIGN_IN_SCRIPT,
    SIGN_OUT_SCRIPT,
    RedisKeys,
    by_slot,
    count_event_arguments,
    decode_control,
    decode_delivery,
    encode_delivery,
    encode_terminate,
    history_arguments,
    parse_cached_event,
    parse_history,
    parse_presence_entry,
    presence_entry,
    publish_calls,
    script_text,
)
from .redis_urls import ClusterTarget, async_client, redact_url

__all__ = ["RedisBroker"]

logger = logging.getLogger(__name__)

_FORGET_CHUNK = 500
"""Presence entries (or signed-in connections) removed per script call when a node is
forgotten."""


class _Membership(NamedTuple):
    """One of this node's connections in a presence channel, as it joined."""

    user_id: str
    info_json: str
    max_members: int


class RedisBroker(Broker):
    """A socket server's link to Redis (see the module docstring).

    ``url`` is a Redis URL (``redis://``, ``rediss://``, ``unix://``,
    ``redis+sentinel://``, ``redis+cluster://``: :mod:`~.redis_urls`). ``app_id`` and
    ``key_prefix`` name the keys, as for the ``tornado_redis`` backend that publishes to
    the same app. ``history_size``/``history_ttl`` bound each channel's stream.
    Heartbeats go out every ``heartbeat_interval`` seconds (a third of ``node_timeout``
    unless given); a node silent for ``node_timeout`` seconds is dead. ``timeout``
    bounds every Redis call (connect, read) and the wait for a subscription to be
    confirmed.

    Use it from one event loop: the one :meth:`start` runs on.
    """

    unavailable_errors = (*REDIS_ERRORS, TimeoutError)

    def __init__(
        self,
        url: str,
        *,
        app_id: str,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        history_size: int = DEFAULT_HISTORY_SIZE,
        history_ttl: int = DEFAULT_HISTORY_TTL,
        heartbeat_interval: float | None = None,
        node_timeout: float = 15.0,
        timeout: float = 5.0,
    ) -> None:
        if heartbeat_interval is None:
            heartbeat_interval = node_timeout / 3
        if not 0 < heartbeat_interval < node_timeout:
            raise ValueError(
                f"heartbeat_interval ({heartbeat_interval}) must be positive and shorter than "
                f"node_timeout ({node_timeout}); three heartbeats per timeout is advisable"
            )
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self.node_id = uuid.uuid4().hex
        """This server's identity in Redis, unique per broker."""
        sharded = ClusterTarget.parse(url) is not None
        self.keys = RedisKeys.for_app(app_id, key_prefix, sharded=sharded)
        self.history_limits = HistoryLimits(history_size, history_ttl)
        self.url = redact_url(url)
        self._heartbeat_interval = heartbeat_interval
        self._node_timeout_ms = round(node_timeout * 1000)
        self._timeout = timeout
        # No retries: a failed call fails fast (and a publish is never sent twice);
        # the pool replaces connections that died while idle.
        self._redis = async_client(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
        )
        self._publish = self._script(PUBLISH_SCRIPT)
        self._history = self._script(HISTORY_SCRIPT)
        self._cached_event = self._script(CACHED_EVENT_SCRIPT)
        self._join = self._script(JOIN_SCRIPT)
        self._leave = self._script(LEAVE_SCRIPT)
        self._heartbeat_script = self._script(HEARTBEAT_SCRIPT)
        self._live_nodes = self._script(LIVE_NODES_SCRIPT)
        self._forget = self._script(FORGET_NODE_SCRIPT)
        self._forget_presence = self._script(FORGET_PRESENCE_SCRIPT)
        self._counts_script = self._script(COUNTS_SCRIPT)
        self._count_event = self._script(COUNT_EVENT_SCRIPT)
        self._sign_in = self._script(SIGN_IN_SCRIPT)
        self._sign_out = self._script(SIGN_OUT_SCRIPT)
        self._forget_signins_script = self._script(FORGET_SIGNINS_SCRIPT)
        self._control = self.keys.control.encode()
        self._node_presence = self.keys.node_presence(self.node_id)
        self._node_signins = self.keys.node_signins(self.node_id)
        listening: dict[str, Any] = {
            "url": self.url,
            "always": self._control,
            "on_message": self._dispatch,
            "on_reconnected": self._reconnected,
            "ping_interval": heartbeat_interval,
            "timeout": timeout,
        }
        self._subscriber: Subscriber | ClusterSubscriber = (
            ClusterSubscriber(self._redis, **listening)
            if isinstance(self._redis, redis.asyncio.cluster.RedisCluster)
            else Subscriber(self._redis, **listening)
        )

        self._deliver: DeliveryHandler | None = None
        self._terminate: TerminateHandler | None = None
        self._resync: ResyncHandler | None = None
        self._connections: ConnectionCounter | None = None
        self._online: OnlineHandler | None = None
        self._heartbeats: asyncio.Task[None] | None = None
        self._closed = False
        self._registered = False
        self._restore_pending = False
        self._heartbeats_failing = False
        # What this node put in Redis, to put it back if Redis loses it.
        self._memberships: dict[tuple[str, str], _Membership] = {}
        self._unfinished_leaves: set[tuple[str, str]] = set()
        self._counts: dict[str, int] = {}
        # Count writes: one writer at a time, so they reach Redis in order.
        self._dirty_counts: set[str] = set()
        self._rewrite_counts = False
        self._counts_version = 0
        self._counts_written = 0
        self._counts_writer: asyncio.Task[None] | None = None
        # Signed-in connections (socket id -> user id), and those Redis has not taken yet.
        self._signins: dict[str, str] = {}
        self._unwritten_signins: set[str] = set()
        self._unfinished_signouts: set[str] = set()

    def _script(self, script: str) -> AsyncScript:
        return self._redis.register_script(script_text(script, sharded=self.keys.sharded))

    # Lifecycle ------------------------------------------------------------------------

    async def start(
        self,
        deliver: DeliveryHandler,
        terminate: TerminateHandler,
        resync: ResyncHandler,
        lifecycle: LifecycleHandler | None = None,
        *,
        connections: ConnectionCounter | None = None,
        online: OnlineHandler | None = None,
    ) -> None:
        if self._deliver is not None or self._closed:
            raise RuntimeError("a RedisBroker is started once")
        self._deliver, self._terminate, self._resync = deliver, terminate, resync
        self._lifecycle, self._connections, self._online = lifecycle, connections, online
        await self._subscriber.start()
        await self._heartbeat_now()
        self._heartbeats = asyncio.create_task(self._beat_forever(), name="redis-heartbeat")

    async def close(self) -> None:
        """Withdraw this node's presence members (telling their channels), its counts and
        its heartbeat, then close the connections. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._heartbeats is not None:
            self._heartbeats.cancel()
            await asyncio.gather(self._heartbeats, return_exceptions=True)
        if self._counts_writer is not None:  # before the node's counts are deleted
            await asyncio.gather(self._counts_writer, return_exceptions=True)
        if self._deliver is not None:
            try:
                for _ in range(3):  # again if connections joined while it ran
                    if await self._forget_node(self.node_id, check_alive=False) == 1:
                        break
            except REDIS_ERRORS as exc:
                logger.warning(
                    "Could not withdraw this server's presence members from Redis at %s (%s); "
                    "other servers remove them within %.0f s",
                    self.url,
                    exc,
                    self._node_timeout_ms / 1000 + self._heartbeat_interval,
                )
        await self._subscriber.close()
        await self._redis.aclose()

    # Publishing -----------------------------------------------------------------------

    async def publish(self, messages: Sequence[Message]) -> None:
        for keys, arguments in publish_calls(self.keys, messages, self.history_limits):
            await self._publish(keys=keys, args=arguments)
            self._subscriber.wake()  # Redis is back: do not miss more than this

    async def history(self, channel: str, since: Position | None) -> History:
        keys, arguments = history_arguments(self.keys, channel, since, self.history_limits)
        reply = await self._history(keys=keys, args=arguments)
        self._subscriber.wake()
        return parse_history(channel, since, reply)

    async def cached_event(self, channel: str) -> CachedEvent | None:
        reply = await self._cached_event(keys=[self.keys.cache(channel)])
        return parse_cached_event(reply)

    async def report_cache_miss(self, channel: str) -> None:
        # The first server to set the key in an interval reports; the others see it set.
        first = await self._redis.set(
            self.keys.cache_miss(channel), b"1", nx=True, ex=CACHE_MISS_INTERVAL
        )
        if first:
            self.report([LifecycleEvent("cache_miss", channel)])

    async def _reconnected(self) -> None:
        """Pub/sub is back: fill what was missed, and see at once if Redis lost our state."""
        if self._resync is not None:
            self._resync()
        await self._heartbeat_now()

    async def publish_frame(
        self, channel: str, payload: bytes, except_socket_id: str | None = None
    ) -> None:
        await self._send(self.keys.channel(channel), encode_delivery("", except_socket_id, payload))

    async def terminate_user(self, user_id: str) -> None:
        await self._send(self.keys.control, encode_terminate(user_id))

    async def _send(self, key: str, payload: bytes) -> None:
        """Publish ``payload`` on the pub/sub channel ``key`` (sharded on a Cluster)."""
        if self.keys.sharded:
            await self._redis.spublish(key, payload)
        else:
            await self._redis.publish(key, payload)

    # Interest -------------------------------------------------------------------------

    async def listen(self, channel: str) -> None:
        """Subscribe to ``channel``'s pub/sub key; returns once Redis confirmed it (or,
        during an outage, at once: the reconnection subscribes it)."""
        if self._deliver is None:
            raise RuntimeError("start() the broker before listening")
        await self._subscriber.add(self.keys.channel(channel).encode())

    async def unlisten(self, channel: str) -> None:
        await self._subscriber.remove(self.keys.channel(channel).encode())

    def _dispatch(self, key: bytes, data: bytes) -> None:
        if key == self._control:
            command, argument = decode_control(data)
            if command == "terminate" and self._terminate is not None:
                self._terminate(argument)
            elif command in ("online", "offline") and self._online is not None:
                self._online(argument, command == "online")
        elif self._deliver is not None:
            self._deliver(decode_delivery(self.keys.channel_of(key), data))

    # Subscription counts --------------------------------------------------------------

    async def count_subscription(self, channel: str, delta: int) -> None:
        if self._closed:  # close() withdrew this node's counts: writing would bring them back
            return
        count = self._counts.get(channel, 0) + delta
        if count > 0:
            self._counts[channel] = count
        else:
            self._counts.pop(channel, None)
        self._dirty_counts.add(channel)
        try:
            await self._sync_counts()
        except REDIS_ERRORS as exc:
            # Kept as dirty: the next heartbeat writes it (counts are advisory).
            logger.debug("Writing subscription counts failed (%s); retried later", exc)

    async def subscription_counts(self) -> dict[str, int]:
        nodes = await self._live_nodes(keys=[self.keys.nodes], args=[self._node_timeout_ms])
        async with self._redis.pipeline(transaction=False) as pipe:
            for node in nodes:
                pipe.hgetall(self.keys.node_subscriptions(node.decode()))
            per_node: list[dict[bytes, bytes]] = await pipe.execute()
        totals: dict[str, int] = defaultdict(int)
        for counts in per_node:
            for channel, count in counts.items():
                totals[channel.decode()] += int(count)
        return {channel: count for channel, count in totals.items() if count > 0}

    async def _sync_counts(self) -> None:
        """Return once every count change made so far is in Redis (or raise)."""
        self._counts_version += 1
        wanted = self._counts_version
        while self._counts_written < wanted:
            writer = self._counts_writer
            if writer is None or writer.done():
                writer = self._counts_writer = asyncio.create_task(self._write_counts())
            await asyncio.shield(writer)

    async def _write_counts(self) -> None:
        version, dirty, rewrite = self._counts_version, self._dirty_counts, self._rewrite_counts
        self._dirty_counts, self._rewrite_counts = set(), False
        channels = self._counts if rewrite else dirty
        args: list[str | int] = ["1" if rewrite else "0"]
        for channel in channels:
            args += (channel, self._counts.get(channel, 0))
        try:
            changed = await self._counts_script(
                keys=[self.keys.node_subscriptions(self.node_id), self.keys.occupancy], args=args
            )
        except BaseException:
            self._dirty_counts |= dirty
            self._rewrite_counts |= rewrite
            raise
        self._counts_written = max(self._counts_written, version)
        self._report_counts(changed)

    async def announce_subscription_count(
        self, channel: str, throttle: CountThrottle, why: CountAnnouncement
    ) -> float | None:
        # The total from the app-wide slot, then the throttle on the channel's.
        total = int(await self._redis.hget(self.keys.occupancy, channel) or 0)
        keys, arguments = count_event_arguments(self.keys, channel, total, throttle, why)
        wait_ms = await self._count_event(keys=keys, args=arguments)
        return None if wait_ms < 0 else wait_ms / 1000

    def _report_counts(self, changed: Sequence[Any]) -> None:
        """Report a counts script's ``{channel, total before, total after, ...}``."""
        for index in range(0, len(changed), 3):
            channel, before, after = changed[index : index + 3]
            self.report(occupancy_events(channel.decode(), int(before), int(after)))

    # Signed-in users ------------------------------------------------------------------

    async def count_sign_in(self, socket_id: str, user_id: str) -> None:
        """Count the sign-in in Redis; while Redis cannot be reached, the next heartbeat
        does (the user may look offline meanwhile)."""
        if self._closed:
            return
        self._signins[socket_id] = user_id
        self._unfinished_signouts.discard(socket_id)
        try:
            await self._write_sign_in(socket_id, user_id)
        except REDIS_ERRORS as exc:
            self._unwritten_signins.add(socket_id)
            logger.debug("Counting a sign-in failed (%s); retried later", exc)

    async def count_sign_out(self, socket_id: str) -> None:
        """Withdraw the sign-in from Redis; while Redis cannot be reached, the next
        heartbeat does."""
        if self._closed:  # close() signed every connection out
            return
        self._signins.pop(socket_id, None)
        self._unwritten_signins.discard(socket_id)
        try:
            await self._write_sign_out(socket_id)
        except REDIS_ERRORS as exc:
            self._unfinished_signouts.add(socket_id)
            logger.debug("Withdrawing a sign-in failed (%s); retried later", exc)

    async def online_users(self, user_ids: Collection[str]) -> set[str]:
        wanted = list(dict.fromkeys(user_ids))
        if not wanted:
            return set()
        counts = await self._redis.hmget(self.keys.online, wanted)
        return {
            user_id
            for user_id, count in zip(wanted, counts, strict=True)
            if count is not None and int(count) > 0
        }

    async def _write_sign_in(self, socket_id: str, user_id: str) -> None:
        keys = [self._node_signins, self.keys.online]
        await self._sign_in(keys=keys, args=[socket_id, user_id, self.keys.control])

    async def _write_sign_out(self, socket_id: str) -> None:
        keys = [self._node_signins, self.keys.online]
        await self._sign_out(keys=keys, args=[socket_id, self.keys.control])

    async def _finish_signins(self) -> None:
        """Write what an outage held back: sign-ins first, then sign-outs."""
        for socket_id in list(self._unwritten_signins):
            user_id = self._signins.get(socket_id)
            if user_id is not None:
                await self._write_sign_in(socket_id, user_id)
            self._unwritten_signins.discard(socket_id)
        for socket_id in list(self._unfinished_signouts):
            await self._write_sign_out(socket_id)
            self._unfinished_signouts.discard(socket_id)

    async def _forget_signins(self, node_id: str, *, check_alive: bool) -> bool:
        """Sign out every connection a node signed in (their users may go offline);
        False when the node turned out alive (only with ``check_alive``)."""
        node_signins = self.keys.node_signins(node_id)
        found = await self._redis.hkeys(node_signins)
        sockets = sorted(key if isinstance(key, str) else key.decode() for key in found)
        keys = [self.keys.nodes, node_signins, self.keys.online]
        for start in range(0, len(sockets), _FORGET_CHUNK):
            timeout = self._node_timeout_ms if check_alive else ""
            args = [node_id, timeout, self.keys.control, *sockets[start : start + _FORGET_CHUNK]]
            if await self._forget_signins_script(keys=keys, args=args) == -1:
                return False
        return True

    # Presence -------------------------------------------------------------------------

    async def join_presence(
        self, channel: str, socket_id: str, user_id: str, user_info: object, max_members: int
    ) -> PresenceJoin:
        membership = _Membership(user_id, frames.compact_json(user_info), max_members)
        self._unfinished_leaves.discard((channel, socket_id))  # a rejoin supersedes it
        joined = await self._join_membership(channel, socket_id, membership)
        self._memberships[(channel, socket_id)] = membership
        return joined

    async def ping(self) -> None:
        await self._redis.ping()

    async def leave_presence(self, channel: str, socket_id: str) -> str | None:
        if self._closed:  # close() removed this node's presence entries
            return None
        self._memberships.pop((channel, socket_id), None)
        # Redis may still hold the entry when this fails: the next heartbeat removes it,
        # so an outage cannot leave a member behind for as long as this node lives.
        self._unfinished_leaves.add((channel, socket_id))
        user_id = await self._leave(keys=self.keys.presence(channel), args=[socket_id])
        try:  # then the node's record of it (kept while the member may still be there)
            await self._redis.srem(self._node_presence, presence_entry(channel, socket_id))
        except REDIS_ERRORS as exc:
            logger.debug("Dropping a presence entry failed (%s); retried later", exc)
        else:
            self._unfinished_leaves.discard((channel, socket_id))
        if user_id is None:
            return None
        gone = str(user_id, "utf-8")
        self.report([LifecycleEvent("member_removed", channel, user_id=gone)])
        return gone

    async def _finish_leaves(self) -> None:
        for channel, socket_id in list(self._unfinished_leaves):
            await self.leave_and_announce(channel, socket_id)

    async def presence_members(self, channel: str) -> dict[str, object]:
        _, _, info = self.keys.presence(channel)
        return _members(await self._redis.hgetall(info))

    async def _join_membership(
        self, channel: str, socket_id: str, membership: _Membership
    ) -> PresenceJoin:
        # The node's record first: if this node dies between the two, the others find
        # the entry and remove whatever of it the channel holds.
        entry = presence_entry(channel, socket_id)
        await self._redis.sadd(self._node_presence, entry)
        added, members = await self._join(
            keys=self.keys.presence(channel),
            args=[socket_id, membership.user_id, membership.info_json, membership.max_members],
        )
        if added == -1:
            await self._redis.srem(self._node_presence, entry)
            raise PresenceFull(f"{channel} already has {membership.max_members} members")
        if added:
            self.report([LifecycleEvent("member_added", channel, user_id=membership.user_id)])
        return PresenceJoin(bool(added), _members(_pairs(members)))

    # Liveness -------------------------------------------------------------------------

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat_interval)
            await self._heartbeat_now()

    async def _heartbeat_now(self) -> None:
        """A heartbeat that logs failures instead of raising: the server goes on."""
        try:
            await self._heartbeat()
        except REDIS_ERRORS as exc:
            log = logger.debug if self._heartbeats_failing else logger.warning
            log("Heartbeat to Redis at %s failed: %s: %s", self.url, type(exc).__name__, exc)
            self._heartbeats_failing = True
        except Exception:
            logger.exception("Heartbeat to Redis at %s failed", self.url)
        else:
            self._subscriber.wake()
            if self._heartbeats_failing:
                logger.info("Heartbeats to Redis at %s succeed again", self.url)
            self._heartbeats_failing = False

    async def _heartbeat(self) -> None:
        """Say this node is alive, put back what Redis lost, sweep dead nodes."""
        connections = "" if self._connections is None else self._connections()
        added, dead = await self._heartbeat_script(
            keys=[self.keys.nodes, self.keys.node_connections(self.node_id)],
            args=[self.node_id, self._node_timeout_ms, connections],
        )
        if added and self._registered:
            self._restore_pending = True
            logger.warning(
                "Redis at %s lost this server's state (restarted without persistence, or this "
                "server was silent for over %.0f s); restoring %d presence entries and the "
                "subscription counts",
                self.url,
                self._node_timeout_ms / 1000,
                len(self._memberships),
            )
        self._registered = True
        if self._restore_pending:
            await self._restore()
            self._restore_pending = False
        elif self._dirty_counts or self._rewrite_counts:  # left over by a failed write
            await self._sync_counts()
        await self._finish_leaves()
        await self._finish_signins()
        for node_id in dead:
            await self._forget_node(node_id.decode(), check_alive=True)

    async def _restore(self) -> None:
        for (channel, socket_id), membership in list(self._memberships.items()):
            try:
                joined = await self._join_membership(channel, socket_id, membership)
            except PresenceFull:
                logger.warning("%s filled up: socket %s is no member any more", channel, socket_id)
                self._memberships.pop((channel, socket_id), None)
                continue
            if (channel, socket_id) not in self._memberships:  # it left meanwhile
                await self.leave_presence(channel, socket_id)
            elif joined.added:
                info = json.loads(membership.info_json)
                frame = frames.member_added(channel, membership.user_id, info)
                await self.publish_frame(channel, frame, except_socket_id=socket_id)
        self._rewrite_counts = True
        await self._sync_counts()
        for socket_id, user_id in list(self._signins.items()):
            await self._write_sign_in(socket_id, user_id)

    async def _forget_node(self, node_id: str, *, check_alive: bool) -> int:
        """Remove a node's signed-in connections and presence entries, telling their
        channels about users gone, then (once it has none) the node. Returns 1 when
        forgotten, 0 when entries remain, -1 when the node turned out alive (only with
        ``check_alive``).

        Every chunk of entries is removed from the channels (one script call per slot)
        after a check that the node is still silent (the sign-ins' script for the
        first chunk, the previous chunk's :data:`~.redis_schema.FORGET_NODE_SCRIPT`
        call for the others); a node heard from again after its timeout restores
        what was removed (see :meth:`_heartbeat`)."""
        if not await self._forget_signins(node_id, check_alive=check_alive):
            return -1
        node_presence = self.keys.node_presence(node_id)
        entries = sorted(map(parse_presence_entry, await self._redis.smembers(node_presence)))
        status = 0
        for start in range(0, max(len(entries), 1), _FORGET_CHUNK):
            chunk = entries[start : start + _FORGET_CHUNK]
            for group in by_slot(self.keys, chunk, lambda entry: entry[0]):
                keys = [key for channel, _socket in group for key in self.keys.presence(channel)]
                gone = await self._forget_presence(
                    keys=keys, args=[socket_id for _channel, socket_id in group]
                )
                for index, user_id in _pairs(gone).items():
                    channel = group[int(index) - 1][0]
                    user = user_id.decode()
                    self.report([LifecycleEvent("member_removed", channel, user_id=user)])
                    await self.publish_frame(channel, frames.member_removed(channel, user))
            keys = [
                self.keys.nodes,
                node_presence,
                self.keys.node_subscriptions(node_id),
                self.keys.occupancy,
            ]
            args: list[str | int] = [node_id, self._node_timeout_ms if check_alive else ""]
            args += [presence_entry(channel, socket_id) for channel, socket_id in chunk]
            status, changed = await self._forget(keys=keys, args=args)
            self._report_counts(changed)
            if status == -1:
                break
        if status == 1 and node_id != self.node_id:
            logger.info("Forgot silent node %s and its %d presence entries", node_id, len(entries))
        return int(status)


def _pairs(flat: Sequence[Any]) -> dict[Any, Any]:
    """``{a: b, c: d}`` from a Lua reply ``[a, b, c, d]``."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _members(info: Mapping[Any, Any]) -> dict[str, object]:
    return {str(user_id, "utf-8"): json.loads(value) for user_id, value in info.items()}
