"""The webhook endpoint: Pusher-format webhooks verified, then sent as signals."""

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pusher
import pytest
from django.dispatch import Signal
from django.test import Client, override_settings

from realtime_core import signals
from realtime_core.publishing import get_backend
from realtime_core.signing import hmac_sha256_hex as sign_body

URL = "/realtime/webhooks/"

PUSHER_SETTINGS = override_settings(
    REALTIME_BACKEND="pusher",
    REALTIME_OPTIONS={"pusher": {"APP_ID": "5", "KEY": "hosted-key", "SECRET": "hosted-secret"}},
)


class Heard:
    """Every signal of :mod:`realtime_core.signals` received, as (signal name, kwargs)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def receiver(self, name: str) -> Any:
        def receive(signal: Signal, **kwargs: Any) -> None:
            self.calls.append((name, kwargs))

        return receive


@pytest.fixture
def heard() -> Iterator[Heard]:
    found = Heard()
    receivers = {name: found.receiver(name) for name in signals.__all__}
    for name, receive in receivers.items():
        getattr(signals, name).connect(receive)
    yield found
    for name, receive in receivers.items():
        getattr(signals, name).disconnect(receive)


def body(*events: dict[str, Any], time_ms: int | None = None) -> bytes:
    stamp = int(time.time() * 1000) if time_ms is None else time_ms
    return json.dumps({"time_ms": stamp, "events": list(events)}).encode()


def post(client: Client, raw: bytes, *, key: str | None = None, secret: str | None = None) -> Any:
    credentials = get_backend().credentials
    headers = {
        "X-Pusher-Key": credentials.key if key is None else key,
        "X-Pusher-Signature": sign_body(credentials.secret if secret is None else secret, raw),
    }
    return client.post(URL, raw, content_type="application/json", headers=headers)


def test_each_event_sends_its_signal_in_order(client: Client, heard: Heard) -> None:
    stamp = 1_765_000_000_123
    raw = body(
        {"name": "channel_occupied", "channel": "presence-room"},
        {"name": "member_added", "channel": "presence-room", "user_id": "7"},
        {"name": "subscription_count", "channel": "presence-room", "subscription_count": 3},
        {
            "name": "client_event",
            "channel": "presence-room",
            "event": "client-typing",
            "data": '{"on":true}',
            "socket_id": "1.2",
            "user_id": "7",
        },
        {"name": "member_removed", "channel": "presence-room", "user_id": "7"},
        {"name": "channel_vacated", "channel": "presence-room"},
        {"name": "cache_miss", "channel": "cache-scores"},
        time_ms=stamp,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "time", lambda: stamp / 1000)
        response = post(client, raw)
    assert response.status_code == 200
    assert response.json() == {}
    names = [name for name, _ in heard.calls]
    assert names == [
        "channel_occupied",
        "member_added",
        "subscription_count",
        "client_event",
        "member_removed",
        "channel_vacated",
        "cache_miss",
    ]
    occupied = heard.calls[0][1]
    assert occupied["sender"] == "memory"
    assert occupied["channel"] == "presence-room"
    assert occupied["time"].timestamp() == pytest.approx(stamp / 1000)
    assert occupied["time"].tzinfo is not None
    assert heard.calls[1][1]["user_id"] == "7"
    assert heard.calls[2][1]["subscription_count"] == 3
    event = heard.calls[3][1]
    assert (event["event"], event["data"], event["socket_id"], event["user_id"]) == (
        "client-typing",
        '{"on":true}',
        "1.2",
        "7",
    )


def test_client_event_outside_presence_has_no_user(client: Client, heard: Heard) -> None:
    raw = body(
        {
            "name": "client_event",
            "channel": "private-doc",
            "event": "client-x",
            "data": "{}",
            "socket_id": "1.2",
        }
    )
    assert post(client, raw).status_code == 200
    assert heard.calls[0][1]["user_id"] is None


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"key": "another-key"}, 401),
        ({"secret": "another-secret"}, 401),
    ],
)
def test_a_wrong_key_or_signature_is_refused(
    client: Client, heard: Heard, change: dict[str, str], status: int
) -> None:
    response = post(client, body({"name": "channel_occupied", "channel": "a"}), **change)
    assert response.status_code == status
    assert "error" in response.json()
    assert heard.calls == []


def test_missing_headers_are_refused(client: Client, heard: Heard) -> None:
    raw = body({"name": "channel_occupied", "channel": "a"})
    response = client.post(URL, raw, content_type="application/json")
    assert response.status_code == 401
    assert heard.calls == []


@pytest.mark.parametrize("offset", [-301, 301])
def test_an_old_or_future_webhook_is_refused(client: Client, heard: Heard, offset: int) -> None:
    stamp = int((time.time() + offset) * 1000)
    response = post(client, body({"name": "channel_occupied", "channel": "a"}, time_ms=stamp))
    assert response.status_code == 401
    assert "time_ms" in response.json()["error"]
    assert heard.calls == []


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        b'{"events": []}',
        b'{"time_ms": "1", "events": []}',
        json.dumps({"time_ms": int(time.time() * 1000), "events": {}}).encode(),
        json.dumps({"time_ms": int(time.time() * 1000), "events": [{"name": "x"}]}).encode(),
    ],
)
def test_a_signed_body_that_is_not_a_webhook_is_400(
    client: Client, heard: Heard, raw: bytes
) -> None:
    response = post(client, raw)
    assert response.status_code == 400
    assert heard.calls == []


def test_an_event_lacking_a_field_refuses_the_whole_webhook(client: Client, heard: Heard) -> None:
    raw = body(
        {"name": "channel_occupied", "channel": "presence-a"},
        {"name": "member_added", "channel": "presence-a"},
    )
    response = post(client, raw)
    assert response.status_code == 400
    assert "user_id" in response.json()["error"]
    assert heard.calls == []


def test_an_unknown_event_kind_is_logged_and_the_rest_sent(
    client: Client, heard: Heard, caplog: pytest.LogCaptureFixture
) -> None:
    raw = body(
        {"name": "something_new", "channel": "a"}, {"name": "channel_vacated", "channel": "a"}
    )
    with caplog.at_level(logging.WARNING, "realtime_core.webhooks"):
        response = post(client, raw)
    assert response.status_code == 200
    assert [name for name, _ in heard.calls] == ["channel_vacated"]
    assert "something_new" in caplog.text


def test_only_post_and_no_csrf_token_needed(heard: Heard) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.get(URL).status_code == 405
    assert post(client, body({"name": "channel_occupied", "channel": "a"})).status_code == 200


def test_a_receiver_that_raises_answers_500_so_the_sender_retries() -> None:
    client = Client(raise_request_exception=False)

    def fail(**kwargs: Any) -> None:
        raise RuntimeError("database down")

    signals.channel_occupied.connect(fail)
    try:
        response = post(client, body({"name": "channel_occupied", "channel": "a"}))
    finally:
        signals.channel_occupied.disconnect(fail)
    assert response.status_code == 500
    assert "database down" not in response.content.decode()


@PUSHER_SETTINGS
def test_pusher_webhooks_are_checked_with_the_pusher_credentials(
    client: Client, heard: Heard
) -> None:
    raw = body({"name": "channel_occupied", "channel": "a"})
    # What the official SDK accepts as Pusher's webhook, the view accepts too.
    sdk = pusher.Pusher(app_id="5", key="hosted-key", secret="hosted-secret")
    assert sdk.validate_webhook("hosted-key", sign_body("hosted-secret", raw), raw) is not None
    response = client.post(
        URL,
        raw,
        content_type="application/json",
        headers={
            "X-Pusher-Key": "hosted-key",
            "X-Pusher-Signature": sign_body("hosted-secret", raw),
        },
    )
    assert response.status_code == 200
    assert heard.calls[0][1]["sender"] == "pusher"
    refused = post(client, raw, key="hosted-key", secret="embedded-secret")
    assert refused.status_code == 401
