"""The console's live log: what reaches its channel, when, and what never does.

The log is read as the console page reads it: from the channel's deliveries, here the
memory backend's exchange (the embedded server's source), so the records tested are
the ones a subscriber gets.
"""

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings

import realtime_core
from realtime_core import console_feed
from realtime_core.backends.memory import exchange
from realtime_core.backends.self_hosted import SelfHostedBackend
from realtime_core.brokers.base import Delivery
from realtime_core.brokers.in_process import InProcessBroker, InProcessExchange
from realtime_core.publishing import get_backend
from realtime_core.server.config import ServerConfig
from realtime_core.server.runner import RealtimeServer
from realtime_core.serving import server_config
from realtime_core.signing import hmac_sha256_hex
from realtime_core.testing import Outbox
from realtime_core.webhooks import InProcessSignals
from tests.server.pusher_client import PusherTestClient
from tests.server_harness import LoopThread, ServerThread, free_port

from .servers import Sockets, forgotten

CHANNEL = console_feed.CHANNEL
ON = override_settings(REALTIME_CONSOLE=True)


class Log:
    """The records delivered on the console's channel, as (event name, data)."""

    def __init__(self) -> None:
        self.records: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, delivery: Delivery) -> None:
        frame = json.loads(delivery.payload)
        self.records.append((frame["event"], json.loads(frame["data"])))

    def kinds(self) -> list[str]:
        return [kind for kind, _record in self.records]

    def wait_for(self, count: int) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 5
        while len(self.records) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return [record for _kind, record in self.records]


@pytest.fixture
def log() -> Iterator[Log]:
    found = Log()
    exchange.subscribe(CHANNEL, found)
    yield found
    exchange.unsubscribe(CHANNEL, found)


def test_off_by_default_nothing_is_recorded(log: Log) -> None:
    realtime_core.publish("news", "created", {"id": 1})
    assert log.records == []


@ON
def test_each_publish_is_recorded_as_it_is_sent(log: Log) -> None:
    before = int(time.time() * 1000)
    realtime_core.publish(["news", "sports"], "created", {"id": 1}, socket_id="1.2")
    ((kind, record),) = log.records
    assert kind == "publish"
    assert before <= record.pop("time") <= int(time.time() * 1000)
    assert record == {
        "kind": "publish",
        "event": "created",
        "channels": ["news", "sports"],
        "channel_count": 2,
        "socket_id": "1.2",
        "bytes": len('{"id":1}'),
        "data": '{"id":1}',
        "truncated": False,
    }


@ON
def test_a_batch_is_recorded_event_by_event(log: Log) -> None:
    realtime_core.publish_batch(
        [realtime_core.Event("a", "one", 1), realtime_core.Event("b", "two", 2)]
    )
    assert [(record["event"], record["channels"]) for _kind, record in log.records] == [
        ("one", ["a"]),
        ("two", ["b"]),
    ]


@ON
def test_apublish_is_recorded_too(log: Log) -> None:
    asyncio.run(realtime_core.apublish("news", "created", "hello"))
    assert [record["data"] for _kind, record in log.records] == ['"hello"']


@ON
@pytest.mark.django_db(transaction=True)
def test_a_publish_inside_a_transaction_is_recorded_only_once_committed(log: Log) -> None:
    with transaction.atomic():
        realtime_core.publish("news", "created", {"id": 1})
        assert log.records == [], "recorded before the commit"
    assert log.kinds() == ["publish"]

    with pytest.raises(RuntimeError), transaction.atomic():
        realtime_core.publish("news", "created", {"id": 2})
        raise RuntimeError("rolled back")
    assert log.kinds() == ["publish"], "a rolled back publish was recorded"


@ON
def test_the_consoles_own_channel_is_never_recorded(log: Log) -> None:
    realtime_core.publish(CHANNEL, "publish", {"kind": "publish", "time": 0})
    assert log.kinds() == ["publish"]  # the publish itself, not a record of it
    log.records.clear()
    realtime_core.publish([CHANNEL, "news"], "created", 1)
    (event, _data), (kind, copy) = log.records
    assert (event, kind) == ("created", "publish")
    assert copy["channels"] == ["news"]


