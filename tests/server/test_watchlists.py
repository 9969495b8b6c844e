"""Watchlist events: a signed-in connection hears who of its watchlist is online."""

import asyncio
import dataclasses
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from realtime_core.brokers.in_process import InProcessBroker, InProcessExchange
from realtime_core.server.config import ServerConfig
from realtime_core.server.outage import OutageLog
from realtime_core.server.subscriptions import SignInRefused, watchlist_of
from realtime_core.server.watchlists import Watchlists
from tests.server.broker_doubles import InterceptingBroker
from tests.server_harness import TEST_CONFIG, ServerThread

from .conftest import Server
from .pusher_client import PusherTestClient

Events = list[dict[str, Any]]


def watchlist_events(client: PusherTestClient) -> Events:
    """The next frame, which must be ``pusher_internal:watchlist_events``: its events."""
    frame = client.expect("pusher_internal:watchlist_events")
    assert "channel" not in frame
    events: Events = json.loads(frame["data"])["events"]
    return events


@pytest.fixture
def watching(make_server: Callable[..., Server]) -> Server:
    return make_server(watchlist_events=True)


def test_the_state_after_signin_then_each_change(watching: Server) -> None:
    ann = watching.client()
    assert ann.sign_in("ann", watchlist=["bob", "cid"])["event"] == "pusher:signin_success"
    assert watchlist_events(ann) == [{"name": "offline", "user_ids": ["bob", "cid"]}]

    bob_tab, bob_other_tab = watching.client(), watching.client()
    bob_tab.sign_in("bob")
    assert watchlist_events(ann) == [{"name": "online", "user_ids": ["bob"]}]
    bob_other_tab.sign_in("bob")  # still one user online
    bob_tab.close()
    ann.nothing_more()
    bob_other_tab.close()
    assert watchlist_events(ann) == [{"name": "offline", "user_ids": ["bob"]}]

    cid = watching.client()
    cid.sign_in("cid", watchlist=["ann", "bob"])
    assert watchlist_events(cid) == [
        {"name": "online", "user_ids": ["ann"]},
        {"name": "offline", "user_ids": ["bob"]},
    ]
    assert watchlist_events(ann) == [{"name": "online", "user_ids": ["cid"]}]
    ann.nothing_more()
    cid.nothing_more()


def test_a_user_signed_in_before_the_watcher_is_online_at_once(watching: Server) -> None:
    watching.client().sign_in("bob")
    ann = watching.client()
    ann.sign_in("ann", watchlist=["bob", "bob"])
    assert watchlist_events(ann) == [{"name": "online", "user_ids": ["bob"]}]


def test_connections_that_only_subscribe_are_not_online(watching: Server) -> None:
    ann = watching.client()
    ann.sign_in("ann", watchlist=["bob"])
    watchlist_events(ann)
    watching.client().subscribe("presence-room", user_id="bob")
    ann.nothing_more()


def test_a_watchlist_over_the_limit_keeps_its_first_ids_and_says_so(
    make_server: Callable[..., Server],
) -> None:
    server = make_server(watchlist_events=True, max_watchlist_size=2)
    server.client().sign_in("c")
    ann = server.client()
    assert ann.sign_in("ann", watchlist=["a", "b", "c"])["event"] == "pusher:signin_success"
    error = ann.expect("pusher:error")["data"]
    assert error["code"] == 4302
    assert "first 2 of its 3" in error["message"]
    assert watchlist_events(ann) == [{"name": "offline", "user_ids": ["a", "b"]}]
    server.client().sign_in("c")
    ann.nothing_more()


@pytest.mark.parametrize("watchlist", [[1, 2], "bob", ["bob", ""], ["no spaces"], {"bob": 1}])
def test_a_watchlist_that_is_not_user_ids_refuses_the_signin(
    watching: Server, watchlist: object
) -> None:
    client = watching.client()
    refused = client.sign_in("ann", watchlist=watchlist)
    assert refused["event"] == "pusher:error"
    assert refused["data"]["code"] == 4009
    assert "watchlist" in refused["data"]["message"]
    client.send("pusher:ping")
    client.expect("pusher:pong")


