"""Pages follow a switch: the endpoints name the configured deployment, serve its config,
and answer for the backend a page is still connected to while the transition reaches it."""

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

import realtime_core
from realtime_core import authorization
from realtime_core.signing import channel_string_to_sign, sign
from realtime_core.signing import hmac_sha256_hex as sign_body
from realtime_core.transition import DEPLOYMENT_HEADER, deployment_id
from tests.testapp.models import TodoList

pytestmark = pytest.mark.django_db

OPTIONS = {
    "memory": {"KEY": "embedded-key", "SECRET": "embedded-secret"},
    "pusher": {"APP_ID": "8", "KEY": "hosted-key", "SECRET": "hosted-secret", "CLUSTER": "eu"},
}
SOCKET_ID = "1234.5678"


@pytest.fixture(autouse=True, scope="module")
def _discovered() -> None:
    authorization.autodiscover()


@pytest.fixture
def switched() -> Iterator[None]:
    """The switch from ``memory`` to ``pusher``, ``memory`` still published to."""
    with override_settings(
        REALTIME_BACKEND="pusher", REALTIME_OPTIONS=OPTIONS, REALTIME_ALSO_PUBLISH_TO=["memory"]
    ):
        yield


@pytest.fixture
def browser(client: Client) -> Client:
    client.force_login(User.objects.create_user("ann"))
    return client


def deployment_of(name: str) -> str:
    (backend,) = [
        b for b in (realtime_core.get_backend(), *realtime_core.get_mirrors()) if b.name == name
    ]
    return deployment_id(backend)


def test_every_endpoint_names_the_configured_deployment(switched: None, browser: Client) -> None:
    todo_list = TodoList.objects.create(name="Groceries")
    current = deployment_of("pusher")
    answers = [
        browser.get("/realtime/config/"),
        browser.post("/realtime/auth/channel/", {"socket_id": SOCKET_ID, "channel_name": "news"}),
        browser.post("/realtime/auth/user/", {"socket_id": SOCKET_ID}),
        browser.get("/realtime/history/?channel=news"),
        browser.get(f"/realtime/routes/todo-item/?todo_list={todo_list.pk}"),
        browser.get("/realtime/routes/nowhere/"),
        browser.get(f"/realtime/subscriptions/todo-item/?todo_list={todo_list.pk}"),
    ]
    assert [answer[DEPLOYMENT_HEADER] for answer in answers] == [current] * len(answers)
    # Refusals too: a page learns of the switch from any answer.
    assert [answer.status_code for answer in answers] == [200, 400, 200, 501, 404, 404, 404]


def test_the_config_endpoint_serves_what_the_tag_renders(switched: None, browser: Client) -> None:
    answer = browser.get("/realtime/config/")
    config = answer.json()
    assert (config["backend"], config["cluster"]) == ("pusher", "eu")
    assert config["deployment"] == {"id": deployment_of("pusher"), "endpoint": "/realtime/config/"}
    headers = config["channelAuthorization"]["headers"]
    assert set(headers) == {"X-CSRFTOKEN", DEPLOYMENT_HEADER}
    assert headers[DEPLOYMENT_HEADER] == deployment_of("pusher")
    assert "hosted-secret" not in answer.content.decode()
    assert "no-cache" in answer["Cache-Control"]
    assert browser.post("/realtime/config/").status_code == 405


def test_the_deployment_hashes_where_pages_connect_never_a_secret() -> None:
    with override_settings(REALTIME_OPTIONS=OPTIONS):
        before = deployment_id(realtime_core.get_backend())
    moved = {**OPTIONS, "memory": {**OPTIONS["memory"], "KEY": "another-key"}}
    with override_settings(REALTIME_OPTIONS=moved):
        assert deployment_id(realtime_core.get_backend()) != before
    rotated = {**OPTIONS, "memory": {**OPTIONS["memory"], "SECRET": "rotated-secret"}}
    with override_settings(REALTIME_OPTIONS=rotated):
        assert deployment_id(realtime_core.get_backend()) == before
    assert before.startswith("memory:")