@ON
def test_data_is_previewed_and_long_channel_lists_are_cut(log: Log) -> None:
    text = "é" * 1000  # 2000 bytes of UTF-8
    channels = [f"channel-{number}" for number in range(15)]
    realtime_core.publish(channels, "long", text)
    ((_kind, record),) = log.records
    assert record["bytes"] == len(json.dumps(text, ensure_ascii=False).encode())
    assert record["truncated"] is True
    assert len(record["data"].encode()) <= console_feed.PREVIEW_BYTES
    assert json.dumps(text, ensure_ascii=False).startswith(record["data"])
    assert record["channels"] == channels[: console_feed.MAX_LISTED_CHANNELS]
    assert record["channel_count"] == 15


@ON
@override_settings(REALTIME_OPTIONS={"memory": {"MAX_DATA_BYTES": 300}})
def test_a_record_too_large_for_the_backend_sheds_its_preview(log: Log) -> None:
    realtime_core.publish("news", "created", "x" * 250)
    ((_kind, record),) = log.records
    assert record["data"] is None
    assert record["truncated"] is True
    assert record["bytes"] == 252


@ON
def test_an_end_to_end_encrypted_channels_data_is_never_shown(log: Log) -> None:
    realtime_core.publish("private-encrypted-notes", "saved", {"text": "secret"})
    ((_kind, record),) = log.records
    assert record["data"] is None
    assert record["encrypted"] is True
    assert "secret" not in json.dumps(record)


@ON
@override_settings(REALTIME_OPTIONS={"memory": {"MAX_CHANNEL_NAME_LENGTH": 20}})
def test_a_record_the_backend_cannot_carry_never_fails_the_publish(log: Log) -> None:
    # The console's channel name is longer than the backend allows: no record, no error.
    realtime_core.publish("news", "created", 1)
    assert log.records == []


@ON
def test_the_outbox_holds_the_apps_publishes_not_the_consoles(
    log: Log, realtime_outbox: Outbox
) -> None:
    realtime_core.publish("news", "created", 1)
    assert log.kinds() == ["publish"]
    assert [(event.channels, event.event) for event in realtime_outbox] == [(("news",), "created")]


def post_webhook(client: Client, events: list[dict[str, Any]], *, secret: str | None = None) -> int:
    credentials = get_backend().credentials
    raw = json.dumps({"time_ms": int(time.time() * 1000), "events": events}).encode()
    headers = {
        "X-Pusher-Key": credentials.key,
        "X-Pusher-Signature": hmac_sha256_hex(secret or credentials.secret, raw),
    }
    answer = client.post(
        "/realtime/webhooks/", raw, content_type="application/json", headers=headers
    )
    return answer.status_code


@ON
def test_webhooks_are_recorded_with_their_events(log: Log, client: Client) -> None:
    events = [
        {"name": "channel_occupied", "channel": "presence-room"},
        {"name": "member_added", "channel": "presence-room", "user_id": "7"},
        {
            "name": "client_event",
            "channel": "presence-room",
            "event": "client-typing",
            "data": '{"on":true}',
            "socket_id": "1.2",
            "user_id": "7",
        },
        {"name": "channel_occupied", "channel": CHANNEL},
    ]
    assert post_webhook(client, events) == 200
    records = log.records
    assert [kind for kind, _ in records] == [
        "channel_occupied",
        "member_added",
        "client_event",
        "webhook",
    ]
    assert records[1][1]["user_id"] == "7"
    assert records[2][1] | {"time": 0} == {
        "kind": "client_event",
        "time": 0,
        "channel": "presence-room",
        "event": "client-typing",
        "socket_id": "1.2",
        "user_id": "7",
        "data": '{"on":true}',
        "truncated": False,
    }
    webhook = records[3][1]
    assert (webhook["status"], webhook["events"], webhook["detail"]) == (200, 4, "")
    assert webhook["channels"] == ["presence-room"]


