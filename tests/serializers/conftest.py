"""Rows the serializer tests read and write."""

import pytest

from tests.testapp.models import TodoItem, TodoList


@pytest.fixture
def todo_list() -> TodoList:
    return TodoList.objects.create(name="Groceries")


@pytest.fixture
def item(todo_list: TodoList) -> TodoItem:
    return TodoItem.objects.create(todo_list=todo_list, text="Milk", done=False, order=1)
