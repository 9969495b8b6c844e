"""get_list and get_single: filters, ordering, pages, and who may read what."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import models
from django.http import HttpRequest
from django.test import Client

from realtime_core.routers import default_registry
from tests.testapp.models import TodoItem, TodoList
from tests.testapp.routers import TodoItemRouter

pytestmark = pytest.mark.django_db

ITEMS = "/realtime/routes/todo-item/"
LISTS = "/realtime/routes/todo-list/"


def item_url(pk: object) -> str:
    return f"{ITEMS}{pk}/"


@pytest.fixture
def three(anns_list: TodoList) -> list[TodoItem]:
    """Three items of ann's list, created out of order; the middle one is done."""
    return [
        TodoItem.objects.create(todo_list=anns_list, text=text, order=order, done=order == 2)
        for text, order in (("c", 3), ("a", 1), ("b", 2))
    ]


def orders(client: Client, **params: Any) -> list[int]:
    response = client.get(ITEMS, params)
    assert response.status_code == 200, response.json()
    return [row["order"] for row in response.json()["results"]]


def test_a_list_answers_a_page_of_rows_in_the_serializer_form(
    client: Client, ann: User, anns_list: TodoList, three: list[TodoItem]
) -> None:
    first = client.get(ITEMS, {"todo_list": anns_list.pk})
    assert first.status_code == 200
    assert first.json() == {
        "results": [
            {
                "id": three[1].pk,
                "todo_list": anns_list.pk,
                "text": "a",
                "done": False,
                "order": 1,
                "tags": [],
            },
            {
                "id": three[2].pk,
                "todo_list": anns_list.pk,
                "text": "b",
                "done": True,
                "order": 2,
                "tags": [],
            },
        ],
        "count": 3,
        "page": 1,
        "page_size": 2,
        "has_next": True,
    }
    second = client.get(ITEMS, {"todo_list": anns_list.pk, "page": 2}).json()
    assert [row["order"] for row in second["results"]] == [3]
    assert (second["count"], second["has_next"]) == (3, False)
    beyond = client.get(ITEMS, {"todo_list": anns_list.pk, "page": 5}).json()
    assert (beyond["results"], beyond["has_next"]) == ([], False)


def test_the_page_size_is_capped(
    client: Client, ann: User, anns_list: TodoList, three: list[TodoItem]
) -> None:
    assert orders(client, todo_list=anns_list.pk, page_size=3) == [1, 2, 3]
    too_big = client.get(ITEMS, {"todo_list": anns_list.pk, "page_size": 4})
    assert too_big.status_code == 400
    assert too_big.json() == {
        "error": "Invalid list parameters.",
        "errors": {"page_size": ["At most 3."]},
    }
    for bad in ("0", "-1", "two", ""):
        response = client.get(ITEMS, {"todo_list": anns_list.pk, "page": bad, "page_size": bad})
        assert response.status_code == 400
        assert set(response.json()["errors"]) == {"page", "page_size"}


def test_filters_select_rows_by_equality(
    client: Client, ann: User, anns_list: TodoList, three: list[TodoItem]
) -> None:
    assert orders(client, todo_list=anns_list.pk, done="true") == [2]
    assert orders(client, todo_list=anns_list.pk, done="false") == [1, 3]
    own_other = TodoList.objects.create(name="ann")
    assert orders(client, todo_list=own_other.pk) == []


