"""Internal: the publish API, the configured backend and, during a switch, its mirrors.

Every publish is validated and encoded once, by the backend ``REALTIME_BACKEND`` names
(the primary), and sent through it. While ``REALTIME_ALSO_PUBLISH_TO`` lists other
backends (a switch's transition), each publish also goes to each of them, its
*mirrors*: the same messages (the same bytes), sent after the same commit, right after
the primary's. What the caller hears about is the primary's publish only: a mirror
that cannot take an event (beyond its own ``MAX_*`` limits) or whose transport fails
is logged and counted (:func:`mirror_failures`), never raised, and the other backends
still get the event.
"""

import collections
import functools
import logging
import threading
from collections.abc import Iterable
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from .backends.base import Backend
from .conf import (
    ALSO_PUBLISH_TO_SETTING,
    BACKEND_SETTING,
    OPTIONS_SETTING,
    also_publish_to,
    backend_name,
)
from .exceptions import InvalidMessage, RealtimeError
from .messages import Event, Message
from .registry import build_backend

__all__ = [
    "apublish",
    "apublish_batch",
    "get_backend",
    "get_mirrors",
    "mirror_failures",
    "publish",
    "publish_batch",
]

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_backend: Backend | None = None
_mirrors: tuple[Backend, ...] | None = None
_failures: collections.Counter[str] = collections.Counter()


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


def get_mirrors() -> tuple[Backend, ...]:
    """The backends ``REALTIME_ALSO_PUBLISH_TO`` names, besides ``REALTIME_BACKEND``
    itself (which a transition never publishes to twice); built on first use and
    rebuilt like :func:`get_backend`. Empty outside a switch.

    A malformed setting, or a name that is no installed backend or whose options are
    invalid, raises ``RealtimeConfigurationError`` (``manage.py check`` reports them).
    """
    global _mirrors
    mirrors = _mirrors
    if mirrors is None:
        with _lock:
            if _mirrors is None:
                _mirrors = _build_mirrors()
            mirrors = _mirrors
    return mirrors


def _build_mirrors() -> tuple[Backend, ...]:
    primary = backend_name()
    built: list[Backend] = []
    try:
        for name in also_publish_to():
            if name != primary:
                built.append(build_backend(name, ALSO_PUBLISH_TO_SETTING))
    except BaseException:
        for backend in built:
            backend.close()
        raise
    return tuple(built)


def mirror_failures() -> dict[str, int]:
    """How many publishes each mirror failed, by backend name, since the mirrors were
    built (in this process): events beyond its limits, and its transport's failures.

    Each failure is also logged (logger ``realtime_core.publishing``, level ERROR): the
    pages still connected to that backend missed those events.
    """
    with _lock:
        return dict(_failures)


@receiver(setting_changed, dispatch_uid="realtime_core.reset_backend")
def _reset_backends(*, setting: str, **kwargs: Any) -> None:
    global _backend, _mirrors
    if setting not in (BACKEND_SETTING, OPTIONS_SETTING, ALSO_PUBLISH_TO_SETTING):
        return
    with _lock:
        previous = [*(_mirrors or ()), *([_backend] if _backend is not None else [])]
        _backend, _mirrors = None, None
        _failures.clear()
    for backend in previous:
        backend.close()


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
    During a switch the event also goes to the backends of ``REALTIME_ALSO_PUBLISH_TO``,
    whose failures are logged and counted, never raised (:func:`mirror_failures`).
    """
    _publish([Event(channels, event, data, socket_id)], using)


async def apublish(
    channels: str | Iterable[str], event: str, data: Any, *, socket_id: str | None = None
) -> None:
    """Awaitable :func:`publish`; never blocks the event loop.

    It sends at once: Django's transactions are synchronous and not visible from async
    code. To publish after a commit, call :func:`publish` from the synchronous code
    that runs the transaction.
    """
    await _apublish([Event(channels, event, data, socket_id)])


def publish_batch(events: Iterable[Event], *, using: str | None = None) -> None:
    """Publish several events in one call (at most 10 by default), validated together:
    if one is invalid, none is sent."""
    _publish(list(events), using)


async def apublish_batch(events: Iterable[Event]) -> None:
    """Awaitable :func:`publish_batch` (sends at once, like :func:`apublish`)."""
    await _apublish(list(events))


def _publish(events: list[Event], using: str | None) -> None:
    primary, mirrors = get_backend(), get_mirrors()
    messages = primary.prepare(events)
    try:
        primary.publish_prepared(messages, using=using)
    finally:
        for mirror in _taking(mirrors, messages):
            failed = functools.partial(_mirror_failed, mirror, messages)
            mirror.publish_prepared(messages, using=using, on_failure=failed)


async def _apublish(events: list[Event]) -> None:
    primary, mirrors = get_backend(), get_mirrors()
    messages = primary.prepare(events)
    try:
        await primary.apublish_prepared(messages)
    finally:
        for mirror in _taking(mirrors, messages):
            try:
                await mirror.apublish_prepared(messages)
            except RealtimeError as error:
                _mirror_failed(mirror, messages, error)


def _taking(mirrors: tuple[Backend, ...], messages: list[Message]) -> list[Backend]:
    """The mirrors whose limits ``messages`` are within; the others' failures recorded."""
    taking = []
    for mirror in mirrors:
        try:
            _check_limits(mirror, messages)
        except InvalidMessage as error:
            _mirror_failed(mirror, messages, error)
        else:
            taking.append(mirror)
    return taking


def _check_limits(backend: Backend, messages: list[Message]) -> None:
    """Raise ``InvalidMessage`` if ``backend`` would refuse ``messages`` (its ``MAX_*``)."""
    if len(messages) > backend.limits.max_batch_size:
        raise InvalidMessage(
            f"{len(messages)} events in one batch; the limit is {backend.limits.max_batch_size}."
        )
    for message in messages:
        Message.from_encoded(
            message.channels, message.name, message.data, message.socket_id, backend.limits
        )


def _mirror_failed(mirror: Backend, messages: list[Message], error: RealtimeError) -> None:
    with _lock:
        _failures[mirror.name] += 1
    logger.error(
        "Publishing %s through %r (%s) failed, so pages still connected to it miss it: %s",
        ", ".join(f"{m.name!r} to {', '.join(m.channels)}" for m in messages),
        mirror.name,
        ALSO_PUBLISH_TO_SETTING,
        error,
        exc_info=error,
    )
