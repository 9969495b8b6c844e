"""Internal: ``ModelRouter``: one model served to clients under a route name.

::

    @register
    class TodoItemRouter(ModelRouter):
        route_name = "todo-item"
        serializer_class = TodoItemSerializer
        filter_fields = ["todo_list", "done"]
        ordering_fields = ["order", "text"]
        subscription_filters = [["todo_list"]]
        write_permission = "todo.change_todoitem"

        def can_list(self, user, params):
            return TodoList.objects.filter(pk=params.get("todo_list"), owner=user).exists()

The class body is checked when it is defined; the field names, which need the model,
when the router is registered (``realtime.py`` modules are imported once apps are ready).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.http import HttpRequest

from ..authorization import RequestUser, refuse_async
from ..models import SelfPublishModel
from ..protocol import ENCRYPTED_PREFIX, PRIVATE_PREFIX
from ..serializers import ModelSerializer
from .channels import PAIR_SEPARATOR, ChannelError, channel_name, read_channel_filters
from .filters import FilterError, FilterField, filter_field
from .permissions import Permission, PermissionRule, allow_any, deny, permission_rule

__all__ = ["ModelRouter"]

ROUTE_NAME_RE = re.compile(r"\A[-a-zA-Z0-9_]+\Z")
RESERVED_ROUTE_PREFIX = ENCRYPTED_PREFIX.removeprefix(PRIVATE_PREFIX)
"""``encrypted-``: such a route's channels would be end-to-end encrypted ones, which take
one channel per publish and encrypted data."""
HOOKS = ("get_queryset", "can_list", "has_read_permission", "has_write_permission")
"""The methods a subclass may override; the views call them synchronously."""
RESERVED_PARAMETERS = ("ordering", "page", "page_size")
"""List query parameters that are not filters, so no filter may take their names."""


class ModelRouter:
    """Serves one model over HTTP (list, get, create, update, delete) and its changes
    over private channels.

    Declare in a subclass:

    - ``route_name``: the name clients use (``"todo-item"``): letters, digits, ``-``, ``_``,
      not starting with ``encrypted-``;
    - ``serializer_class``: the :class:`~realtime_core.serializers.ModelSerializer` that
      shapes what clients read and limits what they write (``Meta.update_fields``);
    - ``queryset``: the rows served (default: all rows), or override :meth:`get_queryset`;
    - ``filter_fields``: the field names clients may filter lists on, by equality;
    - ``ordering_fields`` / ``ordering``: what clients may order by, and the default order
      (the primary key always breaks ties, so pages never overlap);
    - ``page_size`` / ``max_page_size``: the default page size and its cap;
    - ``subscription_filters``: the filter sets that have a channel, e.g.
      ``[["todo_list"], ["todo_list", "done"]]`` (``[[]]``: one channel for all rows).
      Every save and delete publishes to the one channel of each set the object matches
      (see :mod:`realtime_core.routers.channels`); the model must be a
      :class:`~realtime_core.models.SelfPublishModel`;
    - ``read_permission`` / ``write_permission``: see
      :mod:`realtime_core.routers.permissions`. Reading is open by default, writing closed.

    A subclass without ``route_name`` is an abstract base sharing declarations.
    """

    route_name: ClassVar[str]
    serializer_class: ClassVar[type[ModelSerializer]]
    queryset: ClassVar[models.QuerySet[Any] | None] = None
    filter_fields: ClassVar[Sequence[str]] = ()
    ordering_fields: ClassVar[Sequence[str]] = ()
    ordering: ClassVar[Sequence[str]] = ()
    page_size: ClassVar[int] = 25
    max_page_size: ClassVar[int] = 100
    subscription_filters: ClassVar[Sequence[Sequence[str]]] = ()
    read_permission: ClassVar[Permission] = allow_any
    write_permission: ClassVar[Permission] = deny

    _read_rule: ClassVar[PermissionRule]
    _write_rule: ClassVar[PermissionRule]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__name__
        route = getattr(cls, "route_name", None)
        if route is not None and not (isinstance(route, str) and ROUTE_NAME_RE.match(route)):
            raise ImproperlyConfigured(
                f"{name}.route_name must be letters, digits, '-' and '_', not {route!r}."
            )
        if route is not None and route.startswith(RESERVED_ROUTE_PREFIX):
            raise ImproperlyConfigured(
                f"{name}.route_name may not start with {RESERVED_ROUTE_PREFIX!r}: its channels "
                f"would be {ENCRYPTED_PREFIX}… channels, which router events cannot use."
            )
        for hook in HOOKS:
            refuse_async(getattr(cls, hook), f"{name}.{hook}")
        serializer = getattr(cls, "serializer_class", None)
        if serializer is not None and not (
            isinstance(serializer, type) and issubclass(serializer, ModelSerializer)
        ):
            raise ImproperlyConfigured(
                f"{name}.serializer_class must be a ModelSerializer subclass, not {serializer!r}."
            )
        for attribute in ("page_size", "max_page_size"):
            value = getattr(cls, attribute)
            if type(value) is not int or value < 1:
                raise ImproperlyConfigured(
                    f"{name}.{attribute} must be a positive integer, not {value!r}."
                )
        if cls.page_size > cls.max_page_size:
            raise ImproperlyConfigured(
                f"{name}.page_size ({cls.page_size}) exceeds {name}.max_page_size "
                f"({cls.max_page_size})."
            )
        # Read without binding: a plain function declared in the class body is a
        # permission, not a method.
        cls._read_rule = permission_rule(
            inspect.getattr_static(cls, "read_permission"), f"{name}.read_permission"
        )
        cls._write_rule = permission_rule(
            inspect.getattr_static(cls, "write_permission"), f"{name}.write_permission"
        )

    def __init__(self) -> None:
        """Check the declarations against the model; raises ImproperlyConfigured."""
        owner = type(self).__name__
        if getattr(self, "route_name", None) is None:
            raise ImproperlyConfigured(f"{owner} declares no route_name.")
        if getattr(self, "serializer_class", None) is None:
            raise ImproperlyConfigured(f"{owner} declares no serializer_class.")
        self.model: type[models.Model] = self.serializer_class.check_configuration()
        """The model served: the serializer's ``Meta.model``."""
        if self.queryset is not None and self.queryset.model is not self.model:
            raise ImproperlyConfigured(
                f"{owner}.queryset is of {self.queryset.model._meta.label}, but its serializer "
                f"serializes {self.model._meta.label}."
            )
        self.filters: dict[str, FilterField] = {
            name: filter_field(self.model, name, owner) for name in _names(self.filter_fields)
        }
        """The whitelisted filters by parameter name."""
        reserved = sorted(set(self.filters) & set(RESERVED_PARAMETERS))
        if reserved:
            raise ImproperlyConfigured(
                f"{owner}.filter_fields names {', '.join(reserved)}, reserved for list "
                f"parameters ({', '.join(RESERVED_PARAMETERS)})."
            )
        self._ordering = _ordering(self.model, owner, self.ordering_fields, self.ordering)
        # What a client's ordering name sorts by: a foreign key by its column, the key that
        # clients read, never the related model's Meta.ordering (columns they may not read).
        self._order_columns = {
            field.name: field.attname
            for field in self.model._meta.concrete_fields
            if field.name in self.ordering_fields
        }
        self.subscription_sets: tuple[tuple[str, ...], ...] = _subscription_sets(
            self.model, owner, self.filters, self.subscription_filters
        )
        """``subscription_filters`` with each set's names sorted."""

    # Overridable hooks ----------------------------------------------------------------

    def get_queryset(self, request: HttpRequest, /, **params: object) -> models.QuerySet[Any]:
        """The rows served, before filters and ordering: ``queryset``, or every row.

        Override to add ``select_related`` or to hide rows from reads and writes through
        the router; ``params`` are a list's validated filter values (none for one object).
        Hidden rows still reach subscribers of their channels: decide who may subscribe
        in :meth:`can_list`.
        """
        if self.queryset is not None:
            return self.queryset.all()
        return self.model._default_manager.all()

    def can_list(self, user: RequestUser, params: Mapping[str, object]) -> bool:
        """May ``user`` list, and subscribe to, the rows matching ``params``?

        One rule for both, since a subscriber receives every row matching its filters.
        By default ``read_permission`` answers with ``obj=None``; override to decide from
        the filter values (e.g. the user must own the list ``params["todo_list"]``).
        """
        return self.has_read_permission(user, None)

    def has_read_permission(self, user: RequestUser, obj: models.Model | None) -> bool:
        """``read_permission``'s answer for ``obj`` (None: rows in general)."""
        return self._read_rule.allows(user, obj)

    def has_write_permission(self, user: RequestUser, obj: models.Model) -> bool:
        """``write_permission``'s answer for ``obj`` as it is, or as it would be saved."""
        return self._write_rule.allows(user, obj)

    # Filters ----------------------------------------------------------------------------

    def read_filters(
        self, raw: Mapping[str, str]
    ) -> tuple[dict[str, object], dict[str, list[str]]]:
        """Filter values from text (name -> text), and error messages by parameter name."""
        params: dict[str, object] = {}
        errors: dict[str, list[str]] = {}
        for name, text in raw.items():
            field = self.filters.get(name)
            if field is None:
                allowed = ", ".join(sorted(self.filters)) or "none"
                errors[name] = [f"Unknown filter. Filters of {self.route_name!r}: {allowed}."]
                continue
            try:
                params[name] = field.parse(text)
            except FilterError as exc:
                errors[name] = [str(exc)]
        return params, errors

    def filter_queryset(
        self, queryset: models.QuerySet[Any], params: Mapping[str, object]
    ) -> models.QuerySet[Any]:
        """``queryset`` narrowed to rows equal to ``params`` (validated filter values)."""
        # Keys are whitelisted field names, and the lookup is always exact.
        return queryset.filter(
            **{self.filters[name].attname: value for name, value in params.items()}
        )

    def order_by(self, fields: Sequence[str] | None) -> list[str]:
        """The ``order_by`` arguments for client ``fields`` (None: the default order).

        A foreign key orders by its own column (the key clients read), not by the related
        model's ``Meta.ordering``.

        Raises ValueError naming the fields clients may order by.
        """
        if fields is None:
            return list(self._ordering)
        allowed = set(self.ordering_fields)
        unknown = [name for name in fields if name.removeprefix("-") not in allowed]
        if unknown:
            choices = ", ".join(sorted(allowed)) or "none"
            raise ValueError(
                f"Cannot order by {', '.join(map(repr, unknown))}. Ordering fields: {choices}."
            )
        columns = [
            ("-" if name.startswith("-") else "") + self._order_columns[name.removeprefix("-")]
            for name in fields
        ]
        return [*columns, "pk"]

    # Channels ---------------------------------------------------------------------------

    def channel_for(self, params: Mapping[str, object]) -> str:
        """The channel of the rows matching ``params`` (validated filter values).

        Raises :class:`~realtime_core.routers.channels.ChannelError` when the filters are
        not one of ``subscription_filters`` or their values fit no channel name.
        """
        names = tuple(sorted(params))
        if names not in self.subscription_sets:
            choices = " or ".join(f"[{', '.join(s)}]" for s in self.subscription_sets)
            raise ChannelError(
                f"Route {self.route_name!r} has no channel for the filters "
                f"[{', '.join(names)}]; its channels are for {choices or 'no filters at all'}."
            )
        values = {name: self.filters[name].format(value) for name, value in params.items()}
        return channel_name(self.route_name, values)

    def channels_for(self, instance: models.Model) -> list[str]:
        """The channels ``instance`` belongs to: one per filter set its values fit."""
        channels = []
        for names in self.subscription_sets:
            try:
                values = {name: self.filters[name].value_of(instance) for name in names}
                if None not in values.values():
                    channels.append(self.channel_for(values))
            except (ChannelError, ValidationError):
                continue  # nobody can subscribe to what has no channel name
        return channels

    def subscription_params(self, channel: str) -> dict[str, object] | None:
        """The filter values ``channel`` is this router's channel for, else None.

        Only canonical names qualify (``todo_list=01`` is not ``todo_list=1``): events are
        published to canonical names only.
        """
        unfiltered = PRIVATE_PREFIX + self.route_name
        raw: dict[str, str] | None = {}
        if channel != unfiltered:
            if not channel.startswith(unfiltered + PAIR_SEPARATOR):
                return None
            raw = read_channel_filters(channel[len(unfiltered) + 1 :])
        if raw is None or tuple(sorted(raw)) not in self.subscription_sets:
            return None
        params, errors = self.read_filters(raw)
        try:
            return params if not errors and self.channel_for(params) == channel else None
        except ChannelError:
            return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.route_name!r}>"


