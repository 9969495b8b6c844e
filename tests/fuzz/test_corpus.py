"""The corpus: known hostile inputs, each run as an explicit example (``corpus/*.json``).

Each case is checked twice over: against its own expected answers (``expect``), and
against the properties every fuzz example must have (``support.py``): documented
frames only, no error or traceback in the log, no secret in any answer or log line,
and a healthy node afterwards. Three cases are bugs the fuzz suite found (HTML errors
from the default handler, a signature in Tornado's own warning line), fixed since.

Socket cases: ``send`` is a list of steps, each one of ``text`` (a text frame),
``text_bytes_hex`` (a text frame of raw bytes), ``binary_hex``, ``repeat`` and ``nest``
(text built from parts: ``head + unit * count + tail``, ``head + open * depth + close *
depth + tail``; ``bytes`` checks the size), ``subscribe`` and ``signin`` (signed for the
socket by the runner; their reply is awaited before the next step). ``expect`` lists the
replies in order, each given by the fields it must have (``code``, ``message``,
``status`` and ``type`` are read from ``data``).

HTTP cases: ``request`` gives method, path, body (``body``, ``body_hex`` or
``body_repeat``), headers and how it is signed (``sign``: ``valid``, ``wrong-secret`` or
``none``, spoiled by ``signature``, ``timestamp_offset`` or ``body_md5_of``);
``expect`` gives the status and a part of the error message.
"""

import hashlib
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.server.conftest import Server
from tests.server.pusher_client import PusherTestClient
from tests.server.test_api_auth import signed_query

from .support import (
    FUZZ_CONFIG,
    WAIT,
    LogWatch,
    Outcome,
    check_api_answer,
    check_healthy,
    check_outcome,
    check_reply,
    exchange,
    http_request,
    send_text_bytes,
    server_signature,
    sign_subscription,
    sign_user,
)

CORPUS = Path(__file__).parent / "corpus"


