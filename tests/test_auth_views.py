"""The auth endpoints pusher-js calls: checked with the official SDK and the real server."""

import base64
import json
import logging
import secrets
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pusher
import pytest
from django.contrib.auth.models import AnonymousUser, Group, User
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import got_request_exception
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import reverse

import realtime_core
from realtime_core import authorization
from realtime_core.authorization import ChannelRegistry, Member
from realtime_core.backends.memory import MemoryBackend
from realtime_core.brokers.in_process import InProcessBroker, InProcessExchange
from realtime_core.json_views import SERVER_ERROR
from realtime_core.server.config import ServerConfig
from realtime_core.signing import Credentials
from tests.server.pusher_client import PusherTestClient
from tests.server_harness import ServerThread
from tests.testapp.models import TodoList
from tests.testapp.realtime import SHARED_DOCUMENT

pytestmark = pytest.mark.django_db

SOCKET_ID = "1234.5678"
MASTER_KEY = bytes(range(32))
CHANNEL_URL = "/realtime/auth/channel/"
USER_URL = "/realtime/auth/user/"


class CompactEncoder(json.JSONEncoder):
    """Makes the SDK encode JSON as the endpoint does, so whole answers can be compared."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**{**options, "separators": (",", ":"), "ensure_ascii": False})


@pytest.fixture(autouse=True, scope="module")
def _discovered() -> None:
    # What AppConfig.ready() does; importing twice is a no-op.
    authorization.autodiscover()


@pytest.fixture
def credentials() -> Credentials:
    return realtime_core.get_backend().credentials


def sdk(credentials: Credentials, **options: Any) -> pusher.Pusher:
    return pusher.Pusher(
        app_id="1",
        key=credentials.key,
        secret=credentials.secret,
        json_encoder=CompactEncoder,
        **options,
    )


@pytest.fixture
def ann(client: Client) -> User:
    """A signed-in user (session cookie on ``client``)."""
    user = User.objects.create_user("ann")
    client.force_login(user)
    return user


@pytest.fixture
def todo_list() -> TodoList:
    return TodoList.objects.create(name="Groceries")


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> ChannelRegistry:
    fresh = ChannelRegistry()
    monkeypatch.setattr(authorization, "default_registry", fresh)
    return fresh


@pytest.fixture
def master_key(monkeypatch: pytest.MonkeyPatch) -> bytes:
    """Give the memory backend's credentials an encryption master key."""
    with_key = property(
        lambda self: Credentials(self.options["KEY"], self.secret, encryption_master_key=MASTER_KEY)
    )
    monkeypatch.setattr(MemoryBackend, "credentials", with_key)
    return MASTER_KEY


def channel_auth(client: Client, channel: str, socket_id: str = SOCKET_ID) -> HttpResponse:
    return client.post(CHANNEL_URL, {"socket_id": socket_id, "channel_name": channel})


def error(response: HttpResponse) -> str:
    body = json.loads(response.content)
    assert list(body) == ["error"]
    return str(body["error"])


def test_urls_are_named() -> None:
    assert reverse("realtime_core:channel-auth") == CHANNEL_URL
    assert reverse("realtime_core:user-auth") == USER_URL


# Private channels -------------------------------------------------------------------


def test_allowed_private_channel_is_signed_like_the_sdk(
    client: Client, ann: User, todo_list: TodoList, credentials: Credentials
) -> None:
    channel = f"private-todo-list-{todo_list.pk}"
    response = channel_auth(client, channel)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == sdk(credentials).authenticate(channel, SOCKET_ID)
    assert response.json()["auth"].startswith(f"{credentials.key}:")


