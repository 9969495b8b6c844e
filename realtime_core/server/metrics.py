"""``GET /metrics``: one socket server's counters for Prometheus.

Every server has a registry of its own (several run in one process in the tests and
may in an application), holding :class:`ServerCollector` and ``prometheus_client``'s
standard ``process_*`` metrics. The collector reads the server's plain counters
(:class:`.Stats`, :class:`.OutageLog`, :class:`.BrokerProbe`, :class:`.WebhookStats`)
when scraped: nothing on the write path calls ``prometheus_client``.

Every sample is labelled ``app`` (the app id). :data:`SERVER_METRICS` and
:data:`WEBHOOK_METRICS` (exposed only by a server that sends webhooks) list them;
the reference page's tables are generated from them.

``/metrics`` is unsigned, as ``/stats`` is (see :mod:`.status`): Prometheus scrapes
it without the app secret, and it reveals counts, never secrets, channel names, user
ids, addresses or message contents. The app id it shows is no credential: the HTTP API
needs the secret's signature.
"""

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, Literal, TypeVar

from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from .api import JsonHandler
from .broker_probe import BrokerProbe
from .hub import Hub
from .status import BROKER_TIMEOUT
from .webhook_sender import WebhookSender

__all__ = [
    "APP_LABEL",
    "SERVER_METRICS",
    "WEBHOOK_METRICS",
    "MetricSpec",
    "ServerCollector",
    "ServerState",
    "metrics_handlers",
    "metrics_registry",
]

APP_LABEL = "app"
"""The label every sample has: the app id."""

Source = TypeVar("Source")

Reading = float | Mapping[str, float] | None
"""A metric's value; its values by its one extra label; or None: no sample yet."""


@dataclasses.dataclass(frozen=True, slots=True)
class MetricSpec(Generic[Source]):
    """One metric: its name and help as exposed, and how to read it from ``Source``."""

    name: str
    """As exposed: counters end in ``_total``."""
    kind: Literal["counter", "gauge"]
    help: str
    """The HELP line: what it counts."""
    read: Callable[[Source], Reading] = dataclasses.field(repr=False)
    label: str | None = None
    """The label besides ``app`` the reading's keys are values of."""

    def family(self, app_id: str, reading: Reading) -> Metric:
        """The metric family with ``reading``'s samples (none for None)."""
        labels = [APP_LABEL] if self.label is None else [APP_LABEL, self.label]
        family: CounterMetricFamily | GaugeMetricFamily
        if self.kind == "counter":
            family = CounterMetricFamily(self.name, self.help, labels=labels)
        else:
            family = GaugeMetricFamily(self.name, self.help, labels=labels)
        if isinstance(reading, Mapping):
            for label_value, value in sorted(reading.items()):
                family.add_metric([app_id, label_value], value)
        elif reading is not None:
            family.add_metric([app_id], reading)
        return family


@dataclasses.dataclass(frozen=True, slots=True)
class ServerState:
    """What the server metrics are read from."""

    hub: Hub
    probe: BrokerProbe


SERVER_METRICS: tuple[MetricSpec[ServerState], ...] = (
    MetricSpec(
        "realtime_start_time_seconds",
        "gauge",
        "When this server started, in seconds since the Unix epoch.",
        lambda s: s.hub.stats.started,
    ),
    MetricSpec(
        "realtime_connections",
        "gauge",
        "WebSocket connections open on this server.",
        lambda s: s.hub.stats.connections,
    ),
    MetricSpec(
        "realtime_connections_opened_total",
        "counter",
        "WebSocket connections this server accepted (right key and protocol, under the caps).",
        lambda s: s.hub.stats.connections_total,
    ),
    MetricSpec(
        "realtime_connections_closed_total",
        "counter",
        "Accepted WebSocket connections that have closed since.",
        lambda s: s.hub.stats.connections_total - s.hub.stats.connections,
    ),
    MetricSpec(
        "realtime_subscriptions",
        "gauge",
        "Subscriptions of this server's connections, one per connection and channel "
        "(those still joining included).",
        lambda s: s.hub.subscription_count,
    ),
    MetricSpec(
        "realtime_channels",
        "gauge",
        "Channels with at least one subscriber on this server.",
        lambda s: s.hub.channel_count,
    ),
    MetricSpec(
        "realtime_messages_received_total",
        "counter",
        "WebSocket messages received from clients.",
        lambda s: s.hub.stats.messages_in,
    ),
    MetricSpec(
        "realtime_messages_sent_total",
        "counter",
        "Broker deliveries (events, client events, presence changes) written to "
        "subscribers, one per connection reached.",
        lambda s: s.hub.stats.messages_out,
    ),
    MetricSpec(
        "realtime_received_bytes_total",
        "counter",
        "Bytes of the WebSocket messages received from clients (their text, UTF-8).",
        lambda s: s.hub.stats.bytes_in,
    ),
    MetricSpec(
        "realtime_sent_bytes_total",
        "counter",
        "Bytes of WebSocket frames written to clients, frame headers included.",
        lambda s: s.hub.stats.bytes_out,
    ),
    MetricSpec(
        "realtime_slow_consumer_disconnects_total",
        "counter",
        "Connections dropped with 4100 because the client did not read fast enough "
        "(its queue passed max_output_bytes).",
        lambda s: s.hub.stats.slow_disconnects,
    ),
    MetricSpec(
        "realtime_catching_up_channels",
        "gauge",
        "Channels whose deliveries are held back while what this server missed is read "
        "from the history.",
        lambda s: s.hub.filling,
    ),
    MetricSpec(
        "realtime_gap_fills_total",
        "counter",
        "Times a channel's deliveries were held back to read missed ones from the history "
        "(a gap in positions, or a broker reconnection).",
        lambda s: s.hub.stats.gaps_filled,
    ),
    MetricSpec(
        "realtime_unfilled_gaps_total",
        "counter",
        "Gaps the history no longer covered: events missed by clients that cannot resume.",
        lambda s: s.hub.stats.gaps_unfilled,
    ),
    MetricSpec(
        "realtime_duplicate_deliveries_dropped_total",
        "counter",
        "Broker deliveries dropped because this server had passed them on already.",
        lambda s: s.hub.stats.duplicates_dropped,
    ),
    MetricSpec(
        "realtime_api_requests_total",
        "counter",
        "HTTP API requests answered, by status code (401: a bad signature; 503: the "
        "broker was unreachable).",
        lambda s: {str(code): count for code, count in s.hub.stats.api_responses.items()},
        label="code",
    ),
    MetricSpec(
        "realtime_broker_up",
        "gauge",
        "1 when the broker answered the last ping or request, 0 while it is unreachable.",
        lambda s: 0 if s.hub.outage.down else 1,
    ),
    MetricSpec(
        "realtime_broker_ping_seconds",
        "gauge",
        "Round trip of the last answered broker ping (one every broker_ping_interval seconds).",
        lambda s: s.probe.round_trip,
    ),
    MetricSpec(
        "realtime_broker_ping_failures_total",
        "counter",
        f"Broker pings not answered within {BROKER_TIMEOUT:g} s.",
        lambda s: s.probe.failures,
    ),
    MetricSpec(
        "realtime_broker_outages_total",
        "counter",
        "Times the broker became unreachable.",
        lambda s: s.hub.outage.outages,
    ),
    MetricSpec(
        "realtime_broker_failures_total",
        "counter",
        "Requests, subscriptions, history reads and pings that failed because the broker "
        "could not be reached.",
        lambda s: s.hub.outage.failures,
    ),
)
"""The metrics every server exposes."""

