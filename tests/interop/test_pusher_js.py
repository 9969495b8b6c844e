"""pusher-js 8, the official browser/Node client, as the referee for the socket server.

Each client is ``node node/pusher_js_client.mjs`` driven over stdin/stdout (see the
script's header). Channel and user authorization go through pusher-js's
``customHandler`` hooks: the script prints an ``auth_request`` and this side answers
with what the official ``pusher`` Python SDK's ``authenticate()`` /
``authenticate_user()`` return, exactly as a Django auth endpoint would.

Needs ``node`` and ``npm ci`` run in ``tests/interop/node``.
"""

import asyncio
import contextlib
import json
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pusher
import pytest
from django.test import override_settings

import realtime_core
from tests.server.conftest import Server
from tests.server.pusher_client import PusherTestClient
from tests.server.test_cluster import CONFIG as CLUSTER
from tests.server.test_cluster import Node as ClusterNode
from tests.server_harness import ServerThread, free_port, pipe

NODE_DIR = Path(__file__).resolve().parent / "node"
SCRIPT = NODE_DIR / "pusher_js_client.mjs"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed (pusher-js interop tests)"),
    pytest.mark.skipif(
        not (NODE_DIR / "node_modules" / "pusher-js").is_dir(),
        reason="pusher-js is not installed: run `npm ci` in tests/interop/node",
    ),
]

Line = dict[str, Any]
Authorizer = Callable[[str, str], dict[str, Any]]
"""(socket_id, channel) -> the auth endpoint's JSON answer."""


def sdk_for(server: Server) -> pusher.Pusher:
    config = server.config
    return pusher.Pusher(app_id=config.app_id, key=config.key, secret=config.secret)


def sdk_authorizer(server: Server, presence_user: dict[str, Any] | None = None) -> Authorizer:
    """Authorize like a Django endpoint built on the official SDK would."""
    sdk = sdk_for(server)
    return lambda socket_id, channel: sdk.authenticate(channel, socket_id, presence_user)


