import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from realtime_core.brokers.in_process import InProcessBroker, InProcessExchange
from realtime_core.messages import Message
from realtime_core.server.config import ServerConfig
from tests.server_harness import TEST_CONFIG, ServerThread

from .pusher_client import PusherTestClient


class Server:
    """A running server on a private in-process exchange, plus client helpers."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.exchange = InProcessExchange()
        self.thread = ServerThread(config, lambda: InProcessBroker(self.exchange))
        self.clients: list[PusherTestClient] = []

    def client(self, **kwargs: Any) -> PusherTestClient:
        client = PusherTestClient(self.thread.ws_url, self.config, **kwargs)
        self.clients.append(client)
        return client

    def publish(self, channel: str, event: str, data: str, socket_id: str | None = None) -> None:
        self.exchange.send([Message((channel,), event, data, socket_id)])

    @property
    def stats(self) -> Any:
        return self.thread.server.stats

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        self.thread.stop()


@pytest.fixture
def make_server() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def make(**changes: Any) -> Server:
        server = Server(dataclasses.replace(TEST_CONFIG, **changes))
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def server(make_server: Callable[..., Server]) -> Server:
    return make_server()