@pytest.mark.parametrize(
    "name", ["text", "todo_list__name", "todo_list__owner__password", "done__in", "pk", "id"]
)
def test_only_whitelisted_fields_filter_never_lookups(
    client: Client, ann: User, anns_list: TodoList, three: list[TodoItem], name: str
) -> None:
    response = client.get(ITEMS, {"todo_list": anns_list.pk, name: "x"})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        name: ["Unknown filter. Filters of 'todo-item': done, todo_list."]
    }


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"todo_list": "one"}, {"todo_list": ["Expected a whole number."]}),
        ({"todo_list": "99999999999999999999"}, {"todo_list": ["Expected a whole number."]}),
        ({"todo_list": "1", "done": "yes"}, {"done": ["Expected true or false."]}),
        ({"todo_list": "1", "done": "True"}, {"done": ["Expected true or false."]}),
        ({"todo_list": ["1", "2"]}, {"todo_list": ["Give this parameter once."]}),
    ],
)
def test_filter_values_must_be_spelled_for_their_field(
    client: Client, ann: User, params: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    response = client.get(ITEMS, params)
    assert response.status_code == 400
    assert response.json()["errors"] == errors


def test_clients_order_by_whitelisted_fields_only(
    client: Client, ann: User, anns_list: TodoList, three: list[TodoItem]
) -> None:
    assert orders(client, todo_list=anns_list.pk, ordering="-order") == [3, 2]
    assert orders(client, todo_list=anns_list.pk, ordering="-text", page_size=3) == [3, 2, 1]
    for ordering in ("todo_list", "-todo_list__name", "order,done", "?"):
        response = client.get(ITEMS, {"todo_list": anns_list.pk, "ordering": ordering})
        assert response.status_code == 400
        assert "Ordering fields: order, text." in response.json()["errors"]["ordering"][0]


def test_a_list_needs_the_routers_list_permission(
    client: Client, anns_list: TodoList, other_list: TodoList, three: list[TodoItem]
) -> None:
    assert client.get(ITEMS, {"todo_list": anns_list.pk}).status_code == 403  # anonymous
    client.force_login(User.objects.create_user("ann"))
    assert client.get(ITEMS, {"todo_list": other_list.pk}).status_code == 403
    refused = client.get(ITEMS)  # the rule needs a list
    assert refused.status_code == 403
    assert refused.json() == {"error": "Not allowed on route 'todo-item'."}


def test_reading_is_open_by_default(client: Client, anns_list: TodoList) -> None:
    TodoList.objects.create(name="Groceries")
    response = client.get(LISTS, {"name": "Groceries"})
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Groceries"]
    assert client.get(f"{LISTS}{anns_list.pk}/").json() == {"id": anns_list.pk, "name": "ann"}


def test_get_single_checks_the_object(
    client: Client, ann: User, milk: TodoItem, other_list: TodoList
) -> None:
    response = client.get(item_url(milk.pk))
    assert response.status_code == 200
    assert response.json() == {
        "id": milk.pk,
        "todo_list": milk.todo_list_id,
        "text": "Milk",
        "done": False,
        "order": 1,
        "tags": [],
    }
    bobs = TodoItem.objects.create(todo_list=other_list, text="Beer")
    assert client.get(item_url(bobs.pk)).status_code == 403
    client.logout()
    assert client.get(item_url(milk.pk)).status_code == 403


@pytest.mark.parametrize("pk", ["999999", "abc", "1.5"])
def test_missing_objects_are_404(client: Client, ann: User, pk: str) -> None:
    response = client.get(item_url(pk))
    assert response.status_code == 404
    assert response.json() == {"error": "No such object on route 'todo-item'."}


class OpenItemRouter(TodoItemRouter):
    """Rows hidden by get_queryset are missing for reads and writes."""

    route_name = "open-item"
    subscription_filters = ()

    def get_queryset(self, request: HttpRequest, **params: object) -> models.QuerySet[Any]:
        return super().get_queryset(request, **params).filter(done=False)


@pytest.fixture
def open_items() -> Iterator[None]:
    default_registry.register(OpenItemRouter)
    yield
    default_registry.unregister(OpenItemRouter)


def test_get_queryset_hides_rows(
    client: Client, ann: User, milk: TodoItem, open_items: None
) -> None:
    url = f"/realtime/routes/open-item/{milk.pk}/"
    assert client.get(url).status_code == 200
    TodoItem.objects.filter(pk=milk.pk).update(done=True)
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404


def test_unknown_routes_and_methods(client: Client, ann: User, milk: TodoItem) -> None:
    missing = client.get("/realtime/routes/no-such-route/")
    assert (missing.status_code, missing.json()) == (404, {"error": "No route 'no-such-route'."})
    put = client.put(ITEMS, {}, content_type="application/json")
    assert (put.status_code, put["Allow"]) == (405, "GET, POST")
    assert put.json() == {"error": "Method PUT is not allowed here; use GET, POST."}
    post = client.post(item_url(milk.pk), {}, content_type="application/json")
    assert (post.status_code, post["Allow"]) == (405, "GET, PATCH, DELETE")
    subscription = client.post("/realtime/subscriptions/todo-item/")
    assert (subscription.status_code, subscription["Allow"]) == (405, "GET")
