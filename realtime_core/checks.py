"""Django system checks for the ``REALTIME_*`` settings (``manage.py check``).

They import the configured backend's module and validate its options, without
connecting to anything.

=========================  ===========================================================
``realtime_core.E001``     ``REALTIME_BACKEND`` cannot be loaded
``realtime_core.E002``     ``REALTIME_OPTIONS`` is not a dict of dicts
``realtime_core.E003``     the configured backend's options are invalid
``realtime_core.W001``     ``REALTIME_OPTIONS`` has an entry for a backend that is not installed
=========================  ===========================================================
"""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core import checks

from . import conf
from .exceptions import RealtimeConfigurationError
from .registry import installed_backend_names, load_backend_class


def register() -> None:
    """Register the checks (called from ``AppConfig.ready``)."""
    checks.register(check_settings, "realtime_core")


def check_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Report every problem with ``REALTIME_BACKEND`` and ``REALTIME_OPTIONS``."""
    try:
        configured = conf.configured_option_names()
    except RealtimeConfigurationError as exc:
        return [checks.Error(str(exc), id="realtime_core.E002")]
    messages: list[checks.CheckMessage] = []
    installed = installed_backend_names()
    for name in configured:
        try:
            conf.backend_options(name)
        except RealtimeConfigurationError as exc:
            messages.append(checks.Error(str(exc), id="realtime_core.E002"))
        if name not in installed:
            messages.append(
                checks.Warning(
                    f"{conf.OPTIONS_SETTING} has an entry for {name!r}, which is not an "
                    "installed backend.",
                    hint=f"Installed backends: {', '.join(installed)}. Fix the name or "
                    "install the backend's extra.",
                    id="realtime_core.W001",
                )
            )
    try:
        name = conf.backend_name()
        backend_class = load_backend_class(name)
    except RealtimeConfigurationError as exc:
        messages.append(checks.Error(str(exc), id="realtime_core.E001"))
        return messages
    if any(message.id == "realtime_core.E002" for message in messages):
        return messages
    try:
        conf.validate_options(name, backend_class.option_spec(), conf.backend_options(name))
    except RealtimeConfigurationError as exc:
        messages.append(checks.Error(str(exc), id="realtime_core.E003"))
    return messages
