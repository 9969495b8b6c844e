"""create, update and delete: validation, permissions, CSRF, and publishing after commit."""

from typing import Any

import pytest
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.models import User
from django.db import models
from django.http import HttpResponse
from django.test import Client
from django.utils.crypto import get_random_string

from realtime_core.testing import Outbox
from tests.testapp.models import TodoItem, TodoList

pytestmark = pytest.mark.django_db

ITEMS = "/realtime/routes/todo-item/"
LISTS = "/realtime/routes/todo-list/"


def item_url(pk: object) -> str:
    return f"{ITEMS}{pk}/"


def post(client: Client, url: str, data: Any) -> HttpResponse:
    return client.post(url, data, content_type="application/json")


def patch(client: Client, url: str, data: Any) -> HttpResponse:
    return client.patch(url, data, content_type="application/json")


@pytest.mark.django_db(transaction=True)
def test_create_saves_through_the_model_and_publishes_after_commit(
    client: Client, ann: User, anns_list: TodoList, realtime_outbox: Outbox
) -> None:
    realtime_outbox.clear()
    response = post(client, ITEMS, {"todo_list": anns_list.pk, "text": "Eggs", "order": 4})
    assert response.status_code == 201
    created = response.json()
    assert created == {
        "id": created["id"],
        "todo_list": anns_list.pk,
        "text": "Eggs",
        "done": False,
        "order": 4,
        "tags": [],
    }
    assert TodoItem.objects.get(pk=created["id"]).text == "Eggs"
    assert [(event.event, event.data) for event in realtime_outbox] == [("created", created)]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"todo_list": 0}, {"text": ["This field is required."], "todo_list": None}),
        (
            {"text": "x", "done": "yes"},
            {"todo_list": ["This field is required."], "done": None},
        ),
        ({"text": "x", "todo_list": None, "id": 3}, {"todo_list": None, "id": None}),
        (["not", "an", "object"], {"__all__": None}),
    ],
)
def test_invalid_data_is_answered_per_field(
    client: Client, ann: User, data: Any, errors: dict[str, Any]
) -> None:
    response = post(client, ITEMS, data)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Invalid data."
    assert set(body["errors"]) == set(errors)
    for name, messages in errors.items():
        if messages is not None:
            assert body["errors"][name] == messages
    assert not TodoItem.objects.exists()


@pytest.mark.parametrize("body", [b"{", b"\xff", b""])
def test_a_body_that_is_not_json_is_refused(client: Client, ann: User, body: bytes) -> None:
    response = client.post(ITEMS, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": "The request body is not valid JSON."}


def test_an_object_too_large_to_publish_is_not_saved(
    client: Client, ann: User, milk: TodoItem, settings: Any
) -> None:
    settings.REALTIME_OPTIONS = {"memory": {"MAX_DATA_BYTES": 100}}
    response = patch(client, item_url(milk.pk), {"text": "x" * 100})
    assert response.status_code == 400
    assert response.json()["error"].startswith("Not saved: the object is too large to publish.")
    milk.refresh_from_db()
    assert milk.text == "Milk"


def test_writes_are_refused_by_default(client: Client, anns_list: TodoList) -> None:
    # Anonymous: the item router's rule refuses, and lists need a Django permission.
    assert post(client, ITEMS, {"todo_list": anns_list.pk, "text": "x"}).status_code == 403
    assert post(client, LISTS, {"name": "New"}).status_code == 403
    client.force_login(User.objects.create_user("ann"))
    assert post(client, LISTS, {"name": "New"}).status_code == 403
    assert list(TodoList.objects.values_list("name", flat=True)) == ["ann"]


def test_a_django_permission_allows_writing(client: Client, editor: User) -> None:
    response = post(client, LISTS, {"name": "Groceries"})
    assert response.status_code == 201
    pk = response.json()["id"]
    assert patch(client, f"{LISTS}{pk}/", {"name": "Food"}).json() == {"id": pk, "name": "Food"}
    assert client.delete(f"{LISTS}{pk}/").json() == {"id": pk}
    assert not TodoList.objects.exists()


def test_objects_are_written_only_where_the_rule_allows(
    client: Client, ann: User, milk: TodoItem, other_list: TodoList
) -> None:
    # Creating into bob's list, moving an item there, writing bob's item: all refused.
    assert post(client, ITEMS, {"todo_list": other_list.pk, "text": "x"}).status_code == 403
    assert patch(client, item_url(milk.pk), {"todo_list": other_list.pk}).status_code == 403
    beer = TodoItem.objects.create(todo_list=other_list, text="Beer")
    assert patch(client, item_url(beer.pk), {"text": "Wine"}).status_code == 403
    assert client.delete(item_url(beer.pk)).status_code == 403
    assert list(TodoItem.objects.order_by("pk").values_list("todo_list", "text")) == [
        (milk.todo_list_id, "Milk"),
        (other_list.pk, "Beer"),
    ]


def test_an_update_is_partial(client: Client, ann: User, milk: TodoItem) -> None:
    TodoItem.objects.filter(pk=milk.pk).update(order=7)  # another writer, meanwhile
    response = patch(client, item_url(milk.pk), {"done": True})
    assert response.status_code == 200
    assert response.json() == {
        "id": milk.pk,
        "todo_list": milk.todo_list_id,
        "text": "Milk",
        "done": True,
        "order": 7,
        "tags": [],
    }


def test_an_update_writes_only_update_fields(client: Client, ann: User, milk: TodoItem) -> None:
    response = patch(client, item_url(milk.pk), {"id": 99, "text": ""})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "id": ["This field cannot be written."],
        "text": ["This field is required."],
    }
    milk.refresh_from_db()
    assert (milk.pk, milk.text) == (milk.pk, "Milk")


