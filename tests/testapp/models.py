"""Models the test suite serializes and publishes."""

import uuid

from django.db import models

from realtime_core.models import SelfPublishModel

from .serializers import TodoItemSerializer, TodoListSerializer


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)


class TodoList(SelfPublishModel):
    name = models.CharField(max_length=100)
    serializer_class = TodoListSerializer


class TodoItem(SelfPublishModel):
    todo_list = models.ForeignKey(TodoList, related_name="items", on_delete=models.CASCADE)
    text = models.CharField(max_length=200)
    done = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)
    tags = models.ManyToManyField(Tag, blank=True)
    serializer_class = TodoItemSerializer

    def get_channels(self) -> list[str]:
        return [f"todo-list-{self.todo_list_id}"]


class Sample(models.Model):
    """One field of every kind the serializer must handle."""

    title = models.CharField(max_length=20)
    count = models.IntegerField(default=0)
    ratio = models.FloatField(default=0.0)
    price = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    flag = models.BooleanField(default=False)
    day = models.DateField(null=True, blank=True)
    moment = models.DateTimeField(null=True, blank=True)
    token = models.UUIDField(default=uuid.uuid4)
    extra = models.JSONField(default=dict, blank=True)
    owner = models.ForeignKey(TodoList, null=True, blank=True, on_delete=models.SET_NULL)
    tags = models.ManyToManyField(Tag, blank=True)


class Seat(models.Model):
    """A multi-column unique rule, a value clean() derives and an auto_now column."""

    row = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    label = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        unique_together = [("row", "number")]

    def clean(self) -> None:
        self.label = f"{self.row}-{self.number}"


class Slot(models.Model):
    """The same rule as a UniqueConstraint, which Django validates separately."""

    day = models.PositiveIntegerField()
    hour = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "hour"], name="one_slot_per_hour")]