@ON
def test_refused_webhooks_are_recorded_with_the_reason(log: Log, client: Client) -> None:
    assert post_webhook(client, [{"name": "channel_vacated", "channel": "news"}], secret="x") == 401
    ((kind, record),) = log.records
    assert kind == "webhook"
    assert record["status"] == 401
    assert record["detail"] == "The key or the signature does not match this app."
    assert record["channels"] == []


@ON
def test_a_webhook_about_the_console_alone_is_not_recorded(log: Log, client: Client) -> None:
    assert post_webhook(client, [{"name": "channel_vacated", "channel": CHANNEL}]) == 200
    assert log.records == []


class EmbeddedServer(LoopThread):
    """The memory backend's server as ``serve()`` runs it: its events become signals here."""

    def __init__(self) -> None:
        super().__init__(None)
        backend = get_backend()
        self.signals = InProcessSignals(backend.name)
        self.config = server_config(backend)
        self.server = RealtimeServer(self.config, backend.make_broker(), events=self.signals)
        self.call(self.server.start("127.0.0.1", self.port))

    def stop(self, client: PusherTestClient) -> None:
        """Close ``client``, then stop once the server has forgotten it."""
        client.close()
        self.call(forgotten(self.server.hub, {client.socket_id}))
        self._shut_down(self.server.stop(1.0), timeout=11)
        self.signals.close()


@ON
@pytest.mark.django_db(transaction=True)
def test_the_embedded_servers_lifecycle_events_are_recorded(log: Log) -> None:
    server = EmbeddedServer()
    client = PusherTestClient(
        f"ws://127.0.0.1:{server.port}/app/{server.config.key}?protocol=7", server.config
    )
    try:
        client.subscribe("presence-room", user_id="7", info={"name": "Ada"})
        log.wait_for(2)
    finally:
        server.stop(client)
    records = log.wait_for(4)
    assert [(record["kind"], record["channel"]) for record in records] == [
        ("channel_occupied", "presence-room"),
        ("member_added", "presence-room"),
        ("member_removed", "presence-room"),
        ("channel_vacated", "presence-room"),
    ]


@pytest.fixture
def sockets() -> Iterator[Sockets]:
    running = Sockets()
    yield running
    running.close()


def read_the_log_over(sockets: Sockets, server: ServerThread) -> dict[str, Any]:
    """Subscribe to the console's channel on ``server``, publish, and return the record."""
    subscriber = sockets.connect(server, CHANNEL)
    realtime_core.publish("news", "created", {"id": 1})
    frame = subscriber.expect("publish")
    assert frame["channel"] == CHANNEL
    record: dict[str, Any] = json.loads(frame["data"])
    return record


@ON
def test_the_live_log_reaches_its_subscribers_through_tornado_redis(
    sockets: Sockets, redis_url: str
) -> None:
    options = {"REDIS_URL": redis_url, "APP_ID": "44", "KEY": "key", "SECRET": "secret"}
    with override_settings(
        REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS={"tornado_redis": options}
    ):
        backend = get_backend()
        assert isinstance(backend, SelfHostedBackend)
        record = read_the_log_over(
            sockets, sockets.serve(server_config(backend), backend.make_broker)
        )
    assert (record["event"], record["channels"], record["data"]) == (
        "created",
        ["news"],
        '{"id":1}',
    )


@ON
def test_the_live_log_reaches_its_subscribers_through_pusher(sockets: Sockets) -> None:
    port = free_port()
    hosted = {"APP_ID": "43", "KEY": "hosted-key", "SECRET": "hosted-secret"}
    config = ServerConfig(app_id=hosted["APP_ID"], key=hosted["KEY"], secret=hosted["SECRET"])
    hosted_exchange = InProcessExchange()
    server = sockets.serve(config, lambda: InProcessBroker(hosted_exchange), port=port)
    options = {**hosted, "HOST": "127.0.0.1", "PORT": port, "USE_TLS": False}
    with override_settings(REALTIME_BACKEND="pusher", REALTIME_OPTIONS={"pusher": options}):
        record = read_the_log_over(sockets, server)
    assert (record["event"], record["channels"], record["data"]) == (
        "created",
        ["news"],
        '{"id":1}',
    )
