"""Attacks on the routers found in review: each test failed before its fix."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.test import Client

from realtime_core.authorization import RequestUser
from realtime_core.routers import ModelRouter, default_registry
from realtime_core.serializers import ModelSerializer
from tests.testapp.models import TodoItem, TodoList
from tests.testapp.serializers import TodoItemSerializer, TodoListSerializer

pytestmark = pytest.mark.django_db

NOTES = "/realtime/routes/note/"


class Note(models.Model):
    """A primary key clients choose (a slug, a code): writable, so in update_fields."""

    code = models.CharField(max_length=20, primary_key=True)
    owner = models.CharField(max_length=20)
    text = models.TextField(blank=True)

    class Meta:
        app_label = "testapp"


class NoteSerializer(ModelSerializer):
    class Meta:
        model = Note
        publish_fields = ["code", "owner", "text"]
        update_fields = ["code", "text"]


def owns_note(user: RequestUser, note: models.Model | None) -> bool:
    return isinstance(note, Note) and note.owner == user.get_username()


class NoteRouter(ModelRouter):
    route_name = "note"
    serializer_class = NoteSerializer
    read_permission = owns_note
    write_permission = owns_note


@pytest.fixture
def notes(client: Client) -> Iterator[None]:
    default_registry.register(NoteRouter)
    Note.objects.create(code="a", owner="ann", text="Mine")
    Note.objects.create(code="b", owner="bob", text="Bob's secret")
    client.force_login(User.objects.create_user("ann"))
    yield
    default_registry.unregister(NoteRouter)


@pytest.mark.parametrize("code", ["b", "new"])
def test_an_update_cannot_change_the_primary_key(client: Client, notes: None, code: str) -> None:
    # The new key used to redirect the UPDATE to the row it names (bob's note, written and
    # then shown to ann), or to a row that does not exist (a server error).
    response = client.patch(
        f"{NOTES}a/", {"code": code, "text": "Overwritten"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "Invalid data.",
        "errors": {"code": ["The primary key of an object cannot be changed."]},
    }
    assert "secret" not in response.content.decode()
    assert dict(Note.objects.values_list("code", "text")) == {"a": "Mine", "b": "Bob's secret"}


@pytest.mark.parametrize("code", ["b", "new"])
def test_the_serializer_refuses_a_primary_key_change(notes: None, code: str) -> None:
    """Code that deserializes and saves without a router is protected too."""
    result = NoteSerializer().deserialize({"code": code}, Note.objects.get(code="a"))
    assert result.errors["code"] == ["The primary key of an object cannot be changed."]
    assert not result.is_valid


def test_sending_the_primary_key_unchanged_is_fine(client: Client, notes: None) -> None:
    response = client.patch(
        f"{NOTES}a/", {"code": "a", "text": "Still mine"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["text"] == "Still mine"


def test_a_create_cannot_take_over_an_existing_primary_key(client: Client, notes: None) -> None:
    response = client.post(
        NOTES, {"code": "b", "text": "Overwritten"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"code"}
    assert Note.objects.get(code="b").text == "Bob's secret"


DEEP = b"[" * 100_000


def test_deeply_nested_json_is_400_not_a_server_error(
    client: Client, ann: User, milk: TodoItem
) -> None:
    for response in (
        client.post("/realtime/routes/todo-item/", DEEP, content_type="application/json"),
        client.patch(
            f"/realtime/routes/todo-item/{milk.pk}/", DEEP, content_type="application/json"
        ),
    ):
        assert response.status_code == 400
        assert response.json() == {"error": "The request body is not valid JSON."}


def test_a_route_name_cannot_make_encrypted_channels() -> None:
    # private-encrypted-… channels need one publish per channel and encrypted payloads:
    # every save of the model failed (InvalidMessage) once such a router was registered.
    with pytest.raises(ImproperlyConfigured, match="encrypted-"):

        class Secret(ModelRouter):
            route_name = "encrypted-list"
            serializer_class = TodoListSerializer


async def _async_rule(user: Any, obj: Any) -> bool:
    return False


@pytest.mark.parametrize("attribute", ["read_permission", "write_permission"])
def test_async_permission_functions_are_refused(attribute: str) -> None:
    # bool() of the coroutine an async rule returns is True: it allowed everyone.
    with pytest.raises(ImproperlyConfigured, match="async"):
        type(
            "Items",
            (ModelRouter,),
            {"route_name": "items", "serializer_class": TodoItemSerializer, attribute: _async_rule},
        )


@pytest.mark.parametrize("hook", ["can_list", "has_read_permission", "has_write_permission"])
def test_async_hooks_are_refused(hook: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="async"):
        type(
            "Items",
            (ModelRouter,),
            {"route_name": "items", "serializer_class": TodoItemSerializer, hook: _async_rule},
        )


def test_a_permission_answering_with_an_awaitable_refuses_loudly() -> None:
    class Items(ModelRouter):
        route_name = "items"
        serializer_class = TodoItemSerializer
        write_permission = staticmethod(lambda user, obj: _async_rule(user, obj))

    with pytest.raises(TypeError, match="awaitable"):
        Items().has_write_permission(User(), TodoItem(todo_list=TodoList(pk=1)))


class Vault(models.Model):
    """Sorted by a column no client may read."""

    secret = models.IntegerField()

    class Meta:
        app_label = "testapp"
        ordering = ["secret"]


class Deposit(models.Model):
    vault = models.ForeignKey(Vault, on_delete=models.CASCADE)

    class Meta:
        app_label = "testapp"


class DepositSerializer(ModelSerializer):
    class Meta:
        model = Deposit
        publish_fields = ["vault"]


class DepositRouter(ModelRouter):
    route_name = "deposit"
    serializer_class = DepositSerializer
    ordering_fields = ["vault"]


@pytest.fixture
def deposits() -> Iterator[None]:
    default_registry.register(DepositRouter)
    yield
    default_registry.unregister(DepositRouter)


def test_ordering_by_a_foreign_key_orders_by_the_key_clients_see(
    client: Client, deposits: None
) -> None:
    # order_by("vault") follows Vault.Meta.ordering: the order of the rows revealed how
    # the unreadable Vault.secret column sorts. Clients see the key, so the key orders.
    low_key_high_secret = Vault.objects.create(pk=1, secret=99)
    high_key_low_secret = Vault.objects.create(pk=2, secret=1)
    Deposit.objects.create(vault=high_key_low_secret)
    Deposit.objects.create(vault=low_key_high_secret)
    for ordering, expected in (("vault", [1, 2]), ("-vault", [2, 1])):
        response = client.get("/realtime/routes/deposit/", {"ordering": ordering})
        assert [row["vault"] for row in response.json()["results"]] == expected
