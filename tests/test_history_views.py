"""The history endpoint (``realtime_core:history``) and ``Backend.history()``: on the memory
backend and on tornado_redis with a real Redis, what clients that cannot resume fetch."""

import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.contrib.auth.models import User
from django.test import Client, TestCase, override_settings

import realtime_core
from realtime_core import authorization
from realtime_core.backends import memory
from realtime_core.backends.base import Backend
from realtime_core.brokers.redis_schema import RedisKeys
from realtime_core.exceptions import PublishError, UnsupportedFeature
from realtime_core.messages import Event, Message
from realtime_core.positions import HistoryLimits, Position
from tests.redis_server import RedisProcess
from tests.testapp.models import TodoList

pytestmark = pytest.mark.django_db

URL = "/realtime/history/"
REDIS_CREDENTIALS = {"APP_ID": "9876", "KEY": "history-key", "SECRET": "history-secret"}
PASSWORD = "history-password-7f3"


@pytest.fixture(autouse=True, scope="module")
def _discovered() -> None:
    authorization.autodiscover()


@pytest.fixture(autouse=True)
def _exchange_limits() -> Iterator[None]:
    # A MemoryBackend sets the process-wide exchange's limits; put them back.
    saved = memory.exchange.limits
    yield
    memory.exchange.limits = saved


def backend_settings(name: str, request: pytest.FixtureRequest, **options: Any) -> Any:
    if name == "memory":
        return override_settings(REALTIME_BACKEND="memory", REALTIME_OPTIONS={"memory": options})
    redis_url = request.getfixturevalue("redis_url")
    tornado = {"REDIS_URL": redis_url, **REDIS_CREDENTIALS, "TIMEOUT": 2, **options}
    return override_settings(
        REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS={"tornado_redis": tornado}
    )


