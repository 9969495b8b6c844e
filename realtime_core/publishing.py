"""Internal: the publish API and the configured backend instance."""

import threading
from collections.abc import Iterable
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from .backends.base import Backend
from .conf import BACKEND_SETTING, OPTIONS_SETTING, backend_name
from .messages import Event
from .registry import build_backend

__all__ = ["apublish", "apublish_batch", "get_backend", "publish", "publish_batch"]

_lock = threading.Lock()
_backend: Backend | None = None


def get_backend() -> Backend:
    """The backend named by ``REALTIME_BACKEND``, built on first use.

    It is rebuilt (and the old one closed) when ``REALTIME_BACKEND`` or
    ``REALTIME_OPTIONS`` change, e.g. under ``override_settings``.
    """
    global _backend
    backend = _backend  # the lock-free read keeps every publish after the first cheap
    if backend is None:
        with _lock:
            if _backend is None:
                _backend = build_backend(backend_name())
            backend = _backend
    return backend


@receiver(setting_changed, dispatch_uid="realtime_core.reset_backend")
def _reset_backend(*, setting: str, **kwargs: Any) -> None:
    global _backend
    if setting not in (BACKEND_SETTING, OPTIONS_SETTING):
        return
    with _lock:
        previous, _backend = _backend, None
    if previous is not None:
        previous.close()


def publish(
    channels: str | Iterable[str],
    event: str,
    data: Any,
    *,
    socket_id: str | None = None,
    using: str | None = None,
) -> None:
    """Publish ``event`` with ``data`` to one channel or several.

    ``data`` is encoded to JSON once with Django's encoder. ``socket_id`` (from the
    browser's ``X-Socket-ID`` header) excludes that connection. Inside
    ``transaction.atomic()`` on database ``using`` (default: the default database)
    the event is sent after commit, and never on rollback; otherwise it is sent now
    and transport errors raise :class:`~realtime_core.exceptions.PublishError`.
    Invalid input raises :class:`~realtime_core.exceptions.InvalidMessage` at once.
    """
    get_backend().publish([Event(channels, event, data, socket_id)], using=using)


async def apublish(
    channels: str | Iterable[str], event: str, data: Any, *, socket_id: str | None = None
) -> None:
    """Awaitable :func:`publish`; never blocks the event loop.

    It sends at once: Django's transactions are synchronous and not visible from async
    code. To publish after a commit, call :func:`publish` from the synchronous code
    that runs the transaction.
    """
    await get_backend().apublish([Event(channels, event, data, socket_id)])


def publish_batch(events: Iterable[Event], *, using: str | None = None) -> None:
    """Publish several events in one call (at most 10 by default), validated together:
    if one is invalid, none is sent."""
    get_backend().publish(list(events), using=using)


async def apublish_batch(events: Iterable[Event]) -> None:
    """Awaitable :func:`publish_batch` (sends at once, like :func:`apublish`)."""
    await get_backend().apublish(list(events))
