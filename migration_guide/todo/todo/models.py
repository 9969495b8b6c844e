"""Todo lists and their items; items publish their own changes (SelfPublishModel)."""

from django.db import models

from realtime_core.models import SelfPublishModel

from .serializers import TodoItemSerializer


class TodoList(models.Model):
    """A list everyone signed in (guests included) may follow and edit."""

    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class TodoItem(SelfPublishModel):
    """One thing to do. Saving or deleting one tells the list's subscribers."""

    serializer_class = TodoItemSerializer

    todo_list = models.ForeignKey(TodoList, related_name="items", on_delete=models.CASCADE)
    text = models.CharField(max_length=200)
    done = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text

    def get_channels(self) -> list[str]:
        # Only the router's private channel (private-todo-item;todo_list=<id>) carries
        # items, so only those its rule admits receive them.
        return []
