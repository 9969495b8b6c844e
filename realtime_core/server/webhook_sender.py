"""Pusher-format webhooks POSTed from a socket server, batched, retried, never blocking.

The hub calls :meth:`WebhookSender.send` with an event object (``{"name":
"channel_occupied", "channel": ...}``); it returns at once. A background task gathers
what arrives within :attr:`WebhookPolicy.batch_window` (at most ``batch_size`` events,
as Pusher's batch webhooks do) into one body ``{"time_ms", "events"}``, signs it
(``X-Pusher-Key``, ``X-Pusher-Signature`` = hex HMAC-SHA256 of the body under the app
secret) and POSTs it with ``Content-Type: application/json``.

A webhook the endpoint does not answer with 2xx is sent again after a backoff doubling
from ``retry_first`` to ``retry_max``, in order, for as long as its ``time_ms`` stays
within the receivers' five-minute window (then it is given up, logged and counted). The
queue is bounded: an event that finds it full is dropped, counted and logged (at most a
few lines a second), never allowed to grow memory while the endpoint is down.
"""

import asyncio
import collections
import dataclasses
import json
import logging
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from ..signing import hmac_sha256_hex
from .log_budget import LogBudget

__all__ = ["WebhookPolicy", "WebhookSender", "WebhookStats"]

logger = logging.getLogger(__name__)

GIVE_UP_AFTER = 290.0
"""Seconds after its ``time_ms`` a webhook stops being retried: receivers (the SDKs and
``realtime_core:webhooks``) refuse one more than 300 s old."""


@dataclasses.dataclass(frozen=True, slots=True)
class WebhookPolicy:
    """Where and how webhooks are sent."""

    url: str
    key: str
    secret: str = dataclasses.field(repr=False)
    batch_window: float = 0.05
    """Seconds to gather events into one request after the first arrives."""
    batch_size: int = 50
    max_queued: int = 10_000
    timeout: float = 10.0
    """Seconds one request may take."""
    retry_first: float = 1.0
    retry_max: float = 60.0


@dataclasses.dataclass(slots=True)
class WebhookStats:
    """Counters of one sender (the server's metrics read them)."""

    events_sent: int = 0
    requests_sent: int = 0
    """Requests the endpoint answered with 2xx."""
    requests_failed: int = 0
    """Attempts that failed (non-2xx, timeout, refused connection); each is retried."""
    events_dropped: int = 0
    """Events refused because the queue was full."""
    events_given_up: int = 0
    """Events whose webhook was still failing when it became too old to send."""


class WebhookSender:
    """Sends one app's webhooks to one URL from the current event loop."""

    def __init__(self, policy: WebhookPolicy, client: AsyncHTTPClient | None = None) -> None:
        self.policy = policy
        self.stats = WebhookStats()
        self._client = client or AsyncHTTPClient()
        self._queue: collections.deque[dict[str, Any]] = collections.deque()
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sending = False
        self._overflow_log = LogBudget(logger, burst=3, interval=10.0)
        self._shown_url = _without_password(policy.url)

    def start(self) -> None:
        """Begin sending (call on the event loop that will run the sender)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self, grace: float = 2.0) -> None:
        """Send what is queued for up to ``grace`` seconds, then stop; what is still
        queued is logged as not sent."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while (self._queue or self._sending) and self._task is not None and loop.time() < deadline:
            await asyncio.sleep(0.02)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._queue:
            logger.warning("%d webhook events not sent at shutdown", len(self._queue))

    @property
    def queued(self) -> int:
        """Events waiting to be sent (gauge)."""
        return len(self._queue)

    def send(self, event: Mapping[str, Any]) -> None:
        """Queue ``event`` (a webhook event object); never blocks."""
        if len(self._queue) >= self.policy.max_queued:
            self.stats.events_dropped += 1
            self._overflow_log.log(
                logging.ERROR,
                "Webhook queue full (%d events): %s for %s dropped; is %s answering?",
                self.policy.max_queued,
                event.get("name"),
                event.get("channel"),
                self._shown_url,
            )
            return
        self._queue.append(dict(event))
        self._arrived.set()

    async def _run(self) -> None:
        while True:
            if not self._queue:
                self._arrived.clear()
                await self._arrived.wait()
            await asyncio.sleep(self.policy.batch_window)
            size = min(self.policy.batch_size, len(self._queue))
            batch = [self._queue.popleft() for _ in range(size)]
            self._sending = True
            try:
                await self._deliver(batch, int(time.time() * 1000))
            finally:
                self._sending = False

    async def _deliver(self, events: list[dict[str, Any]], time_ms: int) -> None:
        """POST one webhook until it is accepted or too old."""
        body = json.dumps({"time_ms": time_ms, "events": events}, separators=(",", ":")).encode()
        signature = hmac_sha256_hex(self.policy.secret, body)
        request = HTTPRequest(
            self.policy.url,
            method="POST",
            body=body,
            headers={
                "Content-Type": "application/json",
                "X-Pusher-Key": self.policy.key,
                "X-Pusher-Signature": signature,
            },
            request_timeout=self.policy.timeout,
            follow_redirects=False,
        )
        backoff = self.policy.retry_first
        while True:
            problem = await self._attempt(request)
            if problem is None:
                self.stats.requests_sent += 1
                self.stats.events_sent += len(events)
                return
            self.stats.requests_failed += 1
            age = time.time() - time_ms / 1000
            if age + backoff > GIVE_UP_AFTER:
                self.stats.events_given_up += len(events)
                logger.error(
                    "Webhook of %d events given up after %.0f s of failures (%s): %s",
                    len(events),
                    age,
                    problem,
                    ", ".join(f"{e.get('name')} {e.get('channel')}" for e in events[:5]),
                )
                return
            logger.warning(
                "Webhook to %s failed (%s); retrying in %.1f s",
                self._shown_url,
                problem,
                backoff,
            )
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.policy.retry_max)

    async def _attempt(self, request: HTTPRequest) -> str | None:
        """None when the endpoint answered 2xx, else what went wrong."""
        try:
            response = await self._client.fetch(request, raise_error=False)
        except (OSError, HTTPClientError) as exc:
            return f"{type(exc).__name__}: {exc}"
        if 200 <= response.code < 300:
            return None
        if response.code == 599:
            return str(response.error)
        return f"HTTP {response.code}"


def _without_password(url: str) -> str:
    """``url`` as logs may show it: a password in it replaced by ``***``."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