def test_json_body_is_accepted(
    client: Client, ann: User, todo_list: TodoList, credentials: Credentials
) -> None:
    channel = f"private-todo-list-{todo_list.pk}"
    response = client.post(
        CHANNEL_URL,
        {"socket_id": SOCKET_ID, "channel_name": channel},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == sdk(credentials).authenticate(channel, SOCKET_ID)


def test_refused_private_channel(client: Client, ann: User) -> None:
    response = channel_auth(client, "private-todo-list-999")
    assert response.status_code == 403
    assert error(response) == "Not authorized to subscribe to 'private-todo-list-999'."


def test_anonymous_users_reach_the_function(client: Client, todo_list: TodoList) -> None:
    assert channel_auth(client, f"private-todo-list-{todo_list.pk}").status_code == 403
    assert channel_auth(client, f"presence-todo-list-{todo_list.pk}").status_code == 403
    assert channel_auth(client, "private-lobby").status_code == 200


def test_unknown_channel_is_refused_without_listing_patterns(client: Client, ann: User) -> None:
    response = channel_auth(client, "private-unknown-1")
    assert response.status_code == 403
    assert error(response) == "No channel authorization pattern matches 'private-unknown-1'."
    assert "<" not in response.content.decode()


@pytest.mark.parametrize(
    ("channel", "status", "reason"),
    [
        ("private-todo-list-abc", 403, "No channel authorization pattern matches"),
        ("private-team-red-ants", 200, None),
        ("private-team-blue-ants", 403, "Not authorized"),
        ("private-team-red.ants", 403, "No channel authorization pattern matches"),
        (f"private-document-{SHARED_DOCUMENT}", 200, None),
        (f"private-document-{uuid.UUID(int=1)}", 403, "Not authorized"),
        ("private-document-6f1c2a8e", 403, "No channel authorization pattern matches"),
        ("private-archive-2024", 200, None),
        ("private-archive-2010", 403, "Not authorized"),
        ("private-archive-1999", 403, "No channel authorization pattern matches"),
        ("private-archive-20245", 403, "No channel authorization pattern matches"),
    ],
)
def test_converters(
    client: Client, ann: User, channel: str, status: int, reason: str | None
) -> None:
    ann.groups.add(Group.objects.create(name="red-ants"))
    response = channel_auth(client, channel)
    assert response.status_code == status, response.content
    if reason is not None:
        assert error(response).startswith(reason)


def test_custom_converter_value_reaches_the_function(client: Client, ann: User) -> None:
    ann.is_staff = True
    ann.save()
    assert channel_auth(client, "private-archive-2010").status_code == 200


# Encrypted channels -----------------------------------------------------------------


def test_encrypted_channel_gets_its_shared_secret(
    client: Client, master_key: bytes, credentials: Credentials
) -> None:
    user = User.objects.create_user("bob")
    client.force_login(user)
    channel = f"private-encrypted-notes-{user.pk}"
    response = channel_auth(client, channel)
    assert response.status_code == 200
    expected = sdk(
        credentials, encryption_master_key_base64=base64.b64encode(master_key).decode()
    ).authenticate(channel, SOCKET_ID)
    assert response.json() == {**expected, "shared_secret": expected["shared_secret"].decode()}
    assert channel_auth(client, "private-encrypted-notes-999").status_code == 403


def test_encrypted_channel_without_master_key_is_refused_and_logged(
    client: Client, ann: User, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, "realtime_core.views"):
        response = channel_auth(client, f"private-encrypted-notes-{ann.pk}")
    assert response.status_code == 403
    assert error(response) == "Encrypted channels need ENCRYPTION_MASTER_KEY."
    (record,) = caplog.records
    assert "'memory' backend's credentials have no encryption master key" in record.getMessage()


# Presence channels ------------------------------------------------------------------


def test_presence_channel_data_is_the_member_and_signed_like_the_sdk(
    client: Client, ann: User, todo_list: TodoList, credentials: Credentials
) -> None:
    channel = f"presence-todo-list-{todo_list.pk}"
    response = channel_auth(client, channel)
    assert response.status_code == 200
    body = response.json()
    member = {"user_id": str(ann.pk), "user_info": {"name": "ann"}}
    assert json.loads(body["channel_data"]) == member
    assert body == sdk(credentials).authenticate(channel, SOCKET_ID, member)


def test_presence_function_returning_a_bool_is_a_server_error(
    client: Client, registry: ChannelRegistry
) -> None:
    registry.register("presence-room-<int:room>", lambda user, room: True)
    with pytest.raises(TypeError, match=r"<lambda> \(channel pattern 'presence-room-<int:room>'\)"):
        channel_auth(client, "presence-room-1")


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("url", [CHANNEL_URL, USER_URL])
def test_a_server_error_answers_json_and_is_reported(
    registry: ChannelRegistry,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
    debug: bool,
    url: str,
) -> None:
    def broken(user: Any, room: int = 0) -> Member:
        raise RuntimeError("secret detail")

    registry.register("private-room-<int:room>", broken)
    registry.register_user(broken)
    settings.DEBUG = debug
    reported: list[HttpRequest] = []

    def receiver(sender: object, request: HttpRequest, **kwargs: Any) -> None:
        reported.append(request)

    browser = Client(raise_request_exception=False)  # answers as a browser sees them
    browser.force_login(User.objects.create_user("ann"))
    got_request_exception.connect(receiver)
    try:
        with caplog.at_level(logging.ERROR, "django.request"):
            response = browser.post(url, {"socket_id": SOCKET_ID, "channel_name": "private-room-1"})
    finally:
        got_request_exception.disconnect(receiver)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": SERVER_ERROR}
    assert [request.path for request in reported] == [url]
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is not None
    assert record.exc_info[0] is RuntimeError


# Signin -----------------------------------------------------------------------------


def test_signin_of_an_authenticated_user(
    client: Client, ann: User, credentials: Credentials
) -> None:
    response = client.post(USER_URL, {"socket_id": SOCKET_ID})
    assert response.status_code == 200
    assert response.json() == sdk(credentials).authenticate_user(SOCKET_ID, {"id": str(ann.pk)})


def test_signin_uses_the_registered_rule(
    client: Client, ann: User, registry: ChannelRegistry, credentials: Credentials
) -> None:
    registry.register_user(lambda user: Member(id=f"u-{user.pk}", info={"name": "Ann"}))
    response = client.post(USER_URL, {"socket_id": SOCKET_ID}, content_type="application/json")
    assert response.status_code == 200
    user_data = {"id": f"u-{ann.pk}", "user_info": {"name": "Ann"}}
    assert response.json() == sdk(credentials).authenticate_user(SOCKET_ID, user_data)


def test_signin_of_an_anonymous_user_is_refused(client: Client) -> None:
    response = client.post(USER_URL, {"socket_id": SOCKET_ID})
    assert response.status_code == 403
    assert error(response) == "Sign in refused: log in first."


def test_signin_refused_by_the_rule(client: Client, ann: User, registry: ChannelRegistry) -> None:
    registry.register_user(lambda user: None)
    response = client.post(USER_URL, {"socket_id": SOCKET_ID})
    assert response.status_code == 403
    assert error(response) == "Sign in refused for this user."


# CSRF and sessions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (CHANNEL_URL, {"socket_id": SOCKET_ID, "channel_name": "private-lobby"}),
        (USER_URL, {"socket_id": SOCKET_ID}),
    ],
)
@pytest.mark.parametrize("csrf_middleware", [True, False])
def test_csrf_is_enforced(
    settings: Any, url: str, data: dict[str, str], csrf_middleware: bool
) -> None:
    if not csrf_middleware:  # the views protect themselves
        settings.MIDDLEWARE = [
            name
            for name in settings.MIDDLEWARE
            if name != "django.middleware.csrf.CsrfViewMiddleware"
        ]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(User.objects.create_user("carol"))
    refused = browser.post(url, data)
    assert refused.status_code == 403
    assert b"CSRF" in refused.content

    token = secrets.token_hex(16)  # a CSRF secret: 32 alphanumeric characters
    browser.cookies["csrftoken"] = token
    assert browser.post(url, data, headers={"X-CSRFToken": token}).status_code == 200


