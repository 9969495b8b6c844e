"""How ``tornado_redis`` lays its data out in Redis: keys, payloads and Lua scripts.

Publishers (the backend, in Django processes) and socket servers
(:class:`~realtime_core.backends.redis_broker.RedisBroker`) both build every key, payload
and script from here, so the two sides cannot drift apart.

Every key of one app starts with ``{KEY_PREFIX}:{APP_ID}:`` (``{p}`` below), so several
apps and deployments can share one Redis::

    {p}stream:{channel}          stream of the channel's published frames (field ``f``);
                                 the entry id is the message's position; trimmed to about
                                 the history size and expiring after the history TTL
    {p}channel:{channel}         pub/sub: ``{position}\\n{except_socket_id}\\n{frame}``
                                 (empty position for presence changes and client events)
    {p}control                   pub/sub: ``terminate\\n{user_id}``
    {p}nodes                     sorted set: server node id -> last heartbeat (Redis time, ms)
    {p}node:{id}:presence        set of ``{socket_id}\\n{channel}``: the node's presence entries
    {p}node:{id}:subscriptions   hash: channel -> the node's connections subscribed to it
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
from ..broker import Delivery
from ..messages import Message

__all__ = [
    "DEFAULT_HISTORY_SIZE",
    "DEFAULT_HISTORY_TTL",
    "DEFAULT_KEY_PREFIX",
    "FORGET_NODE_SCRIPT",
    "HEARTBEAT_SCRIPT",
    "JOIN_SCRIPT",
    "LEAVE_SCRIPT",
    "LIVE_NODES_SCRIPT",
    "PUBLISH_SCRIPT",
    "RedisKeys",
    "StreamHistory",
    "decode_control",
    "decode_delivery",
    "encode_delivery",
    "encode_terminate",
    "parse_presence_entry",
    "presence_entry",
    "publish_arguments",
]

DEFAULT_KEY_PREFIX = "realtime"
DEFAULT_HISTORY_SIZE = 100
DEFAULT_HISTORY_TTL = 300


@dataclasses.dataclass(frozen=True, slots=True)
class StreamHistory:
    """How much of each channel's stream is kept, for recovery after a reconnect."""

    size: int = DEFAULT_HISTORY_SIZE
    """Entries kept per channel (approximately: Redis trims whole stream nodes)."""
    ttl: int = DEFAULT_HISTORY_TTL
    """Seconds a channel's history outlives its last publish."""


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
    keys: RedisKeys, messages: Sequence[Message], history: StreamHistory
) -> tuple[list[str], list[str | int | bytes]]:
    """``KEYS`` and ``ARGV`` of one :data:`PUBLISH_SCRIPT` call carrying every message.

    Each frame is built once per (message, channel), here, so a server forwards it
    to its sockets unchanged.
    """
    streams: list[str] = []
    arguments: list[str | int | bytes] = [history.size, history.ttl]
    for message in messages:
        for channel in message.channels:
            streams.append(keys.stream(channel))
            arguments += (
                keys.channel(channel),
                message.socket_id or "",
                frames.channel_event(channel, message.name, message.data),
            )
    return streams, arguments


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

PUBLISH_SCRIPT = """
-- KEYS: one stream per (message, channel).
-- ARGV: history size, history TTL, then per key: pub/sub channel, except socket id, frame.
local size, ttl = ARGV[1], ARGV[2]
for i, stream in ipairs(KEYS) do
  local at = 3 * i
  local frame = ARGV[at + 2]
  local position = redis.call('XADD', stream, 'MAXLEN', '~', size, '*', 'f', frame)
  redis.call('EXPIRE', stream, ttl)
  redis.call('PUBLISH', ARGV[at], position .. '\\n' .. ARGV[at + 1] .. '\\n' .. frame)
end
return #KEYS
"""

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
-- KEYS: nodes. ARGV: node id, node timeout (ms).
-- Returns {1 if the node was not registered, ids of nodes silent for too long}.
local now = now_ms()
local added = redis.call('ZADD', KEYS[1], now, ARGV[1])
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

FORGET_NODE_SCRIPT = (
    _NOW_MS
    + _LEAVE
    + """
-- KEYS: nodes, the node's presence set, its subscriptions hash, then per entry the
-- presence sockets, users and info hashes.
-- ARGV: node id, node timeout in ms ('' to forget it even if alive), then per entry
-- socket id and node entry.
-- Removes the entries; once the node has none left, forgets it entirely.
-- Returns {status, {entry index, user id, ...}} listing the users whose last connection
-- went; status 1: forgotten, 0: entries remain, -1: the node is alive after all.
if ARGV[2] ~= '' then
  local seen = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if seen and tonumber(seen) >= now_ms() - tonumber(ARGV[2]) then return {-1, {}} end
end
local gone = {}
for i = 4, #KEYS, 3 do
  local n = (i - 1) / 3
  redis.call('SREM', KEYS[2], ARGV[2 + 2 * n])
  local user = leave(KEYS[i], KEYS[i + 1], KEYS[i + 2], ARGV[1 + 2 * n])
  if user then
    gone[#gone + 1] = n
    gone[#gone + 1] = user
  end
end
if redis.call('SCARD', KEYS[2]) > 0 then return {0, gone} end
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[1], ARGV[1])
return {1, gone}
"""
)
