"""Internal: what a ``SelfPublishModel`` write publishes, hung on Django's model signals.

:func:`connect` is called once from ``RealtimeCoreConfig.ready()``; the receivers turn
``post_save``, ``post_delete`` and ``m2m_changed`` of
:class:`~realtime_core.models.SelfPublishModel` instances into ``created``, ``updated``
and ``deleted`` events for the model's channels and its routers' channels (the rules
are described in :mod:`realtime_core.models`). Living here rather than in ``models.py``
keeps the models free of the routers: the routers import the models, this module both.
"""

from typing import Any

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from .models import SelfPublishModel, excluded_socket
from .publishing import publish
from .routers.registry import default_registry as routers
from .serializers import ModelSerializer
from .stored_state import as_stored, complete_stored, remember_stored, share_stored

__all__ = ["connect"]

CREATED = "created"
UPDATED = "updated"
DELETED = "deleted"

# Where a reverse clear() keeps the ids it is about to unlink until post_clear.
_CLEARED = "_realtime_core_cleared_pks"


def connect() -> None:
    """Connect the receivers (idempotent: each has a ``dispatch_uid``)."""
    pre_save.connect(
        _complete_stored_before_save, dispatch_uid="realtime_core.complete_stored_before_save"
    )
    pre_delete.connect(
        _complete_stored_before_delete, dispatch_uid="realtime_core.complete_stored_before_delete"
    )
    post_save.connect(_publish_saved, dispatch_uid="realtime_core.publish_saved")
    post_delete.connect(_publish_deleted, dispatch_uid="realtime_core.publish_deleted")
    m2m_changed.connect(_publish_m2m_changed, dispatch_uid="realtime_core.publish_m2m_changed")


def _send(channels: list[str], event: str, data: Any, *, using: str) -> None:
    """Publish one of this module's events, leaving out the excluded socket, if any."""
    publish(channels, event, data, using=using, socket_id=excluded_socket())


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


def _complete_stored_before_save(
    sender: type[models.Model], instance: models.Model, raw: bool, using: str, **kwargs: Any
) -> None:
    if isinstance(instance, SelfPublishModel) and not raw:
        complete_stored(instance, using)


def _complete_stored_before_delete(
    sender: type[models.Model], instance: models.Model, using: str, **kwargs: Any
) -> None:
    if isinstance(instance, SelfPublishModel):
        complete_stored(instance, using)


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
        remember_stored(instance)
        return
    previous = as_stored(instance)
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
        remember_stored(instance)
    else:
        share_stored(instance, current)


def _publish_deleted(
    sender: type[models.Model], instance: models.Model, using: str, **kwargs: Any
) -> None:
    if isinstance(instance, SelfPublishModel):
        # Where the row was, even if the instance was changed in memory before the delete.
        stored = as_stored(instance) or instance
        channels = _channels(stored)
        if channels:
            _send(channels, DELETED, {"id": instance.pk}, using=using)


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
