"""Internal: a serializer's ``Meta``, shape-checked when the class is defined, resolved later.

``Meta.model`` may be an ``"app_label.ModelName"`` string because models often import their
serializer; the model registry is not ready while those modules load, so everything that needs
the model class (the field names above all) waits until the serializer is first used.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PK_KEY = "id"
"""Key that always carries the primary key: client-side data mappers index records by it."""

HOOK_PREFIX = "serialize_"


@dataclass(frozen=True)
class Declaration:
    """What a serializer class declares in ``Meta``, before the model is looked up."""

    owner: str
    model: type[models.Model] | str
    publish_fields: tuple[str, ...]
    update_fields: tuple[str, ...]
    hooked: frozenset[str]


@dataclass(frozen=True)
class Options:
    """A declaration checked against its model: every name is known to be publishable/writable."""

    model: type[models.Model]
    publish_fields: tuple[str, ...]
    update_fields: tuple[str, ...]
    fields: Mapping[str, models.Field[Any, Any]]
    hooked: frozenset[str]


def declare(serializer: type) -> Declaration | None:
    """Read ``serializer.Meta``, raising ImproperlyConfigured for anything malformed.

    Return None when there is no ``Meta`` at all: the class is an abstract base that shares
    hooks or helpers with serializers that declare one.
    """
    owner = serializer.__name__
    meta = getattr(serializer, "Meta", None)
    if meta is None:
        return None
    model = getattr(meta, "model", None)
    if not isinstance(model, str) and not (
        isinstance(model, type) and issubclass(model, models.Model)
    ):
        raise ImproperlyConfigured(
            f"{owner}.Meta.model must be a model class or an 'app_label.ModelName' string, "
            f"not {model!r}."
        )
    publish_fields = _names(owner, meta, "publish_fields", default=None)
    update_fields = _names(owner, meta, "update_fields", default=())
    hooked = frozenset(
        name
        for name in (PK_KEY, *publish_fields)
        if callable(getattr(serializer, HOOK_PREFIX + name, None))
    )
    return Declaration(owner, model, publish_fields, update_fields, hooked)


def _names(
    owner: str, meta: type, attribute: str, default: tuple[str, ...] | None
) -> tuple[str, ...]:
    value = getattr(meta, attribute, default)
    # A bare string is the classic slip (("id") instead of ("id",)) and would iterate by letter.
    if not isinstance(value, (list, tuple)) or not all(isinstance(name, str) for name in value):
        requirement = "must be" if default is None else "must be omitted or be"
        raise ImproperlyConfigured(
            f"{owner}.Meta.{attribute} {requirement} a list of field names, not {value!r}."
        )
    return tuple(value)


def missing_meta(owner: str) -> ImproperlyConfigured:
    """The error for using a serializer that declares no ``Meta``, as if it were complete."""
    return ImproperlyConfigured(
        f"{owner} has no Meta class, so it can only be a base for serializers that declare one; "
        "declare Meta.model (a model class or an 'app_label.ModelName' string), "
        "Meta.publish_fields and optionally Meta.update_fields."
    )


@functools.cache
def resolve(declaration: Declaration) -> Options:
    """Look up the model and check every declared name against it (cached per declaration)."""
    model = _model(declaration)
    label = model._meta.label
    fields: dict[str, models.Field[Any, Any]] = {
        field.name: field for field in (*model._meta.concrete_fields, *model._meta.many_to_many)
    }
    for name in declaration.publish_fields:
        if name != PK_KEY and name not in fields and name not in declaration.hooked:
            raise ImproperlyConfigured(
                f"{declaration.owner}.Meta.publish_fields names {name!r}, which is not a field of "
                f"{label} and has no {HOOK_PREFIX}{name}() method. Fields of {label}: "
                f"{', '.join(fields)}."
            )
    writable = [name for name, field in fields.items() if _is_writable(field)]
    for name in declaration.update_fields:
        if name not in writable:
            raise ImproperlyConfigured(
                f"{declaration.owner}.Meta.update_fields names {name!r}, which is not a field "
                f"clients may write: only editable, non-auto, non-file fields can be. Writable "
                f"fields of {label}: {', '.join(writable)}."
            )
    publish_fields = declaration.publish_fields
    if PK_KEY not in publish_fields:
        publish_fields = (PK_KEY, *publish_fields)
    return Options(model, publish_fields, declaration.update_fields, fields, declaration.hooked)


def _model(declaration: Declaration) -> type[models.Model]:
    if not isinstance(declaration.model, str):
        return declaration.model
    try:
        return apps.get_model(declaration.model)
    except (LookupError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"{declaration.owner}.Meta.model is {declaration.model!r}, which names no installed "
            f"model ({exc}). Use a model class or an 'app_label.ModelName' string."
        ) from exc


def _is_writable(field: models.Field[Any, Any]) -> bool:
    # Auto primary keys are assigned by the database, and JSON bodies cannot carry file uploads:
    # accepting either would silently drop what the client sent.
    return field.editable and not isinstance(field, (models.AutoField, models.FileField))
