"""Routers of the test app.

Not registered here: ``tests/routers/conftest.py`` registers them for the router tests
only, so the other tests see the models publish to their own channels alone.
"""

from collections.abc import Mapping

from django.db import models

from realtime_core.authorization import RequestUser
from realtime_core.routers import ModelRouter

from .models import TodoItem, TodoList
from .serializers import TodoItemSerializer, TodoListSerializer


def owns_list(user: RequestUser, list_id: int) -> bool:
    """The test app has no owner column: a list named after a user is theirs."""
    return (
        user.is_authenticated
        and TodoList.objects.filter(pk=list_id, name=user.get_username()).exists()
    )


def in_own_list(user: RequestUser, item: models.Model | None) -> bool:
    """Items are read and written by the owner of their list."""
    return isinstance(item, TodoItem) and owns_list(user, item.todo_list_id)


class TodoItemRouter(ModelRouter):
    route_name = "todo-item"
    serializer_class = TodoItemSerializer
    queryset = TodoItem.objects.all()
    filter_fields = ["todo_list", "done"]
    ordering_fields = ["order", "text"]
    ordering = ["order"]
    page_size = 2
    max_page_size = 3
    subscription_filters = [["todo_list"], ["todo_list", "done"]]
    read_permission = in_own_list
    write_permission = in_own_list

    def can_list(self, user: RequestUser, params: Mapping[str, object]) -> bool:
        list_id = params.get("todo_list")  # the rule needs a list
        return isinstance(list_id, int) and owns_list(user, list_id)


class TodoListRouter(ModelRouter):
    """Readable by everyone, written with Django's permission (model-wide)."""

    route_name = "todo-list"
    serializer_class = TodoListSerializer
    filter_fields = ["name"]
    ordering_fields = ["name"]
    subscription_filters = [[], ["name"]]
    write_permission = "testapp.change_todolist"
