"""The HTTP transports at ``/pusher/app/{key}/{server}/{session}/...``, spoken raw."""

import http.client
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from realtime_core.protocol import ErrorCode
from realtime_core.server.http_transport import MAX_SEND_BYTES, PRELUDE_BYTES

from .conftest import Server


class Session:
    """One HTTP session of ``server``, at a fixed path."""

    def __init__(self, server: Server, name: str = "abcd1234") -> None:
        self.server = server
        self.base = f"/pusher/app/{server.config.key}/7/{name}"

    def post(
        self, suffix: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, http.client.HTTPResponse]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.thread.port, timeout=10)
        try:
            connection.request("POST", self.base + suffix, body, headers or {})
            response = connection.getresponse()
            return response.status, response.read(), response
        finally:
            connection.close()

    def poll(self) -> list[Any]:
        """The frames of one poll, each decoded."""
        status, body, _ = self.post("/xhr?protocol=7")
        assert status == 200, body
        return lines(body)

    def send(self, *frames: dict[str, Any]) -> int:
        body = json.dumps([json.dumps(frame) for frame in frames]).encode()
        return self.post("/xhr_send", body)[0]


def lines(body: bytes) -> list[Any]:
    """``o``, ``h``, each frame of an ``a`` line decoded, ``("c", code, reason)``."""
    out: list[Any] = []
    for line in body.decode().splitlines():
        if line[0] == "a":
            out += [json.loads(frame) for frame in json.loads(line[1:])]
        elif line[0] == "c":
            out.append(("c", *json.loads(line[1:])))
        else:
            out.append(line[0] if set(line) == {line[0]} else line)
    return out


def opened(server: Server, name: str = "abcd1234") -> tuple[Session, str]:
    session = Session(server, name)
    assert session.poll() == ["o"]
    established = session.poll()[0]
    assert established["event"] == "pusher:connection_established"
    return session, json.loads(established["data"])["socket_id"]


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_poll_opens_the_session_then_carries_the_handshake_and_events(server: Server) -> None:
    session, socket_id = opened(server)
    assert socket_id in server.thread.server.hub.connections

    assert session.send({"event": "pusher:subscribe", "data": {"channel": "news"}}) == 204
    assert session.poll()[0]["event"] == "pusher_internal:subscription_succeeded"
    server.publish("news", "a", '{"n": 1}')
    server.publish("news", "b", '{"n": 2}')
    time.sleep(0.1)
    # Whatever came since the last poll, in one answer.
    assert [frame["event"] for frame in session.poll()] == ["a", "b"]


def test_a_poll_with_nothing_to_say_is_answered_with_a_heartbeat(
    make_server: Callable[..., Server],
) -> None:
    server = make_server(http_heartbeat=0.3)
    session, _ = opened(server)
    started = time.monotonic()
    assert session.poll() == ["h"]
    assert 0.2 < time.monotonic() - started < 3


def test_a_stream_starts_with_its_prelude_and_carries_every_frame(
    make_server: Callable[..., Server],
) -> None:
    server = make_server(http_heartbeat=0.3)
    session = Session(server)
    connection = http.client.HTTPConnection("127.0.0.1", server.thread.port, timeout=10)
    connection.request("POST", session.base + "/xhr_streaming?protocol=7", b"")
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/javascript; charset=UTF-8"
    assert response.readline() == b"h" * PRELUDE_BYTES + b"\n"
    assert response.readline() == b"o\n"
    assert lines(response.readline())[0]["event"] == "pusher:connection_established"
    assert session.send({"event": "pusher:subscribe", "data": {"channel": "news"}}) == 204
    assert lines(response.readline())[0]["event"] == "pusher_internal:subscription_succeeded"
    server.publish("news", "a", "x")
    assert lines(response.readline())[0]["data"] == "x"
    assert response.readline() == b"h\n"
    connection.close()


def test_bad_send_bodies_are_400_and_the_session_carries_on(server: Server) -> None:
    session, _ = opened(server)
    for body in (b"not json", b'{"a": 1}', b"[1, 2]", b'["ok", null]'):
        status, answer, _ = session.post("/xhr_send", body)
        assert status == 400, body
        assert json.loads(answer)["code"] == 400
    status, _, _ = session.post("/xhr_send", b"[" + b" " * MAX_SEND_BYTES + b"]")
    assert status == 413
    # A frame that is not Pusher's: an error frame, as on a socket.
    assert session.post("/xhr_send", b'["{not a frame"]')[0] == 204
    assert session.poll()[0]["event"] == "pusher:error"
    assert session.send({"event": "pusher:ping", "data": {}}) == 204
    assert session.poll()[0]["event"] == "pusher:pong"