WEBHOOK_METRICS: tuple[MetricSpec[WebhookSender], ...] = (
    MetricSpec(
        "realtime_webhook_events_total",
        "counter",
        "Webhook events by outcome: sent (the endpoint answered 2xx), dropped (the queue "
        "was full), given_up (still failing when too old to send).",
        lambda w: {
            "sent": w.stats.events_sent,
            "dropped": w.stats.events_dropped,
            "given_up": w.stats.events_given_up,
        },
        label="outcome",
    ),
    MetricSpec(
        "realtime_webhook_requests_total",
        "counter",
        "Webhook requests by outcome: ok (answered 2xx), failed (another status, a timeout "
        "or a refused connection; retried).",
        lambda w: {"ok": w.stats.requests_sent, "failed": w.stats.requests_failed},
        label="outcome",
    ),
    MetricSpec(
        "realtime_webhook_queued_events",
        "gauge",
        "Webhook events waiting to be sent.",
        lambda w: w.queued,
    ),
)
"""The metrics of a server that sends webhooks (``ServerConfig.webhook_url``)."""


class ServerCollector:
    """Reads one server's counters into metric families, at every scrape."""

    def __init__(self, hub: Hub, probe: BrokerProbe, webhooks: WebhookSender | None) -> None:
        self._app_id = hub.config.app_id
        self._state = ServerState(hub, probe)
        self._webhooks = webhooks

    def describe(self) -> Iterator[Metric]:
        """The families :meth:`collect` yields, without samples."""
        for spec in SERVER_METRICS:
            yield spec.family(self._app_id, None)
        if self._webhooks is not None:
            for webhook_spec in WEBHOOK_METRICS:
                yield webhook_spec.family(self._app_id, None)

    def collect(self) -> Iterator[Metric]:
        for spec in SERVER_METRICS:
            yield spec.family(self._app_id, spec.read(self._state))
        if self._webhooks is not None:
            for webhook_spec in WEBHOOK_METRICS:
                yield webhook_spec.family(self._app_id, webhook_spec.read(self._webhooks))


def metrics_registry(
    hub: Hub, probe: BrokerProbe, webhooks: WebhookSender | None
) -> CollectorRegistry:
    """A registry of one server's metrics and its process's."""
    registry = CollectorRegistry()
    registry.register(ServerCollector(hub, probe, webhooks))
    ProcessCollector(registry=registry)
    return registry


class MetricsHandler(JsonHandler):
    """``GET /metrics``: the registry in the format the scraper asks for (Prometheus
    text unless its ``Accept`` prefers OpenMetrics); errors are JSON, as elsewhere."""

    def initialize(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def compute_etag(self) -> None:
        """No ``ETag``: every scrape is read afresh, never answered 304."""
        return None

    def get(self) -> None:
        encode, content_type = choose_encoder(self.request.headers.get("Accept", ""))
        self.set_header("Content-Type", content_type)
        self.finish(encode(self.registry))


def metrics_handlers(registry: CollectorRegistry) -> list[tuple[Any, ...]]:
    """The route of ``/metrics``, serving ``registry``."""
    return [(r"/metrics", MetricsHandler, {"registry": registry})]
