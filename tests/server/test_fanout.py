"""Frames built once and written to many sockets."""

import json
import time

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from realtime_core.messages import Message
from realtime_core.server.fanout import text_frame

from .conftest import Server


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65_535, 65_536, 200_000])
def test_text_frame_headers_at_every_length_boundary(size: int) -> None:
    payload = b"x" * size
    reader = StreamReader()
    reader.feed_data(text_frame(payload))
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
        raise AssertionError("the frame was incomplete")
    except StopIteration as done:
        frame = done.value
    assert frame.opcode is Opcode.TEXT
    assert frame.fin
    assert frame.data == payload


def test_one_message_reaches_every_subscriber_identically(server: Server) -> None:
    clients = [server.client() for _ in range(25)]
    for client in clients:
        client.subscribe("crowd")
    for n in range(5):
        server.exchange.send([Message(("crowd",), "tick", json.dumps({"n": n, "ü": "é"}))])
    for client in clients:
        assert [client.expect("tick")["data"] for _ in range(5)] == [
            json.dumps({"n": n, "ü": "é"}) for n in range(5)
        ]
    # The server counts a fan-out once its writes are made, so a client may read the
    # last frame just before the count moves: wait for it, briefly.
    deadline = time.monotonic() + 2
    while server.stats.messages_out < 25 * 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.stats.messages_out == 25 * 5


def test_frames_for_one_connection_keep_their_order_under_load(server: Server) -> None:
    client = server.client()
    client.subscribe("ordered")
    messages = [Message(("ordered",), "n", str(n)) for n in range(2000)]
    for start in range(0, len(messages), 10):
        server.exchange.send(messages[start : start + 10])
    assert [int(client.expect("n")["data"]) for _ in range(2000)] == list(range(2000))
