"""Bad input, idle clients, slow clients and shutdown: errors, never crashes."""

import json
import logging
import socket
import time
from typing import Any

import pytest

from realtime_core.messages import Message

from .conftest import Server
from .pusher_client import PusherTestClient


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[]",
        "42",
        '"text"',
        "{}",
        '{"event": 7}',
        '{"event": null}',
        '{"event": "pusher:subscribe"}',
        '{"event": "pusher:subscribe", "data": "news"}',
        '{"event": "pusher:subscribe", "data": {"channel": 5}}',
        '{"event": "pusher:unsubscribe", "data": []}',
        '{"event": "pusher:signin", "data": 3}',
        '{"event": "pusher:signin", "data": {"auth": 1, "user_data": {}}}',
        '{"event": "nonsense"}',
        '{"event": "pusher:subscribe", "data": {"channel": "private-x", "auth": ["a"]}}',
        '{"event": "pusher:subscribe", "data": {"channel": "presence-x", "channel_data": 1}}',
        "\ud800",
    ],
)
def test_malformed_frames_get_an_error_and_the_socket_keeps_working(
    server: Server, raw: str
) -> None:
    client, bystander = server.client(), server.client()
    bystander.subscribe("news")
    client.ws.send(raw.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
    reply = client.recv()
    assert reply["event"] in {"pusher:error", "pusher:subscription_error"}, reply
    if reply["event"] == "pusher:error":
        assert "channel" not in reply
        assert reply["data"]["code"] == (4009 if "signin" in raw else None)
    client.send("pusher:ping")
    while reply["event"] != "pusher:pong":
        reply = client.recv()
        assert reply["event"] in {"pusher:error", "pusher:pong"}, reply
    server.publish("news", "still", "1")
    bystander.expect("still")


def test_binary_frames_are_refused_without_closing(server: Server) -> None:
    client = server.client()
    client.ws.send(b"\x00\x01")
    assert client.expect("pusher:error")["data"]["code"] is None
    client.send("pusher:ping")
    client.expect("pusher:pong")


def test_frames_over_the_size_limit_are_refused_without_closing(server: Server) -> None:
    client = server.client()
    client.send("pusher:ping", "x" * 20_000)
    assert "limit" in client.expect("pusher:error")["data"]["message"]
    client.send("pusher:ping")
    client.expect("pusher:pong")


LONE_SURROGATES = [
    '{"event": "pusher:subscribe", "data": {"channel": "news\\ud800"}}',
    '{"event": "client-x", "channel": "private-\\udfff", "data": {}}',
    '{"event": "client-x", "channel": "private-room", "data": "\\ud800"}',
    '{"event": "pusher:ping", "data": "\\ud83d"}',
]


def read_until_pong(client: PusherTestClient) -> list[dict[str, Any]]:
    client.send("pusher:ping")
    replies = []
    while (reply := client.recv())["event"] != "pusher:pong":
        replies.append(reply)
    return replies


@pytest.mark.parametrize("raw", LONE_SURROGATES)
def test_lone_surrogate_escapes_get_a_format_error_and_no_traceback(
    server: Server, raw: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Echoing them back once failed to encode: an internal error and two tracebacks each."""
    client = server.client()
    for _ in range(20):
        client.ws.send(raw)
    replies = read_until_pong(client)
    assert len(replies) == 20
    for reply in replies:
        assert reply == {
            "event": "pusher:error",
            "data": {
                "code": None,
                "message": "Invalid message format: \\u escapes of lone surrogates are not text",
            },
        }
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_presence_info_with_a_lone_surrogate_is_refused_quietly(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    client = server.client()
    channel_data = '{"user_id": "1", "user_info": "\\ud800"}'
    data = {"channel": "presence-r", "channel_data": channel_data}
    data["auth"] = client.auth("presence-r", channel_data)
    client.send("pusher:subscribe", data)
    replies = read_until_pong(client)
    assert [reply["event"] for reply in replies] == ["pusher:subscription_error"]
    assert "Internal server error" not in json.dumps(replies)
    assert not [record for record in caplog.records if record.exc_info], "no traceback"


def test_a_valid_surrogate_pair_is_text(server: Server) -> None:
    client = server.client()
    frame = '{"event": "pusher:subscribe", "data": {"channel": "news"}, "x": "\\ud83d\\ude00"}'
    client.ws.send(frame)
    assert client.recv()["event"] == "pusher_internal:subscription_succeeded"


def test_json_nested_too_deep_gets_a_format_error(server: Server) -> None:
    client = server.client()
    client.ws.send('{"event": "pusher:ping", "data": ' + "[" * 990 + "]" * 990 + "}")
    client.ws.send("[" * 100_00 + "]" * 100_00)
    for _ in range(2):
        reply = client.expect("pusher:error")
        assert reply["data"] == {"code": None, "message": reply["data"]["message"]}
    client.send("pusher:ping")
    client.expect("pusher:pong")


def test_the_frame_limit_counts_bytes_not_characters(server: Server) -> None:
    """16,384 bytes: 4,200 four-byte characters are 16,800 bytes in 4,200 characters."""
    client = server.client()
    over = {"event": "pusher:ping", "data": "\U0001f600" * 4_200}
    client.ws.send(json.dumps(over, ensure_ascii=False))
    message = client.expect("pusher:error")["data"]["message"]
    assert message.startswith("Frame of 168"), message
    assert "bytes is over the 16384 limit" in message
    fine = {"event": "pusher:ping", "data": "\U0001f600" * 4_000}  # 16,000 bytes: fine
    client.ws.send(json.dumps(fine, ensure_ascii=False))
    client.expect("pusher:pong")


def _masked_frame(opcode: int, payload: bytes, final: bool = True) -> bytes:
    """A client frame (masked, as RFC 6455 requires of clients)."""
    mask = b"\x01\x02\x03\x04"
    head = bytes([(0x80 if final else 0) | opcode])
    length = len(payload)
    if length < 126:
        head += bytes([0x80 | length])
    elif length < 65_536:
        head += bytes([0x80 | 126]) + length.to_bytes(2, "big")
    else:
        head += bytes([0x80 | 127]) + length.to_bytes(8, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def test_a_frame_over_the_limit_but_within_memory_bounds_keeps_the_socket(
    server: Server,
) -> None:
    client = server.client()
    client.send("pusher:ping", "x" * 60_000)
    assert "over the 16384 limit" in client.expect("pusher:error")["data"]["message"]
    client.send("pusher:ping")
    client.expect("pusher:pong")


def test_fragments_cannot_pin_more_than_64_kib_per_connection(server: Server) -> None:
    """50 unfinished fragmented messages once pinned about 940 KiB each until close."""
    sock = raw_subscriber(server, "news")
    sock.sendall(_masked_frame(0x1, b"x" * 40_000, final=False))
    sock.sendall(_masked_frame(0x0, b"x" * 40_000, final=False))
    _, error, code = _read_until_closed(sock, timeout=5)
    assert error == {
        "event": "pusher:error",
        "data": {"code": 1009, "message": "A message of over 65536 bytes: closing (1009)"},
    }
    assert code == 1009
    sock.close()


def test_a_message_over_64_kib_is_explained_before_the_close(server: Server) -> None:
    sock = raw_subscriber(server, "news")
    sock.sendall(_masked_frame(0x1, b"x" * 70_000))
    _, error, code = _read_until_closed(sock, timeout=5)
    assert error is not None
    assert error["data"]["code"] == 1009
    assert code == 1009
    sock.close()


def test_idle_client_is_pinged_then_closed_with_4201(make_server) -> None:  # type: ignore[no-untyped-def]
    server = make_server(activity_timeout=1, pong_timeout=0.5)
    silent, lively = server.client(), server.client()
    assert silent.expect("pusher:ping", timeout=3)["event"] == "pusher:ping"
    assert lively.expect("pusher:ping", timeout=3)
    lively.send("pusher:pong", {})
    frames, code = silent.closed_with(timeout=3)
    assert frames[-1] == {
        "event": "pusher:error",
        "data": {"code": 4201, "message": "Pong reply not received"},
    }
    assert code == 4201
    lively.send("pusher:ping")
    lively.expect("pusher:pong")


def test_a_client_that_does_not_read_is_dropped_and_others_get_everything(
    make_server,  # type: ignore[no-untyped-def]
) -> None:
    server = make_server(max_output_bytes=256 * 1024)
    reader = server.client()
    reader.subscribe("firehose")
    stalled = raw_subscriber(server, "firehose")
    payload = json.dumps("x" * 8000)
    sent = 3000  # ~24 MB: more than the stalled socket's kernel buffers plus the limit
    for n in range(sent):
        server.exchange.send([Message(("firehose",), f"e{n}", payload)])
        frame = reader.recv()  # the reader keeps up; only the stalled client falls behind
        assert (frame["channel"], frame["event"]) == ("firehose", f"e{n}")
    deadline = time.monotonic() + 5
    while server.stats.slow_disconnects < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.stats.slow_disconnects == 1
    # Reading again, it gets little more than its kernel buffers held, then the 4100.
    time.sleep(6)  # longer than Tornado waits for a close handshake
    frames_after, error, close_code = _read_until_closed(stalled, timeout=8)
    assert error == {
        "event": "pusher:error",
        "data": {"code": 4100, "message": "Over capacity: the client does not read fast enough"},
    }
    assert close_code == 4100
    assert frames_after < sent / 2, "most of what it missed was dropped, not queued"
    stalled.close()


def test_a_dropped_client_that_never_reads_is_closed_for_certain(
    make_server,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from realtime_core.server import connection

    monkeypatch.setattr(connection, "SLOW_CLIENT_GRACE", 1.0)
    server = make_server(max_output_bytes=256 * 1024)
    stalled = raw_subscriber(server, "firehose")
    payload = json.dumps("x" * 8000)
    for n in range(3000):
        server.exchange.send([Message(("firehose",), f"e{n}", payload)])
        if server.stats.slow_disconnects:
            break
    assert server.stats.slow_disconnects == 1
    deadline = time.monotonic() + 5
    while server.stats.connections and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.stats.connections == 0, "the server let go of the socket"
    stalled.close()


def _read_until_closed(
    sock: socket.socket, timeout: float
) -> tuple[int, dict[str, Any] | None, int | None]:
    """Read WebSocket frames until a close frame: (text frames before the error, the
    last pusher:error, the close code)."""
    sock.settimeout(timeout)
    buffer = b""
    texts, error = 0, None

    def take(n: int) -> bytes:
        nonlocal buffer
        while len(buffer) < n:
            chunk = sock.recv(65536)
            if not chunk:
                raise EOFError(f"EOF after {texts} frames, error={error}")
            buffer += chunk
        taken, buffer = buffer[:n], buffer[n:]
        return taken

    take_http_headers = b"\r\n\r\n"
    while take_http_headers not in buffer:
        buffer += sock.recv(65536)
    buffer = buffer.split(take_http_headers, 1)[1]
    while True:
        first, second = take(2)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(take(2), "big")
        elif length == 127:
            length = int.from_bytes(take(8), "big")
        payload = take(length)
        opcode = first & 0x0F
        if opcode == 0x8:
            return texts, error, int.from_bytes(payload[:2], "big")
        frame = json.loads(payload)
        if frame.get("event") == "pusher:error":
            error = frame
        else:
            texts += 1


def raw_subscriber(server: Server, channel: str) -> socket.socket:
    """A WebSocket client that subscribes and then never reads again."""
    sock = socket.create_connection(("127.0.0.1", server.thread.port))
    sock.sendall(
        (
            f"GET /app/{server.config.key}?protocol=7 HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    subscribe = json.dumps({"event": "pusher:subscribe", "data": {"channel": channel}}).encode()
    mask = b"\x01\x02\x03\x04"
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(subscribe))
    sock.sendall(bytes([0x81, 0x80 | len(subscribe)]) + mask + masked)
    time.sleep(0.2)
    return sock


def test_stop_tells_every_client_to_reconnect_with_4200(make_server) -> None:  # type: ignore[no-untyped-def]
    server = make_server()
    clients = [server.client() for _ in range(3)]
    clients[0].subscribe("presence-x", user_id="1")
    server.thread.call(server.thread.server.stop(grace=2))
    for client in clients:
        frames, code = client.closed_with()
        assert frames[-1]["data"]["code"] == 4200
        assert code == 4200
    server.clients.clear()


def test_a_whole_session_logs_no_warning(
    server: Server,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        client = server.client()
        client.subscribe("presence-quiet", user_id="1")
        client.sign_in("1")
        server.publish("presence-quiet", "e", "1")
        client.expect("e")
        client.close()
        deadline = time.monotonic() + 5
        while server.stats.connections and time.monotonic() < deadline:
            time.sleep(0.02)
    assert server.stats.connections == 0
    assert [record.getMessage() for record in caplog.records] == []
