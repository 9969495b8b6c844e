"""Internal: what Pusher's HTTP API tells of an app's sockets, for ``pusher``'s ``inspect()``.

Two calls list the occupied channels and the presence channels' user counts
(``GET /channels``); then, one call each, the subscription counts of the first
:data:`MAX_COUNTED_CHANNELS` other channels (``GET /channels/{name}``, which Pusher
answers only when the app has subscription counting enabled in its dashboard) and the
members of the first :data:`~realtime_core.inspection.MAX_PRESENCE_CHANNELS` presence
channels (``GET /channels/{name}/users``, ids only). Pusher says nothing of its
servers or of their connections: those are reported unknown.
"""

from typing import Any

from pusher.errors import PusherBadRequest  # type: ignore[import-untyped]

from ..inspection import MAX_CHANNELS, MAX_MEMBERS, MAX_PRESENCE_CHANNELS, ChannelState, Inspection
from ..protocol import PRESENCE_PREFIX

__all__ = ["MAX_COUNTED_CHANNELS", "read_inspection"]

MAX_COUNTED_CHANNELS = 10
"""Channels whose subscription count one inspection asks for, one API call each."""

NOT_TOLD = {
    "nodes": "Pusher does not expose its servers; its dashboard shows the app's connections.",
    "connections": "Pusher's HTTP API does not count connections.",
    "member_info": "Pusher's HTTP API lists presence members by id only.",
}


def _presence_prefix(prefix: str) -> str | None:
    """The ``filter_by_prefix`` that lists the presence channels starting with ``prefix``
    (None when none can)."""
    if prefix.startswith(PRESENCE_PREFIX):
        return prefix
    return PRESENCE_PREFIX if PRESENCE_PREFIX.startswith(prefix) else None


def read_inspection(client: Any, prefix: str) -> Inspection:
    """Read ``client``'s app (a ``pusher`` SDK client); the SDK's exceptions propagate."""
    occupied = sorted(client.channels_info(prefix_filter=prefix or None)["channels"])
    names = occupied[:MAX_CHANNELS]
    presence = [name for name in names if name.startswith(PRESENCE_PREFIX)]
    others = [name for name in names if not name.startswith(PRESENCE_PREFIX)]
    unknown = dict(NOT_TOLD)
    users: dict[str, int] = {}
    presence_prefix = _presence_prefix(prefix)
    if presence and presence_prefix is not None:
        answer = client.channels_info(prefix_filter=presence_prefix, attributes=["user_count"])
        users = {name: info["user_count"] for name, info in answer["channels"].items()}
    counts = _subscription_counts(client, others, unknown)
    refused = "subscriptions" in unknown
    if presence:
        unknown.setdefault(
            "subscriptions",
            "Pusher counts a presence channel's users, not its subscriptions, here.",
        )
    members: dict[str, dict[str, object]] = {}
    for name in presence[:MAX_PRESENCE_CHANNELS]:
        ids = [user["id"] for user in client.users_info(name)["users"]]
        members[name] = {str(user_id): None for user_id in ids[:MAX_MEMBERS]}
    channels = tuple(ChannelState(name, counts.get(name), users.get(name)) for name in names)
    notes: tuple[str, ...] = ()
    if len(others) > MAX_COUNTED_CHANNELS and not refused:
        notes = (
            f"Subscription counts are asked for the first {MAX_COUNTED_CHANNELS} channels "
            "only (one API call each): narrow the filter to see the others'.",
        )
    return Inspection(None, channels, len(occupied) > MAX_CHANNELS, members, unknown, notes)


def _subscription_counts(client: Any, names: list[str], unknown: dict[str, str]) -> dict[str, int]:
    """The first channels' subscription counts; when Pusher refuses to count, why, in
    ``unknown`` (presence channels are counted by user instead)."""
    counts: dict[str, int] = {}
    for name in names[:MAX_COUNTED_CHANNELS]:
        try:
            answer = client.channel_info(name, attributes=["subscription_count"])
        except PusherBadRequest as refused:
            unknown["subscriptions"] = (
                f"Pusher does not count this app's subscriptions ({refused}): enable "
                "subscription counting in the app's settings in the Pusher dashboard."
            )
            break
        counts[name] = answer["subscription_count"]
    return counts
