"""pusher-js 8 over its HTTP fallbacks, ``xhr_streaming`` and ``xhr_polling``, as when a
proxy blocks WebSockets: the same protocol, authorization and fan-out as on a socket.

Each test runs pusher-js restricted to one fallback (``enabledTransports``), against
the test server, the embedded server (``manage.py runserver``) and two
``tornado_redis`` nodes.
"""

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from realtime_core.protocol import ErrorCode
from tests.server.conftest import Server
from tests.server.test_cluster import CONFIG as CLUSTER
from tests.server.test_cluster import Node as ClusterNode
from tests.server.test_commands import embedded_config, wait_for_port
from tests.server.test_runserver import publish_through_a_view, runserver, stop_group
from tests.server_harness import free_port

from .test_pusher_js import NODE, NODE_DIR, PusherJs, pusher_js, sdk_authorizer, sdk_for

__all__ = ["pusher_js"]

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed (pusher-js interop tests)"),
    pytest.mark.skipif(
        not (NODE_DIR / "node_modules" / "pusher-js").is_dir(),
        reason="pusher-js is not installed: run `npm ci` in tests/interop/node",
    ),
]

TRANSPORTS = ["xhr_streaming", "xhr_polling"]


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def over_http(pusher_js: Any, transport: str) -> Callable[..., PusherJs]:
    """``pusher_js`` restricted to one HTTP transport."""

    def start(server: Server, **kwargs: Any) -> PusherJs:
        return pusher_js(server, enabledTransports=[transport], **kwargs)  # type: ignore[no-any-return]

    return start


def waiting_for(server: Server, condition: Callable[[Any], bool], timeout: float = 5.0) -> None:
    """Wait until the server's only HTTP session meets ``condition``."""
    hub = server.thread.server.hub
    deadline = time.monotonic() + timeout
    while True:
        (session,) = hub.connections.values()
        if condition(session):
            return
        assert time.monotonic() < deadline, "the session never got there"
        time.sleep(0.01)


def sessions(server: Server) -> int:
    """The HTTP sessions the server holds."""
    hub = server.thread.server.hub
    return sum(1 for connection in hub.connections.values() if hasattr(connection, "receive"))


def test_connects_with_a_socket_id_the_server_knows(
    server: Server, over_http: Callable[..., PusherJs]
) -> None:
    client = over_http(server)

    socket_id = client.connected()

    assert socket_id in server.thread.server.hub.connections
    assert sessions(server) == 1
    assert [line["current"] for line in client.seen("state")] == ["connecting", "connected"]
    assert client.seen("error") == []


def test_public_private_and_presence_channels_get_their_events(
    server: Server, over_http: Callable[..., PusherJs]
) -> None:
    ann = {"user_id": "1", "user_info": {"name": "Ann"}}
    channels = ("news", "private-orders", "presence-room")
    private, presence = sdk_authorizer(server), sdk_authorizer(server, ann)

    def authorize(socket_id: str, channel: str) -> dict[str, Any]:
        return (presence if channel.startswith("presence-") else private)(socket_id, channel)

    client = over_http(server, channels=channels, authorize=authorize)
    for channel in channels:
        client.subscribed(channel)
    assert client.subscribed("presence-room")["members"] == {"1": {"name": "Ann"}}
    payload = {"title": 'Grüße, 世界 "quoted" \\ \u2028', "n": [1, -2.5]}

    for channel in channels:
        server.publish(channel, "created", json.dumps(payload))

    for channel in channels:
        assert client.wait_for("event", event="created", channel=channel)["data"] == payload


def test_a_bad_signature_is_refused_and_the_session_stays(
    server: Server, over_http: Callable[..., PusherJs]
) -> None:
    def forged(socket_id: str, channel: str) -> dict[str, Any]:
        return {"auth": f"{server.config.key}:{'0' * 64}"}

    client = over_http(server, channels=("private-vault",), authorize=forged)

    failure = client.wait_for("subscription_error", channel="private-vault")["error"]
    assert failure["status"] == 401
    client.command("subscribe", channel="news")
    client.subscribed("news")
    assert [line["current"] for line in client.seen("state")] == ["connecting", "connected"]