@pytest.fixture(params=["memory", "tornado_redis"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Each backend that keeps a history, configured with its defaults."""
    with backend_settings(request.param, request):
        yield realtime_core.get_backend()


@pytest.fixture
def channel() -> str:
    """A public channel no other test has used (the memory exchange is process-wide)."""
    return f"history-{uuid.uuid4().hex[:12]}"


def get(client: Client, channel: str, since: str | None = None) -> Any:
    query = {"channel": channel} if since is None else {"channel": channel, "since": since}
    return client.get(URL, query)


def start(client: Client, channel: str) -> Position:
    """The channel's position before anything is published (asking without ``since``)."""
    response = get(client, channel)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["channel"] == channel
    assert body["recovered"] is False
    assert body["events"] == []
    position = Position.parse(body["position"])
    assert position is not None
    assert position.offset == 0
    return position


def publish(channel: str, event: str, data: Any) -> None:
    """``realtime_core.publish`` as a view would, its test transaction committed at once."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        realtime_core.publish(channel, event, data)


def encoded(channel: str, data: Any) -> str:
    """The JSON text the frame carries as ``data``, as publishing encodes it."""
    return Message.from_event(Event(channel, "x", data), realtime_core.get_backend().limits).data


@pytest.fixture
def ann(client: Client) -> User:
    user = User.objects.create_user("ann")
    client.force_login(user)
    return user


# What the answer holds -------------------------------------------------------------------


def test_answers_the_events_after_since_in_order_with_data_as_sent(
    backend: Backend, client: Client, channel: str
) -> None:
    begin = start(client, channel)
    payloads = [{"n": 1}, {"text": 'Grüße \u2028 "q"', "list": [1, 2.5, None]}, "plain"]
    for index, data in enumerate(payloads):
        publish(channel, f"event-{index}", data)

    body = get(client, channel, f"{begin.epoch}:1").json()

    assert body["channel"] == channel
    assert body["position"] == f"{begin.epoch}:3"
    assert body["recovered"] is True
    assert body["events"] == [
        {
            "event": f"event-{index}",
            "channel": channel,
            "data": encoded(channel, payloads[index]),
            "position": f"{begin.epoch}:{index + 1}",
        }
        for index in (1, 2)
    ]
    assert all(isinstance(event["data"], str) for event in body["events"])
    everything = get(client, channel, f"{begin.epoch}:0").json()
    assert [event["event"] for event in everything["events"]] == ["event-0", "event-1", "event-2"]
    assert everything["recovered"] is True


def test_since_the_latest_position_is_recovered_with_nothing_missed(
    backend: Backend, client: Client, channel: str
) -> None:
    begin = start(client, channel)
    publish(channel, "only", {})
    body = get(client, channel, f"{begin.epoch}:1").json()
    assert body == {
        "channel": channel,
        "position": f"{begin.epoch}:1",
        "recovered": True,
        "events": [],
    }


@pytest.mark.parametrize("since", ["0123abcd:1", "ahead"])
def test_another_epoch_or_a_future_offset_is_not_recovered(
    backend: Backend, client: Client, channel: str, since: str
) -> None:
    begin = start(client, channel)
    publish(channel, "a", 1)
    publish(channel, "b", 2)
    asked = f"{begin.epoch}:7" if since == "ahead" else since
    body = get(client, channel, asked).json()
    assert body == {
        "channel": channel,
        "position": f"{begin.epoch}:2",
        "recovered": False,
        "events": [],
    }


@pytest.mark.parametrize("name", ["memory", "tornado_redis"])
def test_a_history_that_no_longer_reaches_back_is_not_recovered(
    request: pytest.FixtureRequest, client: Client, channel: str, name: str
) -> None:
    with backend_settings(name, request, HISTORY_SIZE=2):
        backend = realtime_core.get_backend()
        begin = start(client, channel)
        for index in range(1, 6):
            publish(channel, f"e{index}", index)
        if name == "tornado_redis":
            # Redis trims whole stream nodes ("at least HISTORY_SIZE"): trim exactly, as
            # a busier channel would have been trimmed.
            keys = RedisKeys.for_app(REDIS_CREDENTIALS["APP_ID"])
            with redis.Redis.from_url(backend.options["REDIS_URL"]) as direct:
                direct.xtrim(keys.stream(channel), maxlen=2, approximate=False)

        body = get(client, channel, f"{begin.epoch}:1").json()
        recent = get(client, channel, f"{begin.epoch}:3").json()

    assert body["recovered"] is False
    assert body["position"] == f"{begin.epoch}:5"
    # What is still kept comes anyway, so the client can apply it after reloading.
    assert [event["position"] for event in body["events"]] == [f"{begin.epoch}:{n}" for n in (4, 5)]
    assert recent["recovered"] is True
    assert [event["event"] for event in recent["events"]] == ["e4", "e5"]


def test_the_backend_method_returns_the_same_history(backend: Backend, channel: str) -> None:
    begin = backend.history(channel, None)
    assert begin.complete
    assert begin.deliveries == ()
    publish(channel, "one", {"a": 1})
    found = backend.history(channel, Position(begin.position.epoch, 0))
    assert found.complete
    assert found.position == Position(begin.position.epoch, 1)
    assert [d.position for d in found.deliveries] == [f"{begin.position.epoch}:1"]
    frame = json.loads(found.deliveries[0].payload)
    assert frame == {
        "event": "one",
        "channel": channel,
        "data": '{"a":1}',
        "position": f"{begin.position.epoch}:1",
    }


# Who may read it -------------------------------------------------------------------------


@pytest.fixture
def memory_backend() -> Iterator[Backend]:
    with override_settings(REALTIME_BACKEND="memory", REALTIME_OPTIONS={}):
        yield realtime_core.get_backend()


def test_public_and_open_private_channels_are_open_to_anonymous_visitors(
    memory_backend: Backend, client: Client
) -> None:
    assert get(client, "news").status_code == 200
    assert get(client, "private-lobby").status_code == 200


def test_private_and_presence_channels_follow_their_authorize_rule(
    memory_backend: Backend, client: Client
) -> None:
    todo = TodoList.objects.create(name="Groceries")
    for name in (f"private-todo-list-{todo.pk}", f"presence-todo-list-{todo.pk}"):
        refused = get(client, name)
        assert refused.status_code == 403
        assert refused.json() == {"error": f"Not authorized to read the history of {name!r}."}
    client.force_login(User.objects.create_user("ann"))
    for name in (f"private-todo-list-{todo.pk}", f"presence-todo-list-{todo.pk}"):
        assert get(client, name).status_code == 200, name
    # The rules' own answers: no such list, and no pattern at all.
    assert get(client, f"private-todo-list-{todo.pk + 1}").status_code == 403
    assert get(client, f"presence-todo-list-{todo.pk + 1}").status_code == 403
    assert get(client, "private-unknown-pattern").status_code == 403


def test_encrypted_channels_are_refused_even_to_whom_may_subscribe(
    memory_backend: Backend, client: Client, ann: User
) -> None:
    response = get(client, f"private-encrypted-notes-{ann.pk}")
    assert response.status_code == 403


def test_a_user_channel_is_only_for_that_user(
    memory_backend: Backend, client: Client, ann: User
) -> None:
    own = f"#server-to-user-{ann.pk}"
    assert get(client, own).status_code == 200
    other = User.objects.create_user("bob")
    assert get(client, f"#server-to-user-{other.pk}").status_code == 403
    client.logout()
    assert get(client, own).status_code == 403


# Bad requests ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "since", ["", "abc", "ABC:1", "abc:-1", "abc:01", "abc:1:2", "g:1", ":1", "abc:"]
)
def test_a_malformed_since_is_a_bad_request(
    memory_backend: Backend, client: Client, since: str
) -> None:
    response = get(client, "news", since)
    assert response.status_code == 400
    assert response.json() == {"error": f"since must be a position 'epoch:offset', got {since!r}."}


@pytest.mark.parametrize("query", [{}, {"channel": ""}, {"channel": "bad channel!"}])
def test_a_missing_or_invalid_channel_is_a_bad_request(
    memory_backend: Backend, client: Client, query: dict[str, str]
) -> None:
    response = client.get(URL, query)
    assert response.status_code == 400
    assert set(response.json()) == {"error"}


def test_only_get_is_allowed_and_answers_are_not_cached(
    memory_backend: Backend, client: Client
) -> None:
    assert client.post(URL, {"channel": "news"}).status_code == 405
    response = get(client, "news")
    assert "no-cache" in response["Cache-Control"]


# Backends without a history, and outages ------------------------------------------------

PUSHER_OPTIONS = {"pusher": {"APP_ID": "8", "KEY": "hosted-key", "SECRET": "hosted-secret"}}


def test_pusher_keeps_no_history_and_the_endpoint_says_so(client: Client) -> None:
    with override_settings(REALTIME_BACKEND="pusher", REALTIME_OPTIONS=PUSHER_OPTIONS):
        backend = realtime_core.get_backend()
        assert backend.capabilities.recovery is False
        with pytest.raises(UnsupportedFeature) as raised:
            backend.history("news", None)
        response = get(client, "news", "abc:1")
        refused = get(client, "private-todo-list-1")
    assert raised.value.backend == "pusher"
    assert raised.value.feature == "history"
    assert response.status_code == 501
    assert response.json() == {"error": str(raised.value)}
    # Authorization is still decided first.
    assert refused.status_code == 403


@pytest.mark.parametrize("name", ["memory", "tornado_redis", "pusher"])
def test_history_exists_exactly_where_recovery_is_a_capability(
    request: pytest.FixtureRequest, name: str
) -> None:
    settings = (
        override_settings(REALTIME_BACKEND="pusher", REALTIME_OPTIONS=PUSHER_OPTIONS)
        if name == "pusher"
        else backend_settings(name, request)
    )
    with settings:
        backend = realtime_core.get_backend()
        try:
            backend.history(f"capability-{uuid.uuid4().hex}", None)
        except UnsupportedFeature:
            has_history = False
        else:
            has_history = True
    assert has_history is backend.capabilities.recovery


def test_unreachable_redis_answers_503_without_the_password(
    disposable_redis: RedisProcess, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{disposable_redis.port}/0"
    options = {"REDIS_URL": url, **REDIS_CREDENTIALS, "TIMEOUT": 1}
    with override_settings(
        REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS={"tornado_redis": options}
    ):
        backend = realtime_core.get_backend()
        disposable_redis.stop()
        with pytest.raises(PublishError) as raised:
            backend.history("news", None)
        with caplog.at_level(logging.ERROR, logger="realtime_core.history_views"):
            response = get(client, "news", "abc:1")
        disposable_redis.start()
        # Back up: the same backend answers again (it reconnects).
        assert get(client, "news").status_code == 200
    assert raised.value.backend == "tornado_redis"
    assert "news" in str(raised.value)
    assert PASSWORD not in str(raised.value)
    assert ":***@" in str(raised.value)
    assert response.status_code == 503
    assert response.json() == {"error": "The history is unavailable right now; try again later."}
    assert PASSWORD not in response.content.decode()
    assert caplog.records, "the outage is logged"
    assert PASSWORD not in caplog.text


def test_memory_history_is_bounded_by_its_limits(
    request: pytest.FixtureRequest, channel: str
) -> None:
    with backend_settings("memory", request, HISTORY_SIZE=3, HISTORY_TTL=60):
        backend = realtime_core.get_backend()
        assert memory.exchange.limits == HistoryLimits(3, 60)
        begin = backend.history(channel, None).position
        for index in range(5):
            publish(channel, "e", index)
        found = backend.history(channel, begin)
    assert not found.complete
    assert [d.position for d in found.deliveries] == [f"{begin.epoch}:{n}" for n in (3, 4, 5)]
