"""Internal: the servers' state in Redis, for ``tornado_redis``'s ``inspect()``.

Everything is read from the keys :mod:`realtime_core.brokers.redis_schema` lays out,
in three round trips whatever the number of servers: the live nodes (heard from within
the node timeout, by Redis's clock) with their connections and channels, the occupancy
hash scanned for the prefix (a bounded number of ``HSCAN`` rounds), then the presence
channels' user counts and members. Nothing is written.
"""

import json
import re
from typing import cast

from ..brokers.redis_schema import HEARTBEATS_SCRIPT, RedisKeys
from ..brokers.redis_urls import SyncClient
from ..inspection import (
    MAX_CHANNELS,
    MAX_MEMBERS,
    MAX_PRESENCE_CHANNELS,
    ChannelState,
    Inspection,
    NodeState,
)
from ..protocol import PRESENCE_PREFIX

__all__ = ["read_inspection"]

SCAN_COUNT = 1000
"""Occupancy entries one ``HSCAN`` round asks for."""
SCAN_ROUNDS = 20
"""The most ``HSCAN`` rounds one inspection makes: past that, it says it is truncated."""

_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


def read_inspection(
    client: SyncClient, keys: RedisKeys, node_timeout: float, prefix: str
) -> Inspection:
    """The servers sharing ``keys`` and the channels starting with ``prefix``; raises
    ``redis.exceptions.RedisError`` when Redis fails."""
    nodes = _nodes(client, keys, round(node_timeout * 1000))
    counts, truncated = _occupancy(client, keys, prefix)
    names = sorted(counts)[:MAX_CHANNELS]
    truncated = truncated or len(counts) > MAX_CHANNELS
    users, members = _presence(client, keys, [n for n in names if n.startswith(PRESENCE_PREFIX)])
    channels = tuple(ChannelState(name, counts[name], users.get(name)) for name in names)
    unknown: dict[str, str] = {}
    if any(node.connections is None for node in nodes):
        unknown["connections"] = (
            "A socket server that does not report its connections (an older version) shows none."
        )
    return Inspection(nodes, channels, truncated, members, unknown)


def _nodes(client: SyncClient, keys: RedisKeys, timeout_ms: int) -> tuple[NodeState, ...]:
    now_ms, flat = client.register_script(HEARTBEATS_SCRIPT)(keys=[keys.nodes])
    pairs = zip(flat[::2], flat[1::2], strict=True)
    heartbeats = [(node.decode(), float(seen)) for node, seen in pairs]
    # Live as the brokers count it (LIVE_NODES_SCRIPT): heard from within the timeout.
    live = [
        (node, (now_ms - seen) / 1000) for node, seen in heartbeats if seen >= now_ms - timeout_ms
    ]
    with client.pipeline(transaction=False) as pipe:
        for node_id, _age in live:
            pipe.get(keys.node_connections(node_id))
            pipe.hlen(keys.node_subscriptions(node_id))
        replies = pipe.execute()
    return tuple(
        NodeState(
            node_id,
            None if connections is None else int(connections),
            int(channels),
            round(max(age, 0.0), 3),
        )
        for (node_id, age), connections, channels in zip(
            live, replies[::2], replies[1::2], strict=True
        )
    )


def _occupancy(client: SyncClient, keys: RedisKeys, prefix: str) -> tuple[dict[str, int], bool]:
    """Occupied channels starting with ``prefix``, and whether the scan stopped early."""
    match = _GLOB_SPECIAL.sub(r"\\\1", prefix) + "*"
    counts: dict[str, int] = {}
    cursor = 0
    for _ in range(SCAN_ROUNDS):
        cursor, found = client.hscan(keys.occupancy, cursor, match=match, count=SCAN_COUNT)
        entries = cast(dict[bytes, bytes], found)
        counts.update((name.decode(), int(count)) for name, count in entries.items() if int(count))
        if cursor == 0 or len(counts) > MAX_CHANNELS:
            break
    return counts, cursor != 0


def _presence(
    client: SyncClient, keys: RedisKeys, channels: list[str]
) -> tuple[dict[str, int], dict[str, dict[str, object]]]:
    """Each presence channel's number of users, and the members of the first ones."""
    listed = channels[:MAX_PRESENCE_CHANNELS]
    with client.pipeline(transaction=False) as pipe:
        for channel in channels:
            pipe.hlen(keys.presence(channel)[1])
        for channel in listed:
            pipe.hscan(keys.presence(channel)[2], 0, count=MAX_MEMBERS)
        replies = pipe.execute()
    users = dict(zip(channels, map(int, replies[: len(channels)]), strict=True))
    members = {}
    for channel, (_cursor, infos) in zip(listed, replies[len(channels) :], strict=True):
        found = sorted(infos.items())[:MAX_MEMBERS]
        members[channel] = {user.decode(): json.loads(info) for user, info in found}
    return users, members
