"""The test app's routers, registered for each router test; users and their lists."""

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from realtime_core.routers import default_registry
from tests.testapp.models import TodoItem, TodoList
from tests.testapp.routers import TodoItemRouter, TodoListRouter


@pytest.fixture(autouse=True)
def _routers() -> Iterator[None]:
    default_registry.register(TodoItemRouter)
    default_registry.register(TodoListRouter)
    yield
    default_registry.unregister(TodoListRouter)
    default_registry.unregister(TodoItemRouter)


@pytest.fixture
def ann(client: Client) -> User:
    """Signed in on ``client``; owns the lists named "ann"."""
    user = User.objects.create_user("ann")
    client.force_login(user)
    return user


@pytest.fixture
def editor(client: Client) -> User:
    """Signed in on ``client``, with Django's permission to change todo lists."""
    user = User.objects.create_user("editor")
    user.user_permissions.add(Permission.objects.get(codename="change_todolist"))
    client.force_login(user)
    return user


@pytest.fixture
def anns_list() -> TodoList:
    return TodoList.objects.create(name="ann")


@pytest.fixture
def other_list() -> TodoList:
    """Owned by bob, who is never signed in."""
    return TodoList.objects.create(name="bob")


@pytest.fixture
def milk(anns_list: TodoList) -> TodoItem:
    return TodoItem.objects.create(todo_list=anns_list, text="Milk", order=1)
