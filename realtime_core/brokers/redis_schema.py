"""Internal: the Redis schema: keys, payloads and Lua scripts, the one spec of data in Redis.

Two sides share it: publishers (the ``tornado_redis`` backend,
:class:`~realtime_core.backends.tornado_redis.TornadoRedisBackend`, publishing from
Django processes) and socket servers (:class:`~realtime_core.brokers.redis.RedisBroker`).
Both build every key, payload and script from here and from nowhere else, so the two
sides cannot drift apart: a change here is a change for both.

Every key of one app starts with ``{KEY_PREFIX}:{APP_ID}:`` (``{p}`` below), so several
apps and deployments can share one Redis. A channel's keys carry the channel in a hash
tag (``{p}{channel}:...``), and the app-wide keys the app's tag ``{p}{{p}}:...`` (e.g.
``realtime:1:{realtime:1:}:nodes``), so on a Redis Cluster every key of a channel and its
pub/sub channel are on one shard, and every app-wide key on one::

    {p}{channel}:meta            hash: ``e`` the channel's epoch, ``o`` its latest offset;
                                 expires with the history (a new epoch starts after)
    {p}{channel}:stream          stream of the channel's published frames (field ``f``, and
                                 ``t``: Redis time in ms); entry id ``{offset}-0``; trimmed
                                 to about the history size, expiring with the meta hash
    {p}{channel}:cache           string ``{position}\\n{frame}``: a cache channel's last event,
                                 its frame without the position; expires after CACHE_TTL
    {p}{channel}:cache_miss      string: a ``cache_miss`` was reported; expires after
                                 CACHE_MISS_INTERVAL (one report per interval, cluster-wide)
    {p}{channel}:channel         pub/sub: ``{position}\\n{except_socket_id}\\n{frame}``
                                 (empty position for presence changes and client events)
    {p}{channel}:presence:sockets  hash: socket id -> user id
    {p}{channel}:presence:users    hash: user id -> that user's connections in the channel
    {p}{channel}:presence:info     hash: user id -> user info as JSON
    {p}{channel}:subscription-count  hash: ``at`` when the channel's count was last sent
                                 (Redis time, ms), ``owed`` 1 while a throttled one is due;
                                 expires a minute after the throttle's interval
    {a}control                   pub/sub: ``terminate\\n{user_id}``, and ``online\\n{user_id}``
                                 / ``offline\\n{user_id}`` when a user's first signed-in
                                 connection opens or its last one closes (published by
                                 :data:`SIGN_IN_SCRIPT` and the scripts signing out)
    {a}nodes                     sorted set: server node id -> last heartbeat (Redis time, ms)
    {a}node:{id}:presence        set of ``{socket_id}\\n{channel}``: the node's presence entries
    {a}node:{id}:subscriptions   hash: channel -> the node's connections subscribed to it
    {a}node:{id}:connections     string: the node's open connections as of its last
                                 heartbeat; expires after the node timeout
    {a}occupancy                 hash: channel -> connections subscribed on every node (the
                                 sum of the nodes' hashes, changed with them atomically by
                                 :data:`COUNTS_SCRIPT` and :data:`FORGET_NODE_SCRIPT`, so
                                 exactly one node sees a channel become occupied or vacated)
    {a}node:{id}:signins         hash: socket id -> user id: the node's signed-in connections
    {a}online                    hash: user id -> its signed-in connections on every node
                                 (the sum of the nodes' hashes, changed with them)

(``{a}`` is ``{p}{{p}}:``.) Channel names cannot contain ``:``, braces or newlines, so
keys and payloads are unambiguous. Times come from Redis (``TIME``), never from the
servers' clocks. The scripts never build key names: every key they touch is passed in
``KEYS``, and every script call touches the keys of one hash tag, except
:data:`PUBLISH_SCRIPT` (and :data:`FORGET_PRESENCE_SCRIPT`) calls, which take the keys of
several channels at once on a single Redis, and of the channels of one slot each on a
Cluster (:func:`publish_calls`, :func:`by_slot`).

On a Cluster (:attr:`RedisKeys.sharded`), pub/sub is sharded: the scripts
``SPUBLISH`` instead of ``PUBLISH`` (:func:`script_text`), the servers ``SSUBSCRIBE``, so
a message goes only to the shard of its channel.
"""

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from redis.crc import key_slot

