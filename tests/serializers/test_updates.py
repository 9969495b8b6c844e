"""Partial updates: only the keys sent are validated and written, the whole row is checked."""

import datetime
from collections.abc import Callable

import pytest
from django.db import IntegrityError, models, transaction

from realtime_core.serializers import ModelSerializer
from tests.testapp.models import Seat, Slot, Tag, TodoItem
from tests.testapp.serializers import TodoItemSerializer

from .sample import SeatSerializer, SlotSerializer, TagSerializer

pytestmark = pytest.mark.django_db

REQUIRED = ["This field is required."]


def test_partial_update_changes_only_the_keys_sent(item: TodoItem) -> None:
    result = TodoItemSerializer().deserialize({"done": True}, instance=item)

    assert result.errors == {}
    assert (result.instance.done, result.instance.text, result.instance.order) == (True, "Milk", 1)
    assert item.done is False, "the instance passed in must not be modified"
    result.save()
    item.refresh_from_db()
    assert (item.done, item.text, item.order) == (True, "Milk", 1)


def test_partial_update_validates_the_keys_sent(item: TodoItem) -> None:
    result = TodoItemSerializer().deserialize({"text": "", "order": 5}, instance=item)

    assert result.errors == {"text": REQUIRED}
    assert item.order == 1


def test_partial_update_replaces_many_to_many_values(item: TodoItem) -> None:
    old, new = Tag.objects.create(name="old"), Tag.objects.create(name="new")
    item.tags.set([old])

    TodoItemSerializer().deserialize({"tags": [new.pk]}, instance=item).save()

    assert list(item.tags.all()) == [new]


def test_update_keeps_columns_another_writer_changed_since_loading(item: TodoItem) -> None:
    stale = TodoItem.objects.get(pk=item.pk)
    TodoItem.objects.filter(pk=item.pk).update(text="Bread")

    TodoItemSerializer().deserialize({"done": True}, instance=stale).save()

    item.refresh_from_db()
    assert (item.done, item.text) == (True, "Bread")


def test_update_saves_what_model_clean_derives() -> None:
    seat = Seat.objects.create(row=1, number=2, label="1-2")

    SeatSerializer().deserialize({"number": 5}, instance=seat).save()

    seat.refresh_from_db()
    assert (seat.number, seat.label) == (5, "1-5")


def test_update_still_sets_auto_now_fields() -> None:
    seat = Seat.objects.create(row=1, number=2)
    long_ago = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    Seat.objects.filter(pk=seat.pk).update(updated_at=long_ago)
    seat.refresh_from_db()

    SeatSerializer().deserialize({"number": 3}, instance=seat).save()

    seat.refresh_from_db()
    assert seat.updated_at > long_ago


@pytest.mark.parametrize(
    ("serializer", "make", "fields", "collision"),
    [
        # unique_together goes through validate_unique, a UniqueConstraint through
        # validate_constraints: both must be checked.
        (
            SeatSerializer,
            lambda a, b: Seat.objects.create(row=a, number=b),
            ("row", "number"),
            "Seat with this Row and Number already exists.",
        ),
        (
            SlotSerializer,
            lambda a, b: Slot.objects.create(day=a, hour=b),
            ("day", "hour"),
            "Slot with this Day and Hour already exists.",
        ),
    ],
    ids=["unique_together", "UniqueConstraint"],
)
def test_update_checks_uniqueness_over_the_whole_row(
    serializer: type[ModelSerializer],
    make: Callable[[int, int], models.Model],
    fields: tuple[str, str],
    collision: str,
) -> None:
    first, second = make(1, 1), make(1, 2)
    first_key, second_key = fields
    expected = {"__all__": [collision]}

    # Only the second column sent: the rule spans a column not sent, still checked.
    assert serializer().deserialize({second_key: 1}, instance=second).errors == expected
    # Every column of the rule sent: reported once, not by the form and again after it.
    assert serializer().deserialize({first_key: 1, second_key: 1}, instance=second).errors == (
        expected
    )
    # The row being updated does not collide with itself.
    assert serializer().deserialize({second_key: 1}, instance=first).errors == {}
    # Without the check the database itself would refuse the write.
    with pytest.raises(IntegrityError), transaction.atomic():
        type(second).objects.filter(pk=second.pk).update(**{second_key: 1})


def test_update_reports_a_unique_field_that_failed_once() -> None:
    Tag.objects.create(name="dairy")
    urgent = Tag.objects.create(name="urgent")

    result = TagSerializer().deserialize({"name": "dairy"}, instance=urgent)

    assert result.errors == {"name": ["Tag with this Name already exists."]}
