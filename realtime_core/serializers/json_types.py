"""Internal: checking that a value a client sends has the JSON type its model field takes.

Django's form fields were written for HTML form data, where every value is a string. Handed
other JSON types they coerce silently (``str(["a"])`` for a CharField, ``bool("no")`` for a
BooleanField, ``True`` as pk 1) or crash (``5.strip()`` in a DateField), so each value's type is
checked against its field before the form sees it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.db import models


def _is_string(value: object) -> bool:
    return isinstance(value, str)


def _is_boolean(value: object) -> bool:
    return isinstance(value, bool)


def _is_integer(value: object) -> bool:
    # bool is a subclass of int: True must not pass as 1.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    # NaN and Infinity are not JSON, and no database column stores them portably.
    return _is_integer(value) or (isinstance(value, float) and math.isfinite(value))


def _is_number_or_string(value: object) -> bool:
    return _is_number(value) or _is_string(value)


def _is_key(value: object) -> bool:
    return _is_integer(value) or _is_string(value)


_KEY_LIST = "a list of integers or strings"

# First match wins. Field kinds not listed (JSONField among them) are left to the form.
_EXPECTED_TYPES: tuple[
    tuple[tuple[type[models.Field[Any, Any]], ...], str, Callable[[object], bool]], ...
] = (
    (
        (
            models.CharField,
            models.TextField,
            models.UUIDField,
            models.DateField,
            models.TimeField,
            models.DurationField,
            models.GenericIPAddressField,
            models.FilePathField,
        ),
        "a string",
        _is_string,
    ),
    ((models.BooleanField,), "a boolean", _is_boolean),
    ((models.IntegerField,), "an integer", _is_integer),
    ((models.FloatField,), "a number", _is_number),
    ((models.DecimalField,), "a number or a string", _is_number_or_string),
    ((models.ForeignKey,), "an integer or a string", _is_key),
)

# bool before int: True is an int too.
_JSON_NAMES: tuple[tuple[type, str], ...] = (
    (type(None), "null"),
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a number"),
    (str, "a string"),
    (list, "a list"),
    (dict, "an object"),
)


def json_type_error(field: models.Field[Any, Any], value: object) -> str | None:
    """Return why ``value`` cannot be written to ``field``, or None when its type fits.

    Meant for values other than None: whether a field takes null depends on ``field.null``.
    """
    if isinstance(field, models.ManyToManyField):
        if not isinstance(value, list):
            return f"Expected {_KEY_LIST}, got {_describe(value)}."
        for item in value:
            if not _is_key(item):
                return f"Expected {_KEY_LIST}, got a list containing {_describe(item)}."
        return None
    for field_types, expected, accepts in _EXPECTED_TYPES:
        if isinstance(field, field_types):
            return None if accepts(value) else f"Expected {expected}, got {_describe(value)}."
    return None


def _describe(value: object) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        # The spelling Python's json module reads and writes for these.
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    for json_type, name in _JSON_NAMES:
        if isinstance(value, json_type):
            return name
    return type(value).__name__