from .. import frames
from ..messages import Message
from ..positions import HistoryLimits, Position, new_epoch
from ..protocol import CACHE_TTL, is_cache_channel
from .base import CachedEvent, CountAnnouncement, CountThrottle, Delivery, History

__all__ = [
    "CACHED_EVENT_SCRIPT",
    "COUNTS_SCRIPT",
    "COUNT_EVENT_SCRIPT",
    "DEFAULT_KEY_PREFIX",
    "FORGET_NODE_SCRIPT",
    "FORGET_PRESENCE_SCRIPT",
    "FORGET_SIGNINS_SCRIPT",
    "HEARTBEATS_SCRIPT",
    "HEARTBEAT_SCRIPT",
    "HISTORY_SCRIPT",
    "JOIN_SCRIPT",
    "LEAVE_SCRIPT",
    "LIVE_NODES_SCRIPT",
    "PUBLISH_SCRIPT",
    "SIGN_IN_SCRIPT",
    "SIGN_OUT_SCRIPT",
    "RedisKeys",
    "by_slot",
    "count_event_arguments",
    "decode_control",
    "decode_delivery",
    "encode_delivery",
    "encode_terminate",
    "history_arguments",
    "parse_cached_event",
    "parse_history",
    "parse_presence_entry",
    "presence_entry",
    "publish_calls",
    "script_text",
]

DEFAULT_KEY_PREFIX = "realtime"


@dataclasses.dataclass(frozen=True, slots=True)
class RedisKeys:
    """The Redis key names of one app (see the module docstring)."""

    base: str
    """``{key_prefix}:{app_id}:``, the start of every key."""

    sharded: bool = False
    """On a Redis Cluster: sharded pub/sub, and script calls split per slot."""

    def __post_init__(self) -> None:
        if "{" in self.base or "}" in self.base:
            raise ValueError(f"a key prefix and app id have no braces, got {self.base!r}")

    @classmethod
    def for_app(
        cls, app_id: str, key_prefix: str = DEFAULT_KEY_PREFIX, *, sharded: bool = False
    ) -> "RedisKeys":
        return cls(f"{key_prefix}:{app_id}:", sharded)

    def _of(self, channel: str) -> str:
        return f"{self.base}{{{channel}}}:"

    @property
    def _app(self) -> str:
        return f"{self.base}{{{self.base}}}:"

    def stream(self, channel: str) -> str:
        return f"{self._of(channel)}stream"

    def meta(self, channel: str) -> str:
        return f"{self._of(channel)}meta"

    def cache(self, channel: str) -> str:
        return f"{self._of(channel)}cache"

    def cache_miss(self, channel: str) -> str:
        return f"{self._of(channel)}cache_miss"

    def channel(self, channel: str) -> str:
        """The pub/sub channel that carries ``channel``'s deliveries."""
        return f"{self._of(channel)}channel"

    def channel_of(self, key: bytes) -> str:
        """The channel whose pub/sub channel is ``key`` (see :meth:`channel`)."""
        return key[len(self.base) + 1 : -len(b"}:channel")].decode()

    @property
    def control(self) -> str:
        return f"{self._app}control"

    @property
    def nodes(self) -> str:
        return f"{self._app}nodes"

    def node_presence(self, node_id: str) -> str:
        return f"{self._app}node:{node_id}:presence"

    def node_subscriptions(self, node_id: str) -> str:
        return f"{self._app}node:{node_id}:subscriptions"

    def node_connections(self, node_id: str) -> str:
        return f"{self._app}node:{node_id}:connections"

    @property
    def occupancy(self) -> str:
        return f"{self._app}occupancy"

    def node_signins(self, node_id: str) -> str:
        return f"{self._app}node:{node_id}:signins"

    @property
    def online(self) -> str:
        return f"{self._app}online"

    def subscription_count(self, channel: str) -> str:
        """When ``channel``'s subscription count was last sent (the throttle's state)."""
        return f"{self._of(channel)}subscription-count"

    def presence(self, channel: str) -> tuple[str, str, str]:
        """The ``sockets``, ``users`` and ``info`` hashes of a presence channel."""
        start = f"{self._of(channel)}presence:"
        return f"{start}sockets", f"{start}users", f"{start}info"

    def slot(self, channel: str) -> int:
        """The Cluster slot of ``channel``'s keys."""
        return int(key_slot(self.meta(channel).encode()))


