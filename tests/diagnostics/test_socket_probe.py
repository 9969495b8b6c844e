"""Servers that are not what the socket URL should reach: each failure names the URL.

Small Tornado apps on loopback play the wrong server; the checks run for real.
"""

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tornado.web import Application, RequestHandler
from tornado.websocket import WebSocketHandler

from realtime_core.diagnostics.socket_probe import FailureKind, ProbeFailure, PusherSocket
from tests.server_harness import AppThread

from .conftest import MinimalPusherSocket, realtime_check

Configure = Callable[..., None]


class Silent(WebSocketHandler):
    """Accepts the WebSocket and never says a word."""


class Tampering(MinimalPusherSocket):
    """A Pusher-like server that changes what it relays (as a broken proxy would)."""

    sockets: set["Tampering"] = set()

    def open(self, *args: str) -> None:
        Tampering.sockets.add(self)
        super().open(*args)

    def on_close(self) -> None:
        Tampering.sockets.discard(self)


class TamperingApi(RequestHandler):
    """Accepts any publish and relays it with other data."""

    def post(self, app_id: str) -> None:
        body = json.loads(self.request.body)
        for channel in body["channels"]:
            frame = {"event": body["name"], "channel": channel, "data": '{"tampered":true}'}
            for socket in Tampering.sockets:
                socket.write_message(json.dumps(frame))
        self.finish({})

    def get(self, app_id: str) -> None:
        self.finish({"channels": {}})


@pytest.fixture
def app() -> Iterator[AppThread]:
    routes: list[Any] = [
        (r"/silent/app/.*", Silent),
        (r"/app/.*", Tampering),
        (r"/apps/([0-9]+)/.*", TamperingApi),
    ]
    thread = AppThread(lambda: Application(routes))
    yield thread
    thread.stop()


def probe_failure(url: str) -> ProbeFailure:
    with pytest.raises(ProbeFailure) as info:
        asyncio.run(PusherSocket.open(url, 0.5))
    return info.value


def test_a_websocket_that_never_speaks_pusher(app: AppThread) -> None:
    failure = probe_failure(f"ws://127.0.0.1:{app.port}/silent/app/k?protocol=7")
    assert failure.kind is FailureKind.SERVER
    assert failure.detail == (
        f"ws://127.0.0.1:{app.port}/silent/app/k accepted the WebSocket but sent no "
        "pusher:connection_established within 0.5 s: is a Pusher-protocol server listening there?"
    )


def test_an_http_answer_instead_of_an_upgrade(app: AppThread) -> None:
    failure = probe_failure(f"ws://127.0.0.1:{app.port}/elsewhere/app/k?protocol=7")
    assert failure.kind is FailureKind.ADDRESS
    assert failure.detail == (
        f"ws://127.0.0.1:{app.port}/elsewhere/app/k answered HTTP 404 (Not Found) instead of a "
        "WebSocket upgrade"
    )


@pytest.mark.usefixtures("no_channel_patterns")
def test_an_event_that_arrives_changed_fails_the_round_trip(
    realtime_settings: Configure, app: AppThread
) -> None:
    options = {"APP_ID": "1", "KEY": "k", "SECRET": "tamper-secret-11"}
    realtime_settings(
        "pusher", {**options, "HOST": "127.0.0.1", "PORT": app.port, "USE_TLS": False}
    )
    outcome = realtime_check("--json", "--timeout", "2")
    assert outcome.status == 1
    round_trip = outcome.step("round trip")
    assert round_trip["status"] == "failed"
    assert round_trip["detail"].startswith('the event arrived changed: sent \'{"check":')
    assert round_trip["detail"].endswith("received '{\"tampered\":true}'")
    assert "tamper-secret-11" not in outcome.output