# Malformed requests -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"channel_name": "private-lobby"}, "socket_id is required."),
        ({"socket_id": "", "channel_name": "private-lobby"}, "socket_id is required."),
        ({"socket_id": "abc", "channel_name": "private-lobby"}, "Invalid socket_id 'abc'"),
        ({"socket_id": "1.2.3", "channel_name": "private-lobby"}, "Invalid socket_id '1.2.3'"),
        ({"socket_id": SOCKET_ID}, "channel_name is required."),
        ({"socket_id": SOCKET_ID, "channel_name": "private-a b"}, "Invalid channel name"),
        ({"socket_id": SOCKET_ID, "channel_name": "private-" + "x" * 200}, "Channel name"),
        (
            {"socket_id": SOCKET_ID, "channel_name": "news"},
            "Channel 'news' needs no authorization: only private- and presence- channels do.",
        ),
        (
            {"socket_id": SOCKET_ID, "channel_name": "#server-to-user-1"},
            "Channel '#server-to-user-1' needs no",
        ),
    ],
)
def test_malformed_channel_requests_are_400(
    client: Client, ann: User, data: dict[str, str], reason: str
) -> None:
    for response in (
        client.post(CHANNEL_URL, data),
        client.post(CHANNEL_URL, data, content_type="application/json"),
    ):
        assert response.status_code == 400
        assert error(response).startswith(reason)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{not json", "The request body is not valid JSON."),
        (b"\xff", "The request body is not valid JSON."),
        ('["1.2", "private-lobby"]', "The JSON body must be an object."),
        ('{"socket_id": 1.2, "channel_name": "private-lobby"}', "socket_id is required."),
        # Nested past the parser's recursion limit: was a server error (RecursionError).
        ("[" * 100_000, "The request body is not valid JSON."),
    ],
)
@pytest.mark.parametrize("url", [CHANNEL_URL, USER_URL])
def test_malformed_json_is_400(client: Client, url: str, body: str | bytes, reason: str) -> None:
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert error(response) == reason


