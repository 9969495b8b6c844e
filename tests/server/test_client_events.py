"""Client events: enabled per app, private/presence only, subscribed, rate limited."""

import time

import pytest

from .conftest import Server


@pytest.fixture
def chat(make_server) -> Server:  # type: ignore[no-untyped-def]
    return make_server(client_events=True)


def test_off_unless_enabled(server: Server) -> None:
    client = server.client()
    client.subscribe("private-chat")
    client.send("client-typing", {"a": 1}, channel="private-chat")
    error = client.expect("pusher:error")
    assert error["data"]["code"] is None
    assert "enable" in error["data"]["message"]


def test_reaches_other_subscribers_but_not_the_sender(chat: Server) -> None:
    sender, receiver = chat.client(), chat.client()
    sender.subscribe("private-chat")
    receiver.subscribe("private-chat")
    sender.send("client-typing", {"a": 1}, channel="private-chat")
    assert receiver.expect("client-typing") == {
        "event": "client-typing",
        "channel": "private-chat",
        "data": {"a": 1},
    }
    sender.nothing_more()


def test_presence_events_carry_the_sender_user_id(chat: Server) -> None:
    sender, receiver = chat.client(), chat.client()
    sender.subscribe("presence-chat", user_id="u1")
    receiver.subscribe("presence-chat", user_id="u2")
    sender.expect("pusher_internal:member_added")
    sender.send("client-wave", "hi", channel="presence-chat")
    assert receiver.expect("client-wave")["user_id"] == "u1"


@pytest.mark.parametrize("channel", ["public", "private-encrypted-x", None])
def test_refused_outside_private_and_presence(chat: Server, channel: str | None) -> None:
    client = chat.client()
    if channel is not None:
        client.subscribe(channel)
    client.send("client-x", {}, channel=channel)
    assert client.expect("pusher:error")["data"]["code"] is None


def test_refused_when_not_subscribed(chat: Server) -> None:
    sender, receiver = chat.client(), chat.client()
    receiver.subscribe("private-chat")
    sender.send("client-x", {}, channel="private-chat")
    assert "not subscribed" in sender.expect("pusher:error")["data"]["message"]
    receiver.nothing_more()


def test_more_than_ten_per_second_are_rejected_with_4301(chat: Server) -> None:
    sender, receiver = chat.client(), chat.client()
    sender.subscribe("private-chat")
    receiver.subscribe("private-chat")
    # The limit counts per whole second of the server's clock (the same monotonic clock
    # in this process): start early in one, so all 15 land in it.
    while time.monotonic() % 1 > 0.3:
        time.sleep(0.01)
    for n in range(15):
        sender.send("client-n", n, channel="private-chat")
    errors = [sender.expect("pusher:error") for _ in range(15 - 10)]
    assert {error["data"]["code"] for error in errors} == {4301}
    delivered = [receiver.expect("client-n")["data"] for _ in range(10)]
    assert delivered == list(range(10))
    sender.send("pusher:ping")
    sender.expect("pusher:pong")  # rejected, never closed


def test_oversized_data_is_rejected(chat: Server) -> None:
    sender = chat.client()
    sender.subscribe("private-chat")
    sender.send("client-big", "x" * 10_300, channel="private-chat")
    assert "10240" in sender.expect("pusher:error")["data"]["message"]


def test_the_backend_limits_apply_to_client_events(make_server) -> None:  # type: ignore[no-untyped-def]
    from realtime_core.backends.memory import MemoryBackend
    from realtime_core.serving import server_config

    config = server_config(MemoryBackend({"MAX_DATA_BYTES": 100}, name="memory"))
    server = make_server(limits=config.limits, client_events=True)
    sender, receiver = server.client(), server.client()
    sender.subscribe("private-chat")
    receiver.subscribe("private-chat")
    sender.send("client-small", "x" * 90, channel="private-chat")
    assert receiver.expect("client-small")["data"] == "x" * 90
    sender.send("client-big", "x" * 101, channel="private-chat")
    assert "data over 100 bytes" in sender.expect("pusher:error")["data"]["message"]
