"""``SelfPublishModel``: models that publish their own changes after commit.

::

    class TodoItem(SelfPublishModel):
        serializer_class = TodoItemSerializer
        ...

Every save publishes ``created`` or ``updated`` with the serialized object, every
delete publishes ``deleted`` with at least ``{"id": pk}``, to the channels
:meth:`SelfPublishModel.get_channels` returns, once the transaction commits. The
event is validated with the write: if it is refused (e.g. data over the size limit),
the error propagates and the write is rolled back.

Publishing hangs on Django's ``post_save``/``post_delete``/``m2m_changed`` signals,
so cascaded deletes, ``QuerySet.delete()`` and many-to-many changes (from either side)
publish too; a many-to-many change publishes ``updated`` again with the new ids.
``QuerySet.update()``, ``bulk_create()`` and ``bulk_update()`` send no signals and
therefore publish nothing: publish yourself after them (e.g. one
``realtime_core.publish`` per object or a summary event).
"""

from typing import Any, ClassVar

from django.db import models, router, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .publishing import publish
from .serializers import ModelSerializer

__all__ = ["SelfPublishModel"]

CREATED = "created"
UPDATED = "updated"
DELETED = "deleted"

# Where a reverse clear() keeps the ids it is about to unlink until post_clear.
_CLEARED = "_realtime_core_cleared_pks"


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

    def get_channels(self) -> list[str]:
        """Channels this object's events go to; ``"<app_label>.<model_name>"`` by default."""
        return [f"{self._meta.app_label}.{self._meta.model_name}"]

    def get_published_data(self) -> dict[str, Any]:
        """The data of ``created`` and ``updated`` events."""
        return self.serializer_class().serialize(self)


def _publish_state(instance: SelfPublishModel, event: str, using: str) -> None:
    publish(instance.get_channels(), event, instance.get_published_data(), using=using)


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
    elif update_fields is not None:
        # Only some columns were written: the others may be stale in memory, so publish
        # the row as the database now holds it.
        stored = type(instance)._default_manager.using(using).get(pk=instance.pk)
        _publish_state(stored, UPDATED, using)
    else:
        _publish_state(instance, UPDATED, using)


@receiver(post_delete, dispatch_uid="realtime_core.publish_deleted")
def _publish_deleted(
    sender: type[models.Model], instance: models.Model, using: str, **kwargs: Any
) -> None:
    if isinstance(instance, SelfPublishModel):
        publish(instance.get_channels(), DELETED, {"id": instance.pk}, using=using)


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
