"""Router declarations are checked, with errors that say what to change."""

import datetime
import re
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured

from realtime_core.authorization import ChannelRegistry
from realtime_core.routers import ModelRouter, RouterRegistry
from realtime_core.routers.channels import ChannelError, channel_name, read_channel_filters
from realtime_core.routers.filters import FilterError, filter_field
from realtime_core.serializers import ModelSerializer
from tests.testapp.models import Sample, TodoItem, TodoList
from tests.testapp.routers import TodoItemRouter
from tests.testapp.serializers import TodoItemSerializer, TodoListSerializer


class SampleSerializer(ModelSerializer):
    class Meta:
        model = Sample
        publish_fields = ["title"]


def router(**declarations: Any) -> type[ModelRouter]:
    """A router class with these declarations on top of a valid item router."""
    base: dict[str, Any] = {"route_name": "item", "serializer_class": TodoItemSerializer}
    return type("ItemRouter", (ModelRouter,), {**base, **declarations})


@pytest.mark.parametrize(
    ("declarations", "message"),
    [
        ({"route_name": "todo item"}, "route_name must be letters, digits, '-' and '_'"),
        ({"route_name": "todo;x"}, "route_name must be"),
        ({"serializer_class": TodoItem}, "serializer_class must be a ModelSerializer"),
        ({"page_size": 0}, "page_size must be a positive integer"),
        ({"max_page_size": "10"}, "max_page_size must be a positive integer"),
        ({"page_size": 20, "max_page_size": 10}, "page_size (20) exceeds"),
        ({"read_permission": 42}, "read_permission must be a function"),
        ({"write_permission": ["change_todoitem"]}, "write_permission must be a function"),
    ],
)
def test_the_class_body_is_checked_when_defined(declarations: dict[str, Any], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        router(**declarations)


@pytest.mark.parametrize(
    ("declarations", "message"),
    [
        ({"filter_fields": ["todo_list__name"]}, "not a concrete field of testapp.TodoItem"),
        ({"filter_fields": ["tags"]}, "not a concrete field"),
        ({"filter_fields": "done"}, "Expected a list of field names"),
        ({"ordering_fields": ["todo_list__name"]}, "ordering_fields names 'todo_list__name'"),
        ({"ordering": ["-nope"]}, "ordering names '-nope'"),
        ({"subscription_filters": [["done"]]}, "each set must name filter_fields"),
        (
            {"filter_fields": ["done"], "subscription_filters": [["done", "done"]]},
            "each set must name filter_fields",
        ),
        (
            {"filter_fields": ["done"], "subscription_filters": [["done"], ["done"]]},
            "differ from the other sets",
        ),
        ({"subscription_filters": ["done"]}, "Expected a list of field names"),
        ({"queryset": TodoList.objects.all()}, "queryset is of testapp.TodoList"),
    ],
)
def test_field_names_are_checked_against_the_model(
    declarations: dict[str, Any], message: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        router(**declarations)()


@pytest.mark.parametrize("name", ["ratio", "price", "moment", "extra"])
def test_filters_are_limited_to_kinds_with_one_spelling(name: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="booleans, integers, text, UUIDs, dates"):
        router(serializer_class=SampleSerializer, filter_fields=[name])()


def test_subscriptions_need_a_model_that_publishes() -> None:
    sample = router(
        serializer_class=SampleSerializer, filter_fields=["flag"], subscription_filters=[["flag"]]
    )
    with pytest.raises(
        ImproperlyConfigured, match=r"make it a realtime_core\.models\.SelfPublishModel"
    ):
        sample()
    router(serializer_class=SampleSerializer, filter_fields=["flag"])()  # lists only: fine


def test_a_router_without_route_name_is_an_abstract_base() -> None:
    class Shared(ModelRouter):
        write_permission = "testapp.change_todoitem"

    with pytest.raises(ImproperlyConfigured, match="Shared declares no route_name"):
        Shared()

    class Items(Shared):
        route_name = "items"
        serializer_class = TodoItemSerializer

    # The shared permission applies: the anonymous user has no Django permissions.
    assert not Items().has_write_permission(AnonymousUser(), TodoItem())


def test_permission_functions_declared_in_the_class_body_are_not_methods() -> None:
    def named_ann(user: Any, obj: Any) -> bool:
        return obj is not None and obj.name == "ann"

    lists = router(
        serializer_class=TodoListSerializer,
        read_permission=named_ann,
        write_permission=staticmethod(named_ann),
    )()
    anyone = AnonymousUser()
    assert lists.has_read_permission(anyone, TodoList(name="ann"))
    assert lists.has_write_permission(anyone, TodoList(name="ann"))
    assert not lists.has_write_permission(anyone, TodoList(name="bob"))


class TestRegistry:
    def test_routes_are_unique_and_channel_patterns_too(self) -> None:
        channels = ChannelRegistry()
        channels.register("private-taken", lambda user: True)
        routers = RouterRegistry(channels)
        routers.register(TodoItemRouter)
        with pytest.raises(ImproperlyConfigured, match="'todo-item' of Again is already regis"):
            routers.register(type("Again", (TodoItemRouter,), {}))
        with pytest.raises(ImproperlyConfigured, match="'private-taken' is already registered"):
            routers.register(router(route_name="taken"))
        assert routers.get("taken") is None

    def test_unregister_and_lookups(self) -> None:
        routers = RouterRegistry(ChannelRegistry())
        with pytest.raises(TypeError, match="Only ModelRouter subclasses"):
            routers.register(TodoItem)  # type: ignore[type-var]
        with pytest.raises(LookupError, match="TodoItemRouter is not registered"):
            routers.unregister(TodoItemRouter)
        routers.register(TodoItemRouter)
        (registered,) = routers
        assert routers.get("todo-item") is registered
        assert routers.for_model(TodoItem) == (registered,)
        assert routers.for_model(TodoList) == ()
        routers.unregister(TodoItemRouter)
        assert (routers.get("todo-item"), routers.for_model(TodoItem)) == (None, ())
        routers.register(TodoItemRouter)  # the channel patterns stay, following the route
        assert routers.get("todo-item") is not None


class TestFilterSpelling:
    """Each kind has one spelling, which channel names use."""

    @pytest.mark.parametrize(
        ("name", "text", "value", "canonical"),
        [
            ("flag", "true", True, "true"),
            ("count", "-07", -7, "-7"),
            ("title", "any text at all", "any text at all", "any text at all"),
            (
                "token",
                "6F1C2A8E-3B4D-4E5F-9A0B-1C2D3E4F5A6B",
                uuid.UUID("6f1c2a8e-3b4d-4e5f-9a0b-1c2d3e4f5a6b"),
                "6f1c2a8e-3b4d-4e5f-9a0b-1c2d3e4f5a6b",
            ),
            ("day", "2024-05-01", datetime.date(2024, 5, 1), "2024-05-01"),
            ("owner", "12", 12, "12"),
        ],
    )
    def test_values_read_back_canonically(
        self, name: str, text: str, value: object, canonical: str
    ) -> None:
        field = filter_field(Sample, name, "SampleRouter")
        assert field.parse(text) == value
        assert field.format(field.parse(text)) == canonical

    @pytest.mark.parametrize(
        ("name", "text"),
        [
            ("flag", "1"),
            ("count", "1.0"),
            ("count", str(2**63)),
            ("title", "nul\x00"),
            ("token", "not-a-uuid"),
            ("day", "20240501"),
            ("day", "2024-02-30"),
        ],
    )
    def test_other_spellings_are_refused(self, name: str, text: str) -> None:
        with pytest.raises(FilterError):
            filter_field(Sample, name, "SampleRouter").parse(text)


def test_channel_names_and_their_filter_part() -> None:
    assert channel_name("todo-item", {"todo_list": "1", "done": "false"}) == (
        "private-todo-item;done=false;todo_list=1"
    )
    assert channel_name("todo-list", {}) == "private-todo-list"
    with pytest.raises(ChannelError):
        channel_name("todo-list", {"name": "a=b"})
    assert read_channel_filters("done=false;todo_list=1") == {"done": "false", "todo_list": "1"}
    assert read_channel_filters("a=1;a=2") is None
    assert read_channel_filters("a") is None
    assert read_channel_filters("=1") is None
