"""``/metrics``: a real server scraped over HTTP, its figures moving with what was done."""

import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import prometheus_client
import pytest
import requests
import tornado.web
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from realtime_core import frames
from realtime_core.brokers.redis import RedisBroker
from realtime_core.messages import Message
from realtime_core.server import webhook_sender
from realtime_core.server.metrics import SERVER_METRICS, WEBHOOK_METRICS
from tests.redis_server import RedisProcess
from tests.server_harness import TEST_CONFIG, AppThread, ServerThread

from .conftest import Server
from .pusher_client import PusherTestClient
from .test_api import sdk_for
from .test_api_auth import signed_query
from .test_robustness import raw_subscriber


class Scrape:
    """One ``GET /metrics``, parsed by prometheus_client's own parser."""

    def __init__(self, http_url: str, app_id: str = TEST_CONFIG.app_id) -> None:
        response = requests.get(f"{http_url}/metrics", timeout=5)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        self.text = response.text
        self.app_id = app_id
        self.families = {f.name: f for f in text_string_to_metric_families(self.text)}

    def samples(self, name: str) -> list[Sample]:
        """The samples named ``name`` (a counter's end in ``_total``)."""
        return [s for f in self.families.values() for s in f.samples if s.name == name]

    def value(self, name: str, **labels: str) -> float:
        wanted = {"app": self.app_id, **labels}
        found = [s.value for s in self.samples(name) if s.labels == wanted]
        assert len(found) == 1, f"{name}{wanted}: {self.samples(name)}"
        return found[0]

    def realtime_families(self) -> dict[str, tuple[str, str]]:
        """Name as exposed -> (type, help) of every ``realtime_`` family."""
        return {
            f"{f.name}_total" if f.type == "counter" else f.name: (f.type, f.documentation)
            for f in self.families.values()
            if f.name.startswith("realtime_")
        }


def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def scraped(server: Server | ServerThread) -> Scrape:
    thread = server.thread if isinstance(server, Server) else server
    return Scrape(thread.http_url)


def exposed(specs: Any) -> dict[str, tuple[str, str]]:
    return {spec.name: (spec.kind, spec.help) for spec in specs}


def test_the_server_exposes_its_metrics_each_with_help_and_the_app_label(server: Server) -> None:
    scrape = scraped(server)
    assert scrape.realtime_families() == exposed(SERVER_METRICS)
    for spec in SERVER_METRICS:
        assert spec.help.endswith("."), spec.name
        for sample in scrape.samples(spec.name):
            assert sample.labels["app"] == TEST_CONFIG.app_id
    assert scrape.value("realtime_broker_up") == 1
    assert scrape.value("realtime_broker_ping_seconds") > 0
    assert scrape.value("realtime_start_time_seconds") == pytest.approx(time.time(), abs=60)
    assert scrape.samples("process_resident_memory_bytes"), "the process's standard metrics"
    assert TEST_CONFIG.secret not in scrape.text


def test_connections_and_subscriptions_follow_the_clients(server: Server) -> None:
    first, second = server.client(), server.client()
    first.subscribe("news")
    second.subscribe("news")
    second.subscribe("private-room")
    scrape = scraped(server)
    assert scrape.value("realtime_connections") == 2
    assert scrape.value("realtime_connections_opened_total") == 2
    assert scrape.value("realtime_connections_closed_total") == 0
    assert scrape.value("realtime_subscriptions") == 3
    assert scrape.value("realtime_channels") == 2
    assert scrape.value("realtime_messages_received_total") == 3

    second.close()
    eventually(lambda: scraped(server).value("realtime_connections") == 1)
    scrape = scraped(server)
    assert scrape.value("realtime_connections_opened_total") == 2
    assert scrape.value("realtime_connections_closed_total") == 1
    assert scrape.value("realtime_subscriptions") == 1
    assert scrape.value("realtime_channels") == 1


