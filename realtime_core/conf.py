"""Reading and validating the ``REALTIME_*`` settings.

``REALTIME_BACKEND`` names the backend (the one switch); ``REALTIME_OPTIONS`` holds
each backend's options keyed by backend name, so several backends stay configured
side by side; ``REALTIME_CONSOLE`` turns on the debug console's live log::

    REALTIME_BACKEND = "memory"
    REALTIME_OPTIONS = {
        "memory": {"MAX_CHANNELS": 50},
        "pusher": {"APP_ID": "123", "KEY": "...", "SECRET": "...", "CLUSTER": "eu"},
    }
    REALTIME_CONSOLE = True

``REALTIME_ALSO_PUBLISH_TO`` lists the backends a switch moves away from (or towards):
while it is set, every publish goes to ``REALTIME_BACKEND`` and to them too, so pages
still connected to them miss nothing (see :func:`realtime_core.mirror_failures`).
"""

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings

from .exceptions import RealtimeConfigurationError

__all__ = [
    "ALSO_PUBLISH_TO_SETTING",
    "BACKEND_SETTING",
    "CONSOLE_SETTING",
    "DEFAULT_BACKEND",
    "OPTIONS_SETTING",
    "Option",
    "also_publish_to",
    "backend_name",
    "backend_options",
    "configured_option_names",
    "console_enabled",
    "int_option",
    "validate_options",
]

BACKEND_SETTING = "REALTIME_BACKEND"
"""The setting naming the backend that delivers events: the one switch."""
OPTIONS_SETTING = "REALTIME_OPTIONS"
"""The setting holding each backend's options, a dict keyed by backend name."""
CONSOLE_SETTING = "REALTIME_CONSOLE"
"""True: every publish and lifecycle event is also sent to the debug console's live log
(``realtime_core:console``), which doubles what is published; False (the default): the
console shows the sockets' state only."""
ALSO_PUBLISH_TO_SETTING = "REALTIME_ALSO_PUBLISH_TO"
"""During a switch, the backends every publish also goes to (a list of names), so that
pages still connected to them miss nothing until they move; empty outside a switch."""
DEFAULT_BACKEND = "memory"

_REQUIRED: Any = object()


@dataclasses.dataclass(frozen=True, slots=True)
class Option:
    """One key a backend accepts in its ``REALTIME_OPTIONS`` entry.

    The declarations are the reference: validation uses them, and the documentation's
    option tables are generated from them (``docs/_ext``).
    """

    allowed: str
    """What values are allowed, in words (used verbatim in error messages)."""
    accepts: Callable[[Any], bool]
    default: Any = _REQUIRED
    secret: bool = False
    """Never repeat the value in an error message (keys, passwords)."""
    help: str = dataclasses.field(default="", kw_only=True)
    """What the option does, in a sentence or two (the documentation shows it)."""

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED


def int_option(default: int, *, minimum: int, maximum: int, help: str = "") -> Option:
    """An integer option bounded by ``minimum`` and ``maximum`` (both included)."""
    return Option(
        allowed=f"an integer from {minimum} to {maximum}",
        accepts=lambda value: (
            isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= maximum
        ),
        default=default,
        help=help,
    )


def backend_name() -> str:
    """Return the configured backend name (``REALTIME_BACKEND``, default ``"memory"``)."""
    name = getattr(settings, BACKEND_SETTING, DEFAULT_BACKEND)
    if not isinstance(name, str) or not name:
        raise RealtimeConfigurationError(
            f"{BACKEND_SETTING} must be a backend name such as {DEFAULT_BACKEND!r}, got {name!r}."
        )
    return name


def console_enabled() -> bool:
    """Whether the debug console's live log is on (``REALTIME_CONSOLE``, default False)."""
    enabled = getattr(settings, CONSOLE_SETTING, False)
    if not isinstance(enabled, bool):
        raise RealtimeConfigurationError(
            f"{CONSOLE_SETTING} must be True or False, got {enabled!r}."
        )
    return enabled


def also_publish_to() -> tuple[str, ...]:
    """The backend names ``REALTIME_ALSO_PUBLISH_TO`` lists (default: none), in order.

    A list or tuple of distinct, non-empty names; anything else raises
    ``RealtimeConfigurationError``. Whether each name is an installed backend is the
    registry's to say.
    """
    names = getattr(settings, ALSO_PUBLISH_TO_SETTING, ())
    example = f'e.g. {ALSO_PUBLISH_TO_SETTING} = ["tornado_redis"]'
    if not isinstance(names, list | tuple):
        raise RealtimeConfigurationError(
            f"{ALSO_PUBLISH_TO_SETTING} must be a list of backend names ({example}); "
            f"got {type(names).__name__}."
        )
    for name in names:
        if not isinstance(name, str) or not name:
            raise RealtimeConfigurationError(
                f"{ALSO_PUBLISH_TO_SETTING} must hold backend names ({example}); got {name!r}."
            )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise RealtimeConfigurationError(
            f"{ALSO_PUBLISH_TO_SETTING} lists {', '.join(map(repr, repeated))} more than once."
        )
    return tuple(names)


def _options_setting() -> Mapping[str, Any]:
    options = getattr(settings, OPTIONS_SETTING, {})
    if not isinstance(options, Mapping):
        raise RealtimeConfigurationError(
            f"{OPTIONS_SETTING} must be a dict keyed by backend name, "
            f"e.g. {{'memory': {{...}}}}; got {type(options).__name__}."
        )
    return options


def configured_option_names() -> list[str]:
    """Backend names that have an entry in ``REALTIME_OPTIONS``."""
    return list(_options_setting())


def backend_options(name: str) -> Mapping[str, Any]:
    """Return the raw ``REALTIME_OPTIONS[name]`` entry (empty when absent)."""
    entry = _options_setting().get(name, {})
    if not isinstance(entry, Mapping):
        raise RealtimeConfigurationError(
            f"{OPTIONS_SETTING}[{name!r}] must be a dict of option names to values; "
            f"got {type(entry).__name__}."
        )
    return entry


def validate_options(
    name: str, spec: Mapping[str, Option], given: Mapping[str, Any]
) -> dict[str, Any]:
    """Check ``given`` against ``spec`` and return every option with defaults filled in.

    Unknown keys, missing required keys and bad values are rejected; a bad value never
    falls back to the default.
    """
    where = f"{OPTIONS_SETTING}[{name!r}]"
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise RealtimeConfigurationError(
            f"{where} has unknown option(s) {', '.join(map(repr, unknown))}. "
            f"The {name!r} backend accepts: {', '.join(sorted(spec)) or 'no options'}."
        )
    resolved: dict[str, Any] = {}
    for key, option in spec.items():
        if key not in given:
            if option.required:
                raise RealtimeConfigurationError(
                    f"{where}[{key!r}] is required: set it to {option.allowed}."
                )
            resolved[key] = option.default
            continue
        value = given[key]
        if not option.accepts(value):
            shown = f"a secret {type(value).__name__}" if option.secret else repr(value)
            raise RealtimeConfigurationError(
                f"{where}[{key!r}] = {shown} is not allowed: use {option.allowed}."
            )
        resolved[key] = value
    return resolved
