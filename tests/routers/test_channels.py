"""Router channels: their names, who may subscribe, and which changes reach them."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from realtime_core import authorization
from realtime_core.routers import ModelRouter, default_registry
from realtime_core.serializers import ModelSerializer
from realtime_core.testing import Outbox
from tests.testapp.models import Tag, TodoItem, TodoList
from tests.testapp.routers import TodoListRouter

pytestmark = pytest.mark.django_db

SUBSCRIBE_ITEMS = "/realtime/subscriptions/todo-item/"
AUTH = "/realtime/auth/channel/"


def channel_auth(client: Client, channel: str) -> int:
    return client.post(AUTH, {"socket_id": "1.2", "channel_name": channel}).status_code


def test_the_subscription_endpoint_names_the_channel(
    client: Client, ann: User, anns_list: TodoList
) -> None:
    pk = anns_list.pk
    answer = client.get(SUBSCRIBE_ITEMS, {"todo_list": pk})
    assert answer.json() == {"channel": f"private-todo-item;todo_list={pk}"}
    answer = client.get(SUBSCRIBE_ITEMS, {"todo_list": f"0{pk}", "done": "false"})
    assert answer.json() == {"channel": f"private-todo-item;done=false;todo_list={pk}"}
    everything = client.get("/realtime/subscriptions/todo-list/")
    assert everything.json() == {"channel": "private-todo-list"}


def test_the_subscription_endpoint_refuses(
    client: Client, ann: User, anns_list: TodoList, other_list: TodoList
) -> None:
    no_channel = client.get(SUBSCRIBE_ITEMS, {"done": "true"})
    assert no_channel.status_code == 400
    assert no_channel.json() == {
        "error": "Route 'todo-item' has no channel for the filters [done]; its channels are "
        "for [todo_list] or [done, todo_list]."
    }
    unknown = client.get(SUBSCRIBE_ITEMS, {"todo_list": anns_list.pk, "text": "Milk"})
    assert unknown.status_code == 400
    assert set(unknown.json()["errors"]) == {"text"}
    assert client.get(SUBSCRIBE_ITEMS, {"todo_list": other_list.pk}).status_code == 403
    client.logout()
    assert client.get(SUBSCRIBE_ITEMS, {"todo_list": anns_list.pk}).status_code == 403


def test_values_no_channel_name_can_carry_are_refused_not_mangled(
    client: Client, settings: Any
) -> None:
    subscribe = "/realtime/subscriptions/todo-list/"
    for name in ("Two words", "a/b", "x;y=z", "Café"):
        response = client.get(subscribe, {"name": name})
        assert response.status_code == 400
        assert "cannot be part of a channel name" in response.json()["error"]
    settings.REALTIME_OPTIONS = {"memory": {"MAX_CHANNEL_NAME_LENGTH": 30}}
    assert client.get(subscribe, {"name": "a" * 5}).status_code == 200
    too_long = client.get(subscribe, {"name": "a" * 20})
    assert too_long.status_code == 400
    assert too_long.json() == {
        "error": "These filter values make a channel name of 43 characters; the limit is 30."
    }


def test_the_auth_endpoint_authorizes_router_channels_with_the_list_rule(
    client: Client, ann: User, anns_list: TodoList, other_list: TodoList
) -> None:
    pk = anns_list.pk
    assert channel_auth(client, f"private-todo-item;todo_list={pk}") == 200
    assert channel_auth(client, f"private-todo-item;done=true;todo_list={pk}") == 200
    assert channel_auth(client, f"private-todo-item;todo_list={other_list.pk}") == 403
    client.logout()
    assert channel_auth(client, f"private-todo-item;todo_list={pk}") == 403
    assert channel_auth(client, "private-todo-list") == 200  # reading lists is open


@pytest.mark.parametrize(
    "channel",
    [
        "private-todo-item",  # no such filter set
        "private-todo-item;done=true",
        "private-todo-item;todo_list=0{pk}",  # not canonical: never published to
        "private-todo-item;todo_list={pk};done=true",  # filters out of order
        "private-todo-item;done=maybe;todo_list={pk}",
        "private-todo-item;todo_list",
        "private-todo-item;todo_list={pk};todo_list={pk}",
        "private-todo-item;text=x;todo_list={pk}",
        "private-todo-item;todo_list__name=ann",
        "private-todo-list;name=",  # an empty value is a value...
    ],
)
def test_the_auth_endpoint_refuses_what_is_not_a_router_channel(
    client: Client, ann: User, anns_list: TodoList, channel: str
) -> None:
    expected = 200 if channel == "private-todo-list;name=" else 403  # ...and it is allowed
    assert channel_auth(client, channel.format(pk=anns_list.pk)) == expected


def test_an_unregistered_routes_channels_are_refused(client: Client) -> None:
    default_registry.unregister(TodoListRouter)
    try:
        assert channel_auth(client, "private-todo-list") == 403
        assert client.get("/realtime/routes/todo-list/").status_code == 404
    finally:
        default_registry.register(TodoListRouter)
    assert channel_auth(client, "private-todo-list") == 200


def test_router_channels_go_through_the_channel_registry() -> None:
    match = authorization.default_registry.match("private-todo-item;todo_list=1")
    assert match is not None
    assert match.kwargs == {"filters": "todo_list=1"}


# What reaches which channel -------------------------------------------------------------


def item_channels(list_id: int, done: bool = False) -> list[str]:
    return [
        f"todo-list-{list_id}",  # TodoItem.get_channels()
        f"private-todo-item;todo_list={list_id}",
        f"private-todo-item;done={'true' if done else 'false'};todo_list={list_id}",
    ]


def events(outbox: Outbox) -> list[tuple[str, list[str], Any]]:
    return [(event.event, list(event.channels), event.data) for event in outbox]


@pytest.fixture
def moved(anns_list: TodoList) -> TodoList:
    """Another list of ann's, where items move."""
    return TodoList.objects.create(name="ann")


