"""Who may subscribe to private and presence channels, and who may sign in.

Apps declare it in a ``realtime.py`` module, imported at startup as ``admin.py`` is::

    from realtime_core.authorization import Member, authorize

    @authorize("private-todo-list-<int:list_id>")
    def todo_list(user, list_id: int) -> bool:
        return TodoList.objects.filter(pk=list_id, owner=user).exists()

    @authorize("presence-todo-list-<int:list_id>")
    def todo_list_presence(user, list_id: int) -> Member | None:
        if not user.is_authenticated:
            return None
        return Member(id=str(user.pk), info={"name": user.get_username()})

A function gets the requesting user (``request.user``, possibly anonymous) and the
pattern's converted parameters as keyword arguments. A private channel's function
answers with a truth value; a presence channel's returns the :class:`Member` who joins,
or ``None`` to refuse. Patterns are written with Django's path converters (see
:mod:`realtime_core.channel_patterns`). When several patterns match a channel, the first
registered decides, as the first matching route does in Django's URL resolver; modules
are imported in ``INSTALLED_APPS`` order.

Signin (``pusher.signin()`` in the browser) ties a connection to a user so the server
can send to ``#server-to-user-{id}``. By default an authenticated user signs in as
``Member(id=str(user.pk))``, without info (a username may be an e-mail address), and
an anonymous user is refused; :func:`authorize_user` replaces that rule. A signed-in
:class:`Member` may carry a ``watchlist``: the users whose online state it is told
(watchlist events).
"""

import dataclasses
import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from asgiref.sync import iscoroutinefunction
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

from .channel_patterns import ChannelPattern
from .frames import compact_json
from .protocol import is_user_id

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

__all__ = [
    "ChannelFunction",
    "ChannelMatch",
    "ChannelRegistry",
    "Member",
    "RequestUser",
    "UserFunction",
    "authorize",
    "authorize_user",
    "autodiscover",
    "default_registry",
]

_MAX_MEMBER_ID_LENGTH = 128
"""Pusher's limit on a presence member's (and a signed-in user's) id."""
_MAX_MEMBER_INFO_BYTES = 1024
"""Pusher's limit on a member's info, measured as compact UTF-8 JSON."""
_MAX_WATCHLIST = 100
"""Pusher's limit on a signed-in user's watchlist (its servers keep the first 100)."""

RequestUser: TypeAlias = "AbstractBaseUser | AnonymousUser"
"""What ``request.user`` is: a user, or ``AnonymousUser``."""
ChannelFunction: TypeAlias = Callable[..., object]
"""``(user, **parameters)``: a truth value (private) or ``Member | None`` (presence)."""
UserFunction: TypeAlias = Callable[[Any], "Member | None"]
"""``(user)``: the :class:`Member` the user signs in as, or ``None`` to refuse."""
ChannelFunctionT = TypeVar("ChannelFunctionT", bound=ChannelFunction)
UserFunctionT = TypeVar("UserFunctionT", bound=UserFunction)


def _describe(function: Callable[..., object]) -> str:
    name = getattr(function, "__qualname__", None)
    return f"{function.__module__}.{name}" if name else repr(function)


def refuse_async(function: object, what: str) -> None:
    """ImproperlyConfigured for an async ``function`` (or callable object): the views calling
    it are synchronous, and the coroutine it would return is true, so it would allow everyone.
    """
    call = inspect.getattr_static(type(function), "__call__", None)
    if iscoroutinefunction(function) or iscoroutinefunction(call):
        raise ImproperlyConfigured(
            f"{what} is async ({function!r}); it is called from synchronous views, where its "
            "coroutine would never run and would count as a yes. Make it a plain function "
            "(wrap async code in asgiref.sync.async_to_sync if needed)."
        )


