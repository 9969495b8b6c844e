"""Internal: the Redis schema: keys, payloads and Lua scripts, the one spec of data in Redis.

Two sides share it: publishers (the ``tornado_redis`` backend,
:class:`~realtime_core.backends.tornado_redis.TornadoRedisBackend`, publishing from
Django processes) and socket servers (:class:`~realtime_core.brokers.redis.RedisBroker`).
Both build every key, payload and script from here and from nowhere else, so the two
sides cannot drift apart: a change here is a change for both.

Every key of one app starts with ``{KEY_PREFIX}:{APP_ID}:`` (``{p}`` below), so several
apps and deployments can share one Redis::

    {p}meta:{channel}            hash: ``e`` the channel's epoch, ``o`` its latest offset;
                                 expires with the history (a new epoch starts after)
    {p}stream:{channel}          stream of the channel's published frames (field ``f``, and
                                 ``t``: Redis time in ms); entry id ``{offset}-0``; trimmed
                                 to about the history size, expiring with the meta hash
    {p}channel:{channel}         pub/sub: ``{position}\\n{except_socket_id}\\n{frame}``
                                 (empty position for presence changes and client events)
    {p}control                   pub/sub: ``terminate\\n{user_id}``
    {p}nodes                     sorted set: server node id -> last heartbeat (Redis time, ms)
    {p}node:{id}:presence        set of ``{socket_id}\\n{channel}``: the node's presence entries
    {p}node:{id}:subscriptions   hash: channel -> the node's connections subscribed to it
    {p}node:{id}:connections     string: the node's open connections as of its last
                                 heartbeat; expires after the node timeout
    {p}occupancy                 hash: channel -> connections subscribed on every node (the
                                 sum of the nodes' hashes, changed with them atomically by
                                 :data:`COUNTS_SCRIPT` and :data:`FORGET_NODE_SCRIPT`, so
                                 exactly one node sees a channel become occupied or vacated)
    {p}presence:{channel}:sockets  hash: socket id -> user id
    {p}presence:{channel}:users    hash: user id -> that user's connections in the channel
    {p}presence:{channel}:info     hash: user id -> user info as JSON

Channel names cannot contain ``:`` or newlines, so keys and payloads are unambiguous.
Times come from Redis (``TIME``), never from the servers' clocks. The scripts never
build key names: every key they touch is passed in ``KEYS``. One publish touches the
keys of all its channels, so this needs one Redis (standalone, or a Sentinel-managed
primary), not Redis Cluster.
"""

import dataclasses
from collections.abc import Sequence

from .. import frames
from ..messages import Message
from ..positions import HistoryLimits, Position, new_epoch
from .base import Delivery, History

__all__ = [
    "COUNTS_SCRIPT",
    "DEFAULT_KEY_PREFIX",
    "FORGET_NODE_SCRIPT",
    "HEARTBEAT_SCRIPT",
    "HISTORY_SCRIPT",
    "JOIN_SCRIPT",
    "LEAVE_SCRIPT",
    "LIVE_NODES_SCRIPT",
    "PUBLISH_SCRIPT",
    "RedisKeys",
    "decode_control",
    "decode_delivery",
    "encode_delivery",
    "encode_terminate",
    "history_arguments",
    "parse_history",
    "parse_presence_entry",
    "presence_entry",
    "publish_arguments",
]

DEFAULT_KEY_PREFIX = "realtime"


@dataclasses.dataclass(frozen=True, slots=True)
class RedisKeys:
    """The Redis key names of one app (see the module docstring)."""

    base: str
    """``{key_prefix}:{app_id}:``, the start of every key."""

    @classmethod
    def for_app(cls, app_id: str, key_prefix: str = DEFAULT_KEY_PREFIX) -> "RedisKeys":
        return cls(f"{key_prefix}:{app_id}:")

    def stream(self, channel: str) -> str:
        return f"{self.base}stream:{channel}"

    def meta(self, channel: str) -> str:
        return f"{self.base}meta:{channel}"

    def channel(self, channel: str) -> str:
        """The pub/sub channel that carries ``channel``'s deliveries."""
        return f"{self.base}channel:{channel}"

    @property
    def control(self) -> str:
        return f"{self.base}control"

    @property
    def nodes(self) -> str:
        return f"{self.base}nodes"

    def node_presence(self, node_id: str) -> str:
        return f"{self.base}node:{node_id}:presence"

    def node_subscriptions(self, node_id: str) -> str:
        return f"{self.base}node:{node_id}:subscriptions"

    def node_connections(self, node_id: str) -> str:
        return f"{self.base}node:{node_id}:connections"

    @property
    def occupancy(self) -> str:
        return f"{self.base}occupancy"

    def presence(self, channel: str) -> tuple[str, str, str]:
        """The ``sockets``, ``users`` and ``info`` hashes of a presence channel."""
        start = f"{self.base}presence:{channel}:"
        return f"{start}sockets", f"{start}users", f"{start}info"


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


