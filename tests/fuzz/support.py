"""What every fuzz example checks, whatever it sent.

Sockets: :func:`exchange` sends the frames, then a :func:`barrier`, and returns every
reply; :func:`check_reply` and :func:`check_outcome` hold the replies to the documented
frames; :func:`check_healthy` proves the node still works (the same socket answers
``pusher:ping`` with ``pusher:pong`` unless the server closed it as documented, a fresh
client subscribes and receives a published event, ``/up`` answers 200);
:func:`run_example` does all of it for one example.

HTTP: :func:`http_request` sends raw bytes (so paths, headers and bodies can be
anything HTTP allows) and :func:`check_api_answer` holds the answer to the API's
documented shape.
"""

import contextlib
import dataclasses
import hashlib
import hmac
import itertools
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from hypothesis import HealthCheck, event, settings
from hypothesis.control import currently_in_test_context
from websockets.exceptions import ConnectionClosed

from realtime_core.server.app import HARD_FRAME_LIMIT
from realtime_core.server.config import ServerConfig
from realtime_core.signing import channel_string_to_sign, user_string_to_sign
from tests.server.conftest import Server
from tests.server.pusher_client import PusherTestClient
from tests.server_harness import TEST_CONFIG

SECRET = "fuzz-secret-5f0c2e9d7a1b"
"""The fuzz server's app secret: no strategy produces it, so seeing it means a leak."""
FUZZ_CONFIG = dataclasses.replace(TEST_CONFIG, secret=SECRET, client_events=True)
"""Client events on (their checks are fuzzed too)."""