def _names(value: object) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)) and all(isinstance(name, str) for name in value):
        return tuple(value)
    raise ImproperlyConfigured(f"Expected a list of field names, not {value!r}.")


def _ordering(
    model: type[models.Model], owner: str, fields: Sequence[str], default: Sequence[str]
) -> tuple[str, ...]:
    concrete = {field.name for field in model._meta.concrete_fields}
    for name in _names(fields):
        if name not in concrete:
            raise ImproperlyConfigured(
                f"{owner}.ordering_fields names {name!r}, which is not a concrete field of "
                f"{model._meta.label}. Fields: {', '.join(sorted(concrete))}."
            )
    for name in _names(default):
        if name.removeprefix("-") not in concrete:
            raise ImproperlyConfigured(
                f"{owner}.ordering names {name!r}, which is not a concrete field of "
                f"{model._meta.label} (optionally prefixed with '-')."
            )
    return (*default, "pk")


def _subscription_sets(
    model: type[models.Model],
    owner: str,
    filters: Mapping[str, FilterField],
    declared: Sequence[Sequence[str]],
) -> tuple[tuple[str, ...], ...]:
    if not isinstance(declared, (list, tuple)):
        raise ImproperlyConfigured(
            f"{owner}.subscription_filters must be a list of lists of filter names."
        )
    sets = []
    for names in declared:
        ordered = tuple(sorted(_names(names)))
        unknown = [name for name in ordered if name not in filters]
        if unknown or len(set(ordered)) != len(ordered) or ordered in sets:
            raise ImproperlyConfigured(
                f"{owner}.subscription_filters has {list(names)!r}: each set must name "
                f"filter_fields ({', '.join(filters) or 'none'}) once, and differ from "
                "the other sets."
            )
        sets.append(ordered)
    if sets and not issubclass(model, SelfPublishModel):
        raise ImproperlyConfigured(
            f"{owner}.subscription_filters needs {model._meta.label} to publish its changes: "
            "make it a realtime_core.models.SelfPublishModel."
        )
    return tuple(sets)