def test_messages_and_bytes_are_counted_as_read_and_written(server: Server) -> None:
    first, second = server.client(), server.client()
    for client in (first, second):
        client.subscribe("news")
    before = scraped(server)
    server.publish("news", "headline", "x")
    written = first.ws.recv(timeout=5)
    assert second.ws.recv(timeout=5) == written
    after = scraped(server)
    assert delta(before, after, "realtime_messages_sent_total") == 2
    frame_bytes = 2 + len(str(written).encode())  # a short frame's header is 2 bytes
    assert delta(before, after, "realtime_sent_bytes_total") == 2 * frame_bytes

    text = json.dumps({"event": "pusher:ping", "data": {"note": "été"}}, ensure_ascii=False)
    first.ws.send(text)
    first.expect("pusher:pong")
    last = scraped(server)
    assert delta(after, last, "realtime_messages_received_total") == 1
    assert delta(after, last, "realtime_received_bytes_total") == len(text.encode())
    assert delta(after, last, "realtime_sent_bytes_total") == 2 + len(frames.PONG)
    assert delta(after, last, "realtime_messages_sent_total") == 0, "a pong is no delivery"


def delta(before: Scrape, after: Scrape, name: str) -> float:
    return after.value(name) - before.value(name)


def test_api_requests_are_counted_by_status_code(server: Server) -> None:
    sdk_for(server).trigger("news", "headline", "x")
    body = json.dumps({"name": "e", "channels": ["news"], "data": "x"}).encode()
    path = f"/apps/{TEST_CONFIG.app_id}/events"
    forged = signed_query(dataclasses.replace(TEST_CONFIG, secret="not-the-secret"), "POST", path)
    for _ in range(2):
        refused = requests.post(f"{server.thread.http_url}{path}?{forged}", data=body, timeout=5)
        assert refused.status_code == 401
    scrape = scraped(server)
    assert scrape.value("realtime_api_requests_total", code="200") == 1
    assert scrape.value("realtime_api_requests_total", code="401") == 2
    assert len(scrape.samples("realtime_api_requests_total")) == 2


def test_a_slow_consumer_disconnect_is_counted(make_server: Callable[..., Server]) -> None:
    server = make_server(max_output_bytes=256 * 1024)
    stalled = raw_subscriber(server, "firehose")
    payload = json.dumps("x" * 8000)
    for n in range(3000):
        server.exchange.send([Message(("firehose",), f"e{n}", payload)])
        if server.stats.slow_disconnects:
            break
    assert scraped(server).value("realtime_slow_consumer_disconnects_total") == 1
    stalled.close()


