import datetime
import decimal
import re
import uuid
from typing import Any

import pytest
from django.db import models
from django.db.models import Prefetch
from django.test.utils import isolate_apps
from django.utils.translation import gettext_lazy

from realtime_core.serializers import ModelSerializer
from tests.testapp.models import Sample, Tag, TodoItem, TodoList
from tests.testapp.serializers import TodoItemSerializer, TodoListSerializer

from .sample import SampleSerializer

TOKEN = uuid.UUID("12345678-1234-5678-1234-567812345678")


@pytest.mark.django_db
def test_every_sample_field_is_published_json_ready_in_declared_order() -> None:
    owner = TodoList.objects.create(name="Owner")
    sample = Sample.objects.create(
        title="Widget",
        count=7,
        ratio=0.25,
        price=decimal.Decimal("12.50"),
        flag=True,
        day=datetime.date(2024, 5, 1),
        moment=datetime.datetime(2024, 5, 1, 12, 30, 45, 123456, tzinfo=datetime.UTC),
        token=TOKEN,
        extra={"colour": "red", "sizes": [1, 2]},
        owner=owner,
    )
    blue, red = Tag.objects.create(name="blue"), Tag.objects.create(name="red")
    sample.tags.set([red, blue])

    data = SampleSerializer().serialize(sample)

    assert data == {
        "id": sample.pk,
        "title": "Widget",
        "count": 7,
        "ratio": 0.25,
        "price": "12.50",
        "flag": True,
        "day": "2024-05-01",
        # DjangoJSONEncoder's format: milliseconds and "Z" for UTC.
        "moment": "2024-05-01T12:30:45.123Z",
        "token": "12345678-1234-5678-1234-567812345678",
        "extra": {"colour": "red", "sizes": [1, 2]},
        "owner": owner.pk,
        "tags": [blue.pk, red.pk],
    }
    assert list(data) == list(SampleSerializer.Meta.publish_fields)


@pytest.mark.django_db
def test_empty_optional_values_are_published_as_null_and_empty_list() -> None:
    sample = Sample.objects.create(title="Bare", token=TOKEN)

    data = SampleSerializer().serialize(sample)

    assert (data["day"], data["moment"], data["owner"], data["tags"]) == (None, None, None, [])
    assert data["extra"] == {}


@pytest.mark.django_db
def test_just_saved_instance_publishes_what_a_reload_publishes() -> None:
    # Saved as assigned: the instance still holds an int price, a str count and a str date.
    sample = Sample.objects.create(title="Loose", count="7", price=3, day="2024-05-01")

    data = SampleSerializer().serialize(sample)

    assert (data["count"], data["price"], data["day"]) == (7, "3.00", "2024-05-01")
    assert data == SampleSerializer().serialize(Sample.objects.get(pk=sample.pk))


@pytest.mark.django_db
def test_foreign_key_is_published_as_related_pk_under_field_name(todo_list: TodoList) -> None:
    item = TodoItem.objects.create(todo_list=todo_list, text="Milk")

    data = TodoItemSerializer().serialize(item)

    assert data["todo_list"] == todo_list.pk
    assert "todo_list_id" not in data


@pytest.mark.django_db
def test_many_to_many_is_published_as_pks_sorted_ascending_from_prefetched_rows(
    todo_list: TodoList, django_assert_num_queries: Any
) -> None:
    item = TodoItem.objects.create(todo_list=todo_list, text="Milk")
    tags = [Tag.objects.create(name=name) for name in ("a", "b", "c")]
    item.tags.set(tags)
    newest_first = Prefetch("tags", queryset=Tag.objects.order_by("-name"))
    prefetched = TodoItem.objects.prefetch_related(newest_first).get(pk=item.pk)

    with django_assert_num_queries(0):
        data = TodoItemSerializer().serialize(prefetched)

    assert data["tags"] == [tag.pk for tag in tags]


@pytest.mark.django_db
def test_id_is_always_published_first_even_when_not_listed() -> None:
    class NameOnlySerializer(ModelSerializer):
        class Meta:
            model = TodoList
            publish_fields = ["name"]

    todo_list = TodoList.objects.create(name="Chores")

    assert NameOnlySerializer().serialize(todo_list) == {"id": todo_list.pk, "name": "Chores"}


