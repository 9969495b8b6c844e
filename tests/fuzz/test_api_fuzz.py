"""The signed HTTP API under fuzzed requests: any method, path, query and body.

Requests go over a raw socket, so paths, headers and bodies can be anything HTTP
carries (bad UTF-8, lone-surrogate escapes, nesting, 256 KiB and more). Each is
signed with the app's secret, with another secret, not at all, or signed and then
spoiled (stale timestamp, wrong body_md5, ...). Every answer must be JSON
``{"error", "code"}`` (code = status, 4xx) or a success object, never 5xx nor a
traceback, and reveal neither the secret nor the signature the server expected; the
log holds no error, no secret and no ``auth_signature``; unsigned requests never
succeed; correctly signed ones are never refused as unsigned; ``/up`` stays 200.
"""

import hashlib
import hmac
import json
import re
import time
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from hypothesis import event, given, settings
from hypothesis import strategies as st

from realtime_core.server.api import MAX_BODY_BYTES
from tests.server.conftest import Server

from . import strategies as fz
from .support import (
    FUZZ,
    SECRET,
    LogWatch,
    Outcome,
    check_api_answer,
    check_healthy,
    http_request,
    server_signature,
)

APP_ID = "1234"
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
TORNADO_METHODS = frozenset(METHODS)
"""The methods Tornado handlers know (``RequestHandler.SUPPORTED_METHODS``)."""


class Request:
    """One HTTP request. (Not a dataclass: hypothesis would print every field in full,
    and bodies reach 330 kB; ``__repr__`` shortens them.)"""

    def __init__(
        self,
        method: str,
        path: str,
        query: str,
        body: bytes,
        headers: list[str],
        signing: str = "unsigned",
        chunked: bool = False,
    ) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.headers = headers
        self.signing = signing
        """How the query was signed: ``valid``, ``wrong-secret``, ``spoiled: ...``,
        ``unsigned`` or ``raw`` (any text)."""
        self.chunked = chunked
        self.well_formed = False
        """Signed and shaped as an SDK would send it: must succeed."""

    def __repr__(self) -> str:
        body = (
            self.body
            if len(self.body) <= 200
            else self.body[:200] + b"...(%d bytes)" % len(self.body)
        )
        return (
            f"Request({self.method!r}, {self.path!r}, query={self.query!r}, body={body!r}, "
            f"headers={self.headers!r}, signing={self.signing!r}, chunked={self.chunked})"
        )

    def head(self) -> bytes:
        target = self.path + (f"?{self.query}" if self.query else "")
        lines = [f"{self.method} {target} HTTP/1.1", *self.headers]
        if self.chunked:
            lines.append("Transfer-Encoding: chunked")
        elif self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(self.body)}")
        return "\r\n".join(lines).encode("latin-1") + b"\r\n"

    def payload(self) -> bytes:
        if not self.chunked:
            return self.body
        chunks = [self.body[i : i + 7000] for i in range(0, len(self.body), 7000)]
        return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"


# Paths -----------------------------------------------------------------------------------

segment = st.one_of(
    fz.valid_channel.map(lambda name: quote(name, safe="")),
    fz.channel_name.map(lambda name: quote(name.encode("utf-8", "surrogatepass"), safe="")),
    st.binary(min_size=1, max_size=8).map(lambda raw: "".join(f"%{b:02x}" for b in raw)),
    st.sampled_from(["%", "%zz", "%2F", "..", ".", "%00", "a%20b", "\u00ff", "~!$&'()*+,;=:@"]),
)
app_id = st.sampled_from([APP_ID, APP_ID, APP_ID, APP_ID, "12345", "0", "abc", "%31234", ""])