FUZZ = settings(
    deadline=None,
    database=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""CI settings: deterministic (derandomized, no example database), no per-example
deadline (a loaded 2-core runner is slow, not wrong). ``max_examples`` is set per test
so that the whole of tests/fuzz stays well under its 2-minute budget."""

WAIT = 5.0
"""Seconds any single reply may take: every wait is bounded."""

IN_SOCKET_CODES = frozenset({None, 4009, 4301, 4302})
"""Codes of a ``pusher:error`` that leaves the socket open: null (bad frame, refused
request), 4009 (refused sign-in), 4301 (client events over the rate limit), 4302 (a
watchlist cut to its limit)."""
CLOSE_CODES = frozenset({1009, 4001, 4004, 4006, 4007, 4009, 4100, 4200, 4201})
"""Codes a ``pusher:error`` may carry just before the server closes the socket with the
same code (1009: a message over the hard limit of ``app.HARD_FRAME_LIMIT``)."""

HARD_LIMIT = max(HARD_FRAME_LIMIT, FUZZ_CONFIG.max_frame_bytes)
"""Messages over this close the socket (1009) after a ``pusher:error`` saying so."""

SERVER_LOGGERS = ("realtime_core", "tornado", "asyncio")
"""Loggers the server (and its event loop) writes to."""

_sequence = itertools.count()


def unique(prefix: str) -> str:
    """A channel name no strategy draws (strategies never produce ``fz<n>x``)."""
    return f"{prefix}fz{next(_sequence)}x"


def note(text: str) -> None:
    """Count ``text`` in hypothesis' statistics (``--hypothesis-show-statistics``), when
    running under hypothesis (the corpus runs the same checks without it)."""
    if currently_in_test_context():
        event(text)


# The log ---------------------------------------------------------------------------------


class LogWatch(logging.Handler):
    """Every record of the session's loggers, for the per-example checks."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._lock_records = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock_records:
            self.records.append(record)

    def mark(self) -> int:
        with self._lock_records:
            return len(self.records)

    def since(self, mark: int) -> list[logging.LogRecord]:
        with self._lock_records:
            return self.records[mark:]

    def problems(self, mark: int) -> list[logging.LogRecord]:
        """The server's errors and tracebacks since ``mark`` (the test clients' own
        records, websockets' for instance, are not the server's)."""
        return [
            r
            for r in self.since(mark)
            if (r.levelno >= logging.ERROR or r.exc_info) and r.name.startswith(SERVER_LOGGERS)
        ]

    @staticmethod
    def describe(records: Iterable[logging.LogRecord]) -> str:
        lines = []
        for record in records:
            lines.append(f"{record.levelname} {record.name}: {record.getMessage()}")
            if record.exc_info:
                lines.append(logging.Formatter().formatException(record.exc_info))
        return "\n".join(lines)

    def check_clean(self, mark: int, *, secrets: Iterable[str] = ()) -> None:
        """No error, no traceback, and none of ``secrets`` in any line since ``mark``."""
        problems = self.problems(mark)
        assert not problems, "the server logged:\n" + self.describe(problems)
        hidden = [SECRET, *(s for s in secrets if len(s) >= 16)]
        for record in self.since(mark):
            text = record.getMessage()
            for secret in hidden:
                assert secret not in text, f"{secret!r} logged: {text!r}"


# Sockets ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What the server answered to some frames."""

    replies: list[dict[str, Any]]
    closed: int | None = None
    """The close code when the server closed the socket (0: closed without a code)."""


def read_until(client: PusherTestClient, last: dict[str, Any], sink: list[dict[str, Any]]) -> None:
    """Collect every frame into ``sink`` until ``last`` arrives (bounded by :data:`WAIT`)."""
    deadline = time.monotonic() + WAIT
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no {last} within {WAIT}s; got {sink}"
        text = client.ws.recv(timeout=remaining)
        assert isinstance(text, str), f"the server sent a binary frame {text!r}"
        frame = json.loads(text)
        if frame == last:
            return
        sink.append(frame)


def barrier(client: PusherTestClient, sink: list[dict[str, Any]]) -> None:
    """Collect every answer to what was sent before: the server handles a socket's
    frames in order, so the answer to an unknown event of a name never used before
    comes after all of them. (Not a ping: the fuzzed frames may hold pings too.)"""
    name = unique("fuzz-barrier-")
    client.ws.send(json.dumps({"event": name}))
    marker = {"event": "pusher:error", "data": {"code": None, "message": f"Unknown event {name!r}"}}
    read_until(client, marker, sink)


def ping_pong(client: PusherTestClient, sink: list[dict[str, Any]]) -> None:
    """The socket answers ``pusher:ping`` with ``pusher:pong``; frames before it go to ``sink``."""
    client.ws.send('{"event":"pusher:ping","data":{}}')
    read_until(client, {"event": "pusher:pong", "data": "{}"}, sink)


def exchange(client: PusherTestClient, messages: Iterable[str | bytes]) -> Outcome:
    """Send ``messages`` as they are (str: text frames, bytes: binary), then a barrier."""
    messages = list(messages)
    if any(utf8_size(message) > HARD_LIMIT for message in messages):
        assert len(messages) == 1, "a message over the hard limit is sent alone"
        return oversized_exchange(client.ws.socket.getpeername()[1], messages[0])
    outcome = Outcome([])
    try:
        for message in messages:
            client.ws.send(message)
        barrier(client, outcome.replies)
    except ConnectionClosed as closed:
        closed_by_server(client, closed, outcome)
    return outcome


def utf8_size(message: str | bytes) -> int:
    return len(message) if isinstance(message, bytes) else len(message.encode("utf-8"))


def oversized_exchange(port: int, message: str | bytes) -> Outcome:
    """A message over the hard limit, on a socket of its own, read until the server
    closes it. Over a raw socket: the server closes while the message is still being
    sent, and websockets' client then drops the frames it had received before."""
    payload = message if isinstance(message, bytes) else message.encode()
    opcode = 0x2 if isinstance(message, bytes) else 0x1
    outcome = Outcome([])
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        sock.sendall(
            f"GET /app/{FUZZ_CONFIG.key}?protocol=7 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n".encode()
        )
        stream = _RawStream(sock)
        assert stream.read_until(b"\r\n\r\n").startswith(b"HTTP/1.1 101"), "no upgrade"
        established = stream.read_frame()
        assert b"pusher:connection_established" in established[1], established
        # A zero mask is a valid mask: the payload goes as it is.
        header = bytes([0x80 | opcode, 0x80 | 127]) + len(payload).to_bytes(8, "big")
        with contextlib.suppress(OSError):
            sock.sendall(header + b"\0\0\0\0" + payload)
        while True:
            frame_opcode, data = stream.read_frame()
            if frame_opcode == 0x8:
                outcome.closed = int.from_bytes(data[:2], "big") if data else 0
                return outcome
            assert frame_opcode == 0x1, (frame_opcode, data)
            outcome.replies.append(json.loads(data))


class _RawStream:
    """Reads a server's HTTP answer and WebSocket frames off a socket, within WAIT."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""
        self.deadline = time.monotonic() + WAIT

    def _fill(self) -> None:
        assert time.monotonic() < self.deadline, f"nothing complete within {WAIT}s"
        chunk = self.sock.recv(65536)
        assert chunk, f"the server closed the connection; unread: {self.buffer[:200]!r}"
        self.buffer += chunk

    def read(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def read_until(self, end: bytes) -> bytes:
        while end not in self.buffer:
            self._fill()
        data, _, self.buffer = self.buffer.partition(end)
        return data

    def read_frame(self) -> tuple[int, bytes]:
        first, second = self.read(2)
        assert not second & 0x80, "the server masked a frame"
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(self.read(2), "big")
        elif length == 127:
            length = int.from_bytes(self.read(8), "big")
        return first & 0x0F, self.read(length)


def send_text_bytes(client: PusherTestClient, data: bytes) -> Outcome:
    """A text frame of arbitrary bytes (invalid UTF-8 included), then a barrier."""
    outcome = Outcome([])
    try:
        client.ws.send(data, text=True)
        barrier(client, outcome.replies)
    except ConnectionClosed as closed:
        closed_by_server(client, closed, outcome)
    return outcome


def closed_by_server(client: PusherTestClient, closed: ConnectionClosed, outcome: Outcome) -> None:
    """Record the close code, and the frames that came before it: a send that fails on
    the closed socket leaves them unread in the client's queue."""
    outcome.closed = closed.rcvd.code if closed.rcvd else 0
    deadline = time.monotonic() + WAIT
    with contextlib.suppress(ConnectionClosed):
        while time.monotonic() < deadline:
            text = client.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
            outcome.replies.append(json.loads(text))


def check_error_frame(frame: dict[str, Any]) -> int | None:
    """A connection-level ``pusher:error``: no channel, data ``{code, message}``."""
    assert set(frame) == {"event", "data"}, f"connection-level frame with extra keys: {frame}"
    data = frame["data"]
    assert isinstance(data, dict), frame
    assert set(data) == {"code", "message"}, frame
    code, message = data["code"], data["message"]
    assert code in IN_SOCKET_CODES | CLOSE_CODES, f"undocumented code: {frame}"
    assert isinstance(message, str), frame
    assert message, frame
    assert "Internal server error" not in message, frame
    return code  # type: ignore[no-any-return]


def check_reply(frame: dict[str, Any]) -> None:
    """One frame the server may send a client: the documented ones only."""
    assert isinstance(frame, dict), frame
    assert isinstance(frame.get("event"), str), frame
    name = frame["event"]
    text = json.dumps(frame)
    assert "Internal server error" not in text, frame
    assert SECRET not in text, frame
    if name == "pusher:error":
        check_error_frame(frame)
    elif name == "pusher:subscription_error":
        assert set(frame) == {"event", "channel", "data"}, frame
        assert isinstance(frame["channel"], str), frame
        data = frame["data"]
        assert isinstance(data, dict), frame
        assert set(data) == {"type", "error", "status"}, frame
        assert data["type"] in {"AuthError", "InvalidChannel", "LimitReached"}, frame
        assert isinstance(data["error"], str), frame
        assert isinstance(data["status"], int), frame
        assert data["status"] in {400, 401, 403, 4009, 4100, 4301}, frame
    elif name == "pusher_internal:subscription_succeeded":
        assert set(frame) <= {"event", "channel", "data", "position", "recovered"}, frame
        assert isinstance(frame["channel"], str), frame
        assert isinstance(json.loads(frame["data"]), dict), frame
        assert isinstance(frame.get("position", ""), str), frame
        assert isinstance(frame.get("recovered", False), bool), frame
    elif name == "pusher:signin_success":
        assert set(frame) == {"event", "data"}, frame
        assert set(frame["data"]) == {"user_data"}, frame
        assert isinstance(frame["data"]["user_data"], str), frame
    elif name in {"pusher_internal:member_added", "pusher_internal:member_removed"}:
        assert isinstance(frame["channel"], str), frame
        assert isinstance(json.loads(frame["data"])["user_id"], str), frame
    elif name == "pusher:pong":
        assert frame == {"event": "pusher:pong", "data": "{}"}, frame
    elif name == "pusher_internal:watchlist_events":
        assert set(frame) == {"event", "data"}, frame
        events = json.loads(frame["data"])["events"]
        assert events, frame
        for watchlist_event in events:
            assert set(watchlist_event) == {"name", "user_ids"}, frame
            assert watchlist_event["name"] in {"online", "offline"}, frame
            assert watchlist_event["user_ids"], frame
            assert all(isinstance(user_id, str) for user_id in watchlist_event["user_ids"])
    elif name.startswith("client-"):
        assert set(frame) <= {"event", "channel", "data", "user_id"}, frame
        assert isinstance(frame["channel"], str), frame
    else:
        raise AssertionError(f"undocumented frame {frame}")


def check_outcome(outcome: Outcome, *, may_close: bool = False) -> None:
    """Every reply documented; closed only when ``may_close`` (and then as documented)."""
    for frame in outcome.replies:
        check_reply(frame)
    if outcome.closed is None:
        for frame in outcome.replies:
            if frame["event"] == "pusher:error":
                code = frame["data"]["code"]
                assert code in IN_SOCKET_CODES, f"{frame} but the socket stayed open"
    else:
        assert may_close, f"the socket was closed ({outcome.closed}) after {outcome.replies}"


def check_healthy(server: Server, client: PusherTestClient | None, outcome: Outcome) -> None:
    """The node works after the example: the same socket answers a ping (unless it was
    closed), a fresh client subscribes and receives a published event, ``/up`` says 200.

    Frames that arrive late (a subscription completes in the background) are collected
    by a second ping barrier and checked like the others.
    """
    fresh = PusherTestClient(server.thread.ws_url, server.config)
    try:
        channel = unique("health-")
        reply = fresh.subscribe(channel)
        assert reply["event"] == "pusher_internal:subscription_succeeded", reply
        server.publish(channel, "fuzz-check", '{"ok":true}')
        frame = fresh.expect("fuzz-check", timeout=WAIT)
        assert (frame["channel"], frame["data"]) == (channel, '{"ok":true}'), frame
    finally:
        fresh.close()
    if client is not None and outcome.closed is None:
        late: list[dict[str, Any]] = []
        ping_pong(client, late)
        for frame in late:
            check_reply(frame)
        outcome.replies.extend(late)
    status, _, _ = http_request(server.thread.port, b"GET /up HTTP/1.1\r\n\r\n")
    assert status == 200, f"/up answered {status}"


def run_example(
    server: Server,
    watch: LogWatch,
    messages: Callable[[PusherTestClient], Iterable[str | bytes]],
    *,
    may_close: bool = False,
) -> Outcome:
    """One example: a fresh client sends ``messages(client)`` (built once its socket id
    is known, to sign with it); then every property is checked."""
    mark = watch.mark()
    client = PusherTestClient(server.thread.ws_url, server.config)
    try:
        outcome = exchange(client, messages(client))
        check_outcome(outcome, may_close=may_close)
        check_healthy(server, client, outcome)
        check_outcome(outcome, may_close=may_close)  # the late frames too
    finally:
        client.close()
    watch.check_clean(mark)
    # What the examples reached (``pytest --hypothesis-show-statistics``).
    note("replies: " + (" ".join(sorted({r["event"] for r in outcome.replies})) or "none"))
    return outcome


# HTTP ------------------------------------------------------------------------------------


def http_request(port: int, head: bytes, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Send one raw request (``head`` without its final blank line's Host and Connection
    headers: they are added) and read the whole answer; ``Connection: close`` keeps it
    simple. Returns status, headers (lower-cased names) and body; status 0 when the
    connection was reset before any answer arrived."""
    request_line, _, rest = head.partition(b"\r\n")
    headers = rest.removesuffix(b"\r\n")
    lines = [request_line, b"Host: 127.0.0.1", b"Connection: close"]
    if headers:
        lines.append(headers)
    data = b"\r\n".join(lines) + b"\r\n\r\n" + body
    chunks = []
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as sock:
        # Answered and closed before the body was read? Then read the answer.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        deadline = time.monotonic() + WAIT
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
                assert time.monotonic() < deadline, "the answer took too long"
        except ConnectionResetError:
            if not chunks:
                return 0, {}, b""  # reset before any answer arrived
    answer = b"".join(chunks)
    status_head, _, payload = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = status_head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    assert parts[0] == "HTTP/1.1", f"not an HTTP answer: {answer[:200]!r}"
    found = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        found[name.strip().lower()] = value.strip()
    return int(parts[1]), found, payload


def server_signature(method: str, path: str, query: str, secret: str = SECRET) -> str:
    """The signature the server expects for this request (so an answer can be checked
    not to reveal it), computed from the raw parts as Pusher's HTTP API reference describes."""
    params = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        params.setdefault(key.lower(), value)
    params.pop("auth_signature", None)
    text = "&".join(f"{key}={params[key]}" for key in sorted(params))
    message = f"{method}\n{path}\n{text}".encode("utf-8", "surrogatepass")
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def check_api_answer(
    method: str, status: int, headers: dict[str, str], body: bytes, *, hidden: Iterable[str] = ()
) -> Any:
    """The API's documented answer: JSON ``{"error", "code"}`` (code = status) for
    errors, a JSON object for successes; never 5xx; never the secret nor ``hidden``."""
    assert status < 500, f"{status}: {body[:500]!r}"
    raw = body + "".join(headers.values()).encode("latin-1", "replace")
    for secret in (SECRET, *hidden):
        assert secret.encode() not in raw, f"{secret!r} in the answer {body[:500]!r}"
    assert b"Traceback" not in body, body
    if method == "HEAD" or status in (204, 304):
        assert body == b"", body
        return None
    assert headers.get("content-type", "").startswith("application/json"), headers
    try:
        answer = json.loads(body)
    except ValueError:
        raise AssertionError(
            f"{status} answered with a body that is not JSON: {body[:300]!r}"
        ) from None
    assert isinstance(answer, dict), answer
    if status >= 400:
        assert set(answer) == {"error", "code"}, answer
        assert answer["code"] == status, answer
        assert isinstance(answer["error"], str), answer
        assert answer["error"], answer
    else:
        assert 200 <= status < 300, status
    return answer


def sign_subscription(client: PusherTestClient, channel: str, channel_data: str | None) -> str:
    """A valid ``auth`` for this socket, whatever the strings hold (lone surrogates too)."""
    return auth_for(channel_string_to_sign(client.socket_id, channel, channel_data))


def sign_user(client: PusherTestClient, user_data: str) -> str:
    return auth_for(user_string_to_sign(client.socket_id, user_data))


def auth_for(string_to_sign: str, config: ServerConfig = FUZZ_CONFIG) -> str:
    """``<key>:<HMAC>`` of ``string_to_sign``, written here independently of the server."""
    message = string_to_sign.encode("utf-8", "surrogatepass")
    digest = hmac.new(config.secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{config.key}:{digest}"
