"""Filter parameters: exact matches on fields a router whitelists, read from text.

Clients never supply ORM lookups: a parameter is the *name of a field* the router lists
in ``filter_fields``, and it means "equal to". Values arrive as text (query strings,
channel names), so each field kind has one strict spelling, which is also the canonical
one used in channel names: ``true``/``false``, ``42``, ``2024-05-01``, the UUID in its
hyphenated lower-case form, a string as itself. A foreign key is filtered by the
related primary key, as serializers publish it.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models

__all__ = ["FilterError", "FilterField", "filter_field"]

_INTEGER_RE = re.compile(r"\A-?[0-9]{1,19}\Z")
_DATE_RE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


class FilterError(ValueError):
    """A filter value that cannot be read for its field; the message says why."""


def _parse_boolean(text: str) -> object:
    if text not in ("true", "false"):
        raise FilterError("Expected true or false.")
    return text == "true"


def _format_boolean(value: object) -> str:
    return "true" if value else "false"


def _parse_integer(text: str) -> object:
    # Databases store at most 64-bit integers; a larger number would be a database error.
    if not _INTEGER_RE.match(text) or not -(2**63) <= int(text) < 2**63:
        raise FilterError("Expected a whole number.")
    return int(text)


def _parse_text(text: str) -> object:
    # As Django's form fields do: PostgreSQL refuses NUL in text.
    if "\x00" in text:
        raise FilterError("Null characters are not allowed.")
    return text


def _parse_uuid(text: str) -> object:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise FilterError("Expected a UUID.") from None


def _parse_date(text: str) -> object:
    try:
        if not _DATE_RE.match(text):
            raise ValueError(text)
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise FilterError("Expected a date as YYYY-MM-DD.") from None


def _format_date(value: object) -> str:
    assert isinstance(value, datetime.date)
    return value.isoformat()


@dataclass(frozen=True)
class _Kind:
    parse: Callable[[str], object]
    format: Callable[[object], str]


_BOOLEAN = _Kind(_parse_boolean, _format_boolean)
_INTEGER = _Kind(_parse_integer, str)
_TEXT = _Kind(_parse_text, str)
_UUID = _Kind(_parse_uuid, str)
_DATE = _Kind(_parse_date, _format_date)

SUPPORTED_KINDS = "booleans, integers, text, UUIDs, dates and foreign keys to those"


def _kind(field: models.Field[Any, Any]) -> _Kind | None:
    # DateTimeField is a DateField, and an exact instant is no filter: checked first.
    if isinstance(field, models.DateTimeField):
        return None
    if isinstance(field, models.BooleanField):
        return _BOOLEAN
    if isinstance(field, models.IntegerField):  # small, big, positive and auto fields too
        return _INTEGER
    if isinstance(field, (models.CharField, models.TextField)):
        return _TEXT
    if isinstance(field, models.UUIDField):
        return _UUID
    if isinstance(field, models.DateField):
        return _DATE
    return None


@dataclass(frozen=True)
class FilterField:
    """One whitelisted filter: a model field compared for equality."""

    name: str
    """The parameter name clients send: the model field's name."""
    attname: str
    """Where an instance keeps the compared value (``todo_list_id`` for ``todo_list``)."""
    field: models.Field[Any, Any]
    """The field whose values are compared: the related primary key for a foreign key."""
    kind: _Kind

    def parse(self, text: str) -> object:
        """The value ``text`` spells, or FilterError saying what was expected."""
        return self.kind.parse(text)

    def format(self, value: object) -> str:
        """The canonical spelling of ``value``, which :meth:`parse` reads back."""
        return self.kind.format(value)

    def value_of(self, instance: models.Model) -> object:
        """The instance's value as the database stores it (a pk assigned as the string
        ``"1"`` is saved as the number 1); raises ValidationError for an invalid value."""
        return self.field.to_python(getattr(instance, self.attname))


def filter_field(model: type[models.Model], name: str, owner: str) -> FilterField:
    """The :class:`FilterField` for ``model``'s field ``name``.

    Raises ImproperlyConfigured, naming ``owner``, for anything but a concrete field of
    a supported kind: lookups (``a__b``), many-to-many and reverse relations included.
    """
    fields: Mapping[str, models.Field[Any, Any]] = {
        field.name: field for field in model._meta.concrete_fields
    }
    field = fields.get(name)
    if field is None:
        raise ImproperlyConfigured(
            f"{owner}.filter_fields names {name!r}, which is not a concrete field of "
            f"{model._meta.label} (filters are field names, never lookups). Fields: "
            f"{', '.join(fields)}."
        )
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    kind = _kind(target)
    if kind is None:
        raise ImproperlyConfigured(
            f"{owner}.filter_fields names {name!r}, a {type(field).__name__}; filters "
            f"compare values spelled one way only, which {SUPPORTED_KINDS} have."
        )
    return FilterField(name, field.attname, target, kind)