def publish_arguments(
    keys: RedisKeys, messages: Sequence[Message], limits: HistoryLimits
) -> tuple[list[str], list[str | int | bytes]]:
    """``KEYS`` and ``ARGV`` of one :data:`PUBLISH_SCRIPT` call carrying every message.

    Each frame is built once per (message, channel), here, and completed with its
    position by the script, so a server forwards it to its sockets unchanged.
    """
    script_keys: list[str] = []
    arguments: list[str | int | bytes] = [limits.size, limits.ttl, new_epoch()]
    for message in messages:
        for channel in message.channels:
            script_keys += (keys.meta(channel), keys.stream(channel))
            arguments += (
                keys.channel(channel),
                message.socket_id or "",
                frames.unpositioned_channel_event(channel, message.name, message.data),
            )
    return script_keys, arguments


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
-- KEYS: per (message, channel): its meta hash, its stream.
-- ARGV: history size, history TTL, a new epoch for channels without one, then per
-- (message, channel): pub/sub channel, except socket id, frame without its position.
local size, ttl, candidate = ARGV[1], ARGV[2], ARGV[3]
local now = now_ms()
for i = 1, #KEYS, 2 do
  local meta, stream = KEYS[i], KEYS[i + 1]
  local at = 4 + 3 * (i - 1) / 2
  local epoch = epoch_of(meta, stream, candidate, ttl)
  local offset = redis.call('HINCRBY', meta, 'o', 1)
  local position = epoch .. ':' .. offset
  local frame = string.sub(ARGV[at + 2], 1, -2) .. ',"position":"' .. position .. '"}'
  redis.call('XADD', stream, 'MAXLEN', '~', size, offset .. '-0', 'f', frame, 't', now)
  redis.call('EXPIRE', stream, ttl)
  redis.call('EXPIRE', meta, ttl)
  redis.call('PUBLISH', ARGV[at], position .. '\\n' .. ARGV[at + 1] .. '\\n' .. frame)
end
return #KEYS / 2
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

JOIN_SCRIPT = """
-- KEYS: presence sockets, users, info; the node's presence set.
-- ARGV: socket id, user id, user info JSON, member limit, node entry.
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
redis.call('SADD', KEYS[4], ARGV[5])
local added = 0
if connections == 0 then added = 1 end
return {added, redis.call('HGETALL', KEYS[3])}
"""

LEAVE_SCRIPT = (
    _LEAVE
    + """
-- KEYS: presence sockets, users, info; the node's presence set. ARGV: socket id, node entry.
redis.call('SREM', KEYS[4], ARGV[2])
return leave(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
"""
)

HEARTBEAT_SCRIPT = (
    _NOW_MS
    + """
-- KEYS: nodes, the node's connections key. ARGV: node id, node timeout (ms), the
-- node's open connections ('' when it does not count them).
-- Returns {1 if the node was not registered, ids of nodes silent for too long}.
local now = now_ms()
local added = redis.call('ZADD', KEYS[1], now, ARGV[1])
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2]) end
local cutoff = string.format('(%d', now - tonumber(ARGV[2]))
return {added, redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff)}
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

FORGET_NODE_SCRIPT = (
    _NOW_MS
    + _LEAVE
    + _SET_COUNT
    + """
-- KEYS: nodes, the node's presence set, its subscriptions hash, the occupancy hash,
-- then per entry the presence sockets, users and info hashes.
-- ARGV: node id, node timeout in ms ('' to forget it even if alive), then per entry
-- socket id and node entry.
-- Removes the entries; once the node has none left, forgets it entirely, its
-- subscriptions taken out of the occupancy hash.
-- Returns {status, {entry index, user id, ...}, {channel, total before, total after, ...}}
-- listing the users whose last connection went and the counts that changed; status 1:
-- forgotten, 0: entries remain, -1: the node is alive after all.
if ARGV[2] ~= '' then
  local seen = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if seen and tonumber(seen) >= now_ms() - tonumber(ARGV[2]) then return {-1, {}, {}} end
end
local gone = {}
for i = 5, #KEYS, 3 do
  local n = (i - 2) / 3
  redis.call('SREM', KEYS[2], ARGV[2 + 2 * n])
  local user = leave(KEYS[i], KEYS[i + 1], KEYS[i + 2], ARGV[1 + 2 * n])
  if user then
    gone[#gone + 1] = n
    gone[#gone + 1] = user
  end
end
if redis.call('SCARD', KEYS[2]) > 0 then return {0, gone, {}} end
local changed = {}
for _, channel in ipairs(redis.call('HKEYS', KEYS[3])) do
  set_count(KEYS[3], KEYS[4], channel, 0, changed)
end
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[1], ARGV[1])
return {1, gone, changed}
"""
)
