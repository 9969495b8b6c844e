"""Internal: the column values a ``SelfPublishModel`` instance had when last loaded or saved.

A save that moves an object to other channels must tell the channels it left, and
those follow from the values the row held, not from what the instance holds in memory
now. :class:`~realtime_core.models.SelfPublishModel` records them as it loads and
refreshes; :mod:`realtime_core.changes` reads and updates them around each write.
"""

import copy
from collections.abc import Iterable
from typing import TypeVar

from django.db import models

__all__ = ["as_stored", "complete_stored", "remember_stored", "share_stored"]

M = TypeVar("M", bound=models.Model)

# Where an instance keeps its column values (by attname) as last loaded or saved.
_STORED = "_realtime_core_stored"


def remember_stored(instance: models.Model, names: Iterable[str] | None = None) -> None:
    """Record the instance's current column values (only ``names``, by name or attname,
    when given) as the stored ones."""
    wanted = None if names is None else set(names)
    stored = dict(instance.__dict__.get(_STORED, {}))
    for field in instance._meta.concrete_fields:
        if field.attname in instance.__dict__ and (
            wanted is None or field.name in wanted or field.attname in wanted
        ):
            stored[field.attname] = instance.__dict__[field.attname]
    # A new dict, not an update: copies of the instance (serializers make them) share it.
    instance.__dict__[_STORED] = stored


def share_stored(instance: models.Model, source: models.Model) -> None:
    """Make ``source``'s stored values (a fresh read of the same row) ``instance``'s."""
    instance.__dict__[_STORED] = source.__dict__[_STORED]


def complete_stored(instance: models.Model, using: str) -> None:
    """Add the stored values of the columns ``instance`` was loaded without (``only()``,
    ``defer()``), read before a write changes or deletes the row: the channels it is in
    may depend on them, and afterwards the row no longer says."""
    stored = instance.__dict__.get(_STORED)
    if stored is None:
        return
    missing = [
        field.attname for field in instance._meta.concrete_fields if field.attname not in stored
    ]
    if not missing:
        return
    manager = type(instance)._base_manager.using(using)
    row = manager.filter(pk=instance.pk).values(*missing).first()
    if row is not None:
        instance.__dict__[_STORED] = {**stored, **row}


def as_stored(instance: M) -> M | None:
    """A copy of ``instance`` holding its stored values, or None when they are unknown."""
    stored = instance.__dict__.get(_STORED)
    if stored is None:
        return None
    previous = copy.copy(instance)
    for attname, value in stored.items():
        setattr(previous, attname, value)  # drops a cached related object that no longer fits
    return previous
