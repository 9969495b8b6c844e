"""What the console's snapshot shows on each backend, read from real socket servers.

The clients are real WebSocket connections to real servers: the embedded one
(``memory``), two ``tornado_redis`` servers on one Redis, and a ``realtime-server``
standing in for Pusher (the ``pusher`` backend's SDK pointed at it).
"""

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from pusher.errors import PusherBadRequest

import realtime_core
from realtime_core.backends.pusher_inspection import read_inspection
from realtime_core.backends.self_hosted import SelfHostedBackend
from realtime_core.brokers.in_process import InProcessBroker, InProcessExchange
from realtime_core.inspection import MAX_CHANNELS
from realtime_core.server.config import ServerConfig
from realtime_core.serving import server_config
from tests.server_harness import ServerThread, free_port

from .servers import Sockets

SNAPSHOT = "/realtime/console/snapshot/"
SELF_HOSTED = {"APP_ID": "41", "KEY": "console-key", "SECRET": "console-secret"}


@pytest.fixture
def sockets() -> Iterator[Sockets]:
    running = Sockets()
    yield running
    running.close()


@pytest.fixture
def staff(db: None) -> Client:
    client = Client()
    client.force_login(User.objects.create_user("staff", is_staff=True))
    return client


def snapshot(staff: Client, channel: str = "") -> dict[str, Any]:
    answer = staff.get(SNAPSHOT, {"channel": channel})
    assert answer.status_code == 200, answer.content
    body: dict[str, Any] = answer.json()
    return body