def authorize(browser: Client, deployment: str | None) -> Any:
    headers = {} if deployment is None else {DEPLOYMENT_HEADER: deployment}
    todo_list = TodoList.objects.create(name="Groceries")
    channel = f"private-todo-list-{todo_list.pk}"
    answer = browser.post(
        "/realtime/auth/channel/",
        {"socket_id": SOCKET_ID, "channel_name": channel},
        headers=headers,
    )
    assert answer.status_code == 200, answer.content
    return channel, answer.json()["auth"]


def signature(name: str, channel: str) -> str:
    options = OPTIONS[name]
    return sign(options["KEY"], options["SECRET"], channel_string_to_sign(SOCKET_ID, channel))


def test_a_page_still_on_the_old_backend_is_signed_for_it(switched: None, browser: Client) -> None:
    channel, auth = authorize(browser, deployment_of("memory"))
    assert auth == signature("memory", channel)


@pytest.mark.parametrize("named", [None, "pusher", "memory:000000000000", "gone:123"])
def test_other_pages_are_signed_for_the_configured_backend(
    switched: None, browser: Client, named: str | None
) -> None:
    deployment = deployment_of("pusher") if named == "pusher" else named
    channel, auth = authorize(browser, deployment)
    assert auth == signature("pusher", channel)


def test_once_the_transition_is_over_every_page_is_signed_for_the_new_backend(
    browser: Client,
) -> None:
    with override_settings(REALTIME_OPTIONS=OPTIONS):
        old = deployment_id(realtime_core.get_backend())
    with override_settings(REALTIME_BACKEND="pusher", REALTIME_OPTIONS=OPTIONS):
        channel, auth = authorize(browser, old)
    assert auth == signature("pusher", channel)


def test_the_sign_in_is_signed_for_the_page_s_backend(switched: None, browser: Client) -> None:
    answer = browser.post(
        "/realtime/auth/user/",
        {"socket_id": SOCKET_ID},
        headers={DEPLOYMENT_HEADER: deployment_of("memory")},
    )
    assert answer.status_code == 200
    key, _, _ = answer.json()["auth"].partition(":")
    assert key == "embedded-key"


def test_the_history_of_the_page_s_backend(switched: None, browser: Client) -> None:
    url = "/realtime/history/?channel=news"
    kept = browser.get(url, headers={DEPLOYMENT_HEADER: deployment_of("memory")})
    assert kept.status_code == 200, kept.content  # memory keeps one
    assert browser.get(url).status_code == 501  # pusher keeps none


def test_webhooks_of_the_old_backend_still_arrive(switched: None, client: Client) -> None:
    heard: list[str] = []

    def occupied(sender: str, **kwargs: object) -> None:
        heard.append(sender)

    raw = json.dumps(
        {
            "time_ms": int(time.time() * 1000),
            "events": [{"name": "channel_occupied", "channel": "x"}],
        }
    ).encode()
    realtime_core.signals.channel_occupied.connect(occupied)
    try:
        for name in ("memory", "pusher"):
            answer = client.post(
                "/realtime/webhooks/",
                raw,
                content_type="application/json",
                headers={
                    "X-Pusher-Key": OPTIONS[name]["KEY"],
                    "X-Pusher-Signature": sign_body(OPTIONS[name]["SECRET"], raw),
                },
            )
            assert answer.status_code == 200, answer.content
        wrong = client.post(
            "/realtime/webhooks/",
            raw,
            content_type="application/json",
            headers={"X-Pusher-Key": "embedded-key", "X-Pusher-Signature": sign_body("x", raw)},
        )
    finally:
        realtime_core.signals.channel_occupied.disconnect(occupied)
    assert heard == ["memory", "pusher"]
    assert wrong.status_code == 401
