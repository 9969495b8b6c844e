"""Internal: ``ModelSerializer``: one model's published form and the fields clients may write."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from .deserialization import DeserializationResult, deserialize
from .options import HOOK_PREFIX, PK_KEY, Declaration, Options, declare, missing_meta, resolve
from .values import json_ready, read_field


class ModelSerializer:
    """Turns model instances into JSON-ready dicts and validated client data into instances.

    Subclasses declare a ``Meta`` class:

    - ``model``: the model class, or an ``"app_label.ModelName"`` string (resolved at first use,
      so a models module can import its serializer without a circular import);
    - ``publish_fields``: the keys of :meth:`serialize`'s output, in order. ``"id"`` (the primary
      key) is always included, first when not listed;
    - ``update_fields``: the fields clients may write through :meth:`deserialize` (default: none).

    A method ``serialize_<name>(self, instance)`` supplies the value published under ``<name>``:
    it overrides a model field's value, or adds a computed value when ``<name>`` is listed in
    ``publish_fields`` without being a model field.

    A subclass without any ``Meta`` is an abstract base for serializers that share hooks or
    helpers; using it to serialize or deserialize raises ImproperlyConfigured. A malformed
    ``Meta`` raises ImproperlyConfigured when the class is defined; field names are checked when
    the serializer is first used, or by :meth:`check_configuration`.
    """

    _declaration: ClassVar[Declaration | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._declaration = declare(cls)

    @classmethod
    def check_configuration(cls) -> type[models.Model]:
        """Resolve ``Meta.model``, check every declared field name and return the model.

        Raises ImproperlyConfigured naming the serializer, the ``Meta`` attribute and the names
        allowed there. Needs a ready app registry.
        """
        return cls._options().model

    @classmethod
    def _options(cls) -> Options:
        if cls._declaration is None:
            raise missing_meta(cls.__name__)
        return resolve(cls._declaration)

    def serialize(self, instance: models.Model) -> dict[str, Any]:
        """Return ``instance`` as a JSON-ready dict keyed by ``Meta.publish_fields``.

        Foreign keys are published as the related pk, many-to-many fields as a list of pks
        sorted ascending, file fields as the file name (None when empty); dates, times,
        durations, Decimal and UUID values as Django's JSON encoder writes them.
        """
        options = self._options()
        published: dict[str, Any] = {}
        for name in options.publish_fields:
            value: object
            if name in options.hooked:
                value = getattr(self, HOOK_PREFIX + name)(instance)
            elif name == PK_KEY:
                value = instance.pk
            else:
                value = read_field(instance, options.fields[name])
            try:
                published[name] = json_ready(value)
            except (TypeError, ValueError) as exc:
                # Same exception type (ValueError: a timezone-aware time), naming who failed.
                error = TypeError if isinstance(exc, TypeError) else ValueError
                raise error(f"{type(self).__name__} cannot publish {name!r}: {exc}") from exc
        return published

    def deserialize(
        self, data: object, instance: models.Model | None = None
    ) -> DeserializationResult:
        """Validate client ``data`` against ``Meta.update_fields`` with the model's own rules.

        With no ``instance`` this is a create: every writable field without a default that may
        not be blank must be present. With an ``instance`` it is a partial update: only the keys
        present are validated and changed, while uniqueness and constraints are checked over the
        whole resulting row. A key outside ``Meta.update_fields`` is an error for that key, and
        data that is not a mapping is an error under ``"__all__"``.

        Values are JSON-decoded data: foreign keys as pks, many-to-many fields as lists of pks,
        dates, times, durations and UUIDs as strings (ISO 8601 for dates and times), decimals as
        numbers or strings. A value of another JSON type is an error for its key ("Expected a
        string, got a list."), never coerced, and the numbers NaN and Infinity are refused.
        """
        return deserialize(self._options(), data, instance)
