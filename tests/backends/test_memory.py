import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest

import realtime_core
from realtime_core.backends.base import Backend
from realtime_core.backends.memory import MemoryBackend, exchange
from realtime_core.brokers.base import Delivery
from realtime_core.serving import server_config
from realtime_core.testing import Outbox
from tests.server_harness import ServerThread

from .contract import BackendContract, Receiver
from .socket_receiver import SocketReceiver


class TestMemoryBackend(BackendContract):
    backend_name = "memory"
    backend_options: ClassVar[dict[str, object]] = {}

    @pytest.fixture(autouse=True)
    def _embedded_server(self) -> Iterator[None]:
        backend = MemoryBackend({}, name="memory")
        self.server = ServerThread(server_config(backend), backend.make_broker)
        self.receivers: list[SocketReceiver] = []
        yield
        for receiver in self.receivers:
            receiver.close()
        self.server.stop()

    def listen(self, backend: Backend, channel: str) -> Receiver:
        receiver = SocketReceiver(self.server.ws_url, self.server.config, channel)
        self.receivers.append(receiver)
        return receiver

    def test_is_the_backend_built(self, backend: Backend) -> None:
        assert isinstance(backend, MemoryBackend)
        assert backend.capabilities.multi_process is False


def test_concurrent_publishes_through_the_api_are_all_recorded(realtime_outbox: Outbox) -> None:
    threads, per_thread = 6, 300
    seen: list[Delivery] = []
    exchange.subscribe("api-shared", seen.append)
    start = threading.Barrier(threads)

    def publisher(index: int) -> None:
        start.wait()
        for n in range(per_thread):
            realtime_core.publish("api-shared", f"p{index}", n)

    workers = [threading.Thread(target=publisher, args=(i,)) for i in range(threads)]
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        exchange.unsubscribe("api-shared", seen.append)

    assert len(realtime_outbox) == len(seen) == threads * per_thread
    for index in range(threads):
        assert [e.data for e in realtime_outbox.filter(event=f"p{index}")] == list(
            range(per_thread)
        )