_Item = TypeVar("_Item")


def by_slot(
    keys: RedisKeys, items: Iterable[_Item], channel_of: Callable[[_Item], str]
) -> list[list[_Item]]:
    """``items`` in groups whose channels share a Cluster slot, in order, each group in
    the order given; on a single Redis (not :attr:`~RedisKeys.sharded`) one group."""
    listed = list(items)
    if not keys.sharded:
        return [listed] if listed else []
    groups: dict[int, list[_Item]] = defaultdict(list)
    for item in listed:
        groups[keys.slot(channel_of(item))].append(item)
    return list(groups.values())


def script_text(script: str, *, sharded: bool) -> str:
    """``script`` as run on a Redis Cluster (sharded pub/sub: ``SPUBLISH``) or not."""
    return script.replace("redis.call('PUBLISH'", "redis.call('SPUBLISH'") if sharded else script


# Payloads ------------------------------------------------------------------------------


def encode_delivery(position: str, except_socket_id: str | None, frame: bytes) -> bytes:
    """A pub/sub payload; :data:`PUBLISH_SCRIPT` writes the same format in Lua."""
    return b"%s\n%s\n%s" % (position.encode(), (except_socket_id or "").encode(), frame)


def decode_delivery(channel: str, payload: bytes) -> Delivery:
    """Turn a pub/sub payload from ``channel``'s pub/sub key back into a delivery."""
    position, _, rest = payload.partition(b"\n")
    except_socket_id, _, frame = rest.partition(b"\n")
    return Delivery(channel, frame, position.decode(), except_socket_id.decode() or None)


def encode_terminate(user_id: str) -> bytes:
    return b"terminate\n" + user_id.encode()


def decode_control(payload: bytes) -> tuple[str, str]:
    """``(command, argument)`` of a control message, e.g. ``("terminate", user_id)``."""
    command, _, argument = payload.decode().partition("\n")
    return command, argument


def presence_entry(channel: str, socket_id: str) -> str:
    """How a node records one of its connections' presence in its ``presence`` set."""
    return f"{socket_id}\n{channel}"


def parse_presence_entry(entry: bytes | str) -> tuple[str, str]:
    """``(channel, socket_id)`` of a :func:`presence_entry`."""
    text = entry if isinstance(entry, str) else entry.decode()
    socket_id, _, channel = text.partition("\n")
    return channel, socket_id


def publish_calls(
    keys: RedisKeys, messages: Sequence[Message], limits: HistoryLimits
) -> list[tuple[list[str], list[str | int | bytes]]]:
    """``KEYS`` and ``ARGV`` of the :data:`PUBLISH_SCRIPT` calls carrying every message:
    one call on a single Redis; one per slot on a Cluster, each channel's events in order.

    Each frame is built once per (message, channel), here, and completed with its
    position by the script, so a server forwards it to its sockets unchanged.
    """
    pairs = [(message, channel) for message in messages for channel in message.channels]
    epoch = new_epoch()
    return [
        _publish_call(keys, group, [limits.size, limits.ttl, epoch])
        for group in by_slot(keys, pairs, lambda pair: pair[1])
    ]


def _publish_call(
    keys: RedisKeys, pairs: Sequence[tuple[Message, str]], arguments: list[str | int | bytes]
) -> tuple[list[str], list[str | int | bytes]]:
    script_keys: list[str] = []
    for message, channel in pairs:
        script_keys += (keys.meta(channel), keys.stream(channel))
        cached = is_cache_channel(channel)
        if cached:
            script_keys.append(keys.cache(channel))
        arguments += (
            keys.channel(channel),
            message.socket_id or "",
            frames.unpositioned_channel_event(channel, message.name, message.data),
            CACHE_TTL if cached else 0,
        )
    return script_keys, arguments


