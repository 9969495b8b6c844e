"""Servers that misbehave after saying hello: the check still ends within its bound.

A small Tornado app on loopback plays a Pusher-compatible server whose API hangs on
publishes, or whose sockets send junk; the checks run for real.
"""

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tornado.web import Application, RequestHandler

from realtime_core.diagnostics.socket_probe import FailureKind, ProbeFailure, PusherSocket
from tests.server_harness import AppThread

from .conftest import MinimalPusherSocket, realtime_check

Configure = Callable[..., None]
SECRET = "hostile-secret-5d0e"
BACKEND_TIMEOUT = 20
"""The pusher backend's own TIMEOUT: far above the check's --timeout."""


class Subscribing(MinimalPusherSocket):
    """Says hello, confirms subscriptions, then sends ``junk`` if set."""

    junk: str | None = None

    def open(self, *args: str) -> None:
        super().open(*args)
        if self.junk is not None:
            self.write_message(self.junk)


class HangingPublishes(RequestHandler):
    """Answers reads at once; holds every publish until the test ends."""

    def initialize(self, released: asyncio.Event) -> None:
        self.released = released

    def get(self, app_id: str) -> None:
        self.finish({"channels": {}})

    async def post(self, app_id: str) -> None:
        await self.released.wait()
        self.finish({})


@pytest.fixture
def hanging_api() -> Iterator[AppThread]:
    released: list[asyncio.Event] = []

    def application() -> Application:
        released.append(asyncio.Event())
        routes: list[Any] = [
            (r"/app/.*", Subscribing),
            (r"/apps/([0-9]+)/.*", HangingPublishes, {"released": released[0]}),
        ]
        return Application(routes)

    thread = AppThread(application)
    yield thread
    thread.loop.call_soon_threadsafe(released[0].set)
    thread.stop()


@pytest.mark.usefixtures("no_channel_patterns")
def test_a_publish_that_hangs_does_not_hold_the_check_past_its_timeout(
    realtime_settings: Configure, hanging_api: AppThread
) -> None:
    options = {"APP_ID": "1", "KEY": "k", "SECRET": SECRET, "TIMEOUT": BACKEND_TIMEOUT}
    realtime_settings(
        "pusher", {**options, "HOST": "127.0.0.1", "PORT": hanging_api.port, "USE_TLS": False}
    )
    started = time.monotonic()
    outcome = realtime_check("--json", "--timeout", "1")
    elapsed = time.monotonic() - started
    assert outcome.status == 1
    assert outcome.statuses()["connectivity"] == "ok"
    assert outcome.step("round trip")["detail"] == (
        "publishing through 'pusher' did not finish within 1.0 s"
    )
    assert elapsed < 5, f"the check took {elapsed:.1f} s with --timeout 1"
    assert SECRET not in outcome.output


@pytest.fixture
def junk_server() -> Iterator[Callable[[str], str]]:
    """``serve(junk)``: the URL of a server that sends ``junk`` after its hello."""
    thread = AppThread(lambda: Application([(r"/app/.*", Subscribing)]))

    def serve(junk: str) -> str:
        Subscribing.junk = junk
        return f"ws://127.0.0.1:{thread.port}/app/k?protocol=7"

    yield serve
    Subscribing.junk = None
    thread.stop()


async def _subscribe_then_wait(url: str) -> None:
    probe = await PusherSocket.open(url, 2)
    try:
        await probe.wait_for_event("private-x", "e", 2)
    finally:
        await probe.close()


def test_a_huge_non_frame_is_quoted_shortly(junk_server: Callable[[str], str]) -> None:
    url = junk_server(json.dumps(list(range(100_000))))
    with pytest.raises(ProbeFailure) as info:
        asyncio.run(_subscribe_then_wait(url))
    assert info.value.kind is FailureKind.SERVER
    assert info.value.detail.startswith(f"{url.partition('?')[0]} sent [0, 1, 2, 3,")
    assert info.value.detail.endswith(", not a frame")
    assert len(info.value.detail) < 300
