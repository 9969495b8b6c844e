"""Internal: reading a model field's value and making any value JSON-ready.

Published payloads hold only ``str``, ``int``, ``float``, ``bool``, ``None``, lists and
string-keyed dicts, so every transport carries exactly the same data.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Context, Decimal
from typing import Any, TypeAlias

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

JSONValue: TypeAlias = "str | int | float | bool | list[JSONValue] | dict[str, JSONValue] | None"

# Dates, times, Decimal, UUID and lazy strings become exactly what Django's JSON serializer
# writes, so payloads match anything else the project already encodes with it.
_ENCODER = DjangoJSONEncoder()


def json_ready(value: object) -> JSONValue:
    """Return ``value`` as JSON-ready data; raise TypeError for what JSON cannot represent."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    if isinstance(value, Mapping):
        ready: dict[str, JSONValue] = {}
        for key, item in value.items():
            # json.dumps would quietly turn 1 into "1" and True into "true"; other encoders would
            # not, so the payload would depend on the transport.
            if not isinstance(key, str):
                raise TypeError(f"Dict keys must be strings to be JSON-ready, got {key!r}.")
            ready[key] = json_ready(item)
        return ready
    encoded: str = _ENCODER.default(value)
    return encoded


def read_field(instance: models.Model, field: models.Field[Any, Any]) -> object:
    """Return the value a client sees for ``field``: related objects are represented by pk."""
    if field.many_to_many:
        # Related rows point at the pk, so an instance without one has none (and Django refuses
        # to query them).
        if instance.pk is None:
            return []
        # Sorted so a payload does not change with database row order; .all() reuses
        # prefetch_related() results when the caller prefetched.
        return sorted(related.pk for related in getattr(instance, field.name).all())
    if isinstance(field, models.FileField):
        return getattr(instance, field.attname).name or None
    # attname is "todo_list_id" for a foreign key: the pk without fetching the related row.
    # to_python() because a just-saved instance still holds what the caller assigned (0 for a
    # DecimalField, "7" for an IntegerField): publish what a reload from the database would.
    value = field.to_python(getattr(instance, field.attname))
    if isinstance(field, models.DecimalField) and isinstance(value, Decimal):
        # The default context holds 28 digits, too few for a wide column: quantize with
        # max_digits, the precision Django itself uses when it writes the value.
        exponent = Decimal(1).scaleb(-field.decimal_places)
        return value.quantize(exponent, context=Context(prec=field.max_digits))
    return value