def test_signin_needs_a_valid_socket_id(client: Client, ann: User) -> None:
    response = client.post(USER_URL, {"socket_id": "1234"})
    assert response.status_code == 400
    assert error(response).startswith("Invalid socket_id '1234'")


@pytest.mark.parametrize("url", [CHANNEL_URL, USER_URL])
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_only_post_is_allowed(client: Client, ann: User, url: str, method: str) -> None:
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_missing_authentication_middleware_is_named(
    client: Client, settings: Any, todo_list: TodoList
) -> None:
    settings.MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
    with pytest.raises(ImproperlyConfigured, match="AuthenticationMiddleware"):
        channel_auth(client, "private-lobby")


# The secret stays secret ------------------------------------------------------------


def test_secrets_never_appear_in_any_answer(
    client: Client, todo_list: TodoList, master_key: bytes, credentials: Credentials
) -> None:
    requests: list[tuple[str, dict[str, str]]] = [
        (USER_URL, {"socket_id": SOCKET_ID}),
        (USER_URL, {}),
    ] + [
        (CHANNEL_URL, {"socket_id": socket_id, "channel_name": channel})
        for socket_id in (SOCKET_ID, "bad")
        for channel in (
            f"private-todo-list-{todo_list.pk}",
            f"presence-todo-list-{todo_list.pk}",
            "private-encrypted-notes-1",
            "private-unknown",
            "private-lobby",
            "news",
            "private-bad name",
        )
    ]
    statuses = set()
    for logged_in in (False, True):
        if logged_in:
            client.force_login(User.objects.create_user("dave"))
        for url, data in requests:
            for content_type in ("application/x-www-form-urlencoded", "application/json"):
                body = data if content_type.endswith("json") else urlencode(data)
                response = client.post(url, body, content_type=content_type)
                statuses.add(response.status_code)
                text = response.content.decode()
                assert credentials.secret not in text
                assert base64.b64encode(master_key).decode() not in text
                assert master_key.hex() not in text
    assert statuses == {200, 400, 403}


# Whichever backend is configured signs ----------------------------------------------


@override_settings(
    REALTIME_BACKEND="tornado_redis",
    REALTIME_OPTIONS={
        "tornado_redis": {
            "APP_ID": "77",
            "KEY": "redis-key",
            "SECRET": "redis-secret",
            "REDIS_URL": "redis://127.0.0.1:1/0",
        }
    },
)
def test_endpoint_signs_with_the_configured_backend(client: Client, ann: User) -> None:
    response = client.post(CHANNEL_URL, {"socket_id": SOCKET_ID, "channel_name": "private-lobby"})
    assert response.status_code == 200
    redis_sdk = pusher.Pusher(app_id="77", key="redis-key", secret="redis-secret")
    assert response.json() == redis_sdk.authenticate("private-lobby", SOCKET_ID)


