"""``SelfPublishModel``: models that publish their own changes after commit.

::

    class TodoItem(SelfPublishModel):
        serializer_class = TodoItemSerializer
        ...

Every save publishes ``created`` or ``updated`` with the serialized object, every
delete publishes ``deleted`` with at least ``{"id": pk}``, to the channels
:meth:`SelfPublishModel.get_channels` returns and to the channels of the model's
routers (:mod:`realtime_core.routers`, each in its own serializer's form), once the
transaction commits. The event is validated with the write: if it is refused (e.g.
data over the size limit), the error propagates and the write is rolled back.

A save that changes an object's channels (an item moved to another list) publishes
``deleted`` to the channels it left, ``created`` to those it entered and ``updated`` to
those it stayed in, so every subscriber's view stays right. The channels it left are
those of its field values as last loaded, refreshed or saved (columns left unloaded by
``only()``/``defer()`` are read from the row just before the write); an instance that was
never loaded (built with a primary key by hand) is taken to stay where it is.

Publishing hangs on Django's ``post_save``/``post_delete``/``m2m_changed`` signals,
so cascaded deletes, ``QuerySet.delete()`` and many-to-many changes (from either side)
publish too; a many-to-many change publishes ``updated`` again with the new ids.
``QuerySet.update()``, ``bulk_create()`` and ``bulk_update()`` send no signals and
therefore publish nothing: publish yourself after them (e.g. one
``realtime_core.publish`` per object or a summary event).

Events go to every subscriber, the browser that made the change included. To leave
that connection out (its page already shows the change), write inside
:func:`excluding_socket`::

    with excluding_socket(request.headers.get("X-Socket-ID")):
        item.save()

The routers' write views do this when the request carries ``X-Realtime-Exclude-Self: 1``
(realtime.js's ``{excludeSelf: true}``).
"""

import copy
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ClassVar, Self

from django.db import models, router, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from .protocol import validate_socket_id
from .publishing import publish
from .routers.registry import default_registry as routers
from .serializers import ModelSerializer

__all__ = ["SelfPublishModel", "excluding_socket"]

CREATED = "created"
UPDATED = "updated"
DELETED = "deleted"

# Where a reverse clear() keeps the ids it is about to unlink until post_clear.
_CLEARED = "_realtime_core_cleared_pks"
# Where an instance keeps its column values (by attname) as last loaded or saved: the
# state whose channels a save may move it out of.
_STORED = "_realtime_core_stored"

_excluded_socket: ContextVar[str | None] = ContextVar("realtime_core_excluded_socket", default=None)


@contextmanager
def excluding_socket(socket_id: str | None) -> Iterator[None]:
    """Within the block, the events of ``SelfPublishModel`` writes skip ``socket_id``.

    ``socket_id`` is the writer's connection (realtime.js sends it as ``X-Socket-ID``);
    None excludes nobody. An invalid one raises
    :class:`~realtime_core.exceptions.InvalidMessage` before anything is written. The
    events keep the exclusion when they are sent after the transaction commits.
    """
    validate_socket_id(socket_id)
    token = _excluded_socket.set(socket_id)
    try:
        yield
    finally:
        _excluded_socket.reset(token)


def _send(channels: list[str], event: str, data: Any, *, using: str) -> None:
    """Publish one of this module's events, leaving out the excluded socket, if any."""
    publish(channels, event, data, using=using, socket_id=_excluded_socket.get())