def test_updating_or_deleting_a_missing_object_is_404(client: Client, ann: User) -> None:
    assert patch(client, item_url(12345), {"text": "x"}).status_code == 404
    assert client.delete(item_url(12345)).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_delete_goes_through_the_model(
    client: Client, ann: User, milk: TodoItem, realtime_outbox: Outbox
) -> None:
    realtime_outbox.clear()
    response = client.delete(item_url(milk.pk))
    assert (response.status_code, response.json()) == (200, {"id": milk.pk})
    assert not TodoItem.objects.exists()
    assert [(event.event, event.data) for event in realtime_outbox] == [
        ("deleted", {"id": milk.pk})
    ]
    assert client.delete(item_url(milk.pk)).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_second_delete_is_404_and_publishes_nothing(
    client: Client, ann: User, milk: TodoItem, realtime_outbox: Outbox
) -> None:
    # A double click on Delete: the row the second request names is gone.
    assert client.delete(item_url(milk.pk)).status_code == 200
    realtime_outbox.clear()
    response = client.delete(item_url(milk.pk))
    assert response.status_code == 404
    assert response.json() == {"error": "No such object on route 'todo-item'."}
    assert list(realtime_outbox) == []


class ListNamedAfterUser(BaseBackend):
    """Grants change_todolist on the lists named after the user: an object permission."""

    def has_perm(self, user_obj: Any, perm: str, obj: models.Model | None = None) -> bool:
        return (
            perm == "testapp.change_todolist"
            and isinstance(obj, TodoList)
            and obj.name == user_obj.get_username()
        )


def test_django_object_permissions_decide_per_object(
    client: Client, ann: User, anns_list: TodoList, other_list: TodoList, settings: Any
) -> None:
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        f"{__name__}.ListNamedAfterUser",
    ]
    assert client.delete(f"{LISTS}{other_list.pk}/").status_code == 403
    assert client.delete(f"{LISTS}{anns_list.pk}/").status_code == 200
    assert list(TodoList.objects.values_list("name", flat=True)) == ["bob"]


def test_writes_need_the_csrf_token(milk: TodoItem) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get_or_create(username="ann")[0])
    # Reads need no token.
    assert client.get(item_url(milk.pk)).status_code == 200
    assert post(client, ITEMS, {"todo_list": milk.todo_list_id, "text": "x"}).status_code == 403
    assert patch(client, item_url(milk.pk), {"text": "x"}).status_code == 403
    assert client.delete(item_url(milk.pk)).status_code == 403
    assert list(TodoItem.objects.values_list("text", flat=True)) == ["Milk"]

    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    response = client.patch(
        item_url(milk.pk),
        {"text": "Oat milk"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert response.json()["text"] == "Oat milk"
