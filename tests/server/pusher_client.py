"""A minimal blocking Pusher-protocol client for driving the server in tests.

It speaks the wire protocol directly (websockets' sync client), so the tests see
exactly the frames a browser would; the official clients are exercised elsewhere.
"""

import json
import time
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from realtime_core.server.config import ServerConfig
from realtime_core.signing import channel_string_to_sign, sign, user_string_to_sign


class PusherTestClient:
    def __init__(
        self,
        url: str,
        config: ServerConfig | None = None,
        *,
        handshake: bool = True,
        max_queue: int | None = 16,
    ) -> None:
        """``config`` holds the credentials to sign with; a browser-like client has none.

        ``max_queue``: frames received but not read before the client stops reading (as a
        slow browser would); None for a client whose frames the test never reads, which
        can then still close at once.
        """
        self.config = config
        # Entered by hand: the client lives across calls, not inside one ``with``.
        self.ws: ClientConnection = connect(
            url, open_timeout=5, max_size=None, max_queue=max_queue
        ).__enter__()
        self.socket_id = ""
        if handshake:
            established = self.recv()
            assert established["event"] == "pusher:connection_established", established
            self.established: dict[str, Any] = json.loads(established["data"])
            self.socket_id = self.established["socket_id"]

    def send(self, event: str, data: Any = None, channel: str | None = None) -> None:
        frame: dict[str, Any] = {"event": event, "data": data}
        if channel is not None:
            frame["channel"] = channel
        self.ws.send(json.dumps(frame))

    def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        frame = json.loads(self.ws.recv(timeout=timeout))
        assert isinstance(frame, dict)
        return frame

    def expect(self, event: str, timeout: float = 5.0) -> dict[str, Any]:
        """The next frame, which must be ``event`` (pings from the server are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.recv(max(0.01, deadline - time.monotonic()))
            if frame["event"] != "pusher:ping" or event == "pusher:ping":
                assert frame["event"] == event, frame
                return frame

    def nothing_more(self, wait: float = 0.2) -> None:
        try:
            frame = self.ws.recv(timeout=wait)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected frame {frame!r}")

    @property
    def credentials(self) -> ServerConfig:
        assert self.config is not None, "this client was made without credentials to sign with"
        return self.config

    def auth(self, channel: str, channel_data: str | None = None) -> str:
        string = channel_string_to_sign(self.socket_id, channel, channel_data)
        return sign(self.credentials.key, self.credentials.secret, string)

    def subscribe(
        self, channel: str, *, user_id: str | None = None, info: Any = None
    ) -> dict[str, Any]:
        """Subscribe with a valid signature where one is needed; returns the reply frame."""
        data: dict[str, Any] = {"channel": channel}
        if channel.startswith("presence-"):
            data["channel_data"] = json.dumps({"user_id": user_id, "user_info": info})
            data["auth"] = self.auth(channel, data["channel_data"])
        elif channel.startswith("private-"):
            data["auth"] = self.auth(channel)
        self.send("pusher:subscribe", data)
        return self.recv()

    def sign_in(self, user_id: str, **extra: Any) -> dict[str, Any]:
        user_data = json.dumps({"id": user_id, **extra})
        auth = sign(
            self.credentials.key,
            self.credentials.secret,
            user_string_to_sign(self.socket_id, user_data),
        )
        self.send("pusher:signin", {"auth": auth, "user_data": user_data})
        return self.recv()

    def closed_with(self, timeout: float = 5.0) -> tuple[list[dict[str, Any]], int | None]:
        """Frames received until the server closed the socket, and the close code."""
        received = []
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                received.append(json.loads(self.ws.recv(timeout=deadline - time.monotonic())))
        except ConnectionClosed as closed:
            return received, closed.rcvd.code if closed.rcvd else None
        raise AssertionError(f"still open after {timeout}s; got {received}")

    def close(self) -> None:
        self.ws.close()
