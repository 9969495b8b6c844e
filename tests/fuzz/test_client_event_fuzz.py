"""Fuzzed client events between two subscribed sockets.

A sender and a peer are both subscribed (signed properly) to a private and a presence
channel; the sender sends fuzzed ``client-`` events, to those channels and to others.
Besides the properties every example checks (``support.py``): each client event is
either refused to its sender with one ``pusher:error`` or relayed to the peer exactly
as sent (name, channel, data, and the sender's user id on the presence channel),
never both, never neither, and never echoed to the sender.
"""

import json
import time
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.server.conftest import Server
from tests.server.pusher_client import PusherTestClient

from . import strategies as fz
from .support import (
    FUZZ,
    WAIT,
    LogWatch,
    barrier,
    check_healthy,
    check_outcome,
    check_reply,
    exchange,
    sign_subscription,
)

END = "client-fuzz-end"


def join(client: PusherTestClient, channel: str, user_id: str) -> None:
    data: dict[str, Any] = {"channel": channel}
    channel_data = None
    if channel.startswith("presence-"):
        channel_data = json.dumps({"user_id": user_id, "user_info": {"n": user_id}})
        data["channel_data"] = channel_data
    data["auth"] = sign_subscription(client, channel, channel_data)
    client.send("pusher:subscribe", data)
    deadline = time.monotonic() + WAIT
    while True:
        frame = client.recv(max(0.01, deadline - time.monotonic()))
        check_reply(frame)
        if frame["event"] == "pusher_internal:subscription_succeeded":
            assert frame["channel"] == channel, frame
            return


client_event_data = fz.json_values(fz.any_text, nan=False)


@st.composite
def client_events(draw: st.DrawFn) -> tuple[str, str, Any, bool]:
    """(event, channel role, data, ascii escapes): roles are resolved per example."""
    name = draw(
        st.one_of(
            st.sampled_from(["client-x", "client-typing", "client-"]),
            st.builds(lambda tail: "client-" + tail, fz.any_text),
            st.builds(lambda n: "client-" + "e" * n, st.integers(180, 210)),
        )
    )
    role = draw(st.sampled_from(["private", "presence", "private", "presence", "other", "junk"]))
    if draw(fz.dice(5)) == 5:
        data = "d" * draw(st.integers(10_000, 10_300))  # around the 10 KB data limit
    else:
        data = draw(client_event_data)
    return name, role, data, draw(st.booleans())


@settings(FUZZ, max_examples=120)
@given(
    events=st.lists(client_events(), min_size=1, max_size=6),
    junk=fz.channel_value,
)
def test_client_events_are_refused_or_relayed_as_sent(
    fuzz_server: Server,
    log_watch: LogWatch,
    events: list[tuple[str, str, Any, bool]],
    junk: Any,
) -> None:
    private = "private-" + fz.unique_name()
    presence = "presence-" + fz.unique_name()
    other = "private-" + fz.unique_name()  # the sender is not subscribed to it
    channels = {"private": private, "presence": presence, "other": other, "junk": junk}
    mark = log_watch.mark()
    sender = PusherTestClient(fuzz_server.thread.ws_url, fuzz_server.config)
    peer = PusherTestClient(fuzz_server.thread.ws_url, fuzz_server.config)
    try:
        for client, user_id in ((sender, "sender"), (peer, "peer")):
            join(client, private, user_id)
            join(client, presence, user_id)
        presence_join = sender.recv(WAIT)  # the peer joined after the sender
        assert presence_join["event"] == "pusher_internal:member_added", presence_join
        sent = []
        texts = []
        for name, role, data, ascii_only in events:
            frame = {"event": name, "channel": channels[role], "data": data}
            sent.append(frame)
            texts.append(fz.to_json(frame, ascii_only))
        outcome = exchange(sender, texts)
        check_outcome(outcome)
        refused = [r for r in outcome.replies if r["event"] == "pusher:error"]
        assert len(outcome.replies) == len(refused), outcome.replies  # no echo, no relay
        # Markers on both channels, then everything relayed before them has arrived.
        exchange(
            sender,
            [json.dumps({"event": END, "channel": c, "data": {}}) for c in (private, presence)],
        )
        relayed: list[dict[str, Any]] = []
        ended = 0
        deadline = time.monotonic() + WAIT
        while ended < 2:
            frame = peer.recv(max(0.01, deadline - time.monotonic()))
            check_reply(frame)
            if frame["event"] == END:
                ended += 1
            else:
                relayed.append(frame)
        assert len(refused) + len(relayed) == len(events), (refused, relayed)
        event(f"relayed: {'all' if not refused else 'some' if relayed else 'none'}")
        expected = iter(json.loads(json.dumps(frame)) for frame in sent)
        for frame in relayed:  # in order, each one of those sent, exactly
            wanted = {**frame, "user_id": "sender"} if frame["channel"] == presence else frame
            for candidate in expected:
                candidate_frame = {**candidate}
                if candidate["channel"] == presence:
                    candidate_frame["user_id"] = "sender"
                if candidate_frame == wanted:
                    break
            else:
                raise AssertionError(f"relayed {frame} was not sent (or not in order): {sent}")
        late: list[dict[str, Any]] = []
        barrier(peer, late)
        assert not late, late
        check_healthy(fuzz_server, sender, outcome)
    finally:
        sender.close()
        peer.close()
    log_watch.check_clean(mark)
