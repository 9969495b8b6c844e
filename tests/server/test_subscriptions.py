"""Subscribing to public, private, presence, encrypted and user channels."""

import json

import pytest

from .conftest import Server


def test_public_subscription_receives_published_events(server: Server) -> None:
    client = server.client()
    reply = client.subscribe("news")
    epoch = reply["position"].partition(":")[0]
    assert reply == {
        "event": "pusher_internal:subscription_succeeded",
        "channel": "news",
        "data": "{}",
        "position": f"{epoch}:0",
    }
    server.publish("news", "headline", '{"id":1}')
    assert client.recv() == {
        "event": "headline",
        "channel": "news",
        "data": '{"id":1}',
        "position": f"{epoch}:1",
    }


def test_unsubscribed_client_receives_nothing_more(server: Server) -> None:
    client = server.client()
    client.subscribe("news")
    client.send("pusher:unsubscribe", {"channel": "news"})
    client.send("pusher:ping")
    client.expect("pusher:pong")
    server.publish("news", "headline", "1")
    client.nothing_more()


def test_publisher_socket_is_excluded(server: Server) -> None:
    sender, other = server.client(), server.client()
    sender.subscribe("room")
    other.subscribe("room")
    server.publish("room", "said", '"hi"', socket_id=sender.socket_id)
    said = other.expect("said")
    assert said["data"] == '"hi"'
    # The excluded socket gets only the channel's new position (pusher-js ignores it).
    assert sender.recv() == {
        "event": "pusher_internal:position",
        "channel": "room",
        "position": said["position"],
    }
    sender.nothing_more()


def test_subscribing_twice_is_idempotent(server: Server) -> None:
    client = server.client()
    client.subscribe("news")
    assert client.subscribe("news")["event"] == "pusher_internal:subscription_succeeded"
    server.publish("news", "once", "1")
    client.expect("once")
    client.nothing_more()


def test_private_channel_with_valid_signature(server: Server) -> None:
    client = server.client()
    assert client.subscribe("private-orders")["event"] == "pusher_internal:subscription_succeeded"
    server.publish("private-orders", "placed", "1")
    client.expect("placed")


@pytest.mark.parametrize(
    "auth",
    [
        None,
        "",
        "test-key:" + "0" * 64,
        "other-key:{valid}",
        "{valid}x",
        "{replayed}",
    ],
)
def test_private_channel_with_bad_signature_is_refused_and_socket_stays(
    server: Server, auth: str | None
) -> None:
    client = server.client()
    other = server.client()
    valid = client.auth("private-orders")
    replayed = other.auth("private-orders")  # a signature for another socket
    if auth is not None:
        auth = auth.format(valid=valid.split(":")[1], replayed=replayed)
    client.send("pusher:subscribe", {"channel": "private-orders", "auth": auth})
    error = client.expect("pusher:subscription_error")
    assert error["channel"] == "private-orders"
    assert error["data"]["type"] == "AuthError"
    assert error["data"]["status"] == 401
    connection_error = client.expect("pusher:error")
    assert connection_error["data"]["code"] is None
    assert "channel" not in connection_error
    assert valid.split(":")[1] not in json.dumps(connection_error), "never reveal the signature"
    server.publish("private-orders", "placed", "1")
    client.send("pusher:ping")
    client.expect("pusher:pong")


@pytest.mark.parametrize("channel", ["bad channel", "x" * 201, "é", "#internal"])
def test_invalid_channel_names_are_refused(server: Server, channel: str) -> None:
    client = server.client()
    client.send("pusher:subscribe", {"channel": channel})
    error = client.expect("pusher:subscription_error")
    assert error["data"]["type"] == "InvalidChannel"
    client.send("pusher:ping")
    client.expect("pusher:pong")


def test_encrypted_channel_data_is_relayed_untouched(server: Server) -> None:
    client = server.client()
    assert client.subscribe("private-encrypted-x")["event"].endswith("subscription_succeeded")
    sealed = '{"nonce":"bm9uY2U=","ciphertext":"Y2lwaGVy"}'
    server.publish("private-encrypted-x", "secret", sealed)
    assert client.expect("secret")["data"] == sealed