def refuse_awaitable(result: object, function: Callable[..., object]) -> None:
    """TypeError for an awaitable answer (it would be true); the coroutine is closed."""
    if inspect.isawaitable(result):
        close = getattr(result, "close", None)
        if close is not None:
            close()  # no "never awaited" warning: it is refused, not forgotten
        raise TypeError(
            f"{_describe(function)} returned an awaitable ({result!r}); a rule must answer "
            "synchronously, since an unawaited coroutine would count as a yes."
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Member:
    """A user as other clients see them: on a presence channel, or once signed in.

    ``id`` identifies the user (several tabs of one user are one member); ``info`` is
    any JSON value every other member of the channel receives, so put in it only what
    they may see. Pusher's limits apply: an id of at most 128 characters and at most
    1 KB of info.

    ``watchlist`` counts at signin only: the ids of the users (at most 100, Pusher's
    limit) whose coming online and going offline the signed-in user is told, when the
    backend sends watchlist events (``WATCHLIST_EVENTS``, or Pusher's app setting). It
    reaches the user's own connection only, never the other members of a channel.
    """

    id: str
    info: Any = None
    watchlist: Sequence[str] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise TypeError(f"Member id must be a non-empty string, got {self.id!r}.")
        if len(self.id) > _MAX_MEMBER_ID_LENGTH:
            raise ValueError(
                f"Member id is {len(self.id)} characters long; the limit is "
                f"{_MAX_MEMBER_ID_LENGTH}."
            )
        try:
            size = len(compact_json(self.info, allow_nan=False).encode())
        except (TypeError, ValueError) as exc:
            raise TypeError(f"Member info must be JSON-serializable: {exc}") from None
        if size > _MAX_MEMBER_INFO_BYTES:
            raise ValueError(
                f"Member info is {size} bytes as JSON; the limit is {_MAX_MEMBER_INFO_BYTES}."
            )
        self._check_watchlist()

    def _check_watchlist(self) -> None:
        """A tuple of user ids, at most Pusher's 100 (kept as a tuple: members are frozen)."""
        watchlist = self.watchlist
        if isinstance(watchlist, str) or not isinstance(watchlist, Sequence):
            raise TypeError(f"Member watchlist must be a list of user ids, got {watchlist!r}.")
        for user_id in watchlist:
            if not isinstance(user_id, str) or not is_user_id(user_id, _MAX_MEMBER_ID_LENGTH):
                raise ValueError(
                    f"Member watchlist holds {user_id!r}; a user id is a string of 1 to "
                    f"{_MAX_MEMBER_ID_LENGTH} letters, digits or _-=@,.;"
                )
        if len(watchlist) > _MAX_WATCHLIST:
            raise ValueError(
                f"Member watchlist has {len(watchlist)} user ids; the limit is {_MAX_WATCHLIST}."
            )
        object.__setattr__(self, "watchlist", tuple(watchlist))

    def _identified(self, id_key: str) -> dict[str, Any]:
        """``{id_key: id}``, with ``user_info`` when there is info."""
        fields: dict[str, Any] = {id_key: self.id}
        if self.info is not None:
            fields["user_info"] = self.info
        return fields

    def channel_data(self) -> str:
        """The presence ``channel_data`` JSON string: ``{"user_id":…,"user_info":…}``."""
        return compact_json(self._identified("user_id"), allow_nan=False)

    def user_data(self) -> str:
        """The signin ``user_data`` JSON string: ``{"id":…,"user_info":…,"watchlist":[…]}``
        (without an empty watchlist)."""
        fields = self._identified("id")
        if self.watchlist:
            fields["watchlist"] = list(self.watchlist)
        return compact_json(fields, allow_nan=False)


@dataclasses.dataclass(frozen=True, slots=True)
class ChannelMatch:
    """A channel matched to the pattern and function that decide it."""

    pattern: ChannelPattern
    function: ChannelFunction
    kwargs: dict[str, Any]
    """The pattern's parameters, converted by their converters."""

    def allows(self, user: RequestUser) -> bool:
        """A private channel's decision: the function's answer as a truth value.

        Raises :class:`TypeError` when the answer is awaitable (it would count as true).
        """
        result = self.function(user, **self.kwargs)
        refuse_awaitable(result, self.function)
        return bool(result)

    def member(self, user: RequestUser) -> Member | None:
        """A presence channel's decision: who joins, or ``None`` when refused.

        Raises :class:`TypeError` when the function returns anything else (a bool
        included): which member joins cannot be guessed.
        """
        result = self.function(user, **self.kwargs)
        refuse_awaitable(result, self.function)
        if result is None or isinstance(result, Member):
            return result
        raise TypeError(
            f"{_describe(self.function)} (channel pattern {self.pattern.pattern!r}) returned "
            f"{result!r}; a presence channel's function must return a "
            "realtime_core.authorization.Member (who joins) or None (refused)."
        )


def _default_signin(user: RequestUser) -> Member | None:
    if not user.is_authenticated:
        return None
    return Member(id=str(user.pk))


class ChannelRegistry:
    """The channel patterns and the signin rule the auth endpoints consult.

    The module-level :data:`default_registry` is the one the endpoints use; other
    features register their patterns there too, with :meth:`register`.
    """

    def __init__(self) -> None:
        self._rules: dict[str, tuple[ChannelPattern, ChannelFunction]] = {}
        self._signin: UserFunction | None = None

    def register(self, pattern: str, function: ChannelFunction) -> None:
        """Let ``function`` decide the channels ``pattern`` matches.

        Raises :class:`~django.core.exceptions.ImproperlyConfigured` for a malformed or
        public pattern, one of the same shape as a registered pattern, or an async
        function (the endpoints are synchronous).
        """
        if not callable(function):
            raise TypeError(f"Channel pattern {pattern!r} needs a function, got {function!r}.")
        refuse_async(function, f"The function of channel pattern {pattern!r}")
        compiled = ChannelPattern(pattern)
        existing = self._rules.get(compiled.shape)
        if existing is not None:
            raise ImproperlyConfigured(
                f"Channel pattern {pattern!r} is already registered: {existing[0].pattern!r} "
                f"by {_describe(existing[1])}."
            )
        self._rules[compiled.shape] = (compiled, function)

    def authorize(self, pattern: str) -> Callable[[ChannelFunctionT], ChannelFunctionT]:
        """Decorator form of :meth:`register`; returns the function unchanged."""

        def decorator(function: ChannelFunctionT) -> ChannelFunctionT:
            self.register(pattern, function)
            return function

        return decorator

    def patterns(self) -> list[str]:
        """The registered patterns, in the order they are tried."""
        return [compiled.pattern for compiled, _function in self._rules.values()]

    def match(self, channel: str) -> ChannelMatch | None:
        """The first registered pattern that matches ``channel``, or ``None``."""
        for compiled, function in self._rules.values():
            kwargs = compiled.match(channel)
            if kwargs is not None:
                return ChannelMatch(compiled, function, kwargs)
        return None

    def register_user(self, function: UserFunction) -> None:
        """Let ``function`` decide who signs in and as which :class:`Member` (once)."""
        if not callable(function):
            raise TypeError(f"The signin rule must be a function, got {function!r}.")
        refuse_async(function, "The signin function")
        if self._signin is not None:
            raise ImproperlyConfigured(
                f"A signin function is already registered ({_describe(self._signin)}); "
                f"cannot register {_describe(function)} too."
            )
        self._signin = function

    def signin_member(self, user: RequestUser) -> Member | None:
        """Who ``user`` signs in as, or ``None`` when refused.

        The id must also be usable in the ``#server-to-user-{id}`` channel name.
        """
        function = self._signin or _default_signin
        result = function(user)
        refuse_awaitable(result, function)
        if result is None:
            return None
        if not isinstance(result, Member):
            raise TypeError(
                f"The signin function {_describe(function)} returned {result!r}; it must "
                "return a realtime_core.authorization.Member or None (refused)."
            )
        if not is_user_id(result.id, _MAX_MEMBER_ID_LENGTH):
            raise ValueError(
                f"The signin function {_describe(function)} returned the id {result.id!r}; "
                "a signed-in user's id may contain only letters, digits and _-=@,.;"
            )
        return result


default_registry = ChannelRegistry()
"""The registry :func:`authorize`, :func:`authorize_user` and the auth endpoints use."""


def authorize(pattern: str) -> Callable[[ChannelFunctionT], ChannelFunctionT]:
    """Register the decorated function for ``pattern`` in :data:`default_registry`."""
    return default_registry.authorize(pattern)


def authorize_user(function: UserFunctionT) -> UserFunctionT:
    """Register the decorated ``(user) -> Member | None`` as the signin rule."""
    default_registry.register_user(function)
    return function


def autodiscover() -> None:
    """Import the ``realtime`` module of every installed app (their registrations)."""
    autodiscover_modules("realtime")
