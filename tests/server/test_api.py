"""The HTTP API and status endpoints over real HTTP, refereed by the official SDK.

Most tests serve only ``api_handlers`` + ``status_handlers`` on an in-process broker
(on a private exchange), so what reaches the broker is observed directly; the last
ones go through the whole server and a WebSocket client.
"""

import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterator
from http.client import HTTPConnection
from typing import Any

import pusher
import pytest
import requests
from pusher.errors import PusherBadAuth, PusherBadRequest, PusherBadStatus
from tornado.web import Application

from realtime_core.brokers.base import Broker, Delivery
from realtime_core.brokers.in_process import InProcessBroker, InProcessExchange
from realtime_core.server.api import MAX_BODY_BYTES, api_handlers
from realtime_core.server.log_budget import LogBudget
from realtime_core.server.outage import OutageLog
from realtime_core.server.stats import Stats
from realtime_core.server.status import status_handlers
from tests.server_harness import TEST_CONFIG, AppThread

from .conftest import Server
from .test_api_auth import signed_query

JSON = "application/json"


class UnreachableBroker(InProcessBroker):
    """An in-process broker whose shared state cannot be read, like Redis when it is down."""

    async def subscription_counts(self) -> dict[str, int]:
        raise ConnectionError("Error 111 connecting to redis://:hunter2@10.0.0.7:6379")

    async def ping(self) -> None:
        await self.subscription_counts()


class ApiServer:
    """The API and status routes on a free port, with what the broker received.

    The application has ``xsrf_cookies`` on: the API must not depend on it being off.
    """

    def __init__(self, broker_class: type[InProcessBroker] = InProcessBroker) -> None:
        self.config = TEST_CONFIG
        self.stats = Stats()
        self.deliveries: list[Delivery] = []
        self.terminated: list[str] = []
        self.broker: Broker = broker_class(InProcessExchange())
        self.outage = OutageLog(logging.getLogger("tests.api"))
        self.thread = AppThread(self._application)
        self.thread.call(
            self.broker.start(self.deliveries.append, self.terminated.append, lambda: None)
        )
        self.session = requests.Session()

    def _application(self) -> Application:
        routes = api_handlers(
            self.config, self.broker, self.stats, self.outage, LogBudget(logging.getLogger("t"))
        )
        routes += status_handlers(self.broker, self.stats, self.outage, lambda: 0)
        return Application(routes, xsrf_cookies=True)

    def sdk(self, **changes: Any) -> pusher.Pusher:
        options: dict[str, Any] = {
            "app_id": self.config.app_id,
            "key": self.config.key,
            "secret": self.config.secret,
            **changes,
        }
        return pusher.Pusher(host="127.0.0.1", port=self.thread.port, ssl=False, **options)

    def listen(self, *channels: str) -> None:
        for channel in channels:
            self.thread.call(self.broker.listen(channel))

    def occupy(self, channel: str, connections: int = 1) -> None:
        self.thread.call(self.broker.count_subscription(channel, connections))

    def join(self, channel: str, socket_id: str, user_id: str) -> None:
        """A connection subscribed to a presence channel, as the socket server records it."""
        self.thread.call(
            self.broker.join_presence(channel, socket_id, user_id, {"n": user_id}, 100)
        )
        self.occupy(channel)

    def frames(self) -> list[tuple[str, dict[str, Any], str | None]]:
        """What was delivered, each frame without its position (checked to be the
        delivery's own)."""
        found = []
        for delivery in self.deliveries:
            frame = json.loads(delivery.payload)
            assert frame.pop("position") == delivery.position
            found.append((delivery.channel, frame, delivery.except_socket_id))
        return found

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        params: dict[str, str] | None = None,
        **signing: Any,
    ) -> requests.Response:
        """A request signed with the app's credentials (``signing`` tweaks the signature)."""
        query = signed_query(self.config, method, path, params, body, **signing)
        return self.raw(method, f"{path}?{query}", body)

    def raw(self, method: str, target: str, body: Any = b"") -> requests.Response:
        return self.session.request(method, self.thread.http_url + target, data=body, timeout=5)

    def stop(self) -> None:
        self.session.close()
        self.thread.call(self.broker.close())
        self.thread.stop()