class TestPresence:
    def test_members_and_member_added(self, server: Server) -> None:
        alice = server.client()
        first = alice.subscribe("presence-room", user_id="1", info={"name": "Alice"})
        assert first["event"] == "pusher_internal:subscription_succeeded"
        assert json.loads(first["data"]) == {
            "presence": {"ids": ["1"], "hash": {"1": {"name": "Alice"}}, "count": 1}
        }
        bob = server.client()
        joined = json.loads(bob.subscribe("presence-room", user_id="2", info=None)["data"])
        assert joined["presence"]["hash"] == {"1": {"name": "Alice"}, "2": None}
        assert joined["presence"]["count"] == 2
        added = alice.expect("pusher_internal:member_added")
        assert added["channel"] == "presence-room"
        assert json.loads(added["data"]) == {"user_id": "2", "user_info": None}
        bob.nothing_more()

    def test_second_tab_of_a_user_is_one_member(self, server: Server) -> None:
        watcher = server.client()
        watcher.subscribe("presence-room", user_id="1")
        tab1, tab2 = server.client(), server.client()
        tab1.subscribe("presence-room", user_id="7")
        watcher.expect("pusher_internal:member_added")
        reply = json.loads(tab2.subscribe("presence-room", user_id="7")["data"])
        assert reply["presence"]["count"] == 2
        watcher.nothing_more()
        tab1.close()
        watcher.nothing_more(0.3)
        tab2.send("pusher:unsubscribe", {"channel": "presence-room"})
        removed = watcher.expect("pusher_internal:member_removed")
        assert json.loads(removed["data"]) == {"user_id": "7"}

    def test_disconnect_removes_the_member(self, server: Server) -> None:
        watcher, leaver = server.client(), server.client()
        watcher.subscribe("presence-room", user_id="1")
        leaver.subscribe("presence-room", user_id="2")
        watcher.expect("pusher_internal:member_added")
        leaver.close()
        assert json.loads(watcher.expect("pusher_internal:member_removed")["data"]) == {
            "user_id": "2"
        }

    def test_numeric_user_ids_become_strings(self, server: Server) -> None:
        client = server.client()
        channel_data = json.dumps({"user_id": 10, "user_info": {"name": "Mr. Channels"}})
        client.send(
            "pusher:subscribe",
            {
                "channel": "presence-n",
                "channel_data": channel_data,
                "auth": client.auth("presence-n", channel_data),
            },
        )
        reply = client.expect("pusher_internal:subscription_succeeded")
        assert json.loads(reply["data"])["presence"]["ids"] == ["10"]

    def test_member_limit(self, make_server) -> None:  # type: ignore[no-untyped-def]
        server = make_server(max_presence_members=2)
        for user in ("1", "2"):
            assert (
                server.client()
                .subscribe("presence-full", user_id=user)["event"]
                .endswith("succeeded")
            )
        same_user = server.client().subscribe("presence-full", user_id="2")
        assert same_user["event"] == "pusher_internal:subscription_succeeded"
        refused = server.client().subscribe("presence-full", user_id="3")
        assert refused["event"] == "pusher:subscription_error"
        assert refused["data"]["type"] == "LimitReached"

    def test_user_info_size_limit(self, server: Server) -> None:
        client = server.client()
        refused = client.subscribe("presence-big", user_id="1", info={"bio": "x" * 1100})
        assert refused["event"] == "pusher:subscription_error"
        assert refused["data"]["type"] == "LimitReached"

    @pytest.mark.parametrize(
        "channel_data",
        ["not json", "[]", '{"user_info": {}}', '{"user_id": ""}', '{"user_id": true}'],
    )
    def test_malformed_channel_data_is_refused(self, server: Server, channel_data: str) -> None:
        client = server.client()
        client.send(
            "pusher:subscribe",
            {
                "channel": "presence-x",
                "channel_data": channel_data,
                "auth": client.auth("presence-x", channel_data),
            },
        )
        assert client.expect("pusher:subscription_error")["data"]["status"] == 400

    def test_channel_data_is_verified_as_sent_not_reserialized(self, server: Server) -> None:
        client = server.client()
        spaced = '{"user_id": "7", "user_info": {"name": "N"}}'  # the Python SDK's spacing
        client.send(
            "pusher:subscribe",
            {
                "channel": "presence-s",
                "channel_data": spaced,
                "auth": client.auth("presence-s", spaced),
            },
        )
        client.expect("pusher_internal:subscription_succeeded")