def test_sends_to_an_unknown_session_or_app_key_are_404(server: Server) -> None:
    assert Session(server, "nobody").send({"event": "pusher:ping"}) == 404
    opened(server)
    other_key = "/pusher/app/other/7/abcd1234/xhr?protocol=7"
    connection = http.client.HTTPConnection("127.0.0.1", server.thread.port, timeout=10)
    connection.request("POST", other_key, b"")
    assert connection.getresponse().status == 404
    connection.close()


def test_a_wrong_app_key_closes_a_new_session_at_once(server: Server) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.thread.port, timeout=10)
    connection.request("POST", "/pusher/app/wrong/1/zz/xhr?protocol=7", b"")
    got = lines(connection.getresponse().read())
    connection.close()
    assert got[0] == "o"
    assert got[1]["data"]["code"] == ErrorCode.APP_DOES_NOT_EXIST
    assert got[2][:2] == ("c", ErrorCode.APP_DOES_NOT_EXIST)
    assert len(server.thread.server.hub.connections) == 0


def test_a_session_without_a_request_open_is_cleaned_up_like_a_closed_socket(
    make_server: Callable[..., Server],
) -> None:
    server = make_server(http_session_timeout=0.5)
    session, socket_id = opened(server)
    assert session.send({"event": "pusher:subscribe", "data": {"channel": "news"}}) == 204
    hub = server.thread.server.hub

    wait_until(lambda: socket_id not in hub.connections)

    assert hub.subscription_count == 0
    assert session.send({"event": "pusher:ping"}) == 404


def test_a_session_over_its_output_limit_is_closed_with_4100(
    make_server: Callable[..., Server],
) -> None:
    server = make_server(max_output_bytes=2_000, http_session_timeout=5.0)
    session, socket_id = opened(server)
    assert session.send({"event": "pusher:subscribe", "data": {"channel": "news"}}) == 204
    assert session.poll()[0]["event"] == "pusher_internal:subscription_succeeded"
    for _ in range(5):
        server.publish("news", "big", "x" * 600)
    hub = server.thread.server.hub
    wait_until(lambda: socket_id not in hub.connections)

    got = session.poll()
    assert got[0]["data"]["code"] == ErrorCode.OVER_CAPACITY
    assert got[1][:2] == ("c", ErrorCode.OVER_CAPACITY)
    assert server.thread.server.hub.stats.slow_disconnects == 1


def test_pages_of_other_origins_are_refused_and_allowed_ones_get_cors(
    make_server: Callable[..., Server],
) -> None:
    server = make_server(allowed_origins=("https://app.example",))
    session = Session(server)
    status, _, _ = session.post("/xhr?protocol=7", headers={"Origin": "https://evil.example"})
    assert status == 403
    assert len(server.thread.server.hub.connections) == 0

    connection = http.client.HTTPConnection("127.0.0.1", server.thread.port, timeout=10)
    connection.request("OPTIONS", session.base + "/xhr", headers={"Origin": "https://app.example"})
    preflight = connection.getresponse()
    connection.close()
    assert preflight.status == 204
    assert preflight.getheader("Access-Control-Allow-Origin") == "https://app.example"
    assert "Content-Type" in (preflight.getheader("Access-Control-Allow-Headers") or "")
    status, body, response = session.post(
        "/xhr?protocol=7", headers={"Origin": "https://app.example"}
    )
    assert (status, body) == (200, b"o\n")
    assert response.getheader("Access-Control-Allow-Origin") == "https://app.example"


def test_concurrent_sends_of_one_session_are_all_handled(server: Server) -> None:
    session, _ = opened(server)
    channels = [f"c{n}" for n in range(10)]
    threads = [
        threading.Thread(
            target=session.send, args=({"event": "pusher:subscribe", "data": {"channel": c}},)
        )
        for c in channels
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    got: list[str] = []
    while len(got) < len(channels):
        got += [frame["channel"] for frame in session.poll() if frame != "h"]
    assert sorted(got) == sorted(channels)


def test_sessions_and_sockets_share_the_connection_cap(make_server: Callable[..., Server]) -> None:
    server = make_server(max_connections=1)
    socket = server.client()
    assert socket.socket_id

    refused = Session(server).poll()

    assert refused[0] == "o"
    assert refused[1]["data"]["code"] == ErrorCode.OVER_CAPACITY
    assert refused[2][:2] == ("c", ErrorCode.OVER_CAPACITY)
    assert len(server.thread.server.hub.connections) == 1
