"""Todo lists and their items; both publish their own changes (SelfPublishModel).

Items are published on their list's channel (the ``todo-item`` router's), lists on the
index page's (the ``todo-list`` router's). What a list publishes includes its item
counts, so a write of an item publishes its list again: see :func:`publish_counts`.
"""

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from realtime_core import publish
from realtime_core.models import SelfPublishModel
from realtime_core.routers import default_registry

from .serializers import TodoItemSerializer, TodoListSerializer


class TodoList(SelfPublishModel):
    """A list everyone signed in (guests included) may follow and edit."""

    serializer_class = TodoListSerializer

    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    def get_channels(self) -> list[str]:
        # Only the router's private channel (private-todo-list) carries lists.
        return []


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


def publish_counts(list_ids: Iterable[int | None], using: str) -> None:
    """Publish these lists as ``updated``, with their counts as the transaction has them.

    Inside a transaction the events go out once it commits, like SelfPublishModel's own.
    """
    lists = TodoList.objects.using(using).filter(pk__in=[pk for pk in list_ids if pk])
    for todo_list in lists:
        for router in default_registry.for_model(TodoList):
            data = router.serializer_class().serialize(todo_list)
            publish(router.channels_for(todo_list), "updated", data, using=using)


# Where a saved item keeps the list it was in until post_save, when it may move.
LIST_LEFT = "_todo_list_left"


def _may_move(update_fields: frozenset[str] | None) -> bool:
    return update_fields is None or bool({"todo_list", "todo_list_id"} & update_fields)


@receiver(pre_save, sender=TodoItem, dispatch_uid="todo.note_list_left")
def _note_list_left(
    sender: type[TodoItem], instance: TodoItem, raw: bool, using: str, **kwargs: Any
) -> None:
    update_fields = kwargs["update_fields"]  # field names or attnames, as save() got them
    if raw or instance._state.adding or not _may_move(update_fields):
        return
    stored = TodoItem.objects.using(using).filter(pk=instance.pk)
    instance.__dict__[LIST_LEFT] = stored.values_list("todo_list", flat=True).first()


@receiver(post_save, sender=TodoItem, dispatch_uid="todo.recount_after_save")
def _recount_after_save(
    sender: type[TodoItem], instance: TodoItem, raw: bool, using: str, **kwargs: Any
) -> None:
    left = instance.__dict__.pop(LIST_LEFT, None)
    if not raw:
        publish_counts({instance.todo_list_id, left}, using)


@receiver(post_delete, sender=TodoItem, dispatch_uid="todo.recount_after_delete")
def _recount_after_delete(
    sender: type[TodoItem], instance: TodoItem, using: str, **kwargs: Any
) -> None:
    publish_counts([instance.todo_list_id], using)
