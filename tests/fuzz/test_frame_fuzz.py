"""Fuzzed client frames: whatever a client sends, documented answers and a healthy node.

Each example opens a socket, sends its frames, and then checks (``support.py``):
every answer is a documented frame (a connection-level ``pusher:error`` with a
documented code, a ``pusher:subscription_error``, or a success frame), never an
"Internal server error"; nothing was logged at ERROR and no traceback; the same socket
still answers ``pusher:ping``, a fresh client subscribes and receives a published event,
and ``/up`` answers 200.
"""

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.server.conftest import Server
from tests.server.pusher_client import PusherTestClient

from . import strategies as fz
from .support import FUZZ, LogWatch, check_healthy, check_outcome, run_example, send_text_bytes


@settings(FUZZ, max_examples=400)
@given(
    frames=st.lists(st.tuples(fz.frame_objects(), st.booleans()), min_size=1, max_size=4),
)
def test_json_frames(fuzz_server: Server, log_watch: LogWatch, frames: list[Any]) -> None:
    """Frames as JSON values, biased toward the protocol; ``"SIGN"`` auths are signed."""

    def messages(client: PusherTestClient) -> list[str]:
        return [
            fz.to_json(fz.sign_frame(frame, client.socket_id), ascii_only)
            for frame, ascii_only in frames
        ]

    run_example(fuzz_server, log_watch, messages)


@settings(FUZZ, max_examples=300)
@given(texts=st.lists(fz.raw_text, min_size=1, max_size=4))
def test_raw_text_frames(fuzz_server: Server, log_watch: LogWatch, texts: list[str]) -> None:
    """Arbitrary text, broken JSON and ``\\ud800``-style escapes in every position."""
    run_example(fuzz_server, log_watch, lambda client: texts)


@settings(FUZZ, max_examples=40)
@given(text=fz.deep_frame())
def test_deep_nesting(fuzz_server: Server, log_watch: LogWatch, text: str) -> None:
    outcome = run_example(fuzz_server, log_watch, lambda client: [text])
    assert len(outcome.replies) <= 1, outcome.replies


@settings(FUZZ, max_examples=40)
@given(text=fz.sized_frame())
def test_frames_around_the_size_limit(fuzz_server: Server, log_watch: LogWatch, text: str) -> None:
    """The limit counts UTF-8 bytes: over it, one ``pusher:error`` saying so, whatever
    the frame held; at or under it, the frame is handled as usual; over the hard limit
    (64 KiB), a ``pusher:error`` 1009 and the socket is closed with 1009."""
    size = len(text.encode())
    too_big = size > fz.HARD_LIMIT
    outcome = run_example(fuzz_server, log_watch, lambda client: [text], may_close=too_big)
    limit = fuzz_server.config.max_frame_bytes
    over = [r for r in outcome.replies if "limit; it was ignored" in json.dumps(r)]
    if too_big:
        assert outcome.closed == 1009, outcome
        assert [r["data"]["code"] for r in outcome.replies] == [1009], outcome.replies
    elif size > limit:
        assert outcome.replies == over, outcome.replies
        assert over[0]["data"]["message"].startswith(f"Frame of {size} bytes"), over
    else:
        assert not over, outcome.replies


@settings(FUZZ, max_examples=40)
@given(
    data=st.one_of(
        st.binary(max_size=64), fz.frame_objects().map(lambda f: fz.to_json(f, True).encode())
    )
)
def test_binary_frames(fuzz_server: Server, log_watch: LogWatch, data: bytes) -> None:
    """Binary frames are not part of the protocol: one format error each, socket open."""
    outcome = run_example(fuzz_server, log_watch, lambda client: [data])
    assert [r["data"]["code"] for r in outcome.replies] == [None], outcome.replies


@settings(FUZZ, max_examples=40)
@given(data=st.binary(min_size=1, max_size=64))
def test_text_frames_of_any_bytes(fuzz_server: Server, log_watch: LogWatch, data: bytes) -> None:
    """A text frame must be UTF-8 (RFC 6455 8.1): invalid bytes fail the connection; the
    node is unharmed either way, and valid UTF-8 is answered like any text."""
    try:
        data.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    mark = log_watch.mark()
    client = PusherTestClient(fuzz_server.thread.ws_url, fuzz_server.config)
    try:
        outcome = send_text_bytes(client, data)
        if valid:
            assert outcome.closed is None, outcome
        else:
            assert outcome.closed is not None, f"{data!r} is not UTF-8 but the socket stayed open"
        check_outcome(outcome, may_close=not valid)
        check_healthy(fuzz_server, client, outcome)
    finally:
        client.close()
    log_watch.check_clean(mark)
