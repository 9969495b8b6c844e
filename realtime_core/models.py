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

Publishing hangs on Django's ``post_save``/``post_delete`` signals, so cascaded
deletes and ``QuerySet.delete()`` publish too. ``QuerySet.update()``,
``bulk_create()`` and ``bulk_update()`` send no signals and therefore publish
nothing: publish yourself after them (e.g. one ``realtime_core.publish`` per object
or a summary event).
"""

from typing import Any, ClassVar

from django.db import models, router, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .publishing import publish
from .serializers import ModelSerializer

__all__ = ["SelfPublishModel"]

CREATED = "created"
UPDATED = "updated"
DELETED = "deleted"


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


@receiver(post_save, dispatch_uid="realtime_core.publish_saved")
def _publish_saved(
    sender: type[models.Model],
    instance: models.Model,
    created: bool,
    raw: bool,
    using: str,
    **kwargs: Any,
) -> None:
    # raw saves come from loaddata: fixtures are not changes anyone is watching.
    if isinstance(instance, SelfPublishModel) and not raw:
        publish(
            instance.get_channels(),
            CREATED if created else UPDATED,
            instance.get_published_data(),
            using=using,
        )


@receiver(post_delete, dispatch_uid="realtime_core.publish_deleted")
def _publish_deleted(
    sender: type[models.Model], instance: models.Model, using: str, **kwargs: Any
) -> None:
    if isinstance(instance, SelfPublishModel):
        publish(instance.get_channels(), DELETED, {"id": instance.pk}, using=using)