class PusherJs:
    """One pusher-js client in a Node process; its output lines are kept in order."""

    def __init__(
        self,
        port: int,
        key: str,
        *,
        channels: tuple[str, ...] = (),
        authorize: Authorizer | None = None,
        authenticate_user: Callable[[str], dict[str, Any]] | None = None,
        **options: Any,
    ) -> None:
        assert NODE is not None
        self.authorize = authorize
        self.authenticate_user = authenticate_user
        config = {
            "key": key,
            "wsHost": "127.0.0.1",
            "wsPort": port,
            "channels": list(channels),
            **options,
        }
        self.lines: list[Line] = []
        self.stderr: list[str] = []
        self._changed = threading.Condition()
        self._stdin_lock = threading.Lock()
        self.process = subprocess.Popen(
            [NODE, str(SCRIPT), json.dumps(config)],
            cwd=NODE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self._readers = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    # Talking to the script ----------------------------------------------------------------

    def command(self, cmd: str, **fields: Any) -> None:
        line = json.dumps({"cmd": cmd, **fields}) + "\n"
        with self._stdin_lock:
            assert self.process.stdin is not None
            self.process.stdin.write(line)
            self.process.stdin.flush()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for text in self.process.stdout:
            try:
                line = json.loads(text)
            except ValueError:
                line = {"type": "unparsed", "text": text}
            if line.get("type") == "auth_request":
                self._answer(line)
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for text in self.process.stderr:
            self.stderr.append(text)

    def _answer(self, request: Line) -> None:
        """Play the application's auth endpoint; a failure goes back to pusher-js."""
        socket_id, channel = request["socket_id"], request.get("channel", "")
        answer: dict[str, Any]
        try:
            if request["kind"] == "user":
                assert self.authenticate_user is not None, "no user authenticator given"
                answer = {"auth": self.authenticate_user(socket_id)}
            else:
                assert self.authorize is not None, "no channel authorizer given"
                answer = {"channel": channel, "auth": self.authorize(socket_id, channel)}
        except Exception as exc:
            answer = {"channel": channel, "error": repr(exc)}
        with contextlib.suppress(OSError):  # the process is gone; the transcript says why
            self.command("authorize", **answer)

    # Observing --------------------------------------------------------------------------

    def seen(
        self, type: str, where: Callable[[Line], bool] | None = None, **fields: Any
    ) -> list[Line]:
        """Every line so far of ``type`` whose fields equal ``fields`` and match ``where``."""
        with self._changed:
            lines = list(self.lines)
        return [
            line
            for line in lines
            if line["type"] == type
            and all(line.get(name) == value for name, value in fields.items())
            and (where is None or where(line))
        ]

    def wait_for(
        self,
        type: str,
        where: Callable[[Line], bool] | None = None,
        timeout: float = 10.0,
        count: int = 1,
        **fields: Any,
    ) -> Line:
        """The ``count``-th matching line, waiting for it; fails with the whole transcript."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                matches = self.seen(type, where, **fields)
                if len(matches) >= count:
                    return matches[count - 1]
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.process.poll() is not None and not self._reading()):
                    break
                self._changed.wait(min(remaining, 0.2))
        raise AssertionError(
            f"pusher-js never reported {type} {fields} (x{count}) within {timeout}s.\n"
            f"stdout:\n"
            + "\n".join(json.dumps(line) for line in self.lines)
            + "\nstderr:\n"
            + "".join(self.stderr[-40:])
        )

    def _reading(self) -> bool:
        return self._readers[0].is_alive()

    def connected(self) -> str:
        """Wait for the connection; its socket id."""
        return str(self.wait_for("connected")["socket_id"])

    def subscribed(self, channel: str, count: int = 1) -> Line:
        return self.wait_for("subscription_succeeded", channel=channel, count=count)

    def close(self) -> None:
        """Disconnect and reap the process; safe to call twice."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.command("disconnect")
        with contextlib.suppress(OSError):
            assert self.process.stdin is not None
            self.process.stdin.close()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        for reader in self._readers:
            reader.join(5)
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self.process.stdout.close()
        self.process.stderr.close()


@pytest.fixture
def pusher_js() -> Iterator[Callable[..., PusherJs]]:
    """``pusher_js(server, channels=(...), authorize=..., **pusher_js_options)``."""
    clients: list[PusherJs] = []

    def start(server: Server, port: int | None = None, **kwargs: Any) -> PusherJs:
        client = PusherJs(port or server.thread.port, server.config.key, **kwargs)
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.close()


def test_connects_and_gets_a_socket_id_the_server_knows(server: Server, pusher_js: Any) -> None:
    client = pusher_js(server)

    socket_id = client.connected()

    assert re.fullmatch(r"\d+\.\d+", socket_id)
    assert socket_id in server.thread.server.hub.connections
    states = [line["current"] for line in client.seen("state")]
    assert states == ["connecting", "connected"]
    assert client.seen("error") == []


def test_public_event_arrives_with_the_published_data(server: Server, pusher_js: Any) -> None:
    client = pusher_js(server, channels=("news",))
    client.subscribed("news")
    payload = {"title": 'Grüße, 世界 "quoted" \\ \u2028', "n": [1, -2.5, 1e21], "ok": None}

    server.publish("news", "created", json.dumps(payload))
    server.publish("news", "note", "plain text, not JSON")

    assert client.wait_for("event", event="created")["data"] == payload
    # pusher-js keeps data that is not JSON as the string it got.
    assert client.wait_for("event", event="note")["data"] == "plain text, not JSON"
    assert [line["channel"] for line in client.seen("event")] == ["news", "news"]


def test_private_channel_with_the_sdk_signature(server: Server, pusher_js: Any) -> None:
    client = pusher_js(server, channels=("private-orders",), authorize=sdk_authorizer(server))
    socket_id = client.connected()

    client.subscribed("private-orders")
    server.publish("private-orders", "paid", '{"id": 7}')

    request = client.seen("auth_request")[0]
    assert request == {
        "type": "auth_request",
        "kind": "channel",
        "socket_id": socket_id,
        "channel": "private-orders",
    }
    assert client.wait_for("event", event="paid")["data"] == {"id": 7}


def test_a_bad_signature_yields_subscription_error_and_keeps_the_connection(
    server: Server, pusher_js: Any
) -> None:
    def forged(socket_id: str, channel: str) -> dict[str, Any]:
        return {"auth": f"{server.config.key}:{'0' * 64}"}

    client = pusher_js(server, channels=("private-vault",), authorize=forged)

    failure = client.wait_for("subscription_error", channel="private-vault")["error"]
    assert failure["type"] == "AuthError"
    assert failure["status"] == 401
    assert "Invalid signature" in failure["error"]
    # The socket stays usable: a later subscription succeeds on the same connection.
    client.command("subscribe", channel="news")
    client.subscribed("news")
    assert [line["current"] for line in client.seen("state")] == ["connecting", "connected"]
    assert client.seen("subscription_succeeded", channel="private-vault") == []


def test_presence_members_join_and_leave(server: Server, pusher_js: Any) -> None:
    ann = {"user_id": "1", "user_info": {"name": "Ann"}}
    bob = {"user_id": "2", "user_info": {"name": "Bob", "tags": ["x"]}}
    first = pusher_js(server, channels=("presence-room",), authorize=sdk_authorizer(server, ann))
    alone = first.subscribed("presence-room")
    assert alone["members"] == {"1": {"name": "Ann"}}
    assert alone["count"] == 1
    assert alone["me"] == {"id": "1", "info": {"name": "Ann"}}

    second = pusher_js(server, channels=("presence-room",), authorize=sdk_authorizer(server, bob))
    together = second.subscribed("presence-room")
    assert together["members"] == {"1": {"name": "Ann"}, "2": {"name": "Bob", "tags": ["x"]}}
    assert together["count"] == 2
    assert together["me"]["id"] == "2"
    added = first.wait_for("member_added", channel="presence-room")
    assert (added["id"], added["info"]) == ("2", {"name": "Bob", "tags": ["x"]})

    second.command("unsubscribe", channel="presence-room")
    removed = first.wait_for("member_removed", channel="presence-room")
    assert (removed["id"], removed["info"]) == ("2", {"name": "Bob", "tags": ["x"]})

    second.command("subscribe", channel="presence-room")
    second.subscribed("presence-room", count=2)
    first.wait_for("member_added", channel="presence-room", count=2)
    second.close()
    first.wait_for("member_removed", channel="presence-room", count=2)
    assert second.seen("member_added") == []


@pytest.mark.parametrize("channel", ["private-chat", "presence-chat"])
def test_client_events_reach_the_others_and_are_not_echoed(
    make_server: Callable[..., Server], pusher_js: Any, channel: str
) -> None:
    server = make_server(client_events=True)
    presence = channel.startswith("presence-")
    # The SDK signs custom_data whatever the channel type, so pass it for presence only.
    sender = pusher_js(
        server,
        channels=(channel,),
        authorize=sdk_authorizer(server, {"user_id": "ann"} if presence else None),
    )
    receiver = pusher_js(
        server,
        channels=(channel,),
        authorize=sdk_authorizer(server, {"user_id": "bob"} if presence else None),
    )
    sender.subscribed(channel)
    receiver.subscribed(channel)

    sender.command("trigger", channel=channel, event="client-typing", data={"a": 1, "b": "é"})

    assert sender.wait_for("triggered")["ok"] is True
    got = receiver.wait_for("event", event="client-typing")
    assert got["data"] == {"a": 1, "b": "é"}
    frame = receiver.wait_for("message", event="client-typing")
    assert frame.get("user_id") == ("ann" if presence else None)
    # Frames reach a socket in order: once this later event is in, an echo would be too.
    server.publish(channel, "marker", "{}")
    sender.wait_for("event", event="marker")
    assert sender.seen("event", event="client-typing") == []
    assert sender.seen("error") == []


def test_signin_then_an_event_for_that_user(server: Server, pusher_js: Any) -> None:
    sdk = sdk_for(server)
    user = {"id": "42", "user_info": {"name": "Zed"}}
    client = pusher_js(
        server,
        signin=True,
        authenticate_user=lambda socket_id: sdk.authenticate_user(socket_id, user),
    )
    other = pusher_js(
        server,
        signin=True,
        authenticate_user=lambda socket_id: sdk.authenticate_user(socket_id, {"id": "43"}),
    )

    assert client.wait_for("signed_in")["user_data"] == user
    other.wait_for("signed_in")
    # pusher-js subscribes to the user's channel by itself after signin.
    for signed_in, user_id in ((client, "42"), (other, "43")):
        signed_in.wait_for(
            "message",
            event="pusher_internal:subscription_succeeded",
            channel=f"#server-to-user-{user_id}",
        )
    server.publish("#server-to-user-42", "notice", '{"text": "for 42 only"}')
    server.publish("#server-to-user-43", "notice", '{"text": "for 43"}')

    assert client.wait_for("user_event", event="notice")["data"] == {"text": "for 42 only"}
    assert other.wait_for("user_event", event="notice")["data"] == {"text": "for 43"}
    assert len(client.seen("user_event")) == 1
    assert client.seen("error") == []
    assert client.seen("signin_error") == []


def test_pusher_js_hears_subscription_counts(
    make_server: Callable[..., Server], pusher_js: Any
) -> None:
    server = make_server(subscription_count_events=True)
    client = pusher_js(server, channels=("news",))
    client.subscribed("news")
    first = client.wait_for("subscription_count", channel="news")
    assert (first["data"], first["count"]) == ({"subscription_count": 1}, 1)
    other = server.client()
    other.subscribe("news")
    second = client.wait_for("subscription_count", channel="news", count=2)
    assert (second["data"], second["count"]) == ({"subscription_count": 2}, 2)
    other.close()
    third = client.wait_for("subscription_count", channel="news", count=3)
    assert (third["data"], third["count"]) == ({"subscription_count": 1}, 1)


def test_pusher_js_watchlist_hears_online_and_offline(
    make_server: Callable[..., Server], pusher_js: Any
) -> None:
    server = make_server(watchlist_events=True)
    sdk = sdk_for(server)
    user = {"id": "ann", "watchlist": ["bob", "cid"]}
    client = pusher_js(
        server,
        signin=True,
        authenticate_user=lambda socket_id: sdk.authenticate_user(socket_id, user),
    )
    assert client.wait_for("signed_in")["user_data"] == user
    initial = client.wait_for("watchlist")
    assert (initial["name"], initial["user_ids"]) == ("offline", ["bob", "cid"])
    bob = server.client()
    bob.sign_in("bob")
    online = client.wait_for("watchlist", count=2)
    assert (online["name"], online["user_ids"]) == ("online", ["bob"])
    bob.close()
    offline = client.wait_for("watchlist", count=3)
    assert (offline["name"], offline["user_ids"]) == ("offline", ["bob"])
    assert client.seen("error") == []


def test_a_watchlist_over_the_limit_is_cut_and_pusher_js_stays_connected(
    make_server: Callable[..., Server], pusher_js: Any
) -> None:
    server = make_server(watchlist_events=True, max_watchlist_size=2)
    sdk = sdk_for(server)
    user = {"id": "ann", "watchlist": ["a", "b", "c"]}
    client = pusher_js(
        server,
        signin=True,
        authenticate_user=lambda socket_id: sdk.authenticate_user(socket_id, user),
    )
    client.wait_for("signed_in")
    watched = client.wait_for("watchlist")
    assert (watched["name"], watched["user_ids"]) == ("offline", ["a", "b"])
    error = client.wait_for("error")["error"]
    assert error["data"]["code"] == 4302
    # A 43xx error is not a close: the connection stays, and so does the sign-in.
    server.publish("#server-to-user-ann", "notice", '"still here"')
    assert client.wait_for("user_event", event="notice")["data"] == "still here"
    assert [line["current"] for line in client.seen("state")] == ["connecting", "connected"]


def test_a_forged_signin_is_refused_without_closing(server: Server, pusher_js: Any) -> None:
    sdk = sdk_for(server)

    def forged(socket_id: str) -> dict[str, Any]:
        answer = sdk.authenticate_user(socket_id, {"id": "42"})
        return {**answer, "user_data": json.dumps({"id": "1"})}  # someone else's id

    client = pusher_js(server, channels=("news",), signin=True, authenticate_user=forged)

    refusal = client.wait_for(
        "error", where=lambda line: line["error"].get("type") == "PusherError"
    )
    assert refusal["error"]["data"]["code"] == 4009
    client.subscribed("news")
    server.publish("news", "after", "{}")
    client.wait_for("event", event="after")
    assert client.seen("signed_in") == []
    assert [line["current"] for line in client.seen("state")] == ["connecting", "connected"]


def test_idle_pusher_js_pings_at_the_advertised_timeout_and_stays(
    make_server: Callable[..., Server], pusher_js: Any
) -> None:
    server = make_server(activity_timeout=1, pong_timeout=1.0)
    client = pusher_js(server)
    client.connected()
    started = time.monotonic()

    # pusher-js pings after activity_timeout (1 s here, not its own 120 s) of silence.
    client.wait_for("message", event="pusher:pong", count=2, timeout=5)

    assert 1.5 < time.monotonic() - started < 4.5
    assert [line["current"] for line in client.seen("state")] == ["connecting", "connected"]
    assert client.seen("error") == []


def test_the_official_server_sdk_reaches_pusher_js_over_the_http_api(
    server: Server, pusher_js: Any
) -> None:
    sdk = pusher.Pusher(
        app_id=server.config.app_id,
        key=server.config.key,
        secret=server.config.secret,
        host="127.0.0.1",
        port=server.thread.port,
        ssl=False,
    )
    client = pusher_js(
        server,
        channels=("news",),
        signin=True,
        authenticate_user=lambda socket_id: sdk.authenticate_user(socket_id, {"id": "7"}),
    )
    client.subscribed("news")
    client.wait_for(
        "message", event="pusher_internal:subscription_succeeded", channel="#server-to-user-7"
    )

    sdk.trigger("news", "created", {"id": 1, "name": "Grüße"})
    sdk.send_to_user("7", "notice", {"text": "hi"})

    assert client.wait_for("event", event="created")["data"] == {"id": 1, "name": "Grüße"}
    assert client.wait_for("user_event", event="notice")["data"] == {"text": "hi"}


def test_pusher_js_and_a_raw_client_get_identical_data(server: Server, pusher_js: Any) -> None:
    raw = server.client()
    assert raw.subscribe("news")["event"] == "pusher_internal:subscription_succeeded"
    client = pusher_js(server, channels=("news",))
    client.subscribed("news")
    # Not what json.dumps would write: odd spacing, raw non-ASCII, an escaped one, 1E20.
    published = '{ "text" :"a\\u00e9€😀\\n\\t\\"" ,"x":[0.1,1E20,true, -0.0]}'

    server.publish("news", "created", published)

    frame = raw.expect("created")
    assert frame["data"] == published  # relayed character for character
    assert client.wait_for("event", event="created")["data"] == json.loads(frame["data"])
    assert json.loads(published) == {"text": 'aé€😀\n\t"', "x": [0.1, 1e20, True, -0.0]}


def test_client_events_between_pusher_js_and_a_raw_client(
    make_server: Callable[..., Server], pusher_js: Any
) -> None:
    server = make_server(client_events=True)
    raw: PusherTestClient = server.client()
    assert raw.subscribe("private-chat")["event"] == "pusher_internal:subscription_succeeded"
    client = pusher_js(server, channels=("private-chat",), authorize=sdk_authorizer(server))
    client.subscribed("private-chat")

    client.command("trigger", channel="private-chat", event="client-hello", data={"n": [1, "two"]})
    frame = raw.expect("client-hello")
    raw.send("client-reply", {"ok": True, "text": "é"}, channel="private-chat")

    assert frame["channel"] == "private-chat"
    assert frame["data"] == {"n": [1, "two"]}  # what pusher-js sent: an object
    assert client.wait_for("event", event="client-reply")["data"] == {"ok": True, "text": "é"}


def test_server_stop_makes_pusher_js_reconnect(server: Server, pusher_js: Any) -> None:
    client = pusher_js(server, channels=("news",), unavailableTimeout=300)
    client.subscribed("news")

    server.thread.call(server.thread.server.stop(grace=1.0))

    client.wait_for("state", current="connecting", previous="connected")
    errors = [line["error"] for line in client.seen("error")]
    # One error from the pusher:error frame, one from the close frame's code.
    assert [e.get("data", {}).get("code") for e in errors if e["type"] == "PusherError"] == [
        4200,
        4200,
    ]
    # Nothing listens any more, so pusher-js keeps trying: unavailable, not disconnected.
    client.wait_for("state", current="unavailable")
    assert client.seen("state", current="disconnected") == []


class Forwarder:
    """A TCP port whose connections go to a switchable target port, like a load balancer."""

    def __init__(self, thread: ServerThread, target: int) -> None:
        self.thread = thread
        self.target = target
        self.port = free_port()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server = thread.call(asyncio.start_server(self._handle, "127.0.0.1", self.port))

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return
        self._writers.add(up_writer)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def close(self) -> None:
        async def close() -> None:
            self._server.close()
            for writer in self._writers:
                writer.close()
            await self._server.wait_closed()

        self.thread.call(close())


def test_pusher_js_reconnects_at_once_to_the_next_server_behind_the_address(
    make_server: Callable[..., Server], pusher_js: Any
) -> None:
    old, new = make_server(), make_server()
    balancer = Forwarder(new.thread, old.thread.port)
    client = pusher_js(old, port=balancer.port, channels=("news",))
    try:
        first_socket = client.connected()
        client.subscribed("news")
        balancer.target = new.thread.port

        old.thread.call(old.thread.server.stop(grace=1.0))

        second_socket = str(client.wait_for("connected", count=2)["socket_id"])
        client.subscribed("news", count=2)
        new.publish("news", "after", '{"n": 2}')
        assert client.wait_for("event", event="after")["data"] == {"n": 2}
        assert second_socket != first_socket
        assert second_socket in new.thread.server.hub.connections
        # 4200 means "reconnect immediately": no unavailable state, no back-off.
        assert [line["current"] for line in client.seen("state")] == [
            "connecting",
            "connected",
            "connecting",
            "connected",
        ]
    finally:
        client.close()
        balancer.close()


def handed(client: PusherJs) -> list[str]:
    """The kinds of what pusher-js handed the app's bindings, in order."""
    kinds = ("subscription_succeeded", "cache_miss", "event")
    return [line["type"] for line in client.lines if line["type"] in kinds]


@pytest.mark.parametrize("channel", ["cache-scores", "private-cache-scores", "presence-cache-room"])
def test_pusher_js_binds_cache_miss_then_gets_the_cached_event(
    server: Server, pusher_js: Any, channel: str
) -> None:
    member = {"user_id": "ann"} if channel.startswith("presence-") else None
    first = pusher_js(server, channels=(channel,), authorize=sdk_authorizer(server, member))
    first.wait_for("cache_miss", channel=channel)
    server.publish(channel, "goal", '{"home": 1}')
    assert first.wait_for("event", event="goal")["data"] == {"home": 1}

    second = pusher_js(server, channels=(channel,), authorize=sdk_authorizer(server, member))
    assert second.wait_for("event", event="goal", channel=channel)["data"] == {"home": 1}
    server.publish(channel, "goal", '{"home": 2}')
    second.wait_for("event", event="goal", count=2)
    first.wait_for("event", event="goal", count=2)
    assert handed(first) == ["subscription_succeeded", "cache_miss", "event", "event"]
    assert handed(second) == ["subscription_succeeded", "event", "event"]


def test_pusher_js_on_two_redis_nodes_gets_the_event_published_through_the_backend(
    redis_url: str,
) -> None:
    first, second = ClusterNode(redis_url), ClusterNode(redis_url)
    early = PusherJs(first.port, CLUSTER.key, channels=("cache-scores",))
    late: PusherJs | None = None
    try:
        early.wait_for("cache_miss", channel="cache-scores")
        options = {
            "REDIS_URL": redis_url,
            "APP_ID": CLUSTER.app_id,
            "KEY": CLUSTER.key,
            "SECRET": CLUSTER.secret,
        }
        with override_settings(
            REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS={"tornado_redis": options}
        ):
            realtime_core.publish("cache-scores", "goal", {"home": 1})
        assert early.wait_for("event", event="goal")["data"] == {"home": 1}
        late = PusherJs(second.port, CLUSTER.key, channels=("cache-scores",))
        assert late.wait_for("event", event="goal")["data"] == {"home": 1}
        assert handed(late) == ["subscription_succeeded", "event"]
    finally:
        for client in (early, late):
            if client is not None:
                client.close()
        first.stop()
        second.stop()