def test_signing_in_again_watches_the_new_watchlist(watching: Server) -> None:
    ann = watching.client()
    ann.sign_in("ann", watchlist=["bob"])
    watchlist_events(ann)
    ann.sign_in("ann", watchlist=["cid"])
    assert watchlist_events(ann) == [{"name": "offline", "user_ids": ["cid"]}]
    watching.client().sign_in("bob")
    watching.client().sign_in("cid")
    assert watchlist_events(ann) == [{"name": "online", "user_ids": ["cid"]}]
    ann.nothing_more()


def test_without_the_option_the_watchlist_is_ignored(server: Server) -> None:
    ann = server.client()
    ann.sign_in("ann", watchlist=["bob", 7])
    server.client().sign_in("bob")
    ann.nothing_more()


def test_the_watchlist_is_cut_without_reading_past_the_limit() -> None:
    config = ServerConfig(app_id="1", key="k", secret="s", max_watchlist_size=2)
    assert watchlist_of(config, {"id": "a"}) == ((), 0)
    assert watchlist_of(config, {"id": "a", "watchlist": None}) == ((), 0)
    assert watchlist_of(config, {"id": "a", "watchlist": ["b", "c", 3]}) == (("b", "c"), 3)
    with pytest.raises(SignInRefused):
        watchlist_of(config, {"id": "a", "watchlist": ["b", 3]})


class ForgetfulBroker(InterceptingBroker):
    """Misses what it is told of users online while ``deaf``, as a lost pub/sub link would."""

    def __init__(self, exchange: InProcessExchange) -> None:
        super().__init__(exchange)
        self.deaf = False

    def online_changed(self, user_id: str, online: bool) -> None:
        if not self.deaf:
            super().online_changed(user_id, online)


def test_after_a_resync_the_watchlists_are_read_again() -> None:
    exchange = InProcessExchange()
    brokers: list[ForgetfulBroker] = []

    def make_broker() -> ForgetfulBroker:
        brokers.append(ForgetfulBroker(exchange))
        return brokers[-1]

    config = dataclasses.replace(TEST_CONFIG, watchlist_events=True)
    thread = ServerThread(config, make_broker)
    clients = [PusherTestClient(thread.ws_url, config) for _ in range(3)]
    ann, bob, cid = clients
    try:
        ann.sign_in("ann", watchlist=["bob", "cid"])
        watchlist_events(ann)
        cid.sign_in("cid")
        assert watchlist_events(ann) == [{"name": "online", "user_ids": ["cid"]}]
        (broker,) = brokers
        broker.deaf = True
        bob.sign_in("bob")
        cid.close()
        ann.nothing_more()
        broker.deaf = False
        assert broker.resync is not None
        broker.resync()
        assert watchlist_events(ann) == [
            {"name": "online", "user_ids": ["bob"]},
            {"name": "offline", "user_ids": ["cid"]},
        ]
        broker.resync()
        ann.nothing_more()
    finally:
        for client in clients:
            client.close()
        thread.stop()


def test_changes_heard_while_reading_come_after_what_was_read() -> None:
    """A change the read did not see, heard before the read's answer, is not lost
    (Redis answers the read and delivers notifications on different connections)."""

    class Recorder:
        def __init__(self) -> None:
            self.frames: list[bytes] = []

        def send(self, payload: bytes) -> None:
            self.frames.append(payload)

    async def scenario() -> list[Events]:
        exchange = InProcessExchange()
        broker = InProcessBroker(exchange)
        answer = asyncio.Event()
        read = broker.online_users

        async def slow_online_users(user_ids: Any) -> set[str]:
            found = await read(user_ids)  # bob is offline now
            await answer.wait()
            return found

        broker.online_users = slow_online_users  # type: ignore[method-assign]
        watchlists = Watchlists(broker, OutageLog(logging.getLogger(__name__)))
        connection: Any = Recorder()
        watchlists.watch(connection, ["bob"])
        await asyncio.sleep(0.01)
        watchlists.changed("bob", True)  # heard before the read answered
        answer.set()
        for _ in range(500):
            if len(connection.frames) >= 2:
                break
            await asyncio.sleep(0.01)
        await watchlists.close()
        return [json.loads(json.loads(frame)["data"])["events"] for frame in connection.frames]

    assert asyncio.run(scenario()) == [
        [{"name": "offline", "user_ids": ["bob"]}],
        [{"name": "online", "user_ids": ["bob"]}],
    ]