@pytest.mark.django_db(transaction=True)
class TestPublishing:
    def test_a_save_publishes_to_the_models_and_the_routers_channels(
        self, anns_list: TodoList, realtime_outbox: Outbox
    ) -> None:
        realtime_outbox.clear()
        item = TodoItem.objects.create(todo_list=anns_list, text="Milk")
        data = {
            "id": item.pk,
            "todo_list": anns_list.pk,
            "text": "Milk",
            "done": False,
            "order": 0,
            "tags": [],
        }
        item.text = "Oat milk"
        item.save()
        assert events(realtime_outbox) == [
            ("created", item_channels(anns_list.pk), data),
            ("updated", item_channels(anns_list.pk), {**data, "text": "Oat milk"}),
        ]

    def test_moving_an_item_publishes_deleted_where_it_left_and_created_where_it_arrived(
        self, milk: TodoItem, anns_list: TodoList, moved: TodoList, realtime_outbox: Outbox
    ) -> None:
        item = TodoItem.objects.get(pk=milk.pk)
        realtime_outbox.clear()
        item.todo_list = moved
        item.save()
        data = TodoItem.serializer_class().serialize(item)
        assert events(realtime_outbox) == [
            ("deleted", item_channels(anns_list.pk), {"id": item.pk}),
            ("created", item_channels(moved.pk), data),
        ]
        realtime_outbox.clear()
        item.text = "Still moved"
        item.save()  # the saved state is the new starting point
        assert [event for event, _, _ in events(realtime_outbox)] == ["updated"]

    def test_a_change_of_filter_value_moves_between_filter_sets(
        self, milk: TodoItem, anns_list: TodoList, realtime_outbox: Outbox
    ) -> None:
        realtime_outbox.clear()
        milk.done = True
        milk.save()
        own, by_list, undone = item_channels(anns_list.pk)
        data = TodoItem.serializer_class().serialize(milk)
        assert events(realtime_outbox) == [
            ("deleted", [undone], {"id": milk.pk}),
            ("created", [item_channels(anns_list.pk, done=True)[2]], data),
            ("updated", [own, by_list], data),
        ]

    def test_a_move_through_the_update_endpoint(
        self,
        client: Client,
        ann: User,
        milk: TodoItem,
        anns_list: TodoList,
        moved: TodoList,
        realtime_outbox: Outbox,
    ) -> None:
        realtime_outbox.clear()
        response = client.patch(
            f"/realtime/routes/todo-item/{milk.pk}/",
            {"todo_list": moved.pk},
            content_type="application/json",
        )
        assert response.status_code == 200
        assert events(realtime_outbox) == [
            ("deleted", item_channels(anns_list.pk), {"id": milk.pk}),
            ("created", item_channels(moved.pk), response.json()),
        ]

    def test_a_partial_save_moves_too(
        self, milk: TodoItem, anns_list: TodoList, moved: TodoList, realtime_outbox: Outbox
    ) -> None:
        realtime_outbox.clear()
        milk.todo_list = moved
        milk.save(update_fields=["todo_list"])
        assert [(event, channels) for event, channels, _ in events(realtime_outbox)] == [
            ("deleted", item_channels(anns_list.pk)),
            ("created", item_channels(moved.pk)),
        ]

    def test_a_delete_publishes_where_the_row_was(
        self, milk: TodoItem, anns_list: TodoList, moved: TodoList, realtime_outbox: Outbox
    ) -> None:
        realtime_outbox.clear()
        pk = milk.pk
        milk.todo_list = moved  # changed in memory, never saved
        milk.delete()
        assert events(realtime_outbox) == [
            ("deleted", item_channels(anns_list.pk), {"id": pk}),
        ]

    def test_a_refresh_is_the_new_starting_point(
        self, milk: TodoItem, moved: TodoList, realtime_outbox: Outbox
    ) -> None:
        TodoItem.objects.filter(pk=milk.pk).update(todo_list=moved)  # another writer
        milk.refresh_from_db()
        realtime_outbox.clear()
        milk.text = "Oat milk"
        milk.save()
        assert [(event, channels) for event, channels, _ in events(realtime_outbox)] == [
            ("updated", item_channels(moved.pk)),
        ]

    def test_an_instance_built_by_hand_is_taken_to_stay_where_it_is(
        self, milk: TodoItem, moved: TodoList, realtime_outbox: Outbox
    ) -> None:
        realtime_outbox.clear()
        TodoItem(pk=milk.pk, todo_list=moved, text="Milk").save()
        assert [(event, channels) for event, channels, _ in events(realtime_outbox)] == [
            ("updated", item_channels(moved.pk)),
        ]

    def test_many_to_many_changes_reach_the_router_channels(
        self, milk: TodoItem, anns_list: TodoList, realtime_outbox: Outbox
    ) -> None:
        tag = Tag.objects.create(name="urgent")
        realtime_outbox.clear()
        milk.tags.add(tag)
        assert [
            (event, channels, data["tags"]) for event, channels, data in events(realtime_outbox)
        ] == [
            ("updated", item_channels(anns_list.pk), [tag.pk]),
        ]

    def test_values_without_a_channel_name_are_not_published_there(
        self, realtime_outbox: Outbox
    ) -> None:
        TodoList.objects.create(name="Groceries")
        TodoList.objects.create(name="Two words")
        assert [channels for _, channels, _ in events(realtime_outbox)] == [
            ["testapp.todolist", "private-todo-list", "private-todo-list;name=Groceries"],
            ["testapp.todolist", "private-todo-list"],
        ]


class BriefItemSerializer(ModelSerializer):
    class Meta:
        model = TodoItem
        publish_fields = ["text"]


class BriefItemRouter(ModelRouter):
    route_name = "brief-item"
    serializer_class = BriefItemSerializer
    filter_fields = ["todo_list"]
    subscription_filters = [["todo_list"]]


@pytest.fixture
def brief_items() -> Iterator[None]:
    default_registry.register(BriefItemRouter)
    yield
    default_registry.unregister(BriefItemRouter)


@pytest.mark.django_db(transaction=True)
def test_each_routers_channels_get_its_serializers_form(
    anns_list: TodoList, brief_items: None, realtime_outbox: Outbox
) -> None:
    realtime_outbox.clear()
    item = TodoItem.objects.create(todo_list=anns_list, text="Milk")
    assert events(realtime_outbox) == [
        ("created", item_channels(anns_list.pk), TodoItem.serializer_class().serialize(item)),
        (
            "created",
            [f"private-brief-item;todo_list={anns_list.pk}"],
            {"id": item.pk, "text": "Milk"},
        ),
    ]