def eventually(
    read: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        found = read()
        if done(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def self_hosted_server(sockets: Sockets) -> ServerThread:
    backend = realtime_core.get_backend()
    assert isinstance(backend, SelfHostedBackend)
    return sockets.serve(server_config(backend), backend.make_broker)


def test_memory_shows_this_processs_server_its_channels_and_members(
    sockets: Sockets, staff: Client
) -> None:
    server = self_hosted_server(sockets)
    sockets.connect(server, "news", "presence-room", user="7")
    sockets.connect(server, "news")
    sockets.connect(server, "presence-room", user="8")

    body = snapshot(staff)
    assert body["backend"] == "memory"
    inspection = body["inspection"]
    (node,) = inspection["nodes"]
    assert node["connections"] == 3
    assert node["channels"] == 2
    assert node["last_heartbeat"] is None
    assert inspection["channels"] == [
        {"name": "news", "subscriptions": 2, "users": None},
        {"name": "presence-room", "subscriptions": 2, "users": 2},
    ]
    assert inspection["members"] == {
        "presence-room": {"7": {"name": "user 7"}, "8": {"name": "user 8"}}
    }
    assert inspection["unknown"] == {}
    assert inspection["truncated"] is False

    filtered = snapshot(staff, "presence-*")["inspection"]
    assert [channel["name"] for channel in filtered["channels"]] == ["presence-room"]
    assert snapshot(staff, "*room")["inspection"]["members"].keys() == {"presence-room"}
    assert snapshot(staff, "new")["inspection"]["channels"] == []


def test_memory_in_a_process_serving_no_sockets_says_so(staff: Client) -> None:
    inspection = snapshot(staff)["inspection"]
    assert inspection["nodes"] == []
    assert "This process serves no sockets" in inspection["notes"][0]


def test_memory_lists_a_bounded_number_of_channels(sockets: Sockets, staff: Client) -> None:
    server = self_hosted_server(sockets)
    channels = [f"c-{number:03}" for number in range(MAX_CHANNELS + 1)]
    sockets.connect(server, *channels)
    inspection = snapshot(staff)["inspection"]
    assert [channel["name"] for channel in inspection["channels"]] == channels[:MAX_CHANNELS]
    assert inspection["truncated"] is True
    assert snapshot(staff, "c-200")["inspection"]["truncated"] is False


@pytest.fixture
def tornado_redis(redis_url: str) -> Iterator[None]:
    # Heartbeats every half second, so the connections counted are soon in Redis.
    options = {"REDIS_URL": redis_url, **SELF_HOSTED, "NODE_TIMEOUT": 1.5}
    with override_settings(
        REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS={"tornado_redis": options}
    ):
        yield


@pytest.mark.usefixtures("tornado_redis")
def test_tornado_redis_shows_every_server_from_redis(sockets: Sockets, staff: Client) -> None:
    first, second = self_hosted_server(sockets), self_hosted_server(sockets)
    sockets.connect(first, "news", "presence-room", user="7")
    sockets.connect(second, "news")
    sockets.connect(second, "presence-room", user="8")

    def counted(body: dict[str, Any]) -> bool:
        nodes = body["inspection"]["nodes"]
        return sorted(node["connections"] for node in nodes) == [1, 2]

    inspection = eventually(lambda: snapshot(staff), counted)["inspection"]
    nodes = {node["id"]: node for node in inspection["nodes"]}
    brokers = [server.server.hub.broker for server in (first, second)]
    assert nodes.keys() == {broker.node_id for broker in brokers}
    assert nodes[brokers[0].node_id]["connections"] == 1
    assert nodes[brokers[1].node_id]["connections"] == 2
    assert all(node["channels"] == 2 for node in nodes.values())
    assert all(0 <= node["last_heartbeat"] <= 1.5 for node in nodes.values())
    assert inspection["channels"] == [
        {"name": "news", "subscriptions": 2, "users": None},
        {"name": "presence-room", "subscriptions": 2, "users": 2},
    ]
    assert inspection["members"] == {
        "presence-room": {"7": {"name": "user 7"}, "8": {"name": "user 8"}}
    }
    assert inspection["unknown"] == {}

    sockets.stop(second)
    after = eventually(lambda: snapshot(staff), lambda body: len(body["inspection"]["nodes"]) == 1)
    assert [node["id"] for node in after["inspection"]["nodes"]] == [brokers[0].node_id]
    assert after["inspection"]["members"] == {"presence-room": {"7": {"name": "user 7"}}}


@pytest.mark.usefixtures("tornado_redis")
def test_tornado_redis_scans_the_occupied_channels_by_prefix(
    sockets: Sockets, staff: Client
) -> None:
    server = self_hosted_server(sockets)
    sockets.connect(server, "news", "private-a", "private-b")
    names = [c["name"] for c in snapshot(staff, "private-*")["inspection"]["channels"]]
    assert names == ["private-a", "private-b"]
    assert [c["name"] for c in snapshot(staff, "*s")["inspection"]["channels"]] == ["news"]


def test_pusher_shows_what_its_api_tells_and_says_what_it_cannot(
    sockets: Sockets, staff: Client
) -> None:
    port = free_port()
    hosted = {"APP_ID": "42", "KEY": "hosted-key", "SECRET": "hosted-secret"}
    stand_in = ServerConfig(app_id=hosted["APP_ID"], key=hosted["KEY"], secret=hosted["SECRET"])
    exchange = InProcessExchange()
    server = sockets.serve(stand_in, lambda: InProcessBroker(exchange), port=port)
    sockets.connect(server, "news", "presence-room", user="7")
    sockets.connect(server, "news")
    options = {**hosted, "HOST": "127.0.0.1", "PORT": port, "USE_TLS": False}
    with override_settings(REALTIME_BACKEND="pusher", REALTIME_OPTIONS={"pusher": options}):
        body = snapshot(staff)
        presence_only = snapshot(staff, "presence-*")["inspection"]
    assert body["backend"] == "pusher"
    inspection = body["inspection"]
    assert inspection["nodes"] is None
    assert inspection["channels"] == [
        {"name": "news", "subscriptions": 2, "users": None},
        {"name": "presence-room", "subscriptions": None, "users": 1},
    ]
    assert inspection["members"] == {"presence-room": {"7": None}}
    assert set(inspection["unknown"]) == {"nodes", "connections", "member_info", "subscriptions"}
    assert "Pusher does not expose its servers" in inspection["unknown"]["nodes"]
    assert [channel["name"] for channel in presence_only["channels"]] == ["presence-room"]


def test_pusher_says_when_its_api_cannot_be_read(staff: Client) -> None:
    port = free_port()  # nothing listens there
    options = {"APP_ID": "42", "KEY": "k", "SECRET": "s", "HOST": "127.0.0.1", "PORT": port,
               "USE_TLS": False, "TIMEOUT": 2}  # fmt: skip
    with override_settings(REALTIME_BACKEND="pusher", REALTIME_OPTIONS={"pusher": options}):
        answer = staff.get(SNAPSHOT)
    assert answer.status_code == 503
    assert answer.json()["error"].startswith(
        f"Reading the channels from Pusher at http://127.0.0.1:{port} failed: "
    )


class CountlessPusher:
    """What Pusher's API answers an app whose subscription counting is off."""

    def channels_info(self, prefix_filter: str | None = None, attributes: Any = ()) -> Any:
        return {"channels": {f"c-{number:02}": {} for number in range(12)}}

    def channel_info(self, channel: str, attributes: Any = ()) -> Any:
        raise PusherBadRequest("subscription_count is not enabled for this app")


def test_pusher_without_subscription_counting_says_how_to_turn_it_on() -> None:
    inspection = read_inspection(CountlessPusher(), "")
    assert {channel.subscriptions for channel in inspection.channels} == {None}
    assert inspection.unknown["subscriptions"] == (
        "Pusher does not count this app's subscriptions (subscription_count is not enabled "
        "for this app): enable subscription counting in the app's settings in the Pusher "
        "dashboard."
    )
    assert inspection.notes == (), "no note about counting only the first channels"
