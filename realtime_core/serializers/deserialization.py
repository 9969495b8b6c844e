"""Internal: validating client data through Django's own ModelForm machinery.

A ModelForm applies what a project already declared on its model (validators, choices,
max_length, uniqueness, constraints, ``Model.clean()``), so the rules clients meet are the
model's rules.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Collection, Mapping
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router, transaction
from django.utils.translation import gettext_lazy as _

from .json_types import json_type_error
from .options import Options

# Lazy, and turned into str only when an error is reported: this module is imported while
# models load, before translations can be used.
UNWRITABLE_MESSAGE = _("This field cannot be written.")
REQUIRED_MESSAGE = forms.Field.default_error_messages["required"]
NULL_MESSAGE = models.Field.default_error_messages["null"]
INVALID_JSON_MESSAGE = forms.JSONField.default_error_messages["invalid"]
PK_CHANGE_MESSAGE = _("The primary key of an object cannot be changed.")


class DeserializationResult:
    """The outcome of :meth:`ModelSerializer.deserialize`.

    ``instance`` is an unsaved model instance with the client's changes applied (for an update,
    a copy: the instance passed in is never modified). ``errors`` maps field names, or
    ``"__all__"`` for errors about the data as a whole, to messages; it is empty when valid.
    """

    __slots__ = ("_errors", "_form", "_instance", "_loaded")

    def __init__(
        self,
        instance: models.Model,
        errors: dict[str, list[str]],
        form: forms.ModelForm[Any] | None = None,
        loaded: Mapping[str, object] | None = None,
    ) -> None:
        self._instance = instance
        self._errors = errors
        self._form = form
        # For an update, the field values (by attname) of the instance the update started from.
        self._loaded = loaded

    @property
    def instance(self) -> models.Model:
        """The model instance with the client's changes applied, not yet saved."""
        return self._instance

    @property
    def errors(self) -> dict[str, list[str]]:
        """Messages by field name (``"__all__"`` for the data as a whole); empty when valid."""
        return self._errors

    @property
    def is_valid(self) -> bool:
        """Whether the data passed every check and may be saved."""
        return not self._errors

    def save(self) -> models.Model:
        """Save the instance and its many-to-many values in one transaction; return the instance.

        A create saves every field. An update saves only the fields it changed (those sent,
        those ``Model.clean()`` changed, and ``auto_now`` fields), so a column another writer
        changed since the instance was loaded keeps that writer's value.

        Raises ValueError when the data is not valid.
        """
        form = self._form
        if self._errors or form is None:
            raise ValueError(f"Cannot save data that failed validation: {self._errors}")
        instance = self._instance
        # Many-to-many rows are written after the instance: a failure there must not leave the
        # instance saved with half of the client's changes.
        with transaction.atomic(using=router.db_for_write(type(instance), instance=instance)):
            if self._loaded is None:
                instance.save()
            else:
                # Django skips the save when nothing is left to write: only many-to-many
                # fields were sent.
                instance.save(update_fields=_changed_fields(instance, self._loaded, form.fields))
            for field in instance._meta.many_to_many:
                if field.name in form.cleaned_data:
                    field.save_form_data(instance, form.cleaned_data[field.name])
        return instance


def deserialize(
    options: Options, data: object, instance: models.Model | None
) -> DeserializationResult:
    """Validate ``data`` for a create (``instance`` is None) or a partial update of ``instance``."""
    target = options.model() if instance is None else copy.copy(instance)
    if not isinstance(data, Mapping):
        message = f"Expected an object mapping field names to values, got {type(data).__name__}."
        return DeserializationResult(target, {NON_FIELD_ERRORS: [message]})
    errors = {
        str(key): [str(UNWRITABLE_MESSAGE)] for key in data if key not in options.update_fields
    }
    # Only the keys sent are validated and changed, on create as on update: a missing key keeps
    # the model default (or the current value), never an HTML-form "unchecked" False.
    form_data: dict[str, object] = {}
    for name in options.update_fields:
        field = options.fields[name]
        if name not in data:
            if instance is None and not field.blank and not field.has_default():
                errors[name] = [str(REQUIRED_MESSAGE)]
            continue
        value = data[name]
        if value is None and not field.null:
            # Forms would turn null into "" or False, or let it through to an IntegrityError
            # for a blank non-null field (the usual JSONField(default=dict, blank=True)).
            errors[name] = [str(NULL_MESSAGE)]
        elif value is not None and (mismatch := json_type_error(field, value)):
            errors[name] = [mismatch]
        else:
            try:
                form_data[name] = _form_value(field, value)
            except (TypeError, ValueError):
                errors[name] = [str(INVALID_JSON_MESSAGE)]
    form_class = forms.modelform_factory(options.model, fields=list(form_data))
    form = form_class(data=form_data, instance=target)
    for name, messages in form.errors.items():
        errors[name] = [str(message) for message in messages]
    if instance is None:
        return DeserializationResult(form.instance, errors, form)
    if form.instance.pk != instance.pk:
        # Saving would send the UPDATE to the row the new key names: someone else's.
        errors[options.model._meta.pk.name] = [str(PK_CHANGE_MESSAGE)]
    _add_whole_row_errors(errors, form.instance)
    loaded = {field.attname: getattr(instance, field.attname) for field in _columns(instance)}
    return DeserializationResult(form.instance, errors, form, loaded)


def _form_value(field: models.Field[Any, Any], value: object) -> object:
    if isinstance(field, models.JSONField):
        # forms.JSONField expects JSON text: it would json.loads() a plain string such as "hello"
        # and reject it, and it treats {} and [] as empty (None). Clients send decoded values.
        # NaN and Infinity are not JSON: databases reject them when the row is saved.
        return json.dumps(value, cls=field.encoder, allow_nan=False)
    return value


def _add_whole_row_errors(errors: dict[str, list[str]], instance: models.Model) -> None:
    # The form checks only the uniqueness rules and constraints whose fields were all sent, but
    # the database checks the whole row: changing one column of a unique_together can collide.
    for validate in (instance.validate_unique, instance.validate_constraints):
        try:
            # A field that failed keeps its old value, which the client did not ask to check.
            validate(exclude=set(errors))
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                known = errors.setdefault(name, [])
                # The form already reported the rules whose fields were all sent.
                known += [message for message in messages if message not in known]


def _columns(instance: models.Model) -> list[models.Field[Any, Any]]:
    return [field for field in instance._meta.concrete_fields if not field.primary_key]


def _changed_fields(
    instance: models.Model, loaded: Mapping[str, object], sent: Collection[str]
) -> list[str]:
    return [
        field.name
        for field in _columns(instance)
        if field.name in sent
        # Model.clean() may derive one field from another, and save() itself sets auto_now.
        or getattr(field, "auto_now", False)
        or getattr(instance, field.attname) != loaded[field.attname]
    ]
