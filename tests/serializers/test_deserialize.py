import datetime
import decimal
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import models

from tests.testapp.models import Sample, Tag, TodoItem, TodoList
from tests.testapp.serializers import TodoItemSerializer

from .sample import SAMPLE_FIELDS, SampleSerializer, TagSerializer

pytestmark = pytest.mark.django_db

UNWRITABLE = ["This field cannot be written."]
REQUIRED = ["This field is required."]


def test_create_applies_json_values_and_save_persists_many_to_many(todo_list: TodoList) -> None:
    dairy, urgent = Tag.objects.create(name="dairy"), Tag.objects.create(name="urgent")
    data = {"todo_list": todo_list.pk, "text": "Eggs", "done": True, "order": 3}

    result = TodoItemSerializer().deserialize({**data, "tags": [urgent.pk, dairy.pk]})

    assert (result.is_valid, result.errors) == (True, {})
    assert result.instance.pk is None
    saved = result.save()
    assert saved.pk is not None
    reloaded = TodoItem.objects.get(pk=saved.pk)
    assert (reloaded.todo_list, reloaded.text, reloaded.done, reloaded.order) == (
        todo_list,
        "Eggs",
        True,
        3,
    )
    assert set(reloaded.tags.all()) == {dairy, urgent}


def test_create_keeps_model_defaults_for_keys_not_sent(todo_list: TodoList) -> None:
    result = TodoItemSerializer().deserialize({"todo_list": todo_list.pk, "text": "Eggs"})

    assert result.errors == {}
    saved = TodoItem.objects.get(pk=result.save().pk)
    assert (saved.done, saved.order, list(saved.tags.all())) == (False, 0, [])


def test_create_reports_every_missing_required_field() -> None:
    result = TodoItemSerializer().deserialize({"done": True})

    assert not result.is_valid
    assert result.errors == {"todo_list": REQUIRED, "text": REQUIRED}


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"text": "x" * 201},
            {"text": ["Ensure this value has at most 200 characters (it has 201)."]},
        ),
        (
            {"todo_list": 999_999},
            {
                "todo_list": [
                    "Select a valid choice. That choice is not one of the available choices."
                ]
            },
        ),
        ({"order": -1}, {"order": ["Ensure this value is greater than or equal to 0."]}),
        (
            {"tags": [999_999]},
            {"tags": ["Select a valid choice. 999999 is not one of the available choices."]},
        ),
        ({"text": ""}, {"text": REQUIRED}),
        ({"done": None}, {"done": ["This field cannot be null."]}),
    ],
)
def test_create_rejects_invalid_values_with_django_messages(
    todo_list: TodoList, changes: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    data = {"todo_list": todo_list.pk, "text": "Eggs", **changes}

    result = TodoItemSerializer().deserialize(data)

    assert result.errors == errors
    assert not result.is_valid


def test_failure_writing_many_to_many_leaves_nothing_saved(
    todo_list: TodoList, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = Tag.objects.create(name="dairy")
    result = TodoItemSerializer().deserialize(
        {"todo_list": todo_list.pk, "text": "Eggs", "tags": [tag.pk]}
    )

    def fail(*args: object) -> None:
        raise RuntimeError("many-to-many write failed")

    monkeypatch.setattr(models.ManyToManyField, "save_form_data", fail)
    with pytest.raises(RuntimeError, match="many-to-many write failed"):
        result.save()
    assert not TodoItem.objects.exists()


def test_unique_constraint_is_checked() -> None:
    Tag.objects.create(name="dairy")

    result = TagSerializer().deserialize({"name": "dairy"})

    assert result.errors == {"name": ["Tag with this Name already exists."]}


def test_keys_outside_update_fields_are_errors_not_ignored(item: TodoItem) -> None:
    data = {"id": 12, "text": "Bread", "owner": "me"}

    result = TodoItemSerializer().deserialize(data, instance=item)

    assert result.errors == {"id": UNWRITABLE, "owner": UNWRITABLE}
    with pytest.raises(ValueError, match=r"^Cannot save data that failed validation: "):
        result.save()
    item.refresh_from_db()
    assert item.text == "Milk"


@pytest.mark.parametrize(("data", "kind"), [([1, 2], "list"), ("text", "str"), (None, "NoneType")])
def test_data_that_is_not_a_mapping_is_a_non_field_error(data: object, kind: str) -> None:
    result = TodoItemSerializer().deserialize(data)

    assert result.errors == {
        "__all__": [f"Expected an object mapping field names to values, got {kind}."]
    }
    with pytest.raises(ValueError, match="failed validation"):
        result.save()


def test_save_of_invalid_create_raises_and_writes_nothing() -> None:
    result = TodoItemSerializer().deserialize({"text": "Orphan"})

    with pytest.raises(
        ValueError, match=r"^Cannot save data that failed validation: \{'todo_list'"
    ):
        result.save()
    assert not TodoItem.objects.exists()


def full_sample() -> Sample:
    sample = Sample.objects.create(
        title="Widget",
        count=-7,
        ratio=0.1,
        price=decimal.Decimal("123456.78"),
        flag=True,
        day=datetime.date(2024, 2, 29),
        # DjangoJSONEncoder publishes milliseconds, so that is the precision that round-trips.
        moment=datetime.datetime(2024, 5, 1, 12, 30, 45, 123000, tzinfo=datetime.UTC),
        token=uuid.uuid4(),
        extra={"nested": {"list": [1, 2.5, "three", None, False]}},
        owner=TodoList.objects.create(name="Owner"),
    )
    sample.tags.set([Tag.objects.create(name="a"), Tag.objects.create(name="b")])
    return sample


def empty_sample() -> Sample:
    return Sample.objects.create(title="Bare", extra="just a string")


@pytest.mark.parametrize("make_original", [full_sample, empty_sample])
def test_round_trip_reproduces_every_sample_field(make_original: Callable[[], Sample]) -> None:
    original = Sample.objects.get(pk=make_original().pk)
    published = SampleSerializer().serialize(original)
    del published["id"]

    result = SampleSerializer().deserialize(published)

    assert result.errors == {}
    copy = Sample.objects.get(pk=result.save().pk)
    assert copy.pk != original.pk
    for name in SAMPLE_FIELDS:
        field = Sample._meta.get_field(name)
        if isinstance(field, models.ManyToManyField):
            assert list(getattr(copy, name).all()) == list(getattr(original, name).all()), name
        else:
            assert getattr(copy, name) == getattr(original, name), name