@st.composite
def paths(draw: st.DrawFn) -> str:
    app = f"/apps/{draw(app_id)}"
    choice = draw(fz.dice(11))
    if choice <= 2:
        return f"{app}/events"
    if choice == 3:
        return f"{app}/batch_events"
    if choice == 4:
        return f"{app}/channels"
    if choice == 5:
        return f"{app}/channels/{draw(segment)}"
    if choice == 6:
        return f"{app}/channels/{draw(segment)}/users"
    if choice == 7:
        return (
            draw(st.sampled_from([app, "", "/"])) + f"/users/{draw(segment)}/terminate_connections"
        )
    if choice == 8:
        return draw(st.sampled_from(["/up", "/stats", "/", "/apps", "/apps/", "/app/test-key"]))
    if choice == 9:
        return f"{app}/events/" + draw(segment)
    return "/" + "/".join(draw(st.lists(segment, max_size=4)))


# Bodies ----------------------------------------------------------------------------------


def dumps(value: Any, ascii_only: bool = False) -> bytes:
    return fz.to_json(value, ascii_only).encode("utf-8")


event_fields = st.fixed_dictionaries(
    {"name": st.one_of(st.sampled_from(["e", "my-event"]), fz.event_name, fz.json_value)},
    optional={
        "channel": fz.channel_value,
        "channels": st.one_of(st.lists(fz.channel_name, max_size=4), fz.json_value),
        "data": st.one_of(fz.any_text, fz.json_value.map(lambda v: json.dumps(v)), fz.json_value),
        "socket_id": st.one_of(st.sampled_from(["1.2", "123.456", "1.", "x"]), fz.json_value),
        "info": st.one_of(
            st.sampled_from(["user_count", "subscription_count", "cache", "user_count,x", ""]),
            fz.json_value,
        ),
    },
)
valid_event = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["e", "my-event", "client-x"]),
        "channel": fz.valid_channel,
        "data": fz.utf8_text,
    },
    optional={"info": st.sampled_from(["user_count", "subscription_count"])},
)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    choice = draw(fz.dice(11))
    if choice == 0:
        return b""
    if choice <= 2:
        fields = draw(st.one_of(valid_event, event_fields))
        return dumps(fields, draw(st.booleans()))
    if choice == 3:
        batch = draw(st.lists(st.one_of(valid_event, event_fields, fz.json_value), max_size=12))
        return dumps({"batch": batch} if draw(st.booleans()) else batch)
    if choice == 4:
        return dumps(draw(fz.json_value), draw(st.booleans()))
    if choice == 5:  # lone-surrogate escapes where strings go
        template = draw(
            st.sampled_from(
                [
                    '{"name":"e","channel":"c","data":"@@"}',
                    '{"name":"@@","channel":"c","data":"x"}',
                    '{"name":"e","channel":"c@@","data":"x"}',
                    '{"name":"e","channels":["@@"],"data":"x"}',
                    '{"name":"e","channel":"c","data":"x","socket_id":"@@"}',
                    '{"name":"e","channel":"c","data":"x","info":"@@"}',
                    '{"batch":[{"name":"e","channel":"c","data":"@@"}]}',
                    '{"@@":1}',
                ]
            )
        )
        return template.replace("@@", draw(fz.surrogate_escape)).encode()
    if choice == 6:  # nested deep
        depth = draw(st.integers(1, 5000))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ('{"batch":[', "]}")]))
        return (opener * depth + closer * depth).encode()
    if choice == 7:
        return draw(st.binary(max_size=64))  # bad UTF-8, mostly
    if choice == 8:  # a valid event around the body limit, in 1- to 4-byte characters
        unit = draw(st.sampled_from(fz.UNITS))
        size = draw(st.integers(MAX_BODY_BYTES - 4, MAX_BODY_BYTES + 4))
        head, tail = b'{"name":"e","channel":"c","data":"', b'"}'
        room = size - len(head) - len(tail)
        width = len(unit.encode())
        return head + (unit * (room // width)).encode() + b"a" * (room % width) + tail
    if choice == 9:
        return b" " * draw(st.integers(MAX_BODY_BYTES - 2, MAX_BODY_BYTES + 70_000))
    if choice == 10:
        return draw(st.text(st.characters(codec="utf-8"), max_size=40)).encode()
    return dumps(draw(fz.frame_objects()))  # a socket frame sent to the API


# Queries ---------------------------------------------------------------------------------

param_key = st.one_of(
    st.sampled_from(["info", "filter_by_prefix", "x"]),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=8),
)
param_value = st.one_of(
    st.sampled_from(["user_count", "subscription_count", "cache", "presence-", "private-", ""]),
    fz.utf8_text,
    st.binary(max_size=6),  # percent-encoded as bytes: bad UTF-8 in the query
)
SPOILERS = [
    "stale timestamp",
    "future timestamp",
    "timestamp not a number",
    "body_md5 mismatch",
    "body_md5 missing",
    "auth_version 2.0",
    "unknown auth_key",
    "duplicated parameter",
    "signature upper-case",
    "signature truncated",
    "signature of another path",
]


def signature(secret: str, method: str, path: str, params: dict[str, str]) -> str:
    text = "&".join(f"{key}={params[key]}" for key in sorted(params))
    message = f"{method}\n{path}\n{text}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@st.composite
def requests(draw: st.DrawFn) -> Request:
    well_formed = draw(fz.dice(5)) == 0
    if well_formed:  # what an SDK sends, around fuzzed values: it must succeed
        path, method, body = draw(
            st.one_of(
                valid_event.map(lambda e: (f"/apps/{APP_ID}/events", "POST", dumps(e))),
                st.lists(valid_event, min_size=1, max_size=10).map(
                    lambda b: (f"/apps/{APP_ID}/batch_events", "POST", dumps({"batch": b}))
                ),
                st.just((f"/apps/{APP_ID}/channels", "GET", b"")),
                fz.valid_channel.map(
                    lambda c: (f"/apps/{APP_ID}/channels/{quote(c, safe='')}", "GET", b"")
                ),
            )
        )
    else:
        path = draw(paths())
        choice = draw(fz.dice(9))
        if choice < 7:  # the method the route takes, mostly
            posted = ("/events", "batch_events", "terminate_connections")
            method = "POST" if path.endswith(posted) else "GET"
        elif choice < 9:
            method = draw(st.sampled_from(METHODS))
        else:
            method = draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ-", min_size=1, max_size=8))
        body = draw(bodies())
    headers = []
    content_type = draw(
        st.sampled_from(
            [
                None,
                "application/json",
                "application/json; charset=latin-1",
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=xyz",
                "multipart/form-data",
                "application/octet-stream",
                "*/*; q=\u00ff",
            ]
        )
    )
    if content_type is not None:
        headers.append(f"Content-Type: {content_type}")
    extra: dict[str | bytes, str | bytes] = {}
    for key, value in draw(st.lists(st.tuples(param_key, param_value), max_size=3)):
        if key.lower() not in extra and not key.lower().startswith(("auth_", "body_md5")):
            extra[key.lower()] = value
    signing = draw(
        st.sampled_from(["valid", "valid", "valid", "wrong-secret", "unsigned", "spoiled", "raw"])
    )
    if well_formed:
        signing = "valid"
        extra = {k: v for k, v in extra.items() if k not in ("info", "filter_by_prefix")}
    chunked = bool(body) and draw(fz.dice(5)) == 5
    request = Request(method, path, "", body, headers, signing, chunked)
    request.well_formed = well_formed
    if signing == "raw":
        request.query = draw(
            st.one_of(
                st.text(
                    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="#"),
                    max_size=40,
                ),
                st.just("auth_key=test-key&auth_signature=" + "0" * 64),
            )
        )
        return request
    if signing == "unsigned":
        request.query = urlencode(extra)
        return request
    # Signed the way the SDKs do it: values decoded, not re-escaped (Pusher's HTTP API reference).
    decoded = {k: v for k, v in parse_qsl(urlencode(extra), keep_blank_values=True)}
    params = {
        **decoded,
        "auth_key": "test-key",
        "auth_timestamp": str(int(time.time())),
        "auth_version": "1.0",
    }
    if body or draw(st.booleans()):
        params["body_md5"] = hashlib.md5(body).hexdigest()
    spoiler = draw(st.sampled_from(SPOILERS)) if signing == "spoiled" else None
    if spoiler is not None:
        request.signing = f"spoiled: {spoiler}"
    signed_path, secret = path, SECRET if signing != "wrong-secret" else "not-the-secret"
    if spoiler == "stale timestamp":
        params["auth_timestamp"] = str(int(time.time()) - 601)
    elif spoiler == "future timestamp":
        params["auth_timestamp"] = str(int(time.time()) + 700)
    elif spoiler == "timestamp not a number":
        params["auth_timestamp"] = draw(
            st.sampled_from(["", "-1", "1e9", "0x10", "1" * 13, "\u0661"])
        )
    elif spoiler == "body_md5 mismatch":
        params["body_md5"] = hashlib.md5(body + b"x").hexdigest()
    elif spoiler == "body_md5 missing":
        params.pop("body_md5", None)
        if not body:
            request.body = body = b'{"name":"e","channel":"c","data":"x"}'
    elif spoiler == "auth_version 2.0":
        params["auth_version"] = "2.0"
    elif spoiler == "unknown auth_key":
        params["auth_key"] = draw(st.sampled_from(["other-key", "", "test-key ", "TEST-KEY"]))
    elif spoiler == "signature of another path":
        signed_path = path + "x"
    digest = signature(secret, method, signed_path, params)
    if spoiler == "signature upper-case":
        digest = digest.upper()
    elif spoiler == "signature truncated":
        digest = digest[:-1]
    query = urlencode({**extra, **{k: v for k, v in params.items() if k not in decoded}})
    query += f"&auth_signature={digest}"
    if spoiler == "duplicated parameter":
        query += "&auth_version=1.0"
    request.query = query
    return request


