"""Opening a connection: the handshake frame, keys, protocol versions, ping/pong."""

import json
import re
import socket

import pytest

from realtime_core.server.tornado_internals import socket_of

from .conftest import Server


def test_first_frame_is_connection_established_with_string_data(server: Server) -> None:
    client = server.client(handshake=False)
    frame = client.recv()
    assert frame["event"] == "pusher:connection_established"
    assert "channel" not in frame
    assert isinstance(frame["data"], str), "Pysher json.loads() this payload"
    data = json.loads(frame["data"])
    assert data["activity_timeout"] == 120
    assert re.fullmatch(r"[0-9]+\.[0-9]+", data["socket_id"])


def test_socket_ids_are_unique(server: Server) -> None:
    ids = {server.client().socket_id for _ in range(20)}
    assert len(ids) == 20


def test_unknown_app_key_gets_error_4001_then_close_4001(server: Server) -> None:
    client = server.client(handshake=False)
    client.ws.close()
    from .pusher_client import PusherTestClient

    url = server.thread.ws_url.replace(f"/app/{server.config.key}", "/app/wrong-key")
    refused = PusherTestClient(url, server.config, handshake=False)
    frames, code = refused.closed_with()
    assert frames == [
        {
            "event": "pusher:error",
            "data": {"code": 4001, "message": "App key wrong-key does not exist"},
        }
    ]
    assert code == 4001


@pytest.mark.parametrize(
    ("protocol", "code"), [("4", 4007), ("8", 4007), ("seven", 4006), ("", 4006)]
)
def test_unsupported_protocol_versions_are_refused(
    server: Server, protocol: str, code: int
) -> None:
    from .pusher_client import PusherTestClient

    url = server.thread.ws_url.replace("protocol=7", f"protocol={protocol}")
    frames, close_code = PusherTestClient(url, server.config, handshake=False).closed_with()
    assert [f["data"]["code"] for f in frames] == [code]
    assert close_code == code


@pytest.mark.parametrize("protocol", ["5", "6", "7"])
def test_protocols_5_to_7_are_served(server: Server, protocol: str) -> None:
    from .pusher_client import PusherTestClient

    url = server.thread.ws_url.replace("protocol=7", f"protocol={protocol}")
    assert PusherTestClient(url, server.config).socket_id


def test_missing_protocol_is_taken_as_7(server: Server) -> None:
    from .pusher_client import PusherTestClient

    url = server.thread.ws_url.split("?")[0]
    assert PusherTestClient(url, server.config).socket_id


@pytest.mark.parametrize("data", [{}, "", None, "{}"])
def test_ping_gets_a_connection_level_pong(server: Server, data: object) -> None:
    client = server.client()
    client.send("pusher:ping", data)
    assert client.recv() == {"event": "pusher:pong", "data": "{}"}


def test_frames_are_sent_without_waiting_for_nagle(server: Server) -> None:
    """A lone frame must leave at once, not wait for the client's delayed ACK (~40 ms)."""
    client = server.client()
    connection = server.thread.server.hub.connections[client.socket_id]
    sock = socket_of(connection.outlet.stream)
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
