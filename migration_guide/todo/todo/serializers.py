"""What clients read of todo lists and items, and what they may write of items."""

from typing import TYPE_CHECKING

from realtime_core.serializers import ModelSerializer

if TYPE_CHECKING:
    from .models import TodoList


class TodoItemSerializer(ModelSerializer):
    class Meta:
        model = "todo.TodoItem"  # a string: models.py imports this module
        publish_fields = ["id", "todo_list", "text", "done", "order"]
        update_fields = ["todo_list", "text", "done", "order"]


class TodoListSerializer(ModelSerializer):
    """A list as the index page shows it: its name and how many of its items are open."""

    class Meta:
        model = "todo.TodoList"
        publish_fields = ["id", "name", "open_items", "all_items"]

    def serialize_open_items(self, todo_list: "TodoList") -> int:
        return todo_list.items.filter(done=False).count()

    def serialize_all_items(self, todo_list: "TodoList") -> int:
        return todo_list.items.count()
