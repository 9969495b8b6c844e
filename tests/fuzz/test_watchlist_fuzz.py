"""Fuzzed watchlists in signed sign-ins, on a server with watchlist events on: past the
signature check, the server meets a watchlist of any shape.

Besides the properties every example checks (``support.py``): a list of user ids signs
in and is told the state of exactly its first ``max_watchlist_size`` distinct ids (with
4302 when it was cut); anything else refuses the sign-in with 4009.
"""

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realtime_core.protocol import is_user_id
from tests.server.conftest import Server
from tests.server.pusher_client import PusherTestClient

from . import strategies as fz
from .support import FUZZ, FUZZ_CONFIG, LogWatch, run_example, sign_user

WATCHING_CONFIG = dataclasses.replace(FUZZ_CONFIG, watchlist_events=True, max_watchlist_size=3)

watchlist = st.one_of(
    st.lists(fz.name_text, max_size=5),
    st.lists(st.one_of(fz.name_text, fz.any_text, st.integers(), st.none()), max_size=4),
    fz.json_value,
)


@pytest.fixture(scope="module")
def watching_server(log_watch: LogWatch) -> Iterator[Server]:
    server = Server(WATCHING_CONFIG)
    try:
        yield server
    finally:
        server.stop()


def watched_ids(value: Any) -> list[str] | None:
    """The distinct user ids the server must watch for ``value``; None: refused."""
    if value is None:
        return []
    kept = value[: WATCHING_CONFIG.max_watchlist_size] if isinstance(value, list) else None
    valid = kept is not None and all(
        isinstance(user_id, str) and is_user_id(user_id, WATCHING_CONFIG.max_user_id_length)
        for user_id in kept
    )
    return list(dict.fromkeys(kept)) if valid and kept is not None else None


@settings(FUZZ, max_examples=150)
@given(watched=watchlist, subscribe=st.one_of(st.none(), fz.channel_name))
def test_signed_sign_ins_with_any_watchlist(
    watching_server: Server, log_watch: LogWatch, watched: Any, subscribe: str | None
) -> None:
    user_data = json.dumps({"id": fz.unique_name(), "watchlist": watched})

    def messages(client: PusherTestClient) -> list[str]:
        signin = {"auth": sign_user(client, user_data), "user_data": user_data}
        frames = [json.dumps({"event": "pusher:signin", "data": signin})]
        if subscribe is not None:
            frames.append(json.dumps({"event": "pusher:subscribe", "data": {"channel": subscribe}}))
        return frames

    outcome = run_example(watching_server, log_watch, messages)
    events = [reply["event"] for reply in outcome.replies]
    errors = [r["data"] for r in outcome.replies if r["event"] == "pusher:error"]
    kept = watched_ids(watched)
    if kept is None:
        assert any(e["code"] == 4009 and "watchlist" in e["message"] for e in errors), errors
        assert "pusher:signin_success" not in events, outcome.replies
        assert "pusher_internal:watchlist_events" not in events, outcome.replies
        return
    assert events[0] == "pusher:signin_success", outcome.replies
    cut = isinstance(watched, list) and len(watched) > WATCHING_CONFIG.max_watchlist_size
    assert any(e["code"] == 4302 for e in errors) is cut, outcome.replies
    told = [
        user_id
        for reply in outcome.replies
        if reply["event"] == "pusher_internal:watchlist_events"
        for watchlist_event in json.loads(reply["data"])["events"]
        for user_id in watchlist_event["user_ids"]
    ]
    assert sorted(told) == sorted(kept), outcome.replies
