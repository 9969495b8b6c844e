"""The fault suite's fixtures and its table of deliveries, printed in the terminal summary."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.js.test_realtime_js import MISSING, NODE, node_command
from tests.redis_server import RedisProcess

from .cluster import Balancer, Clients, Node, Publisher
from .table import ROWS, format_table

NODE_TIMEOUT = 2.0
"""Seconds after which a silent node's presence members are removed (short: a fast suite)."""
HEARTBEAT = NODE_TIMEOUT / 3

needs_node = [
    pytest.mark.skipif(NODE is None, reason="node is not installed (fault suite clients)"),
    pytest.mark.skipif(
        bool(MISSING),
        reason=f"{', '.join(MISSING)} not installed: run `npm ci` in tests/js (or `make test`)",
    ),
]


class Cluster:
    """Redis, two nodes, a balancer in front of them, a Node process of clients, and a
    publisher; everything stopped by :meth:`close`."""

    def __init__(self, redis: RedisProcess, log_dir: Path, node_args: tuple[str, ...]) -> None:
        self.redis = redis
        self.log_dir = log_dir
        self.nodes: list[Node] = []
        self.balancer: Balancer | None = None
        self.clients: Clients | None = None
        self.publishers: list[Publisher] = []
        args = ("--node-timeout", str(NODE_TIMEOUT), "--log-level", "INFO", *node_args)
        self.nodes = [Node(redis.url, log_dir, name, *args) for name in ("node-a", "node-b")]
        for node in self.nodes:
            node.wait_serving()
        self.balancer = Balancer([node.port for node in self.nodes])

    def start_clients(self, auth_users: dict[str, object] | None = None) -> Clients:
        self.clients = Clients(node_command(), auth_users)
        return self.clients

    def publisher(self, channels: list[str], rate: float = 50) -> Publisher:
        publisher = Publisher(
            lambda: [node.port for node in self.nodes if node.alive] or [self.nodes[0].port],
            channels,
            rate,
        )
        self.publishers.append(publisher)
        return publisher

    def logs(self) -> str:
        return "\n".join(f"--- {node.name}\n{node.output[-6000:]}" for node in self.nodes)

    def close(self) -> None:
        for publisher in self.publishers:
            publisher.stop()
        if self.clients is not None:
            self.clients.close()
        if self.balancer is not None:
            self.balancer.close()
        for node in self.nodes:
            node.close()


@pytest.fixture
def cluster_factory(
    disposable_redis: RedisProcess, tmp_path: Path
) -> Iterator[Callable[..., Cluster]]:
    made: list[Cluster] = []

    def make(*node_args: str) -> Cluster:
        cluster = Cluster(disposable_redis, tmp_path, node_args)
        made.append(cluster)
        return cluster

    yield make
    for cluster in made:
        cluster.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if ROWS:
        terminalreporter.write_sep("=", "fault suite: deliveries per fault and client kind")
        for line in format_table(ROWS):
            terminalreporter.write_line(line)
