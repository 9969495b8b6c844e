"""A subscriber on a real socket server, for the backend contract tests."""

import json
import threading

from websockets.exceptions import ConnectionClosed

from realtime_core.server.config import ServerConfig
from tests.server.pusher_client import PusherTestClient

from .contract import Received, Receiver


class SocketReceiver(Receiver):
    """Subscribes one WebSocket client to ``channel`` and records what arrives."""

    def __init__(self, ws_url: str, config: ServerConfig, channel: str) -> None:
        super().__init__()
        self.client = PusherTestClient(ws_url, config)
        self.socket_id = self.client.socket_id
        reply = self.client.subscribe(channel)
        assert reply["event"] == "pusher_internal:subscription_succeeded", reply
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for raw in self.client.ws:
                frame = json.loads(raw)
                if not frame["event"].startswith("pusher"):
                    self.received.append(Received(frame["channel"], frame["event"], frame["data"]))
        except ConnectionClosed:
            return

    def close(self) -> None:
        self.client.close()
        self._reader.join(5)