@pytest.fixture
def make_api() -> Iterator[Callable[..., ApiServer]]:
    servers: list[ApiServer] = []

    def make(**kwargs: Any) -> ApiServer:
        servers.append(ApiServer(**kwargs))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def api(make_api: Callable[..., ApiServer]) -> ApiServer:
    return make_api()


def error_of(response: requests.Response, status: int) -> str:
    """The error message of a JSON error response with ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == JSON
    body = response.json()
    assert body["code"] == status
    assert set(body) == {"error", "code"}
    return str(body["error"])


def event_body(**fields: Any) -> bytes:
    return json.dumps({"name": "ev", "data": "{}", "channels": ["ch"], **fields}).encode()


# The official SDK ------------------------------------------------------------------


def test_trigger_to_one_channel_publishes_the_data_unchanged(api: ApiServer) -> None:
    api.listen("my-channel")
    assert api.sdk().trigger("my-channel", "my-event", {"message": "héllo"}) == {}
    assert api.frames() == [
        (
            "my-channel",
            {
                "event": "my-event",
                "channel": "my-channel",
                "data": json.dumps({"message": "héllo"}, ensure_ascii=False),
            },
            None,
        )
    ]
    assert api.stats.api_requests == 1


def test_trigger_to_several_channels_excludes_the_socket(api: ApiServer) -> None:
    api.listen("a", "b")
    assert api.sdk().trigger(["a", "b"], "ev", "plain text", socket_id="123.456") == {}
    assert [(c, f["data"], s) for c, f, s in api.frames()] == [
        ("a", "plain text", "123.456"),
        ("b", "plain text", "123.456"),
    ]


def test_trigger_batch_publishes_every_event_in_order(api: ApiServer) -> None:
    api.listen("a", "b")
    batch = [
        {"channel": "a", "name": "first", "data": "1"},
        {"channel": "b", "name": "second", "data": "2", "socket_id": "1.2"},
    ]
    assert api.sdk().trigger_batch(batch) == {}
    assert [(c, f["event"], f["data"], s) for c, f, s in api.frames()] == [
        ("a", "first", "1", None),
        ("b", "second", "2", "1.2"),
    ]


def test_a_batch_is_published_whole_or_not_at_all(api: ApiServer) -> None:
    api.listen("a")
    too_many = [{"channel": "a", "name": "e", "data": str(i)} for i in range(11)]
    with pytest.raises(PusherBadRequest, match="1 to 10 events"):
        api.sdk().trigger_batch(too_many)
    one_bad = [
        {"channel": "a", "name": "e", "data": "ok"},
        {"channel": "a", "name": "pusher:e", "data": "x"},
    ]
    with pytest.raises(PusherBadRequest, match=r"batch\[1\]: Event name 'pusher:e' is reserved"):
        api.sdk().trigger_batch(one_bad)
    assert api.deliveries == []


def test_send_to_user_publishes_on_the_users_channel(api: ApiServer) -> None:
    api.listen("#server-to-user-42")
    assert api.sdk().send_to_user("42", "note", {"x": 1}) == {}
    assert [(c, f["event"]) for c, f, _ in api.frames()] == [("#server-to-user-42", "note")]


def test_channels_info_lists_occupied_channels(api: ApiServer) -> None:
    api.join("presence-room", "1.1", "7")
    api.join("presence-room", "1.2", "7")
    api.join("presence-room", "1.3", "8")
    api.join("presence-hall", "1.4", "9")
    api.occupy("public", 2)
    api.occupy("private-x")
    api.occupy("vacated", 0)
    client = api.sdk()
    assert client.channels_info() == {
        "channels": {"presence-hall": {}, "presence-room": {}, "private-x": {}, "public": {}}
    }
    assert client.channels_info("presence-", ["user_count"]) == {
        "channels": {"presence-hall": {"user_count": 1}, "presence-room": {"user_count": 2}}
    }
    assert client.channels_info("presence-r", ["user_count"]) == {
        "channels": {"presence-room": {"user_count": 2}}
    }
    assert client.channels_info("nothing-") == {"channels": {}}


def test_channels_info_user_count_needs_a_presence_prefix(api: ApiServer) -> None:
    client = api.sdk()
    with pytest.raises(PusherBadRequest, match="filter_by_prefix starting with 'presence-'"):
        client.channels_info(attributes=["user_count"])
    with pytest.raises(PusherBadRequest, match="filter_by_prefix"):
        client.channels_info("private-", ["user_count"])
    with pytest.raises(PusherBadRequest, match=r"Unsupported info attribute.*'subscription_count'"):
        client.channels_info("presence-", ["subscription_count"])


def test_channel_info_counts_users_or_subscriptions(api: ApiServer) -> None:
    api.join("presence-room", "1.1", "7")
    api.join("presence-room", "1.2", "7")
    api.join("presence-room", "1.3", "8")
    api.occupy("public", 3)
    client = api.sdk()
    assert client.channel_info("presence-room", ["user_count"]) == {
        "occupied": True,
        "user_count": 2,
    }
    assert client.channel_info("public", ["subscription_count"]) == {
        "occupied": True,
        "subscription_count": 3,
    }
    assert client.channel_info("public") == {"occupied": True}
    assert client.channel_info("empty", ["subscription_count"]) == {
        "occupied": False,
        "subscription_count": 0,
    }


def test_channel_info_answers_the_cached_event_and_its_ttl(api: ApiServer) -> None:
    client = api.sdk()
    client.trigger("cache-scores", "goal", {"home": 1})
    client.trigger("cache-scores", "goal", {"home": 2})
    client.trigger("presence-cache-room", "topic", "rust")
    api.join("presence-cache-room", "1.1", "7")
    info = client.channel_info("cache-scores", ["cache"])
    assert info["occupied"] is False
    assert json.loads(info["cache"]["data"]) == {"home": 2}
    assert 1790 <= info["cache"]["ttl"] <= 1800
    presence = client.channel_info("presence-cache-room", ["user_count", "cache"])
    assert presence["user_count"] == 1
    assert presence["cache"]["data"] == "rust"
    assert client.channel_info("cache-empty", ["cache"]) == {"occupied": False}


@pytest.mark.parametrize(
    ("channel", "attributes", "reason"),
    [
        ("public", ["user_count"], "user_count applies only to presence- channels"),
        ("presence-room", ["subscription_count"], "does not apply to presence- channels"),
        ("public", ["cache"], r"info=cache applies only to cache channels \(cache-, private-"),
        ("private-room", ["cache"], "info=cache applies only to cache channels"),
        ("public", ["members"], "Unsupported info attribute.*'members'"),
    ],
)
def test_channel_info_refuses_attributes_that_do_not_apply(
    api: ApiServer, channel: str, attributes: list[str], reason: str
) -> None:
    with pytest.raises(PusherBadRequest, match=reason):
        api.sdk().channel_info(channel, attributes)


def test_users_info_lists_presence_members(api: ApiServer) -> None:
    api.join("presence-room", "1.1", "7")
    api.join("presence-room", "1.2", "8")
    api.join("presence-room", "1.3", "7")
    client = api.sdk()
    assert client.users_info("presence-room") == {"users": [{"id": "7"}, {"id": "8"}]}
    assert client.users_info("presence-empty") == {"users": []}
    with pytest.raises(PusherBadRequest, match="only for presence- channels"):
        client.users_info("private-room")


def test_terminate_user_connections_on_both_paths(api: ApiServer) -> None:
    # The SDK 3.3 calls /users/{id}/terminate_connections, without /apps/{app_id}.
    assert api.sdk().terminate_user_connections("42") == {}
    response = api.request("POST", "/apps/1234/users/u-7/terminate_connections", b"{}")
    assert (response.status_code, response.json()) == (200, {})
    assert api.terminated == ["42", "u-7"]
    assert error_of(api.request("POST", "/apps/999/users/42/terminate_connections"), 404)
    invalid = api.request("POST", "/users/a%20b/terminate_connections")
    assert "Invalid user id 'a b'" in error_of(invalid, 400)
    assert api.terminated == ["42", "u-7"]


def test_bad_credentials_are_refused_and_not_counted(api: ApiServer) -> None:
    api.listen("ch")
    with pytest.raises(PusherBadAuth, match="Invalid signature"):
        api.sdk(secret="not-the-secret").trigger("ch", "ev", "x")
    with pytest.raises(PusherBadAuth, match="Unknown auth_key 'other-key'"):
        api.sdk(key="other-key").channels_info()
    with pytest.raises(PusherBadAuth):
        api.sdk(secret="not-the-secret").terminate_user_connections("42")
    assert api.deliveries == []
    assert api.terminated == []
    assert api.stats.api_requests == 0


def test_unknown_app_id_is_404(api: ApiServer) -> None:
    with pytest.raises(PusherBadStatus, match=r"^404: .*Unknown app id '999'"):
        api.sdk(app_id="999").trigger("ch", "ev", "x")
    with pytest.raises(PusherBadStatus, match=r"^404: "):
        api.sdk(app_id="999").channels_info()


def test_data_over_the_limit_is_413(api: ApiServer) -> None:
    api.listen("ch")
    with pytest.raises(PusherBadStatus, match=r"^413: .*20000 bytes of JSON; the limit is 10240"):
        api.sdk().trigger("ch", "ev", "x" * 20_000)
    with pytest.raises(PusherBadStatus, match=r"^413: "):
        api.sdk().trigger_batch([{"channel": "ch", "name": "e", "data": "é" * 5121}])
    api.sdk().trigger("ch", "ev", "x" * 10_240)
    assert len(api.deliveries) == 1


# Raw requests ----------------------------------------------------------------------


@pytest.mark.parametrize("age", [601, -601, 3600])
def test_stale_or_future_timestamps_are_401(api: ApiServer, age: int) -> None:
    api.listen("ch")
    timestamp = str(int(time.time()) - age)
    response = api.request("POST", "/apps/1234/events", event_body(), timestamp=timestamp)
    assert "Timestamp expired" in error_of(response, 401)
    assert api.deliveries == []


def test_missing_signature_parameters_are_401(api: ApiServer) -> None:
    message = error_of(api.raw("POST", "/apps/1234/events", event_body()), 401)
    assert message == (
        "Missing query parameter(s): auth_key, auth_timestamp, auth_version, auth_signature."
    )
    assert error_of(api.raw("GET", "/apps/1234/channels?auth_key=test-key"), 401)


def test_a_tampered_body_is_401(api: ApiServer) -> None:
    api.listen("ch", "other")
    query = signed_query(api.config, "POST", "/apps/1234/events", body=event_body())
    response = api.raw("POST", f"/apps/1234/events?{query}", event_body(channels=["other"]))
    assert "body_md5" in error_of(response, 401)
    assert api.deliveries == []


def test_get_requests_verify_with_or_without_body_md5(api: ApiServer) -> None:
    for with_body_md5 in (True, False):
        response = api.request("GET", "/apps/1234/channels", with_body_md5=with_body_md5)
        assert (response.status_code, response.json()) == (200, {"channels": {}})


def test_events_info_reports_attributes_per_channel(api: ApiServer) -> None:
    api.join("presence-room", "1.1", "7")
    api.join("presence-room", "1.2", "7")
    api.occupy("public", 2)
    body = event_body(
        channels=["presence-room", "public", "empty"], info="user_count,subscription_count"
    )
    response = api.request("POST", "/apps/1234/events", body)
    assert response.json() == {
        "channels": {
            "presence-room": {"user_count": 1},
            "public": {"subscription_count": 2},
            "empty": {"subscription_count": 0},
        }
    }


def test_batch_info_is_index_aligned(api: ApiServer) -> None:
    api.join("presence-room", "1.1", "7")
    api.occupy("public", 4)
    batch = [
        {"channel": "presence-room", "name": "e", "data": "1", "info": "user_count"},
        {"channel": "public", "name": "e", "data": "2"},
        {"channel": "public", "name": "e", "data": "3", "info": "subscription_count"},
    ]
    response = api.request("POST", "/apps/1234/batch_events", json.dumps({"batch": batch}).encode())
    assert response.json() == {"batch": [{"user_count": 1}, {}, {"subscription_count": 4}]}


def test_single_channel_field_is_accepted(api: ApiServer) -> None:
    api.listen("solo")
    body = json.dumps({"name": "ev", "data": "d", "channel": "solo"}).encode()
    assert api.request("POST", "/apps/1234/events", body).json() == {}
    assert [c for c, _, _ in api.frames()] == ["solo"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "Request body is not valid JSON"),
        (b"{", "Request body is not valid JSON"),
        (b"\xff\xfe{}", "Request body is not valid JSON"),
        (b"[1]", "Request body must be a JSON object, got list"),
        (b'{"name": "ev", "data": "d"}', "exactly one of channels"),
        (event_body(channel="x"), "exactly one of channels"),
        (b'{"name": "ev", "channels": ["a"]}', r"Missing required field\(s\): data"),
        (b'{"channels": ["a"]}', r"Missing required field\(s\): name, data"),
        (event_body(data={"a": 1}), "data must be a string"),
        (event_body(channels="ch"), "channels must be an array"),
        (event_body(channels=[]), "At least one channel"),
        (event_body(channels=[1]), "Channel names must be strings"),
        (event_body(channels=[f"c{i}" for i in range(101)]), "101 channels"),
        (event_body(channels=["private-encrypted-a", "b"]), "must be the only channel"),
        (event_body(channels=["a b"]), "Invalid channel name"),
        (event_body(name="pusher:internal"), "reserved"),
        (event_body(name="n" * 201), "the limit is 200"),
        (event_body(name=""), "non-empty string"),
        (event_body(socket_id="abc"), "Invalid socket_id"),
        (event_body(socket_id=12), "Invalid socket_id"),
        (event_body(info="bogus"), "Unsupported info attribute"),
        (event_body(info=["user_count"]), "info must be a comma-separated string"),
        (event_body(data="\ud800"), "not valid Unicode"),
    ],
)
def test_bad_events_are_400_with_the_reason(api: ApiServer, body: bytes, reason: str) -> None:
    response = api.request("POST", "/apps/1234/events", body)
    message = error_of(response, 400)
    assert re.search(reason, message), message


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "batch must be an array of 1 to 10 events"),
        ({"batch": []}, "batch must be an array of 1 to 10 events"),
        ({"batch": {"channel": "a"}}, "batch must be an array"),
        ({"batch": [1]}, r"batch\[0\]: An event must be a JSON object"),
        (
            {"batch": [{"name": "e", "data": "d"}]},
            r"batch\[0\]: Missing required field\(s\): channel",
        ),
        ({"batch": [{"name": "e", "data": "d", "channel": ["a"]}]}, "channel must be a string"),
    ],
)
def test_bad_batches_are_400(api: ApiServer, body: dict[str, Any], reason: str) -> None:
    response = api.request("POST", "/apps/1234/batch_events", json.dumps(body).encode())
    assert re.search(reason, error_of(response, 400))


def test_bodies_over_the_cap_are_413_unread(api: ApiServer) -> None:
    big = b"x" * (MAX_BODY_BYTES + 1)
    # Unsigned and not JSON: the size is refused before anything else looks at it.
    assert "the limit is 262144" in error_of(api.raw("POST", "/apps/1234/events", big), 413)
    # Without Content-Length (chunked transfer) too.
    chunked = api.raw("POST", "/apps/1234/batch_events", iter([b"y" * 65536] * 5))
    assert "327680 bytes" in error_of(chunked, 413)
    assert api.stats.api_requests == 0


def test_every_answer_is_json(api: ApiServer) -> None:
    ok = api.request("GET", "/apps/1234/channels")
    assert (ok.status_code, ok.headers["Content-Type"]) == (200, JSON)
    assert error_of(api.raw("PUT", "/apps/1234/events"), 405) == "Method Not Allowed"
    assert error_of(api.raw("GET", "/apps/1234/events"), 405)
    assert error_of(api.request("GET", "/apps/1234/channels/%FF"), 400)
    assert error_of(api.request("POST", "/apps/12%2034/events", event_body()), 404)


def test_errors_keep_the_connection_alive(api: ApiServer) -> None:
    connection = HTTPConnection("127.0.0.1", api.thread.port, timeout=5)
    try:
        # An undecodable channel is an invalid name, refused after the body was read.
        path = "/apps/1234/channels/%FF"
        query = signed_query(api.config, "GET", path, body=b"{}")
        connection.request("GET", f"{path}?{query}", b"{}")
        refused = connection.getresponse()
        assert refused.status == 400
        assert "Invalid channel name '\\udcff'" in json.loads(refused.read())["error"]
        assert refused.getheader("Connection") is None
        connection.request("GET", "/up")
        assert connection.getresponse().status == 200
    finally:
        connection.close()


def test_unknown_methods_announce_that_the_connection_closes(api: ApiServer) -> None:
    connection = HTTPConnection("127.0.0.1", api.thread.port, timeout=5)
    try:
        connection.request("PROPFIND", "/apps/1234/events", b"{}")
        response = connection.getresponse()
        assert json.loads(response.read()) == {"error": "Method Not Allowed", "code": 405}
        assert response.getheader("Connection") == "close"
    finally:
        connection.close()


# Garbage at every route ------------------------------------------------------------

ROUTES = [
    ("POST", "/apps/1234/events"),
    ("POST", "/apps/1234/batch_events"),
    ("GET", "/apps/1234/channels"),
    ("GET", "/apps/1234/channels/presence-room"),
    ("GET", "/apps/1234/channels/public"),
    ("GET", "/apps/1234/channels/presence-room/users"),
    ("POST", "/apps/1234/users/42/terminate_connections"),
    ("POST", "/users/42/terminate_connections"),
    ("GET", "/up"),
    ("GET", "/stats"),
]


GARBAGE_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    1e308,
    "",
    "x",
    [],
    {},
    [None],
    {"a": None},
    "\ud800",
]


def garbage_bodies(route: str) -> list[bytes]:
    """Bodies no client should send; events routes also get every field mistyped."""
    generator = random.Random(20240611)
    bodies = [b"", b"\x00", b"\xff" * 10, b"{" * 50_000, b"[" * 50_000 + b"]" * 50_000]
    bodies += [b"1" * 5000, b'{"a": 1, "a": 2}', b"NaN", b'{"batch": NaN}', b'"\\ud800"']
    bodies += [json.dumps(GARBAGE_VALUES).encode()]
    bodies += [generator.randbytes(generator.randrange(1, 200)) for _ in range(20)]
    if not route.endswith("events"):
        return bodies
    for field in ("name", "data", "channels", "channel", "socket_id", "info", "batch"):
        for value in GARBAGE_VALUES:
            event = {"name": "e", "data": "d", "channels": ["c"], field: value}
            item = {"name": "e", "data": "d", "channel": "c", field: value}
            bodies += [json.dumps(event).encode(), json.dumps({"batch": [item]}).encode()]
    return bodies


GARBAGE_QUERIES = [
    "",
    "&&&=&==",
    "auth_key",
    "auth_key=test-key&auth_key=test-key",
    "auth_key=%FF%FE&auth_timestamp=%00&auth_version=1.0&auth_signature=%C3%A9",
    "auth_key=test-key&auth_timestamp=99999999999999999999&auth_version=1.0&auth_signature=0",
    "info=" + "user_count," * 2000,
]


def test_garbage_at_every_route_never_crashes(
    api: ApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    api.join("presence-room", "1.1", "7")
    api.occupy("public")
    statuses: set[int] = set()

    def check(response: requests.Response) -> None:
        statuses.add(response.status_code)
        assert response.status_code in {200, 400, 401, 404, 405, 413}, response.text
        assert response.headers["Content-Type"] == JSON
        body = response.json()
        assert isinstance(body, dict)
        if response.status_code >= 400:
            assert body["code"] == response.status_code

    for method, path in ROUTES:
        for body in garbage_bodies(path):
            check(api.request(method, path, body))  # signed: gets past the signature
        for query in GARBAGE_QUERIES:
            check(api.raw(method, f"{path}?{query}", b"garbage"))
        for other in ("PUT", "DELETE", "PATCH", "GET" if method == "POST" else "POST"):
            check(api.raw(other, path, b"{}"))
    for info in ("user_count", "subscription_count,,", "cache", ",", "x" * 10_000):
        for method, path in ROUTES[2:6]:
            check(api.request(method, path, params={"info": info, "filter_by_prefix": info}))
    assert statuses == {200, 400, 401, 405}
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(
    "target",
    [
        "/apps/1234/channels/%FF%FE",
        "/apps/1234/channels/%00",
        "/apps/1234/channels/" + "c" * 5000,
        "/apps/%FF/events",
        "/apps/1234/channels/presence-%E2%82%AC/users",
        "/users/%FF/terminate_connections",
        "/users/" + "u" * 300 + "/terminate_connections",
    ],
)
def test_garbage_paths_are_json_errors(api: ApiServer, target: str) -> None:
    method = "POST" if target.endswith(("events", "connections")) else "GET"
    query = signed_query(api.config, method, target, body=b"{}")
    connection = HTTPConnection("127.0.0.1", api.thread.port, timeout=5)
    try:
        connection.request(method, f"{target}?{query}", body=b"{}")
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()
    assert response.status in {400, 404}
    assert response.getheader("Content-Type") == JSON
    assert body["code"] == response.status
    assert api.terminated == []


# Status endpoints ------------------------------------------------------------------


def test_up_is_ok_without_a_signature(api: ApiServer) -> None:
    response = api.raw("GET", "/up")
    assert (response.status_code, response.headers["Content-Type"]) == (200, JSON)
    assert response.json() == {"status": "ok"}


def test_up_is_503_when_the_broker_cannot_answer(make_api: Callable[..., ApiServer]) -> None:
    api = make_api(broker_class=UnreachableBroker)
    response = api.raw("GET", "/up")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "error": "the broker did not answer (ConnectionError)",
    }
    assert "hunter2" not in response.text


def test_stats_reports_counters_and_occupied_channels(api: ApiServer) -> None:
    api.occupy("public", 2)
    api.join("presence-room", "1.1", "7")
    api.sdk().trigger("public", "ev", "x")
    api.stats.connections, api.stats.messages_out = 3, 5
    body = api.raw("GET", "/stats").json()
    assert body["occupied_channels"] == 2
    assert body["api_requests"] == 1
    assert (body["connections"], body["messages_out"]) == (3, 5)
    assert {"connections_total", "messages_in", "slow_disconnects", "uptime"} <= set(body)
    assert body["uptime"] >= 0


def test_stats_still_reports_counters_when_the_broker_cannot_answer(
    make_api: Callable[..., ApiServer],
) -> None:
    api = make_api(broker_class=UnreachableBroker)
    body = api.raw("GET", "/stats").json()
    assert body["occupied_channels"] is None
    assert body["api_requests"] == 0
    assert "hunter2" not in json.dumps(body)


# Through the whole server ----------------------------------------------------------


def sdk_for(server: Server) -> pusher.Pusher:
    config = server.config
    return pusher.Pusher(
        app_id=config.app_id,
        key=config.key,
        secret=config.secret,
        host="127.0.0.1",
        port=server.thread.port,
        ssl=False,
    )


def test_sdk_trigger_reaches_subscribers_except_the_excluded_socket(server: Server) -> None:
    first, second = server.client(), server.client()
    for client in (first, second):
        client.subscribe("news")
    sdk_for(server).trigger("news", "headline", {"title": "hi"}, socket_id=second.socket_id)
    frame = first.expect("headline")
    assert (frame["channel"], json.loads(frame["data"])) == ("news", {"title": "hi"})
    assert second.expect("pusher_internal:position")["position"] == frame["position"]
    second.nothing_more()
    assert server.stats.api_requests == 1


def test_sdk_queries_see_real_subscriptions(server: Server) -> None:
    alice, alice_again, bob = server.client(), server.client(), server.client()
    alice.subscribe("presence-room", user_id="alice", info={"name": "A"})
    alice_again.subscribe("presence-room", user_id="alice")
    bob.subscribe("presence-room", user_id="bob")
    bob.subscribe("public")
    sdk = sdk_for(server)
    assert sdk.channel_info("presence-room", ["user_count"]) == {"occupied": True, "user_count": 2}
    assert sdk.channel_info("public", ["subscription_count"]) == {
        "occupied": True,
        "subscription_count": 1,
    }
    assert sdk.channels_info("presence-", ["user_count"]) == {
        "channels": {"presence-room": {"user_count": 2}}
    }
    assert sdk.users_info("presence-room") == {"users": [{"id": "alice"}, {"id": "bob"}]}


def test_sdk_terminate_closes_the_users_connections(server: Server) -> None:
    user, other = server.client(), server.client()
    user.sign_in("42")
    other.sign_in("43")
    assert sdk_for(server).terminate_user_connections("42") == {}
    user.closed_with()
    other.send("pusher:ping", {})
    other.expect("pusher:pong")