@pytest.mark.django_db
def test_model_class_and_model_label_serialize_identically(todo_list: TodoList) -> None:
    class ClassModelSerializer(ModelSerializer):
        class Meta:
            model = TodoList
            publish_fields = ["id", "name"]

    assert ClassModelSerializer().serialize(todo_list) == {"id": todo_list.pk, "name": "Groceries"}
    assert TodoListSerializer().serialize(todo_list) == {"id": todo_list.pk, "name": "Groceries"}


@pytest.mark.django_db
def test_hooks_override_a_field_and_add_computed_values(todo_list: TodoList) -> None:
    class ShoutingItemSerializer(ModelSerializer):
        class Meta:
            model = "testapp.TodoItem"
            publish_fields = ["text", "tag_count", "due"]

        def serialize_text(self, instance: Any) -> str:
            return str(instance.text.upper())

        def serialize_tag_count(self, instance: Any) -> int:
            return int(instance.tags.count())

        def serialize_due(self, instance: Any) -> datetime.date:
            return datetime.date(2024, 6, 30)

    item = TodoItem.objects.create(todo_list=todo_list, text="milk")
    item.tags.add(Tag.objects.create(name="dairy"))

    assert ShoutingItemSerializer().serialize(item) == {
        "id": item.pk,
        "text": "MILK",
        "tag_count": 1,
        # Hook results get the same JSON-ready conversion as field values.
        "due": "2024-06-30",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "error", "reason"),
    [
        ({"a", "b"}, TypeError, "Object of type set is not JSON serializable"),
        # json.dumps would write "1" but other transports would keep the int.
        ({1: "one"}, TypeError, "Dict keys must be strings to be JSON-ready, got 1."),
        (
            datetime.time(9, 30, tzinfo=datetime.UTC),
            ValueError,
            "JSON can't represent timezone-aware times.",
        ),
    ],
)
def test_hook_value_json_cannot_hold_is_an_error_naming_serializer_and_key(
    todo_list: TodoList, value: object, error: type[Exception], reason: str
) -> None:
    class OddSerializer(ModelSerializer):
        class Meta:
            model = TodoList
            publish_fields = ["odd"]

        def serialize_odd(self, instance: Any) -> object:
            return value

    with pytest.raises(error, match=f"^OddSerializer cannot publish 'odd': {re.escape(reason)}$"):
        OddSerializer().serialize(todo_list)


@isolate_apps("tests.testapp")
def test_file_time_duration_and_lazy_string_values() -> None:
    class Attachment(models.Model):
        upload = models.FileField(blank=True)
        at = models.TimeField()
        took = models.DurationField()

        class Meta:
            app_label = "testapp"

    class AttachmentSerializer(ModelSerializer):
        class Meta:
            model = Attachment
            publish_fields = ["upload", "at", "took", "label"]

        def serialize_label(self, instance: Attachment) -> object:
            return gettext_lazy("Attachment")

    serializer = AttachmentSerializer()
    at, took = datetime.time(9, 15, 30), datetime.timedelta(hours=1, seconds=5)

    filed = serializer.serialize(Attachment(pk=4, upload="docs/report.pdf", at=at, took=took))
    empty = serializer.serialize(Attachment(pk=5, upload="", at=at, took=took))

    assert filed == {
        "id": 4,
        "upload": "docs/report.pdf",
        "at": "09:15:30",
        "took": "P0DT01H00M05S",
        "label": "Attachment",
    }
    assert empty["upload"] is None


def test_instance_without_pk_publishes_no_many_to_many_values() -> None:
    data = SampleSerializer().serialize(Sample(title="Draft"))

    assert (data["id"], data["tags"]) == (None, [])


@isolate_apps("tests.testapp")
def test_decimal_wider_than_the_default_context_is_published_in_full() -> None:
    class Ledger(models.Model):
        total = models.DecimalField(max_digits=40, decimal_places=20)

        class Meta:
            app_label = "testapp"

    class LedgerSerializer(ModelSerializer):
        class Meta:
            model = Ledger
            publish_fields = ["total"]

    ledger = Ledger(pk=1, total=decimal.Decimal("12345678901234567890.5"))

    assert LedgerSerializer().serialize(ledger) == {
        "id": 1,
        "total": "12345678901234567890.50000000000000000000",
    }