def count_event_arguments(
    keys: RedisKeys, channel: str, total: int, throttle: CountThrottle, why: CountAnnouncement
) -> tuple[list[str], list[str | int | bytes]]:
    """``KEYS`` and ``ARGV`` of a :data:`COUNT_EVENT_SCRIPT` call announcing ``total``
    (the channel's count in the occupancy hash, read just before)."""
    before, after = frames.subscription_count_parts(channel)
    interval_ms = max(1, round(throttle.interval * 1000))
    arguments: list[str | int | bytes] = [
        total,
        throttle.above,
        interval_ms,
        why.value,
        keys.channel(channel),
        before,
        after,
    ]
    return [keys.subscription_count(channel)], arguments


def history_arguments(
    keys: RedisKeys, channel: str, since: Position | None, limits: HistoryLimits
) -> tuple[list[str], list[str | int]]:
    """``KEYS`` and ``ARGV`` of a :data:`HISTORY_SCRIPT` call."""
    epoch, offset = (since.epoch, since.offset) if since is not None else ("", 0)
    arguments: list[str | int] = [epoch, offset, new_epoch(), limits.ttl]
    return [keys.meta(channel), keys.stream(channel)], arguments


def parse_history(channel: str, since: Position | None, reply: Sequence[object]) -> History:
    """The :data:`HISTORY_SCRIPT` reply ``{epoch, offset, complete, entries}`` as a History."""
    epoch, offset, complete, entries = reply
    assert isinstance(epoch, bytes)
    assert isinstance(offset, int)
    assert isinstance(entries, list)
    position = Position(epoch.decode(), offset)
    deliveries = []
    for entry_id, frame in zip(entries[::2], entries[1::2], strict=True):
        entry_offset = entry_id.decode().partition("-")[0]
        deliveries.append(Delivery(channel, frame, f"{position.epoch}:{entry_offset}"))
    return History(position, tuple(deliveries), since is None or bool(complete))


def parse_cached_event(reply: Sequence[object]) -> CachedEvent | None:
    """The :data:`CACHED_EVENT_SCRIPT` reply ``{value, ttl}`` as a CachedEvent."""
    value, ttl = reply
    if not isinstance(value, bytes):
        return None
    assert isinstance(ttl, int)
    position, _, payload = value.partition(b"\n")
    parsed = Position.parse(position.decode())
    assert parsed is not None, f"a cached event without a position: {value!r}"
    return CachedEvent(payload, parsed, max(ttl, 0))


# Scripts -------------------------------------------------------------------------------

_NOW_MS = """
local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
"""

# Removes one connection from a presence channel; returns the user id when it was that
# user's last connection there, false otherwise (and when the socket was not a member).
_LEAVE = """
local function leave(sockets, users, info, socket_id)
  local user = redis.call('HGET', sockets, socket_id)
  if not user then return false end
  redis.call('HDEL', sockets, socket_id)
  if redis.call('HINCRBY', users, user, -1) > 0 then return false end
  redis.call('HDEL', users, user)
  redis.call('HDEL', info, user)
  return user
end
"""

# The channel's epoch, made when its meta hash is missing (first publish, or its
# history expired or was lost); its stream goes with the old epoch.
_EPOCH = """
local function epoch_of(meta, stream, candidate, ttl)
  local epoch = redis.call('HGET', meta, 'e')
  if not epoch then
    epoch = candidate
    redis.call('DEL', stream)
    redis.call('HSET', meta, 'e', epoch, 'o', 0)
    redis.call('EXPIRE', meta, ttl)
  end
  return epoch
end
"""