# Against the real server ------------------------------------------------------------


@pytest.fixture
def server(credentials: Credentials) -> Iterator[ServerThread]:
    config = ServerConfig(app_id="1", key=credentials.key, secret=credentials.secret)
    thread = ServerThread(config, lambda: InProcessBroker(InProcessExchange()))
    yield thread
    thread.stop()


@pytest.fixture
def socket(server: ServerThread) -> Iterator[PusherTestClient]:
    connection = PusherTestClient(server.ws_url, server.config)
    yield connection
    connection.close()


def test_server_accepts_private_authorization(
    client: Client, ann: User, todo_list: TodoList, socket: PusherTestClient
) -> None:
    channel = f"private-todo-list-{todo_list.pk}"
    answer = channel_auth(client, channel, socket.socket_id).json()
    socket.send("pusher:subscribe", {"channel": channel, "auth": answer["auth"]})
    assert socket.expect("pusher_internal:subscription_succeeded")["channel"] == channel


def test_server_refuses_an_authorization_for_another_socket(
    client: Client, ann: User, todo_list: TodoList, socket: PusherTestClient
) -> None:
    channel = f"private-todo-list-{todo_list.pk}"
    answer = channel_auth(client, channel, "1.1").json()
    socket.send("pusher:subscribe", {"channel": channel, "auth": answer["auth"]})
    assert socket.expect("pusher:subscription_error")["channel"] == channel


def test_server_accepts_presence_authorization(
    client: Client, ann: User, todo_list: TodoList, socket: PusherTestClient
) -> None:
    channel = f"presence-todo-list-{todo_list.pk}"
    answer = channel_auth(client, channel, socket.socket_id).json()
    socket.send("pusher:subscribe", {"channel": channel, **answer})
    succeeded = socket.expect("pusher_internal:subscription_succeeded")
    presence = json.loads(succeeded["data"])["presence"]
    assert presence["hash"] == {str(ann.pk): {"name": "ann"}}
    assert presence["count"] == 1


def test_server_accepts_signin(client: Client, ann: User, socket: PusherTestClient) -> None:
    answer = client.post(USER_URL, {"socket_id": socket.socket_id}).json()
    socket.send("pusher:signin", answer)
    success = socket.expect("pusher:signin_success")
    assert (
        success["data"]["user_data"]
        == answer["user_data"]
        == json.dumps({"id": str(ann.pk)}, separators=(",", ":"))
    )


def test_a_watchlist_signed_at_signin_is_watched_by_the_server(
    client: Client, ann: User, registry: ChannelRegistry, credentials: Credentials
) -> None:
    registry.register_user(lambda user: Member(id=str(user.pk), watchlist=["bob"]))
    config = ServerConfig(
        app_id="1", key=credentials.key, secret=credentials.secret, watchlist_events=True
    )
    thread = ServerThread(config, lambda: InProcessBroker(InProcessExchange()))
    socket = PusherTestClient(thread.ws_url, config)
    try:
        answer = client.post(USER_URL, {"socket_id": socket.socket_id}).json()
        assert json.loads(answer["user_data"])["watchlist"] == ["bob"]
        socket.send("pusher:signin", answer)
        socket.expect("pusher:signin_success")
        watched = json.loads(socket.expect("pusher_internal:watchlist_events")["data"])
        assert watched == {"events": [{"name": "offline", "user_ids": ["bob"]}]}
    finally:
        socket.close()
        thread.stop()


def test_request_user_is_passed_unchanged(client: Client, registry: ChannelRegistry) -> None:
    seen: list[object] = []
    registry.register("private-seen", lambda user: seen.append(user) or True)
    assert channel_auth(client, "private-seen").status_code == 200
    assert isinstance(seen[0], AnonymousUser)