def load_cases() -> list[Any]:
    params = []
    for path in sorted(CORPUS.glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        assert case["name"] == path.stem, f"{path.name} holds case {case['name']!r}"
        params.append(pytest.param(case, id=case["name"]))
    return params


def built(spec: dict[str, Any]) -> str:
    if "repeat" in spec:
        part = spec["repeat"]
        text = part["head"] + part["unit"] * part["count"] + part["tail"]
    else:
        part = spec["nest"]
        text = part["head"] + part["open"] * part["depth"] + part["close"] * part["depth"]
        text += part["tail"]
    if "bytes" in spec:
        assert len(text.encode()) == spec["bytes"], (len(text.encode()), spec["bytes"])
    return text


def await_reply(client: PusherTestClient, outcome: Outcome) -> None:
    deadline = time.monotonic() + WAIT
    frame = client.recv(max(0.01, deadline - time.monotonic()))
    outcome.replies.append(frame)


def run_socket_case(server: Server, client: PusherTestClient, case: dict[str, Any]) -> Outcome:
    outcome = Outcome([])
    frames: list[str | bytes] = []

    def flush() -> None:
        if frames:
            sent = exchange(client, frames)
            outcome.replies.extend(sent.replies)
            outcome.closed = sent.closed
            frames.clear()

    for step in case["send"]:
        if "text" in step:
            frames.append(step["text"])
        elif "binary_hex" in step:
            frames.append(bytes.fromhex(step["binary_hex"]))
        elif "repeat" in step or "nest" in step:
            frames.append(built(step))
        elif "text_bytes_hex" in step:
            flush()
            sent = send_text_bytes(client, bytes.fromhex(step["text_bytes_hex"]))
            outcome.replies.extend(sent.replies)
            outcome.closed = sent.closed
        elif "subscribe" in step:
            flush()
            data = dict(step["subscribe"])
            data["auth"] = sign_subscription(client, data["channel"], data.get("channel_data"))
            client.ws.send(json.dumps({"event": "pusher:subscribe", "data": data}))
            await_reply(client, outcome)
        elif "signin" in step:
            flush()
            user_data = step["signin"]["user_data"]
            data = {"auth": sign_user(client, user_data), "user_data": user_data}
            client.ws.send(json.dumps({"event": "pusher:signin", "data": data}))
            await_reply(client, outcome)
        else:
            raise AssertionError(f"unknown step {step}")
    flush()
    return outcome


def matches(frame: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """``frame`` has every field of ``wanted``; ``code``, ``message``, ``status`` and
    ``type`` are read from its data (``message`` is ``error`` in a subscription error)."""
    data = frame.get("data") if isinstance(frame.get("data"), dict) else {}
    assert isinstance(data, dict)
    for key, value in wanted.items():
        if key == "message":
            found = data.get("message", data.get("error"))
        elif key in ("code", "status", "type"):
            found = data.get(key, "(missing)")
        else:
            found = frame.get(key, "(missing)")
        if found != value:
            return False
    return True


@pytest.mark.parametrize("case", load_cases())
def test_corpus_case(fuzz_server: Server, log_watch: LogWatch, case: dict[str, Any]) -> None:
    mark = log_watch.mark()
    if case["kind"] == "socket":
        client = PusherTestClient(fuzz_server.thread.ws_url, fuzz_server.config)
        try:
            outcome = run_socket_case(fuzz_server, client, case)
            for frame in outcome.replies:
                check_reply(frame)
            check_outcome(outcome, may_close=case.get("closes", False))
            assert (outcome.closed is not None) == case.get("closes", False), outcome
            check_healthy(fuzz_server, client, outcome)  # collects late replies too
            expected = case["expect"]
            assert len(outcome.replies) == len(expected), outcome.replies
            for frame, wanted in zip(outcome.replies, expected, strict=True):
                assert matches(frame, wanted), (frame, wanted)
        finally:
            client.close()
        log_watch.check_clean(mark)
    else:
        run_http_case(fuzz_server, log_watch, case, mark)


def run_http_case(server: Server, watch: LogWatch, case: dict[str, Any], mark: int) -> None:
    request = case["request"]
    method, path = request["method"], request["path"]
    if "body_hex" in request:
        body = bytes.fromhex(request["body_hex"])
    elif "body_repeat" in request:
        part = request["body_repeat"]
        body = (part["head"] + part["unit"] * part["count"] + part["tail"]).encode()
    else:
        body = request.get("body", "").encode("utf-8")
    query = ""
    if request["sign"] != "none":
        config = FUZZ_CONFIG
        if request["sign"] == "wrong-secret":
            config = FUZZ_CONFIG.__class__(app_id="1234", key=config.key, secret="another-secret")
        params = {}
        if "body_md5_of" in request:
            params["body_md5"] = hashlib.md5(request["body_md5_of"].encode()).hexdigest()
        timestamp = str(int(time.time()) + request.get("timestamp_offset", 0))
        md5 = "body_md5_of" not in request
        query = signed_query(config, method, path, params, body, timestamp, with_body_md5=md5)
        if "signature" in request:
            pairs = dict(parse_qsl(query))
            query = query.replace(pairs["auth_signature"], request["signature"])
    target = path + (f"?{query}" if query else "")
    lines = [f"{method} {target} HTTP/1.1", *request.get("headers", [])]
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n").encode("latin-1")
    status, headers, answer_body = http_request(server.thread.port, head, body)
    expected_signature = server_signature(method, path, query)
    answer = check_api_answer(method, status, headers, answer_body, hidden=[expected_signature])
    expect = case["expect"]
    assert status == expect["status"], (status, answer)
    if "error_contains" in expect:
        assert expect["error_contains"] in answer["error"], answer
    sent = dict(parse_qsl(query)).get("auth_signature", "")
    watch.check_clean(mark, secrets=[expected_signature, sent])
    check_healthy(server, None, Outcome([]))