API_ROUTES = re.compile(
    r"\A(/apps/[^/]+/(events|batch_events|channels(/[^/]+(/users)?)?|users/[^/]+/"
    r"terminate_connections)|/users/[^/]+/terminate_connections)\Z"
)


def known_app_path(path: str) -> bool:
    return path.startswith(f"/apps/{APP_ID}/") or path.startswith("/users/")


@settings(FUZZ, max_examples=500)
@given(request=requests())
def test_api_requests(fuzz_server: Server, log_watch: LogWatch, request: Request) -> None:
    mark = log_watch.mark()
    status, headers, body = http_request(fuzz_server.thread.port, request.head(), request.payload())
    expected = server_signature(request.method, request.path, request.query)
    if status == 0:
        # Tornado refuses a method it does not know before reading the body and closes
        # (api.py); the client's unsent body then makes the close a reset.
        assert request.method not in TORNADO_METHODS, request
        assert request.body, request
        event("reset: unknown method with a body")
        answer = None
    elif request.path.startswith("/app/"):
        # The socket endpoint, not the API: Tornado's plain-text 400 without an upgrade.
        check_api_answer("HEAD", status, headers, b"", hidden=[expected])
        answer = body
    else:
        answer = check_api_answer(request.method, status, headers, body, hidden=[expected])
    event(f"{request.signing.split(':')[0]}: {status}")
    if request.path.startswith(("/apps", "/users")) and request.signing != "valid":
        assert not 200 <= status < 300, (status, answer)
    if (
        request.signing == "valid"
        and known_app_path(request.path)
        and len(request.body) <= MAX_BODY_BYTES
        and request.method in ("GET", "POST")
    ):
        assert status != 401, answer  # a correct signature is accepted, whatever it signs
    if request.well_formed:
        assert status == 200, (request, answer)
    sent_signature = dict(parse_qsl(request.query)).get("auth_signature", "")
    log_watch.check_clean(mark, secrets=[expected, sent_signature])
    status, _, _ = http_request(fuzz_server.thread.port, b"GET /up HTTP/1.1\r\n\r\n")
    assert status == 200, status


def test_the_node_still_delivers_after_the_api_fuzzing(
    fuzz_server: Server, log_watch: LogWatch
) -> None:
    """Last in the module: after every request above, the node serves sockets as before."""
    mark = log_watch.mark()
    check_healthy(fuzz_server, None, Outcome([]))
    log_watch.check_clean(mark)