PUBLISH_SCRIPT = (
    _NOW_MS
    + _EPOCH
    + """
-- KEYS: per (message, channel): its meta hash, its stream, and its cache key when it is
-- a cache channel.
-- ARGV: history size, history TTL, a new epoch for channels without one, then per
-- (message, channel): pub/sub channel, except socket id, frame without its position,
-- cache TTL (s; 0 when it is not a cache channel).
local size, ttl, candidate = ARGV[1], ARGV[2], ARGV[3]
local now = now_ms()
local k, published = 1, 0
for at = 4, #ARGV, 4 do
  local meta, stream = KEYS[k], KEYS[k + 1]
  k = k + 2
  local epoch = epoch_of(meta, stream, candidate, ttl)
  local offset = redis.call('HINCRBY', meta, 'o', 1)
  local position = epoch .. ':' .. offset
  local unpositioned = ARGV[at + 2]
  local frame = string.sub(unpositioned, 1, -2) .. ',"position":"' .. position .. '"}'
  redis.call('XADD', stream, 'MAXLEN', '~', size, offset .. '-0', 'f', frame, 't', now)
  redis.call('EXPIRE', stream, ttl)
  redis.call('EXPIRE', meta, ttl)
  local cache_ttl = tonumber(ARGV[at + 3])
  if cache_ttl > 0 then
    redis.call('SET', KEYS[k], position .. '\\n' .. unpositioned, 'EX', cache_ttl)
    k = k + 1
  end
  redis.call('PUBLISH', ARGV[at], position .. '\\n' .. ARGV[at + 1] .. '\\n' .. frame)
  published = published + 1
end
return published
"""
)

HISTORY_SCRIPT = (
    _NOW_MS
    + _EPOCH
    + """
-- KEYS: the channel's meta hash and stream.
-- ARGV: since epoch ('' for none), since offset, a new epoch if the channel has none,
-- history TTL (s).
-- Returns {epoch, latest offset, 1 if complete, {entry id, frame, ...}}: the entries
-- after the since offset that are younger than the TTL, when the epoch matches.
local epoch = epoch_of(KEYS[1], KEYS[2], ARGV[3], ARGV[4])
local latest = tonumber(redis.call('HGET', KEYS[1], 'o'))
local since = tonumber(ARGV[2])
if ARGV[1] ~= epoch or since > latest then return {epoch, latest, 0, {}} end
if since == latest then return {epoch, latest, 1, {}} end
local oldest = now_ms() - 1000 * tonumber(ARGV[4])
local entries = redis.call('XRANGE', KEYS[2], (since + 1) .. '-0', '+')
local found, first, last = {}, nil, nil
for _, entry in ipairs(entries) do
  local fields = entry[2]
  local frame, at = nil, 0
  for j = 1, #fields, 2 do
    if fields[j] == 'f' then frame = fields[j + 1] end
    if fields[j] == 't' then at = tonumber(fields[j + 1]) end
  end
  if at >= oldest then
    last = tonumber(string.match(entry[1], '^(%d+)'))
    if not first then first = last end
    found[#found + 1] = entry[1]
    found[#found + 1] = frame
  end
end
local complete = 0
if first == since + 1 and last == latest then complete = 1 end
return {epoch, latest, complete, found}
"""
)

CACHED_EVENT_SCRIPT = """
-- KEYS: a cache channel's cache key. Returns {its value or false, its TTL in seconds}.
return {redis.call('GET', KEYS[1]), redis.call('TTL', KEYS[1])}
"""

JOIN_SCRIPT = """
-- KEYS: presence sockets, users, info (the node's presence set takes the entry first,
-- so a node that dies cannot leave a member nobody knows to remove).
-- ARGV: socket id, user id, user info JSON, member limit.
-- Returns {1 if the user is new, members as user, info, ...}, or {-1, {}} when full.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return {0, redis.call('HGETALL', KEYS[3])}
end
local connections = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if connections == 0 then
  if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[4]) then return {-1, {}} end
  redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
end
redis.call('HSET', KEYS[2], ARGV[2], connections + 1)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local added = 0
if connections == 0 then added = 1 end
return {added, redis.call('HGETALL', KEYS[3])}
"""

LEAVE_SCRIPT = (
    _LEAVE
    + """
-- KEYS: presence sockets, users, info (the node's presence set drops the entry after).
-- ARGV: socket id.
return leave(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
"""
)