class TestSignIn:
    def test_sign_in_and_user_channel(self, server: Server) -> None:
        tab1, tab2 = server.client(), server.client()
        success = tab1.sign_in("42", user_info={"name": "Ann"})
        assert success["event"] == "pusher:signin_success"
        assert json.loads(success["data"]["user_data"]) == {
            "id": "42",
            "user_info": {"name": "Ann"},
        }
        tab2.sign_in("42")
        assert tab1.subscribe("#server-to-user-42")["event"].endswith("subscription_succeeded")
        server.publish("#server-to-user-42", "note", '"hello"')
        assert tab1.expect("note")["data"] == '"hello"'
        assert tab2.expect("note")["channel"] == "#server-to-user-42"

    def test_bad_signature_is_refused_with_4009_and_socket_stays(self, server: Server) -> None:
        client = server.client()
        client.send("pusher:signin", {"auth": "test-key:" + "0" * 64, "user_data": '{"id":"1"}'})
        error = client.expect("pusher:error")
        assert error["data"]["code"] == 4009
        client.send("pusher:ping")
        client.expect("pusher:pong")

    def test_user_channel_of_someone_else_is_refused(self, server: Server) -> None:
        client = server.client()
        client.sign_in("1")
        refused = client.subscribe("#server-to-user-2")
        assert refused["event"] == "pusher:subscription_error"
        anonymous = server.client()
        assert anonymous.subscribe("#server-to-user-1")["event"] == "pusher:subscription_error"

    def test_cannot_switch_user_on_one_connection(self, server: Server) -> None:
        client = server.client()
        client.sign_in("1")
        assert client.sign_in("2")["data"]["code"] == 4009

    @pytest.mark.parametrize("user_data", ['{"id": 1}', '{"id": ""}', "[]", "nope", '{"name":"x"}'])
    def test_user_data_needs_a_string_id(self, server: Server, user_data: str) -> None:
        from realtime_core.signing import sign, user_string_to_sign

        client = server.client()
        auth = sign("test-key", "test-secret", user_string_to_sign(client.socket_id, user_data))
        client.send("pusher:signin", {"auth": auth, "user_data": user_data})
        assert client.expect("pusher:error")["data"]["code"] == 4009

    def test_presence_uses_signed_in_user_without_channel_data(self, server: Server) -> None:
        client = server.client()
        client.sign_in("5", user_info={"name": "Five"})
        client.send(
            "pusher:subscribe", {"channel": "presence-p", "auth": client.auth("presence-p")}
        )
        reply = client.expect("pusher_internal:subscription_succeeded")
        assert json.loads(reply["data"])["presence"]["hash"] == {"5": {"name": "Five"}}

    def test_a_sign_in_the_server_could_not_complete_leaves_no_user_behind(
        self, server: Server, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        broker = server.thread.server.hub.broker
        listen = broker.listen

        async def listen_but_not_to_users(channel: str) -> None:
            if channel.startswith("#server-to-user-"):
                raise RuntimeError("this node cannot listen to user channels")
            await listen(channel)

        monkeypatch.setattr(broker, "listen", listen_but_not_to_users)
        client = server.client()
        assert client.sign_in("5", user_info={"name": "Five"})["data"]["code"] is None
        client.send(
            "pusher:subscribe", {"channel": "presence-p", "auth": client.auth("presence-p")}
        )
        refused = client.expect("pusher:subscription_error")
        assert refused["data"]["status"] == 400, "no signed-in user to join as"
        assert client.subscribe("#server-to-user-5")["data"]["status"] == 403

    def test_terminate_user_closes_their_connections_with_4009(self, server: Server) -> None:
        tab1, tab2, bystander = server.client(), server.client(), server.client()
        tab1.sign_in("9")
        tab2.sign_in("9")
        server.thread.call(server.thread.server.hub.broker.terminate_user("9"))
        for tab in (tab1, tab2):
            frames, code = tab.closed_with()
            assert frames[-1]["data"]["code"] == 4009
            assert code == 4009
        bystander.send("pusher:ping")
        bystander.expect("pusher:pong")


def test_subscriptions_per_connection_are_bounded(make_server) -> None:  # type: ignore[no-untyped-def]
    server = make_server(max_subscriptions=3)
    client = server.client()
    for name in ("a", "b", "c"):
        assert client.subscribe(name)["event"] == "pusher_internal:subscription_succeeded"
    assert client.subscribe("a")["event"] == "pusher_internal:subscription_succeeded"
    refused = client.subscribe("d")
    assert refused["event"] == "pusher:subscription_error"
    assert refused["data"]["type"] == "LimitReached"
    client.send("pusher:unsubscribe", {"channel": "a"})
    assert client.subscribe("d")["event"] == "pusher_internal:subscription_succeeded"
