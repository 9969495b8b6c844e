"""Who may read, write and watch what, found at startup like ``admin.py``.

- The ``todo-item`` router serves items over HTTP (realtime.js's ``getList``,
  ``create``, ``update``, ``delete``) and publishes their changes on the private
  channel ``private-todo-item;todo_list=<id>``. Its ``can_list`` is that channel's
  authorization rule too: signed-in users (guests included) may follow any list.
- The ``todo-list`` router serves the lists with their item counts, read-only, and
  publishes them on ``private-todo-list``: the index page follows it.
- ``presence-todo-list-<id>`` shows who is looking at a list.
"""

from collections.abc import Mapping

from django.db import models

from realtime_core.authorization import Member, RequestUser, authorize
from realtime_core.routers import ModelRouter, register

from .guests import display_name
from .models import TodoItem, TodoList
from .serializers import TodoItemSerializer, TodoListSerializer


def signed_in(user: RequestUser, item: models.Model | None) -> bool:
    """Anyone signed in; every visitor is (as a guest at least)."""
    return user.is_authenticated


@register
class TodoItemRouter(ModelRouter):
    route_name = "todo-item"
    serializer_class = TodoItemSerializer
    queryset = TodoItem.objects.all()
    filter_fields = ["todo_list"]
    ordering_fields = ["order", "text"]
    ordering = ["order"]
    page_size = 100
    max_page_size = 500
    subscription_filters = [["todo_list"]]
    read_permission = signed_in
    write_permission = signed_in

    def can_list(self, user: RequestUser, params: Mapping[str, object]) -> bool:
        """List and subscribe to one list's items at a time, when signed in."""
        list_id = params.get("todo_list")
        return (
            user.is_authenticated
            and isinstance(list_id, int)
            and TodoList.objects.filter(pk=list_id).exists()
        )


@register
class TodoListRouter(ModelRouter):
    """Every list, for the index page; lists are started by its form, not written here."""

    route_name = "todo-list"
    serializer_class = TodoListSerializer
    queryset = TodoList.objects.all()
    page_size = 100
    max_page_size = 500
    subscription_filters = [[]]
    read_permission = signed_in


@authorize("presence-todo-list-<int:list_id>")
def todo_list_presence(user: RequestUser, list_id: int) -> Member | None:
    """Signed-in users appear on the lists they look at, under their display name."""
    if not user.is_authenticated or not TodoList.objects.filter(pk=list_id).exists():
        return None
    return Member(id=str(user.pk), info={"name": display_name(user)})