HEARTBEAT_SCRIPT = (
    _NOW_MS
    + """
-- KEYS: nodes, the node's connections key. ARGV: node id, node timeout (ms), the
-- node's open connections ('' when it does not count them).
-- Returns {1 if the node was not registered or silent for too long (others may have
-- begun forgetting it), ids of nodes silent for too long}.
local now = now_ms()
local seen = redis.call('ZSCORE', KEYS[1], ARGV[1])
local added = 0
if not seen or tonumber(seen) < now - tonumber(ARGV[2]) then added = 1 end
redis.call('ZADD', KEYS[1], now, ARGV[1])
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2]) end
local cutoff = string.format('(%d', now - tonumber(ARGV[2]))
return {added, redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff)}
"""
)

HEARTBEATS_SCRIPT = (
    _NOW_MS
    + """
-- KEYS: nodes. Returns {Redis time (ms), {node id, its last heartbeat (ms), ...}}, for
-- the inspection (one call: the time comes from the same Redis as the heartbeats).
return {now_ms(), redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')}
"""
)

LIVE_NODES_SCRIPT = (
    _NOW_MS
    + """
-- KEYS: nodes. ARGV: node timeout (ms). Returns the ids of nodes heard from in time.
local cutoff = string.format('%d', now_ms() - tonumber(ARGV[1]))
return redis.call('ZRANGEBYSCORE', KEYS[1], cutoff, '+inf')
"""
)

# Sets one channel's count in a node's subscriptions hash (KEYS[1]) and moves the
# occupancy hash (KEYS[2]) by the difference; appends {channel, total before, total
# after} to ``changed`` when the count changed.
_SET_COUNT = """
local function set_count(node, occupancy, channel, new, changed)
  local old = tonumber(redis.call('HGET', node, channel) or '0')
  if new == old then return end
  if new > 0 then
    redis.call('HSET', node, channel, new)
  else
    redis.call('HDEL', node, channel)
  end
  local after = redis.call('HINCRBY', occupancy, channel, new - old)
  local before = after - (new - old)
  if after <= 0 then
    redis.call('HDEL', occupancy, channel)
    after = 0
  end
  changed[#changed + 1] = channel
  changed[#changed + 1] = math.max(before, 0)
  changed[#changed + 1] = after
end
"""

COUNTS_SCRIPT = (
    _SET_COUNT
    + """
-- KEYS: the node's subscriptions hash, the occupancy hash.
-- ARGV: '1' to replace the node's counts ('0' to change only those given), then per
-- channel its name and the node's count (0: none).
-- Returns {channel, total before, total after, ...} for every count that changed.
local changed = {}
if ARGV[1] == '1' then
  local listed = {}
  for i = 2, #ARGV, 2 do listed[ARGV[i]] = true end
  for _, channel in ipairs(redis.call('HKEYS', KEYS[1])) do
    if not listed[channel] then set_count(KEYS[1], KEYS[2], channel, 0, changed) end
  end
end
for i = 2, #ARGV, 2 do
  set_count(KEYS[1], KEYS[2], ARGV[i], tonumber(ARGV[i + 1]), changed)
end
return changed
"""
)

FORGET_PRESENCE_SCRIPT = (
    _LEAVE
    + """
-- KEYS: per entry of a forgotten node the presence sockets, users and info hashes.
-- ARGV: per entry its socket id.
-- Returns {entry index, user id, ...}: the users whose last connection went.
local gone = {}
for n = 1, #ARGV do
  local i = 3 * n - 2
  local user = leave(KEYS[i], KEYS[i + 1], KEYS[i + 2], ARGV[n])
  if user then
    gone[#gone + 1] = n
    gone[#gone + 1] = user
  end
end
return gone
"""
)

