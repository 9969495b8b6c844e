"""Pysher 1.0.8, a Python client that speaks protocol 6, as a referee for the server.

Pysher is stricter than pusher-js in ways that are easy to break: it needs the
handshake data as a string and ``pusher:error`` data as an object, it routes every
frame that has a ``channel`` key (even ``null``) to channel handlers, and it acts on
the codes of connection-level errors (4000-4299 make it disconnect or reconnect).

Its callbacks run on its own threads (websocket-client), so every check waits on a
condition with a timeout. Pysher's ``subscribe()`` sends the request before it
creates the channel object, so a fast reply can arrive before anything is bound to
the channel; the tests therefore also record frames where Pysher routes them (its
connection's ``event_handler``), which sees every channel frame whatever is bound.
"""

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pusher
import pysher
import pytest

from tests.server.conftest import Server

Record = tuple[str, str | None, str, Any]
"""(where Pysher delivered it, channel, event, data)."""


class PysherClient:
    """A Pysher client plus a transcript of what reached its connection and channels."""

    CONNECTION_EVENTS = ("pusher:connection_established", "pusher:pong", "pusher:error")

    def __init__(self, server: Server, **options: Any) -> None:
        self.records: list[Record] = []
        self._changed = threading.Condition()
        self.pysher = pysher.Pusher(
            server.config.key,
            custom_host="127.0.0.1",
            port=server.thread.port,
            secure=False,
            **options,
        )
        connection = self.pysher.connection
        # Pysher hard-codes a 100 s select timeout for websocket-client's read loop. After
        # disconnect() closes the socket from another thread, that loop was seen asleep in
        # select() for the whole 100 s (a closed fd no longer wakes it); a short timeout
        # lets it notice the disconnect at once. Nothing else uses it: Pysher sets no
        # ping_interval, so websocket-client sends no pings of its own.
        connection.socket_kwargs["ping_timeout"] = 0.1
        for event in self.CONNECTION_EVENTS:
            connection.bind(event, self._recorder("connection", None, event))
        routes = connection.event_handler

        def routed(event: str, data: Any, channel: str) -> None:
            self._record(("routed", channel, event, data))
            routes(event, data, channel)

        connection.event_handler = routed

    def _record(self, record: Record) -> None:
        with self._changed:
            self.records.append(record)
            self._changed.notify_all()

    def _recorder(self, where: str, channel: str | None, event: str) -> Callable[[Any], None]:
        return lambda data: self._record((where, channel, event, data))

    def connect(self) -> str:
        """Connect and wait for the handshake; the socket id."""
        self.pysher.connect()
        self.wait_for("connection", None, "pusher:connection_established")
        return str(self.pysher.connection.socket_id)

    def subscribe(self, channel: str, *events: str, auth: str | None = None) -> Any:
        """Subscribe, bind ``events`` on the channel, wait for the server's answer (its data)."""
        self.pysher.subscribe(channel, auth=auth)
        for event in events:
            self.pysher.channel(channel).bind(event, self._recorder("bound", channel, event))
        return self.wait_for("routed", channel, "pusher_internal:subscription_succeeded")

    def seen(self, where: str, channel: str | None = None, event: str | None = None) -> list[Any]:
        """Data of every record so far delivered ``where``, filtered by channel and event."""
        with self._changed:
            return [
                data
                for (at, on, name, data) in self.records
                if at == where
                and (channel is None or on == channel)
                and (event is None or name == event)
            ]

    def wait_for(
        self, where: str, channel: str | None, event: str, count: int = 1, timeout: float = 5.0
    ) -> Any:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(matches := self.seen(where, channel, event)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"Pysher got no {event!r} ({where}, channel {channel!r}) x{count} "
                        f"within {timeout}s; transcript: {self.records}"
                    )
                self._changed.wait(remaining)
        return matches[count - 1]

    def disconnect(self) -> None:
        self.pysher.disconnect(timeout=5)


