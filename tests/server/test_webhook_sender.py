"""Webhooks from a socket server: signed, batched, retried, bounded; a real endpoint."""

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pusher
import pytest
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from realtime_core.server import webhook_sender
from realtime_core.server.webhook_sender import WebhookPolicy, WebhookSender

KEY, SECRET = "hook-key", "hook-secret"
SDK = pusher.Pusher(app_id="1", key=KEY, secret=SECRET)
# The test's own waits, unaffected when a test replaces asyncio.sleep for the sender.
_sleep = asyncio.sleep


class Endpoint:
    """Records every request; answers the statuses given, then 200."""

    def __init__(self, statuses: list[int] | None = None, delay: float = 0.0) -> None:
        self.statuses = list(statuses or [])
        self.delay = delay
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.accepted: list[dict[str, Any]] = []

    def handler(self) -> type[tornado.web.RequestHandler]:
        endpoint = self

        class Handler(tornado.web.RequestHandler):
            async def post(self) -> None:
                endpoint.requests.append((dict(self.request.headers), self.request.body))
                if endpoint.delay:
                    await asyncio.sleep(endpoint.delay)
                status = endpoint.statuses.pop(0) if endpoint.statuses else 200
                if status == 200:
                    endpoint.accepted.append(json.loads(self.request.body))
                self.set_status(status)

        return Handler


@asynccontextmanager
async def serving(endpoint: Endpoint, **changes: Any) -> AsyncIterator[WebhookSender]:
    sockets = bind_sockets(0, "127.0.0.1")
    port = sockets[0].getsockname()[1]
    server = HTTPServer(tornado.web.Application([(r"/hooks", endpoint.handler())]))
    server.add_sockets(sockets)
    policy = WebhookPolicy(url=f"http://127.0.0.1:{port}/hooks", key=KEY, secret=SECRET, **changes)
    sender = WebhookSender(policy)
    sender.start()
    try:
        yield sender
    finally:
        await sender.stop()
        server.stop()


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await _sleep(0.01)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 30))


def occupied(channel: str) -> dict[str, str]:
    return {"name": "channel_occupied", "channel": channel}


def test_events_close_together_go_in_one_signed_webhook() -> None:
    endpoint = Endpoint()

    async def scenario() -> None:
        async with serving(endpoint, batch_window=0.1) as sender:
            for name in ("a", "b", "c"):
                sender.send(occupied(name))
            await until(lambda: sender.stats.events_sent == 3)
            assert sender.stats.requests_sent == 1

    run(scenario)
    ((headers, body),) = endpoint.requests
    assert headers["Content-Type"] == "application/json"
    # The official SDK, checking key, signature and time, reads what was sent.
    webhook = SDK.validate_webhook(headers["X-Pusher-Key"], headers["X-Pusher-Signature"], body)
    assert webhook is not None
    assert webhook["events"] == [occupied("a"), occupied("b"), occupied("c")]


def test_a_batch_holds_at_most_batch_size_events() -> None:
    endpoint = Endpoint()

    async def scenario() -> None:
        async with serving(endpoint, batch_window=0.05, batch_size=2) as sender:
            for name in "abcde":
                sender.send(occupied(name))
            await until(lambda: sender.stats.events_sent == 5)

    run(scenario)
    sizes = [len(webhook["events"]) for webhook in endpoint.accepted]
    assert sizes == [2, 2, 1]
    channels = [event["channel"] for webhook in endpoint.accepted for event in webhook["events"]]
    assert channels == list("abcde")


def test_a_failing_endpoint_gets_the_same_webhook_again_in_order() -> None:
    endpoint = Endpoint(statuses=[500, 503])

    async def scenario() -> None:
        async with serving(endpoint, batch_window=0.01, retry_first=0.05) as sender:
            sender.send(occupied("first"))
            await until(lambda: len(endpoint.requests) >= 1)
            sender.send(occupied("second"))
            await until(lambda: sender.stats.events_sent == 2)
            assert sender.stats.requests_failed == 2

    run(scenario)
    # Three attempts of the same body (same time_ms, same signature), then the next one.
    bodies = [body for _headers, body in endpoint.requests]
    assert bodies[0] == bodies[1] == bodies[2]
    assert [w["events"] for w in endpoint.accepted] == [[occupied("first")], [occupied("second")]]


def test_an_unreachable_endpoint_is_retried_with_growing_backoff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    waits: list[float] = []

    async def scenario() -> None:
        async def recorded(delay: float) -> None:
            waits.append(delay)
            await _sleep(0)

        sockets = bind_sockets(0, "127.0.0.1")
        port = sockets[0].getsockname()[1]
        sockets[0].close()  # nothing listens there
        policy = WebhookPolicy(
            url=f"http://user:pw@127.0.0.1:{port}/", key=KEY, secret=SECRET, batch_window=0
        )
        sender = WebhookSender(policy)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(webhook_sender.asyncio, "sleep", recorded)
            sender.start()
            sender.send(occupied("a"))
            await until(lambda: sender.stats.requests_failed >= 8)
            await sender.stop()

    with caplog.at_level(logging.WARNING, webhook_sender.__name__):
        run(scenario)
    retries = [wait for wait in waits if wait > 0]
    assert retries[:7] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0]
    assert "user:***@" in caplog.text
    assert "pw@" not in caplog.text


def test_a_webhook_failing_past_the_receivers_window_is_given_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    endpoint = Endpoint(statuses=[500] * 100)

    async def scenario() -> None:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(webhook_sender, "GIVE_UP_AFTER", 0.3)
            async with serving(endpoint, batch_window=0, retry_first=0.05) as sender:
                sender.send(occupied("a"))
                await until(lambda: sender.stats.events_given_up == 1)
                sender.send(occupied("b"))
                await until(
                    lambda: len(endpoint.requests) > 0 and b'"b"' in endpoint.requests[-1][1]
                )

    with caplog.at_level(logging.ERROR, webhook_sender.__name__):
        run(scenario)
    assert "given up" in caplog.text


def test_a_full_queue_drops_counts_and_logs_without_blocking(
    caplog: pytest.LogCaptureFixture,
) -> None:
    endpoint = Endpoint(delay=0.5)

    async def scenario() -> None:
        async with serving(endpoint, batch_window=0, batch_size=1, max_queued=3) as sender:
            sender.send(occupied("in flight"))
            await until(lambda: len(endpoint.requests) == 1)
            loop = asyncio.get_running_loop()
            started = loop.time()
            for index in range(10):
                sender.send(occupied(str(index)))
            assert loop.time() - started < 0.05
            assert sender.queued == 3
            assert sender.stats.events_dropped == 7
            await until(lambda: sender.stats.events_sent == 4, timeout=10)

    with caplog.at_level(logging.ERROR, webhook_sender.__name__):
        run(scenario)
    assert "Webhook queue full" in caplog.text
    assert caplog.text.count("Webhook queue full") <= 3
    sent = [event["channel"] for webhook in endpoint.accepted for event in webhook["events"]]
    assert sent == ["in flight", "0", "1", "2"]