def test_presence_members_and_client_events_between_a_socket_and_a_session(
    make_server: Callable[..., Server], pusher_js: Any, transport: str
) -> None:
    server = make_server(client_events=True, http_session_timeout=1.0)
    ann, bob = {"user_id": "ann"}, {"user_id": "bob"}
    on_http = pusher_js(
        server,
        channels=("presence-chat",),
        authorize=sdk_authorizer(server, ann),
        enabledTransports=[transport],
    )
    on_http.subscribed("presence-chat")
    on_ws = pusher_js(server, channels=("presence-chat",), authorize=sdk_authorizer(server, bob))
    on_ws.subscribed("presence-chat")
    assert on_http.wait_for("member_added", channel="presence-chat")["id"] == "bob"

    on_http.command("trigger", channel="presence-chat", event="client-typing", data={"a": "é"})
    got = on_ws.wait_for("message", event="client-typing")
    assert (got["data"], got["user_id"]) == ({"a": "é"}, "ann")
    on_ws.command("trigger", channel="presence-chat", event="client-reply", data={"ok": True})
    assert on_http.wait_for("event", event="client-reply")["data"] == {"ok": True}

    # pusher-js tells nothing when it closes: the session ends when no request is open.
    on_http.close()
    removed = on_ws.wait_for("member_removed", channel="presence-chat", timeout=5)
    assert removed["id"] == "ann"
    assert sessions(server) == 0


def test_signin_and_the_watchlist(
    make_server: Callable[..., Server], pusher_js: Any, transport: str
) -> None:
    server = make_server(watchlist_events=True)
    sdk = sdk_for(server)
    user = {"id": "ann", "watchlist": ["bob"]}
    client = pusher_js(
        server,
        signin=True,
        authenticate_user=lambda socket_id: sdk.authenticate_user(socket_id, user),
        enabledTransports=[transport],
    )
    assert client.wait_for("signed_in")["user_data"] == user
    assert client.wait_for("watchlist")["name"] == "offline"
    bob = server.client()
    bob.sign_in("bob")
    online = client.wait_for("watchlist", count=2)
    assert (online["name"], online["user_ids"]) == ("online", ["bob"])
    bob.close()


def test_server_stop_makes_pusher_js_reconnect(
    server: Server, over_http: Callable[..., PusherJs]
) -> None:
    client = over_http(server, channels=("news",), unavailableTimeout=300)
    client.subscribed("news")
    # A poll is answered once per delivery: stop while the next one waits (between two
    # polls the server, no longer accepting, could only refuse it: 1006, not 4200).
    waiting_for(server, lambda session: session.outlet.receiver is not None)

    server.thread.call(server.thread.server.stop(grace=1.0))

    client.wait_for("state", current="connecting", previous="connected")
    codes = [e["error"].get("data", {}).get("code") for e in client.seen("error")]
    assert codes[:2] == [4200, 4200]  # the pusher:error, then the close code


def test_a_session_closed_with_4200_reconnects_at_once_and_resubscribes(
    server: Server, over_http: Callable[..., PusherJs]
) -> None:
    client = over_http(server, channels=("news",))
    first_socket = client.connected()
    client.subscribed("news")

    hub = server.thread.server.hub
    server.thread.loop.call_soon_threadsafe(
        hub.close_all, ErrorCode.RECONNECT_IMMEDIATELY, "Restarting"
    )

    second_socket = str(client.wait_for("connected", count=2)["socket_id"])
    client.subscribed("news", count=2)
    server.publish("news", "after", '{"n": 2}')
    assert client.wait_for("event", event="after")["data"] == {"n": 2}
    assert second_socket != first_socket
    assert [line["current"] for line in client.seen("state")] == [
        "connecting",
        "connected",
        "connecting",
        "connected",
    ]


@pytest.fixture
def embedded() -> Iterator[int]:
    port = free_port()
    process = runserver(f"127.0.0.1:{port}")
    try:
        wait_for_port(process, port)
        yield port
    finally:
        stop_group(process)


def test_the_embedded_server_serves_the_fallbacks_and_the_site(
    embedded: int, transport: str
) -> None:
    config = embedded_config()
    client = PusherJs(embedded, config.key, channels=("news",), enabledTransports=[transport])
    try:
        client.subscribed("news")
        publish_through_a_view(embedded, "news")
        assert client.wait_for("event", event="from-view")["data"] == {"path": "/publish/news/"}
    finally:
        client.close()


def test_two_redis_nodes_deliver_to_a_session_on_either(redis_url: str, transport: str) -> None:
    first, second = ClusterNode(redis_url), ClusterNode(redis_url)
    clients: list[PusherJs] = []
    try:
        for node in (first, second):
            client = PusherJs(
                node.port, CLUSTER.key, channels=("news",), enabledTransports=[transport]
            )
            clients.append(client)
            client.subscribed("news")
        first.api().trigger("news", "from-first", {"n": 1})
        second.api().trigger("news", "from-second", {"n": 2})
        for client in clients:
            assert client.wait_for("event", event="from-first")["data"] == {"n": 1}
            assert client.wait_for("event", event="from-second")["data"] == {"n": 2}
    finally:
        for client in clients:
            client.close()
        first.stop()
        second.stop()
