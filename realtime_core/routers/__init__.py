"""Routers: a model's reads and writes over HTTP, its changes over private channels.

SwampDragon's verbs (get_list, get_single, create, update, delete, subscribe) for every
backend: the HTTP endpoints (:mod:`.views`) work whatever carries the events, and the
channels are ordinary private channels the auth endpoint authorizes with the router's
own read rule. Declare a :class:`ModelRouter`, :func:`register` it in an app's
``realtime.py``, and include ``realtime_core.urls``.
"""

from .base import ModelRouter
from .channels import ChannelError
from .permissions import Permission, allow_any, deny
from .registry import RouterRegistry, default_registry, register

__all__ = [
    "ChannelError",
    "ModelRouter",
    "Permission",
    "RouterRegistry",
    "allow_any",
    "default_registry",
    "deny",
    "register",
]
