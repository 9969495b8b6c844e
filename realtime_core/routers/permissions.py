"""Who may read and write through a router: a function or Django permissions.

A router's ``read_permission`` and ``write_permission`` each take one of:

- a function ``(user, obj) -> bool``. ``obj`` is the object read or written; for a
  create or an update it is the object *as it would be saved* (so a client cannot
  move an object somewhere it may not write). It is ``None`` when the question is
  about rows in general: listing or subscribing, see
  :meth:`~realtime_core.routers.ModelRouter.can_list`;
- a Django permission ``"app_label.codename"`` or a list of them, all required. They
  are checked model-wide (``user.has_perms(perms)``), or for the object itself when an
  authentication backend grants object permissions (``user.has_perms(perms, obj)``).

Functions get the user, not the request, because subscriptions are authorized by the
channel auth endpoint, whose rules see only the user: one rule then serves both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from ..authorization import RequestUser, refuse_async, refuse_awaitable

__all__ = [
    "Permission",
    "PermissionCheck",
    "PermissionRule",
    "allow_any",
    "deny",
    "permission_rule",
]

PermissionCheck: TypeAlias = Callable[[Any, "models.Model | None"], bool]
Permission: TypeAlias = PermissionCheck | str | Sequence[str]
"""A function ``(user, obj) -> bool``, a Django permission name, or a list of them."""


def allow_any(user: RequestUser, obj: models.Model | None) -> bool:
    """Everyone, signed in or not: the default ``read_permission``."""
    return True


def deny(user: RequestUser, obj: models.Model | None) -> bool:
    """No one: the default ``write_permission``, so writes are opt-in."""
    return False


class PermissionRule:
    """A declared permission, ready to be asked."""

    def __init__(self, check: PermissionCheck) -> None:
        self._check = check

    def allows(self, user: RequestUser, obj: models.Model | None) -> bool:
        """The permission's answer for ``user`` and ``obj``, as a bool.

        Raises TypeError for an awaitable answer, which would count as a yes.
        """
        answer = self._check(user, obj)
        refuse_awaitable(answer, self._check)
        return bool(answer)


def permission_rule(permission: object, owner: str) -> PermissionRule:
    """The :class:`PermissionRule` of a declared permission.

    ``owner`` names the declaration (``"TodoRouter.read_permission"``) in the
    ImproperlyConfigured raised for anything that is not a permission, or for an async
    function (the views are synchronous).
    """
    if isinstance(permission, staticmethod):
        permission = permission.__func__
    if isinstance(permission, str):
        permission = [permission]
    if isinstance(permission, (list, tuple)) and all(
        isinstance(name, str) and "." in name for name in permission
    ):
        names = tuple(permission)
        return PermissionRule(lambda user, obj: _has_perms(user, names, obj))
    if callable(permission):
        refuse_async(permission, owner)
        return PermissionRule(permission)
    raise ImproperlyConfigured(
        f"{owner} must be a function (user, obj) -> bool, a Django permission "
        f"'app_label.codename' or a list of them, not {permission!r}."
    )


def _has_perms(user: RequestUser, names: tuple[str, ...], obj: models.Model | None) -> bool:
    # A custom user model without PermissionsMixin has no permissions at all.
    has_perms = getattr(user, "has_perms", None)
    if has_perms is None:
        return False
    return bool(has_perms(names)) or (obj is not None and bool(has_perms(names, obj)))
