"""Which JSON types each kind of field takes from clients, and the errors for the others."""

import datetime
import decimal
import math
from typing import Any

import pytest
from django.db import models
from django.test.utils import isolate_apps

from realtime_core.serializers import ModelSerializer
from tests.testapp.models import Sample, Tag, TodoList

from .sample import SampleSerializer

pytestmark = pytest.mark.django_db

STRING = "Expected a string, got {}."
BOOLEAN = "Expected a boolean, got {}."
INTEGER = "Expected an integer, got {}."
NUMBER = "Expected a number, got {}."
DECIMAL = "Expected a number or a string, got {}."
KEY = "Expected an integer or a string, got {}."
KEYS = "Expected a list of integers or strings, got {}."
INVALID_JSON = "Enter a valid JSON."


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        # Django's date and time form fields call value.strip(): these used to crash.
        ("day", 5, STRING.format("an integer")),
        ("moment", 5, STRING.format("an integer")),
        ("day", ["2024-01-01"], STRING.format("a list")),
        ("moment", {"a": 1}, STRING.format("an object")),
        # The rest used to be coerced and stored.
        ("title", ["a", "b"], STRING.format("a list")),
        ("title", {"k": 1}, STRING.format("an object")),
        ("title", {"a", "b"}, STRING.format("set")),
        ("token", 5, STRING.format("an integer")),
        ("flag", "banana", BOOLEAN.format("a string")),
        ("flag", "no", BOOLEAN.format("a string")),
        ("flag", 5, BOOLEAN.format("an integer")),
        ("flag", [1], BOOLEAN.format("a list")),
        ("count", True, INTEGER.format("a boolean")),
        ("count", "7", INTEGER.format("a string")),
        ("count", 7.5, INTEGER.format("a number")),
        ("ratio", True, NUMBER.format("a boolean")),
        ("ratio", math.nan, NUMBER.format("NaN")),
        ("ratio", math.inf, NUMBER.format("Infinity")),
        ("price", False, DECIMAL.format("a boolean")),
        ("price", -math.inf, DECIMAL.format("-Infinity")),
        ("price", [1], DECIMAL.format("a list")),
        ("owner", True, KEY.format("a boolean")),
        ("owner", 1.0, KEY.format("a number")),
        ("tags", 5, KEYS.format("an integer")),
        ("tags", "1", KEYS.format("a string")),
        ("tags", [True], KEYS.format("a list containing a boolean")),
        ("tags", [[1]], KEYS.format("a list containing a list")),
        # json.loads reads NaN and Infinity, but no database stores them in a JSON column.
        ("extra", math.nan, INVALID_JSON),
        ("extra", {"a": [1, math.inf]}, INVALID_JSON),
    ],
)
def test_value_of_the_wrong_json_type_is_an_error_for_its_key(
    name: str, value: object, message: str
) -> None:
    # pk 1 exists, so a True that became pk 1 would pass.
    TodoList.objects.create(pk=1, name="First")
    Tag.objects.create(pk=1, name="first")

    result = SampleSerializer().deserialize({"title": "T", name: value})

    assert result.errors == {name: [message]}
    with pytest.raises(ValueError, match="failed validation"):
        result.save()
    assert not Sample.objects.exists()


@isolate_apps("tests.testapp")
@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("note", 5, STRING.format("an integer")),
        ("at", 930, STRING.format("an integer")),
        ("took", 60, STRING.format("an integer")),
        ("address", ["127.0.0.1"], STRING.format("a list")),
        ("path", 5, STRING.format("an integer")),
        ("rank", False, INTEGER.format("a boolean")),
        ("partner", True, KEY.format("a boolean")),
    ],
)
def test_other_field_kinds_check_json_types_too(name: str, value: object, message: str) -> None:
    class Record(models.Model):
        note = models.TextField()
        at = models.TimeField()
        took = models.DurationField()
        address = models.GenericIPAddressField()
        path = models.FilePathField(path="/tmp")
        rank = models.SmallIntegerField()
        partner = models.OneToOneField(TodoList, on_delete=models.CASCADE)

        class Meta:
            app_label = "testapp"

    class RecordSerializer(ModelSerializer):
        class Meta:
            model = Record
            publish_fields = ["note"]
            update_fields = [name]

    assert RecordSerializer().deserialize({name: value}).errors == {name: [message]}


def test_every_accepted_json_type_is_stored() -> None:
    owner, tag = TodoList.objects.create(name="Owner"), Tag.objects.create(name="a")
    data: dict[str, Any] = {
        "title": "T",
        "count": -3,
        "ratio": 2,
        "price": 1,
        "flag": False,
        "token": "12345678-1234-5678-1234-567812345678",
        # Keys may be sent as strings, as pks of string primary keys are.
        "owner": str(owner.pk),
        "tags": [str(tag.pk)],
        "day": None,
        "moment": None,
    }

    result = SampleSerializer().deserialize(data)

    assert result.errors == {}
    saved = Sample.objects.get(pk=result.save().pk)
    assert (saved.count, saved.ratio, saved.price, saved.flag) == (-3, 2.0, 1, False)
    assert (saved.owner, list(saved.tags.all()), saved.day, saved.moment) == (
        owner,
        [tag],
        None,
        None,
    )


@pytest.mark.parametrize("extra", ["hello", {}, [], 0, {"a": [1, None, True]}, [{"b": "c"}]])
def test_json_field_takes_already_decoded_values(extra: object) -> None:
    result = SampleSerializer().deserialize({"title": "T", "extra": extra})

    assert result.errors == {}
    assert Sample.objects.get(pk=result.save().pk).extra == extra


def test_json_field_rejects_null_when_not_nullable_and_values_json_cannot_hold() -> None:
    serializer = SampleSerializer()

    assert serializer.deserialize({"title": "T", "extra": None}).errors == {
        "extra": ["This field cannot be null."]
    }
    assert serializer.deserialize({"title": "T", "extra": {1, 2}}).errors == {
        "extra": ["Enter a valid JSON."]
    }


@pytest.mark.parametrize("price", [12.5, "12.50", 12])
def test_decimal_accepts_numbers_and_strings(price: object) -> None:
    result = SampleSerializer().deserialize({"title": "T", "price": price})

    assert result.errors == {}
    assert result.instance.price == decimal.Decimal(str(price))


def test_dates_and_datetimes_accept_iso_strings() -> None:
    data = {"title": "T", "day": "2024-05-01", "moment": "2024-05-01T12:30:45.123+02:00"}

    instance = SampleSerializer().deserialize(data).instance

    assert instance.day == datetime.date(2024, 5, 1)
    assert instance.moment == datetime.datetime(2024, 5, 1, 10, 30, 45, 123000, tzinfo=datetime.UTC)
