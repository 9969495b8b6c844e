"""Internal: the one place routers are registered: the HTTP views, the channel authorization
endpoint and the models' publishing all read :data:`default_registry`.

Register routers in an app's ``realtime.py`` (imported at startup, like ``admin.py``)::

    from realtime_core.routers import ModelRouter, register

    @register
    class TodoItemRouter(ModelRouter):
        ...
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from ..authorization import ChannelRegistry, RequestUser
from ..authorization import default_registry as channel_rules
from ..protocol import PRIVATE_PREFIX
from .base import ModelRouter
from .channels import PAIR_SEPARATOR, channel_patterns

__all__ = ["RouterRegistry", "default_registry", "register"]

RouterT = TypeVar("RouterT", bound=type[ModelRouter])


class _SubscriptionRule:
    """The channel-authorization rule of one route: its current router's ``can_list``.

    It looks the router up on every call, so the rule registered once keeps following
    the route when its router is unregistered (refused) or replaced.
    """

    def __init__(self, routers: RouterRegistry, route: str) -> None:
        self._routers = routers
        self._route = route

    def __call__(self, user: RequestUser, filters: str | None = None) -> bool:
        router = self._routers.get(self._route)
        if router is None:
            return False
        channel = PRIVATE_PREFIX + self._route
        if filters is not None:
            channel += PAIR_SEPARATOR + filters
        params = router.subscription_params(channel)
        return params is not None and router.can_list(user, params)

    def __repr__(self) -> str:
        return f"<subscriptions of route {self._route!r}>"


class RouterRegistry:
    """Routers by route name, each registered with ``channels`` for its subscriptions."""

    def __init__(self, channels: ChannelRegistry) -> None:
        self._channels = channels
        self._routers: dict[str, ModelRouter] = {}
        self._by_model: dict[type[models.Model], tuple[ModelRouter, ...]] = {}
        self._authorized_routes: set[str] = set()

    def register(self, router_class: RouterT) -> RouterT:
        """Serve ``router_class`` under its route name; usable as a class decorator.

        Raises ImproperlyConfigured for a misconfigured router, a route name already
        taken, or channel patterns the channel registry already holds.
        """
        if not (isinstance(router_class, type) and issubclass(router_class, ModelRouter)):
            raise TypeError(f"Only ModelRouter subclasses can be registered, not {router_class!r}.")
        router = router_class()
        route = router.route_name
        existing = self._routers.get(route)
        if existing is not None:
            raise ImproperlyConfigured(
                f"Route {route!r} of {router_class.__qualname__} is already registered "
                f"by {type(existing).__qualname__}."
            )
        self._authorize(route)
        self._routers[route] = router
        self._index()
        return router_class

    def unregister(self, router_class: type[ModelRouter]) -> None:
        """Stop serving ``router_class``; its channels are refused from then on.

        Raises LookupError when it is not registered.
        """
        route = getattr(router_class, "route_name", None)
        router = self._routers.get(route) if isinstance(route, str) else None
        if router is None or type(router) is not router_class:
            raise LookupError(f"{router_class.__qualname__} is not registered.")
        del self._routers[router.route_name]
        self._index()

    def get(self, route: str) -> ModelRouter | None:
        """The router registered under ``route``, if any."""
        return self._routers.get(route)

    def for_model(self, model: type[models.Model]) -> tuple[ModelRouter, ...]:
        """The routers whose channels carry ``model``'s changes (proxies share them)."""
        return self._by_model.get(_concrete(model), ())

    def __iter__(self) -> Iterator[ModelRouter]:
        return iter(list(self._routers.values()))

    def _index(self) -> None:
        by_model: dict[type[models.Model], list[ModelRouter]] = {}
        for router in self._routers.values():
            if router.subscription_sets:
                by_model.setdefault(_concrete(router.model), []).append(router)
        self._by_model = {model: tuple(routers) for model, routers in by_model.items()}

    def _authorize(self, route: str) -> None:
        if route in self._authorized_routes:
            return
        rule = _SubscriptionRule(self, route)
        for pattern in channel_patterns(route):
            self._channels.register(pattern, rule)
        self._authorized_routes.add(route)


def _concrete(model: type[models.Model]) -> type[models.Model]:
    return model._meta.concrete_model or model


default_registry = RouterRegistry(channel_rules)
"""The registry ``realtime_core.urls`` serves and ``SelfPublishModel`` publishes for."""


def register(router_class: RouterT) -> RouterT:
    """Register ``router_class`` in :data:`default_registry` (a class decorator)."""
    return default_registry.register(router_class)
