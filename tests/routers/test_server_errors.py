"""An unexpected exception in a router view: a short JSON 500, reported as Django reports it."""

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.signals import got_request_exception
from django.http import HttpResponse
from django.test import Client

from realtime_core.json_views import SERVER_ERROR
from tests.testapp.models import TodoItem, TodoList
from tests.testapp.routers import TodoItemRouter
from tests.testapp.serializers import TodoItemSerializer

pytestmark = pytest.mark.django_db

ITEMS = "/realtime/routes/todo-item/"
SECRET_DETAIL = "the database password is hunter2"


class Boom(RuntimeError):
    """What a router's code raised: nothing the view knows how to answer."""


def explode(*args: Any, **kwargs: Any) -> Any:
    raise Boom(SECRET_DETAIL)


@pytest.fixture
def browser() -> Client:
    """A client that gets the answer a browser would, instead of the exception."""
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.create_user("ann"))
    return client


@pytest.fixture
def failing_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TodoItemRouter, "get_queryset", explode)


@pytest.fixture
def reported() -> Iterator[list[dict[str, Any]]]:
    """What ``got_request_exception`` receivers were sent."""
    heard: list[dict[str, Any]] = []

    def receiver(sender: object, **kwargs: Any) -> None:
        heard.append({"sender": sender, **kwargs})

    got_request_exception.connect(receiver)
    yield heard
    got_request_exception.disconnect(receiver)


def assert_json_500(response: HttpResponse) -> None:
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": SERVER_ERROR}
    assert SECRET_DETAIL not in response.content.decode()


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.usefixtures("failing_reads")
def test_an_unexpected_error_answers_json_whatever_debug_says(
    browser: Client, anns_list: TodoList, settings: Any, debug: bool
) -> None:
    settings.DEBUG = debug
    assert_json_500(browser.get(ITEMS, {"todo_list": anns_list.pk}))
    assert_json_500(browser.get(f"{ITEMS}1/"))
    assert_json_500(browser.delete(f"{ITEMS}1/"))


@pytest.mark.usefixtures("failing_reads")
def test_the_error_is_signalled_and_logged_once_with_its_traceback(
    browser: Client,
    anns_list: TodoList,
    reported: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, "django.request"):
        response = browser.get(ITEMS, {"todo_list": anns_list.pk})
    assert_json_500(response)
    (signal,) = reported
    assert signal["sender"] is None
    assert signal["request"].path == ITEMS
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == f"Internal Server Error: {ITEMS}"
    assert record.exc_info is not None
    assert record.exc_info[0] is Boom
    assert record.status_code == 500  # type: ignore[attr-defined]
    assert record.request.path == ITEMS  # type: ignore[attr-defined]


@pytest.mark.usefixtures("failing_reads")
def test_the_test_client_still_raises_it(client: Client, ann: User) -> None:
    # Django's test client re-raises what got_request_exception reported.
    with pytest.raises(Boom, match=SECRET_DETAIL):
        client.get(f"{ITEMS}1/")


@pytest.mark.usefixtures("failing_reads")
def test_debug_propagate_exceptions_lets_it_through(browser: Client, settings: Any) -> None:
    settings.DEBUG_PROPAGATE_EXCEPTIONS = True
    with pytest.raises(Boom):
        browser.get(f"{ITEMS}1/")


def test_a_write_that_fails_is_rolled_back(
    browser: Client, anns_list: TodoList, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The row is saved, then answering fails: nothing stays saved.
    monkeypatch.setattr(TodoItemSerializer, "serialize", explode)
    response = browser.post(
        ITEMS, {"todo_list": anns_list.pk, "text": "Eggs"}, content_type="application/json"
    )
    assert_json_500(response)
    assert not TodoItem.objects.exists()


def test_errors_django_answers_with_a_4xx_keep_its_handling(
    browser: Client, anns_list: TodoList, settings: Any
) -> None:
    # RequestDataTooBig (a SuspiciousOperation): Django's 400, not a server error.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    response = browser.post(
        ITEMS, {"todo_list": anns_list.pk, "text": "x" * 20}, content_type="application/json"
    )
    assert response.status_code == 400
