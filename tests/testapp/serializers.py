"""Serializers for the test models (Meta.model as a string: models import this module)."""

from realtime_core.serializers import ModelSerializer


class TodoListSerializer(ModelSerializer):
    class Meta:
        model = "testapp.TodoList"
        publish_fields = ["id", "name"]
        update_fields = ["name"]


class TodoItemSerializer(ModelSerializer):
    class Meta:
        model = "testapp.TodoItem"
        publish_fields = ["id", "todo_list", "text", "done", "order", "tags"]
        update_fields = ["todo_list", "text", "done", "order", "tags"]
