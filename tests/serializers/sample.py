"""Serializers shared by the tests: every field of ``Sample``, unique rules and derived values."""

from realtime_core.serializers import ModelSerializer
from tests.testapp.models import Tag

SAMPLE_FIELDS = [
    "title",
    "count",
    "ratio",
    "price",
    "flag",
    "day",
    "moment",
    "token",
    "extra",
    "owner",
    "tags",
]


class SampleSerializer(ModelSerializer):
    class Meta:
        model = "testapp.Sample"
        publish_fields = ["id", *SAMPLE_FIELDS]
        update_fields = SAMPLE_FIELDS


class TagSerializer(ModelSerializer):
    class Meta:
        model = Tag
        publish_fields = ["name"]
        update_fields = ["name"]


class SeatSerializer(ModelSerializer):
    class Meta:
        model = "testapp.Seat"
        publish_fields = ["row", "number", "label", "updated_at"]
        update_fields = ["row", "number"]


class SlotSerializer(ModelSerializer):
    class Meta:
        model = "testapp.Slot"
        publish_fields = ["day", "hour"]
        update_fields = ["day", "hour"]
