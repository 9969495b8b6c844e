"""What clients read of todo items, and what they may write."""

from realtime_core.serializers import ModelSerializer


class TodoItemSerializer(ModelSerializer):
    class Meta:
        model = "todo.TodoItem"  # a string: models.py imports this module
        publish_fields = ["id", "todo_list", "text", "done", "order"]
        update_fields = ["todo_list", "text", "done", "order"]