FORGET_NODE_SCRIPT = (
    _NOW_MS
    + _SET_COUNT
    + """
-- KEYS: nodes, the node's presence set, its subscriptions hash, the occupancy hash.
-- ARGV: node id, node timeout in ms ('' to forget it even if alive), then the node
-- entries whose presence :data:`FORGET_PRESENCE_SCRIPT` removed.
-- Drops the entries; once the node has none left, forgets it entirely, its
-- subscriptions taken out of the occupancy hash.
-- Returns {status, {channel, total before, total after, ...}}: the counts that changed;
-- status 1: forgotten, 0: entries remain, -1: the node is alive after all.
if ARGV[2] ~= '' then
  local seen = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if seen and tonumber(seen) >= now_ms() - tonumber(ARGV[2]) then return {-1, {}} end
end
for i = 3, #ARGV do redis.call('SREM', KEYS[2], ARGV[i]) end
if redis.call('SCARD', KEYS[2]) > 0 then return {0, {}} end
local changed = {}
for _, channel in ipairs(redis.call('HKEYS', KEYS[3])) do
  set_count(KEYS[3], KEYS[4], channel, 0, changed)
end
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[1], ARGV[1])
return {1, changed}
"""
)

COUNT_EVENT_SCRIPT = (
    _NOW_MS
    + """
-- KEYS: the channel's subscription-count hash.
-- ARGV: the channel's count in the occupancy hash, the throttle's subscriber threshold
-- and interval (ms), why ('changed', 'owed' or 'final'), the channel's pub/sub channel,
-- the frame before and after the count.
-- Publishes pusher_internal:subscription_count with the channel's total unless the
-- throttle holds it back: then it is owed, and the reply is the wait (ms) before it may go.
-- Returns -1 when sent or when there is nothing to send.
local why = ARGV[4]
local owed = redis.call('HGET', KEYS[1], 'owed') == '1'
if why ~= 'changed' and not owed then return -1 end
local total = tonumber(ARGV[1])
if total <= 0 then
  redis.call('DEL', KEYS[1])
  return -1
end
local now = now_ms()
local interval = tonumber(ARGV[3])
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or '')
local keep = interval + 60000
if why ~= 'final' and at and total > tonumber(ARGV[2]) and now - at < interval then
  redis.call('HSET', KEYS[1], 'owed', 1)
  redis.call('PEXPIRE', KEYS[1], keep)
  return at + interval - now
end
redis.call('HSET', KEYS[1], 'at', now, 'owed', 0)
redis.call('PEXPIRE', KEYS[1], keep)
redis.call('PUBLISH', ARGV[5], '\\n\\n' .. ARGV[6] .. total .. ARGV[7])
return -1
"""
)

# Forgets one signed-in connection of a node; when it was its user's last one on every
# node, the user is offline: published on the control channel. Returns the user id then,
# false otherwise (and when the socket was not signed in).
_SIGN_OUT = """
local function sign_out(signins, online, control, socket_id)
  local user = redis.call('HGET', signins, socket_id)
  if not user then return false end
  redis.call('HDEL', signins, socket_id)
  if redis.call('HINCRBY', online, user, -1) > 0 then return false end
  redis.call('HDEL', online, user)
  redis.call('PUBLISH', control, 'offline\\n' .. user)
  return user
end
"""

SIGN_IN_SCRIPT = """
-- KEYS: the node's signins hash, the online hash. ARGV: socket id, user id, control channel.
-- Returns 1 when this made the user online (then published on the control channel).
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
if redis.call('HINCRBY', KEYS[2], ARGV[2], 1) > 1 then return 0 end
redis.call('PUBLISH', ARGV[3], 'online\\n' .. ARGV[2])
return 1
"""

SIGN_OUT_SCRIPT = (
    _SIGN_OUT
    + """
-- KEYS: the node's signins hash, the online hash. ARGV: socket id, control channel.
return sign_out(KEYS[1], KEYS[2], ARGV[2], ARGV[1])
"""
)

FORGET_SIGNINS_SCRIPT = (
    _NOW_MS
    + _SIGN_OUT
    + """
-- KEYS: nodes, the node's signins hash, the online hash.
-- ARGV: node id, node timeout in ms ('' to forget them even if alive), control channel,
-- then socket ids.
-- Returns -1 if the node is alive after all, else its signed-in connections left.
if ARGV[2] ~= '' then
  local seen = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if seen and tonumber(seen) >= now_ms() - tonumber(ARGV[2]) then return -1 end
end
for i = 4, #ARGV do sign_out(KEYS[2], KEYS[3], ARGV[3], ARGV[i]) end
return redis.call('HLEN', KEYS[2])
"""
)
