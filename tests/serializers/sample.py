"""A serializer over every field of ``tests.testapp.models.Sample``, shared by the tests."""

from realtime_core.serializers import ModelSerializer

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
