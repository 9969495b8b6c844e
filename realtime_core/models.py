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

Publishing hangs on Django's ``post_save``/``post_delete``/``m2m_changed`` signals
(``realtime_core.changes`` connects the receivers when the app is ready),
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

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ClassVar, Self

from django.db import models, router, transaction

from .protocol import validate_socket_id
from .serializers import ModelSerializer
from .stored_state import remember_stored

__all__ = ["SelfPublishModel", "excluding_socket"]

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


def excluded_socket() -> str | None:
    """The socket the current :func:`excluding_socket` block leaves out, if any."""
    return _excluded_socket.get()


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
        remember_stored(instance, field_names)
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
        remember_stored(self, names)

    def get_channels(self) -> list[str]:
        """Channels this object's events go to; ``"<app_label>.<model_name>"`` by default."""
        return [f"{self._meta.app_label}.{self._meta.model_name}"]

    def get_published_data(self) -> dict[str, Any]:
        """The data of ``created`` and ``updated`` events."""
        return self.serializer_class().serialize(self)
