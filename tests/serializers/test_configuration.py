import re
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.test.utils import isolate_apps

from realtime_core.serializers import ModelSerializer
from tests.testapp.models import TodoItem
from tests.testapp.serializers import TodoItemSerializer

ITEM_FIELDS = "id, todo_list, text, done, order, tags"
ITEM_WRITABLE = "todo_list, text, done, order, tags"


def raises_exactly(message: str) -> Any:
    return pytest.raises(ImproperlyConfigured, match=f"^{re.escape(message)}$")


def test_serializer_without_meta_is_a_base_that_cannot_be_used_itself() -> None:
    class SummaryBase(ModelSerializer):
        def serialize_summary(self, instance: TodoItem) -> str:
            return instance.text.upper()

    class ItemSummarySerializer(SummaryBase):
        class Meta:
            model = "testapp.TodoItem"
            publish_fields = ["summary"]

    assert ItemSummarySerializer().serialize(TodoItem(pk=3, text="Milk")) == {
        "id": 3,
        "summary": "MILK",
    }
    message = (
        "SummaryBase has no Meta class, so it can only be a base for serializers that declare "
        "one; declare Meta.model (a model class or an 'app_label.ModelName' string), "
        "Meta.publish_fields and optionally Meta.update_fields."
    )
    with raises_exactly(message):
        SummaryBase.check_configuration()
    with raises_exactly(message):
        SummaryBase().serialize(TodoItem(pk=3, text="Milk"))
    with raises_exactly(message):
        SummaryBase().deserialize({"text": "Milk"})
    with raises_exactly(message.replace("SummaryBase", "ModelSerializer")):
        ModelSerializer().serialize(TodoItem(pk=3, text="Milk"))


@pytest.mark.parametrize("model", [None, 42, object])
def test_meta_model_must_be_a_model_class_or_label(model: object) -> None:
    with raises_exactly(
        "BadModelSerializer.Meta.model must be a model class or an 'app_label.ModelName' "
        f"string, not {model!r}."
    ):

        class BadModelSerializer(ModelSerializer):
            class Meta:
                pass

            Meta.model = model  # type: ignore[attr-defined]
            Meta.publish_fields = ["id"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("attribute", "value", "requirement"),
    [
        ("publish_fields", None, "must be"),
        ("publish_fields", "text", "must be"),
        ("update_fields", "text", "must be omitted or be"),
        ("update_fields", ["text", 3], "must be omitted or be"),
    ],
)
def test_field_lists_must_be_lists_of_names(
    attribute: str, value: object, requirement: str
) -> None:
    with raises_exactly(
        f"ListSerializer.Meta.{attribute} {requirement} a list of field names, not {value!r}."
    ):

        class ListSerializer(ModelSerializer):
            class Meta:
                model = "testapp.TodoItem"
                publish_fields: object = ["id"]

            setattr(Meta, attribute, value)


def test_unknown_model_label_is_reported_at_first_use() -> None:
    class GhostSerializer(ModelSerializer):
        class Meta:
            model = "testapp.Ghost"
            publish_fields = ["id"]

    with pytest.raises(
        ImproperlyConfigured,
        match=r"^GhostSerializer\.Meta\.model is 'testapp\.Ghost', which names no installed model "
        r"\(App 'testapp' doesn't have a 'Ghost' model\.\)\. Use a model class or an",
    ):
        GhostSerializer.check_configuration()


def test_publish_field_without_model_field_or_hook_is_reported_at_first_use() -> None:
    class TypoSerializer(ModelSerializer):
        class Meta:
            model = "testapp.TodoItem"
            publish_fields = ["id", "txt"]

    message = (
        "TypoSerializer.Meta.publish_fields names 'txt', which is not a field of "
        f"testapp.TodoItem and has no serialize_txt() method. Fields of testapp.TodoItem: "
        f"{ITEM_FIELDS}."
    )
    with raises_exactly(message):
        TypoSerializer.check_configuration()
    with raises_exactly(message):
        TypoSerializer().serialize(TodoItem(text="never read"))


def test_reverse_relations_cannot_be_published_without_a_hook() -> None:
    class ItemsSerializer(ModelSerializer):
        class Meta:
            model = "testapp.TodoList"
            publish_fields = ["items"]

    with pytest.raises(ImproperlyConfigured, match=r"names 'items', which is not a field of "):
        ItemsSerializer.check_configuration()


@pytest.mark.parametrize("name", ["id", "colour"])
def test_update_field_that_clients_cannot_write_is_reported(name: str) -> None:
    class WriteSerializer(ModelSerializer):
        class Meta:
            model = "testapp.TodoItem"
            publish_fields = ["id"]
            update_fields = ["text", name]

    message = (
        f"WriteSerializer.Meta.update_fields names {name!r}, which is not a field clients may "
        "write: only editable, non-auto, non-file fields can be. Writable fields of "
        f"testapp.TodoItem: {ITEM_WRITABLE}."
    )
    with raises_exactly(message):
        WriteSerializer.check_configuration()
    with raises_exactly(message):
        WriteSerializer().deserialize({"text": "x"})


@isolate_apps("tests.testapp")
def test_non_editable_and_file_fields_are_not_writable() -> None:
    class Report(models.Model):
        created = models.DateTimeField(auto_now_add=True)
        upload = models.FileField()
        title = models.CharField(max_length=10)

        class Meta:
            app_label = "testapp"

    for name in ("created", "upload"):

        class ReportSerializer(ModelSerializer):
            class Meta:
                model = Report
                publish_fields = ["title"]
                update_fields = [name]

        with pytest.raises(
            ImproperlyConfigured, match=r"Writable fields of testapp\.Report: title\.$"
        ):
            ReportSerializer.check_configuration()


def test_hook_makes_a_computed_name_publishable_and_valid_config_passes() -> None:
    class ComputedSerializer(ModelSerializer):
        class Meta:
            model = "testapp.TodoItem"
            publish_fields = ["id", "summary"]

        def serialize_summary(self, instance: TodoItem) -> str:
            return instance.text

    ComputedSerializer.check_configuration()
    TodoItemSerializer.check_configuration()
    assert ComputedSerializer().serialize(TodoItem(pk=3, text="Milk")) == {
        "id": 3,
        "summary": "Milk",
    }