class FailingEndpoint:
    """A webhook receiver answering the statuses given, then 200."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received = 0
        endpoint = self

        class Handler(tornado.web.RequestHandler):
            def post(self) -> None:
                endpoint.received += 1
                self.set_status(endpoint.statuses.pop(0) if endpoint.statuses else 200)

        self.thread = AppThread(lambda: tornado.web.Application([(r"/hooks", Handler)]))
        self.url = f"{self.thread.http_url}/hooks"


@pytest.fixture
def failing_endpoint() -> Iterator[FailingEndpoint]:
    endpoint = FailingEndpoint([500])
    yield endpoint
    endpoint.thread.stop()


def test_webhook_outcomes_are_counted(
    make_server: Callable[..., Server],
    failing_endpoint: FailingEndpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(webhook_sender, "GIVE_UP_AFTER", 0.0)  # a failed webhook is given up
    server = make_server(webhook_url=failing_endpoint.url)
    scrape = scraped(server)
    assert scrape.realtime_families() == exposed(SERVER_METRICS) | exposed(WEBHOOK_METRICS)
    client = server.client()

    def counted(outcome: str, name: str = "realtime_webhook_events_total") -> float:
        return scraped(server).value(name, outcome=outcome)

    client.subscribe("refused")  # channel_occupied: answered 500, then given up
    eventually(lambda: counted("given_up") == 1)
    assert counted("failed", "realtime_webhook_requests_total") == 1
    client.subscribe("accepted")  # answered 200
    eventually(lambda: counted("sent") == 1)
    assert counted("ok", "realtime_webhook_requests_total") == 1
    sender = server.thread.server.webhooks
    assert sender is not None
    sender.policy = dataclasses.replace(sender.policy, max_queued=0)
    client.subscribe("dropped")  # finds the queue full
    eventually(lambda: counted("dropped") == 1)
    scrape = scraped(server)
    assert scrape.value("realtime_webhook_queued_events") == 0
    assert (counted("given_up"), counted("sent")) == (1, 1)
    assert failing_endpoint.received == 2
    assert failing_endpoint.url not in scrape.text


def test_a_server_without_webhooks_has_no_webhook_metrics(server: Server) -> None:
    assert not [name for name in scraped(server).families if "webhook" in name]


def test_two_servers_in_one_process_keep_separate_registries(
    make_server: Callable[..., Server],
) -> None:
    busy, idle = make_server(), make_server()
    busy.client().subscribe("news")
    assert scraped(busy).value("realtime_connections") == 1
    assert scraped(idle).value("realtime_connections") == 0
    registries = {id(busy.thread.server.metrics), id(idle.thread.server.metrics)}
    assert len(registries) == 2
    assert id(prometheus_client.REGISTRY) not in registries
    default = [m.name for m in prometheus_client.REGISTRY.collect()]
    assert not [name for name in default if name.startswith("realtime_")]


@pytest.fixture
def redis_server(disposable_redis: RedisProcess) -> Iterator[ServerThread]:
    def broker() -> RedisBroker:
        return RedisBroker(
            disposable_redis.url,
            app_id=TEST_CONFIG.app_id,
            heartbeat_interval=0.2,
            node_timeout=1.0,
            timeout=0.5,
        )

    thread = ServerThread(dataclasses.replace(TEST_CONFIG, broker_ping_interval=0.2), broker)
    yield thread
    thread.stop()


def test_a_broker_outage_shows_in_the_broker_metrics(
    redis_server: ServerThread, disposable_redis: RedisProcess
) -> None:
    client = PusherTestClient(redis_server.ws_url, TEST_CONFIG)
    client.subscribe("news")
    scrape = scraped(redis_server)
    assert scrape.value("realtime_broker_up") == 1
    assert scrape.value("realtime_broker_outages_total") == 0
    assert scrape.value("realtime_broker_ping_failures_total") == 0
    assert 0 < scrape.value("realtime_broker_ping_seconds") < 0.5

    disposable_redis.stop()
    eventually(lambda: scraped(redis_server).value("realtime_broker_up") == 0)
    eventually(lambda: scraped(redis_server).value("realtime_broker_ping_failures_total") >= 2)
    body = json.dumps({"name": "e", "channels": ["news"], "data": "x"}).encode()
    path = f"/apps/{TEST_CONFIG.app_id}/events"
    query = signed_query(TEST_CONFIG, "POST", path, None, body)
    refused = requests.post(f"{redis_server.http_url}{path}?{query}", data=body, timeout=5)
    assert refused.status_code == 503
    down = scraped(redis_server)
    assert down.value("realtime_broker_outages_total") == 1, "one outage, however many failures"
    assert down.value("realtime_broker_failures_total") >= 3
    assert down.value("realtime_api_requests_total", code="503") == 1
    assert down.value("realtime_connections") == 1, "the socket stays open"

    disposable_redis.start()
    eventually(lambda: scraped(redis_server).value("realtime_broker_up") == 1)
    back = scraped(redis_server)
    assert back.value("realtime_broker_outages_total") == 1
    failures = back.value("realtime_broker_ping_failures_total")
    time.sleep(0.5)  # a few more pings, answered
    assert scraped(redis_server).value("realtime_broker_ping_failures_total") == failures
    client.close()