@pytest.fixture
def pysher_client() -> Iterator[Callable[..., PysherClient]]:
    """``pysher_client(server, **pysher_options)``: a client, disconnected after the test."""
    clients: list[PysherClient] = []

    def make(server: Server, **options: Any) -> PysherClient:
        client = PysherClient(server, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.disconnect()
    assert not [c for c in clients if c.pysher.connection.is_alive()], "Pysher threads left"


def test_connects_and_its_immediate_ping_is_answered(server: Server, pysher_client: Any) -> None:
    client = pysher_client(server)

    socket_id = client.connect()

    assert re.fullmatch(r"\d+\.\d+", socket_id)
    assert socket_id in server.thread.server.hub.connections
    assert client.pysher.connection.state == "connected"
    # Pysher pings with data "" as soon as the socket opens; the pong must come back at
    # the connection level (no channel key), or Pysher would never see it.
    client.wait_for("connection", None, "pusher:pong")
    assert client.pysher.connection.pong_received is True
    assert client.seen("connection", event="pusher:error") == []
    assert client.seen("routed") == []


def test_public_event_arrives_as_the_published_string(server: Server, pysher_client: Any) -> None:
    client = pysher_client(server)
    client.connect()
    assert client.subscribe("news", "created") == "{}"
    published = json.dumps({"title": "Grüße", "n": [1, 2.5]})

    server.publish("news", "created", published)

    assert client.wait_for("bound", "news", "created") == published


@pytest.mark.parametrize("signer", ["pysher", "sdk"])
def test_private_channel(server: Server, pysher_client: Any, signer: str) -> None:
    config = server.config
    if signer == "pysher":
        client = pysher_client(server, secret=config.secret)
        socket_id = client.connect()
        auth = None
    else:
        client = pysher_client(server)
        socket_id = client.connect()
        sdk = pusher.Pusher(app_id=config.app_id, key=config.key, secret=config.secret)
        auth = sdk.authenticate("private-orders", socket_id)["auth"]

    client.subscribe("private-orders", "paid", auth=auth)
    server.publish("private-orders", "paid", '{"id": 7}')

    assert client.wait_for("bound", "private-orders", "paid") == '{"id": 7}'
    assert socket_id in server.thread.server.hub.connections


def test_presence_members(server: Server, pysher_client: Any) -> None:
    secret = server.config.secret
    first = pysher_client(server, secret=secret, user_data={"user_id": "5", "user_info": {"n": 1}})
    second = pysher_client(server, secret=secret, user_data={"user_id": "6"})
    first.connect()
    second.connect()

    alone = json.loads(first.subscribe("presence-room"))["presence"]
    together = json.loads(second.subscribe("presence-room"))["presence"]

    assert alone == {"ids": ["5"], "hash": {"5": {"n": 1}}, "count": 1}
    assert together["count"] == 2
    assert sorted(together["ids"]) == ["5", "6"]
    assert together["hash"] == {"5": {"n": 1}, "6": None}
    added = first.wait_for("routed", "presence-room", "pusher_internal:member_added")
    assert json.loads(added) == {"user_id": "6", "user_info": None}
    second.disconnect()
    removed = first.wait_for("routed", "presence-room", "pusher_internal:member_removed")
    assert json.loads(removed) == {"user_id": "6"}


def test_client_events_between_two_pysher_clients(
    make_server: Callable[..., Server], pysher_client: Any
) -> None:
    server = make_server(client_events=True)
    sender = pysher_client(server, secret=server.config.secret)
    receiver = pysher_client(server, secret=server.config.secret)
    sender.connect()
    receiver.connect()
    sender.subscribe("private-chat", "client-typing")
    receiver.subscribe("private-chat", "client-typing")

    sender.pysher.channel("private-chat").trigger("client-typing", {"a": 1})

    assert receiver.wait_for("bound", "private-chat", "client-typing") == {"a": 1}
    server.publish("private-chat", "marker", "{}")
    sender.wait_for("routed", "private-chat", "marker")
    assert sender.seen("routed", event="client-typing") == []


def test_refusals_reach_pysher_without_disconnecting_it(server: Server, pysher_client: Any) -> None:
    """Per-request errors go to the channel or the connection, never make Pysher leave."""
    client = pysher_client(server, secret="not-the-app-secret")
    socket_id = client.connect()

    client.pysher.subscribe("private-vault")
    refusal = client.wait_for("routed", "private-vault", "pusher:subscription_error")
    error = client.wait_for("connection", None, "pusher:error")
    client.pysher.channel("private-vault").trigger("client-x", {"a": 1})  # client events are off
    second_error = client.wait_for("connection", None, "pusher:error", count=2)

    assert (refusal["type"], refusal["status"]) == ("AuthError", 401)
    # An object whose code Pysher reads as "no code": it logs and stays connected.
    assert error["code"] is None
    assert "Invalid signature" in error["message"]
    assert second_error["code"] is None
    assert "client events" in second_error["message"]
    assert client.seen("routed", event="pusher:error") == []
    # Still the same, working connection.
    assert client.subscribe("news", "after") == "{}"
    server.publish("news", "after", '"still here"')
    assert client.wait_for("bound", "news", "after") == '"still here"'
    assert client.pysher.connection.socket_id == socket_id
    assert client.pysher.connection.state == "connected"
    assert socket_id in server.thread.server.hub.connections