class SelfPublishModel(models.Model):
    """Abstract mixin: publishes created/updated/deleted events after commit."""

    serializer_class: ClassVar[type[ModelSerializer]]
    """The :class:`~realtime_core.serializers.ModelSerializer` that shapes the data sent."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, publishing ``created``/``updated``; the row and its event stand or fall together.

        A publish refused by validation (say, data over the size limit) raises and rolls
        the write back, rather than leaving a row nobody was told about.
        """
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any
    ) -> Self:
        """Load as Django does, remembering the loaded values (see the module docstring)."""
        instance = super().from_db(db, field_names, values, **kwargs)
        _remember_stored(instance, field_names)
        return instance

    def refresh_from_db(
        self,
        using: str | None = None,
        fields: Iterable[str] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        """Reload as Django does; the reloaded values are now the stored ones."""
        names = None if fields is None else list(fields)
        super().refresh_from_db(using, names, *args, **kwargs)
        _remember_stored(self, names)

    def get_channels(self) -> list[str]:
        """Channels this object's events go to; ``"<app_label>.<model_name>"`` by default."""
        return [f"{self._meta.app_label}.{self._meta.model_name}"]

    def get_published_data(self) -> dict[str, Any]:
        """The data of ``created`` and ``updated`` events."""
        return self.serializer_class().serialize(self)


def _remember_stored(instance: models.Model, names: Iterable[str] | None = None) -> None:
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


def _complete_stored(instance: SelfPublishModel, using: str) -> None:
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


def _as_stored(instance: SelfPublishModel) -> SelfPublishModel | None:
    """A copy of ``instance`` holding its stored values, or None when they are unknown."""
    stored = instance.__dict__.get(_STORED)
    if stored is None:
        return None
    previous = copy.copy(instance)
    for attname, value in stored.items():
        setattr(previous, attname, value)  # drops a cached related object that no longer fits
    return previous


def _router_audiences(
    instance: SelfPublishModel,
) -> list[tuple[list[str], type[ModelSerializer] | None]]:
    return [
        (channels, router.serializer_class)
        for router in routers.for_model(type(instance))
        if (channels := router.channels_for(instance))
    ]


def _channels(instance: SelfPublishModel) -> list[str]:
    """Every channel that hears about ``instance``: its own, then its routers'."""
    names = list(instance.get_channels())
    for channels, _serializer in _router_audiences(instance):
        names += channels
    return list(dict.fromkeys(names))


def _audiences(instance: SelfPublishModel) -> list[tuple[list[str], dict[str, Any]]]:
    """Channels grouped by the data they receive: the model's own published data on its
    channels, each router's serializer's form on the router's channels."""
    groups: list[tuple[list[str], dict[str, Any]]] = []
    heard: set[str] = set()
    # None: the model's own form, get_published_data().
    own: tuple[list[str], type[ModelSerializer] | None] = (list(instance.get_channels()), None)
    sources = [own, *_router_audiences(instance)]
    for channels, serializer in sources:
        fresh = [name for name in dict.fromkeys(channels) if name not in heard]
        if not fresh:
            continue
        heard.update(fresh)
        data = (
            instance.get_published_data()
            if serializer is None
            else serializer().serialize(instance)
        )
        for known_channels, known_data in groups:
            if known_data == data:
                known_channels += fresh
                break
        else:
            groups.append((fresh, data))
    return groups


def _publish_state(instance: SelfPublishModel, event: str, using: str) -> None:
    for channels, data in _audiences(instance):
        _send(channels, event, data, using=using)


def _publish_move(instance: SelfPublishModel, previous: list[str], using: str) -> None:
    """``updated`` where the object stays, ``created`` where it arrives, ``deleted`` where
    it left (first, so a client following both ends never drops the object it just got)."""
    audiences = _audiences(instance)
    current = {name for channels, _data in audiences for name in channels}
    left = [name for name in previous if name not in current]
    if left:
        _send(left, DELETED, {"id": instance.pk}, using=using)
    for channels, data in audiences:
        entered = [name for name in channels if name not in previous]
        stayed = [name for name in channels if name in previous]
        if entered:
            _send(entered, CREATED, data, using=using)
        if stayed:
            _send(stayed, UPDATED, data, using=using)


@receiver(pre_save, dispatch_uid="realtime_core.complete_stored_before_save")
def _complete_stored_before_save(
    sender: type[models.Model], instance: models.Model, raw: bool, using: str, **kwargs: Any
) -> None:
    if isinstance(instance, SelfPublishModel) and not raw:
        _complete_stored(instance, using)


@receiver(pre_delete, dispatch_uid="realtime_core.complete_stored_before_delete")
def _complete_stored_before_delete(
    sender: type[models.Model], instance: models.Model, using: str, **kwargs: Any
) -> None:
    if isinstance(instance, SelfPublishModel):
        _complete_stored(instance, using)


@receiver(post_save, dispatch_uid="realtime_core.publish_saved")
def _publish_saved(
    sender: type[models.Model],
    instance: models.Model,
    created: bool,
    raw: bool,
    using: str,
    update_fields: frozenset[str] | None,
    **kwargs: Any,
) -> None:
    # raw saves come from loaddata: fixtures are not changes anyone is watching.
    if not isinstance(instance, SelfPublishModel) or raw:
        return
    if created:
        _publish_state(instance, CREATED, using)
        _remember_stored(instance)
        return
    previous = _as_stored(instance)
    current = instance
    if update_fields is not None:
        # Only some columns were written: the others may be stale in memory, so publish
        # the row as the database now holds it.
        current = type(instance)._default_manager.using(using).get(pk=instance.pk)
    if previous is None:
        _publish_state(current, UPDATED, using)
    else:
        _publish_move(current, _channels(previous), using)
    if current is instance:
        _remember_stored(instance)
    else:
        instance.__dict__[_STORED] = current.__dict__[_STORED]


@receiver(post_delete, dispatch_uid="realtime_core.publish_deleted")
def _publish_deleted(
    sender: type[models.Model], instance: models.Model, using: str, **kwargs: Any
) -> None:
    if isinstance(instance, SelfPublishModel):
        # Where the row was, even if the instance was changed in memory before the delete.
        stored = _as_stored(instance) or instance
        channels = _channels(stored)
        if channels:
            _send(channels, DELETED, {"id": instance.pk}, using=using)


@receiver(m2m_changed, dispatch_uid="realtime_core.publish_m2m_changed")
def _publish_m2m_changed(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    reverse: bool,
    model: type[models.Model],
    pk_set: set[Any] | None,
    using: str,
    **kwargs: Any,
) -> None:
    # Many-to-many rows are written after post_save (and without it for add/remove/set),
    # so the save's event carried the old ids: publish the object again with the new ones.
    if not reverse:
        if isinstance(instance, SelfPublishModel) and action.startswith("post_"):
            _publish_state(instance, UPDATED, using)
        return
    # Changed from the other side (tag.todoitem_set.add(item)): every object of the
    # declaring model whose ids changed is published.
    if not issubclass(model, SelfPublishModel):
        return
    manager = model._default_manager.using(using)
    if action == "pre_clear":
        (field,) = [f for f in model._meta.many_to_many if f.remote_field.through is sender]
        cleared = list(manager.filter(**{field.name: instance}).values_list("pk", flat=True))
        instance.__dict__.setdefault(_CLEARED, {})[sender] = cleared
    elif action == "post_clear":
        for item in manager.filter(pk__in=instance.__dict__.get(_CLEARED, {}).pop(sender, [])):
            _publish_state(item, UPDATED, using)
    elif action in ("post_add", "post_remove"):
        for item in manager.filter(pk__in=pk_set or ()):
            _publish_state(item, UPDATED, using)
