"""Leaving the writer's connection out of its own write's events.

A write carrying ``X-Realtime-Exclude-Self: 1`` and ``X-Socket-ID`` publishes every
event with that socket id (the server then skips that connection); without the flag
the writer hears its change like everyone else. realtime.js's ``{excludeSelf: true}``
sends both headers; tests/js/routers.test.mjs shows it over the real socket server.
"""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from realtime_core.exceptions import InvalidMessage
from realtime_core.models import excluding_socket
from realtime_core.testing import Outbox
from tests.testapp.models import Tag, TodoItem, TodoList

pytestmark = pytest.mark.django_db(transaction=True)

ITEMS = "/realtime/routes/todo-item/"
SOCKET = "123.456"
EXCLUDE = {"X-Socket-ID": SOCKET, "X-Realtime-Exclude-Self": "1"}


def item_url(pk: object) -> str:
    return f"{ITEMS}{pk}/"


def write(client: Client, method: str, url: str, data: Any, headers: dict[str, str]) -> Any:
    send = getattr(client, method)
    if data is None:
        return send(url, headers=headers)
    return send(url, data, content_type="application/json", headers=headers)


def socket_ids(outbox: Outbox) -> list[tuple[str, str | None]]:
    return [(event.event, event.socket_id) for event in outbox]


def test_by_default_the_writer_hears_its_own_writes(
    client: Client, ann: User, anns_list: TodoList, realtime_outbox: Outbox
) -> None:
    # X-Socket-ID alone (realtime.js always sends it) excludes nobody.
    realtime_outbox.clear()
    headers = {"X-Socket-ID": SOCKET}
    created = write(client, "post", ITEMS, {"todo_list": anns_list.pk, "text": "Milk"}, headers)
    assert created.status_code == 201
    pk = created.json()["id"]
    assert write(client, "patch", item_url(pk), {"text": "Oat milk"}, headers).status_code == 200
    assert write(client, "delete", item_url(pk), None, headers).status_code == 200

    assert socket_ids(realtime_outbox) == [("created", None), ("updated", None), ("deleted", None)]


@pytest.mark.parametrize("flag", ["1", "true", "TRUE"])
def test_create_update_and_delete_can_leave_the_writer_out(
    client: Client, ann: User, anns_list: TodoList, realtime_outbox: Outbox, flag: str
) -> None:
    realtime_outbox.clear()
    headers = {**EXCLUDE, "X-Realtime-Exclude-Self": flag}
    created = write(client, "post", ITEMS, {"todo_list": anns_list.pk, "text": "Milk"}, headers)
    assert created.status_code == 201
    pk = created.json()["id"]
    assert write(client, "patch", item_url(pk), {"text": "Oat milk"}, headers).status_code == 200
    assert write(client, "delete", item_url(pk), None, headers).status_code == 200

    assert socket_ids(realtime_outbox) == [
        ("created", SOCKET),
        ("updated", SOCKET),
        ("deleted", SOCKET),
    ]
    # Every channel of each event: the model's own and the router's.
    assert set(realtime_outbox[0].channels) == {
        f"todo-list-{anns_list.pk}",
        f"private-todo-item;todo_list={anns_list.pk}",
        f"private-todo-item;done=false;todo_list={anns_list.pk}",
    }


def test_every_event_of_a_move_and_of_tags_leaves_the_writer_out(
    client: Client, ann: User, anns_list: TodoList, milk: TodoItem, realtime_outbox: Outbox
) -> None:
    chores = TodoList.objects.create(name="ann")
    tag = Tag.objects.create(name="food")
    realtime_outbox.clear()

    response = write(
        client, "patch", item_url(milk.pk), {"todo_list": chores.pk, "tags": [tag.pk]}, EXCLUDE
    )

    assert response.status_code == 200
    assert {"deleted", "created", "updated"} <= {event.event for event in realtime_outbox}
    assert {event.socket_id for event in realtime_outbox} == {SOCKET}


def test_other_values_of_the_flag_leave_nobody_out(
    client: Client, ann: User, anns_list: TodoList, realtime_outbox: Outbox
) -> None:
    realtime_outbox.clear()
    headers = {**EXCLUDE, "X-Realtime-Exclude-Self": "0"}
    response = write(client, "post", ITEMS, {"todo_list": anns_list.pk, "text": "x"}, headers)
    assert response.status_code == 201
    assert socket_ids(realtime_outbox) == [("created", None)]


def test_without_a_socket_id_there_is_nobody_to_leave_out(
    client: Client, ann: User, anns_list: TodoList, realtime_outbox: Outbox
) -> None:
    # A page writing while its connection is down: the write goes through.
    realtime_outbox.clear()
    headers = {"X-Realtime-Exclude-Self": "1"}
    response = write(client, "post", ITEMS, {"todo_list": anns_list.pk, "text": "x"}, headers)
    assert response.status_code == 201
    assert socket_ids(realtime_outbox) == [("created", None)]


@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_an_invalid_socket_id_is_refused_before_writing(
    client: Client, ann: User, milk: TodoItem, realtime_outbox: Outbox, method: str
) -> None:
    realtime_outbox.clear()
    headers = {**EXCLUDE, "X-Socket-ID": "not-a-socket"}
    url = ITEMS if method == "post" else item_url(milk.pk)
    data = None if method == "delete" else {"todo_list": milk.todo_list_id, "text": "Eggs"}

    response = write(client, method, url, data, headers)

    assert response.status_code == 400
    assert response.json() == {"error": "X-Socket-ID is not a socket id."}
    assert list(TodoItem.objects.values_list("text", flat=True)) == ["Milk"]
    assert len(realtime_outbox) == 0


def test_excluding_socket_applies_to_any_write_in_its_block(
    anns_list: TodoList, realtime_outbox: Outbox
) -> None:
    realtime_outbox.clear()
    with excluding_socket("1.1"):
        item = TodoItem.objects.create(todo_list=anns_list, text="a")
        with excluding_socket(None):
            item.save()
        item.delete()
    TodoItem.objects.create(todo_list=anns_list, text="b")

    assert socket_ids(realtime_outbox) == [
        ("created", "1.1"),
        ("updated", None),
        ("deleted", "1.1"),
        ("created", None),
    ]
    with pytest.raises(InvalidMessage), excluding_socket("1"):
        pytest.fail("an invalid socket id must raise before the block")
