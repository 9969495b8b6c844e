"""Django system checks (``manage.py check``) for the settings and self-publishing models.

They import the configured backend's module and validate its options and every
``SelfPublishModel``'s serializer, without connecting to anything.

=========================  ===========================================================
``realtime_core.E001``     ``REALTIME_BACKEND`` cannot be loaded
``realtime_core.E002``     ``REALTIME_OPTIONS`` is not a dict of dicts
``realtime_core.E003``     the configured backend's options are invalid
``realtime_core.E004``     a ``SelfPublishModel`` has no ``ModelSerializer`` as ``serializer_class``
``realtime_core.E005``     a ``SelfPublishModel``'s serializer is misconfigured
``realtime_core.E006``     ``REALTIME_CONSOLE`` is not True or False
``realtime_core.E007``     a channel rule registered before realtime_core's decides who
                           reads the debug console's live log
``realtime_core.E008``     ``REALTIME_ALSO_PUBLISH_TO`` is not a list of distinct backend names
``realtime_core.E009``     a backend ``REALTIME_ALSO_PUBLISH_TO`` lists cannot be loaded
``realtime_core.E010``     the options of a backend ``REALTIME_ALSO_PUBLISH_TO`` lists are invalid
``realtime_core.W001``     ``REALTIME_OPTIONS`` has an entry for a backend that is not installed
``realtime_core.W002``     a ``SelfPublishModel``'s serializer serializes another model
``realtime_core.W003``     with ``memory``, ``manage.py runserver`` is another app's and
                           serves no sockets
``realtime_core.W004``     ``REALTIME_ALSO_PUBLISH_TO`` lists ``REALTIME_BACKEND`` itself: a
                           transition left on after the switch
=========================  ===========================================================
"""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import authorization, conf, console, console_feed, deployment
from .backends.self_hosted import SelfHostedBackend
from .exceptions import RealtimeConfigurationError
from .models import SelfPublishModel
from .registry import installed_backend_names, load_backend_class
from .serializers import ModelSerializer


def register() -> None:
    """Register the checks (called from ``AppConfig.ready``)."""
    checks.register(check_settings, "realtime_core")
    checks.register(check_console, "realtime_core")
    checks.register(check_self_publish_models, checks.Tags.models)


def check_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Report every problem with ``REALTIME_BACKEND``, ``REALTIME_OPTIONS`` and
    ``REALTIME_ALSO_PUBLISH_TO``."""
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
    if issubclass(backend_class, SelfHostedBackend) and backend_class.serves_django:
        messages.extend(_check_runserver(name))
    messages.extend(_check_transition(name))
    return messages


def _check_transition(primary: str) -> list[checks.CheckMessage]:
    """``REALTIME_ALSO_PUBLISH_TO``: each backend it lists loads and has valid options."""
    try:
        names = conf.also_publish_to()
    except RealtimeConfigurationError as exc:
        return [checks.Error(str(exc), id="realtime_core.E008")]
    messages: list[checks.CheckMessage] = []
    for name in names:
        if name == primary:
            messages.append(
                checks.Warning(
                    f"{conf.ALSO_PUBLISH_TO_SETTING} lists {name!r}, which is "
                    f"{conf.BACKEND_SETTING}: the switch to it is done, and a backend is "
                    "never published to twice.",
                    hint=f"Remove {name!r} from {conf.ALSO_PUBLISH_TO_SETTING} (empty it once "
                    "no page is connected to the backends it lists).",
                    id="realtime_core.W004",
                )
            )
            continue
        try:
            backend_class = load_backend_class(name, conf.ALSO_PUBLISH_TO_SETTING)
        except RealtimeConfigurationError as exc:
            messages.append(checks.Error(str(exc), id="realtime_core.E009"))
            continue
        try:
            conf.validate_options(name, backend_class.option_spec(), conf.backend_options(name))
        except RealtimeConfigurationError as exc:
            messages.append(checks.Error(str(exc), id="realtime_core.E010"))
    return messages


def check_console(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """``REALTIME_CONSOLE`` is a bool, and only staff may read the console's live log."""
    messages: list[checks.CheckMessage] = []
    try:
        conf.console_enabled()
    except RealtimeConfigurationError as exc:
        messages.append(checks.Error(str(exc), id="realtime_core.E006"))
    match = authorization.default_registry.match(console_feed.CHANNEL)
    if match is None or match.function is not console.may_read:
        decided_by = "no rule" if match is None else f"the pattern {match.pattern.pattern!r}"
        messages.append(
            checks.Error(
                f"{console_feed.CHANNEL!r}, the debug console's live log, is decided by "
                f"{decided_by} instead of realtime_core's staff-only rule.",
                hint="Register that pattern in a realtime.py module (imported after "
                "realtime_core's rule), not in an AppConfig.ready() or at import time.",
                id="realtime_core.E007",
            )
        )
    return messages


def _check_runserver(name: str) -> list[checks.CheckMessage]:
    """The embedded backend's sockets need this library's ``runserver`` (or ``realtime_server``)."""
    problem = deployment.runserver_problem()
    if problem is None:
        return []
    detail, app = problem
    return [
        checks.Warning(
            f"{detail}, so with {conf.BACKEND_SETTING} = {name!r} its pages never connect.",
            hint=deployment.RUNSERVER_HINT.format(app=app),
            id="realtime_core.W003",
        )
    ]


def check_self_publish_models(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Every ``SelfPublishModel`` needs a working ``ModelSerializer`` for its own model."""
    configs = app_configs if app_configs is not None else apps.get_app_configs()
    messages: list[checks.CheckMessage] = []
    for config in configs:
        for model in config.get_models():
            if issubclass(model, SelfPublishModel):
                messages.extend(_check_serializer_of(model))
    return messages


def _check_serializer_of(model: type[SelfPublishModel]) -> list[checks.CheckMessage]:
    serializer = getattr(model, "serializer_class", None)
    if not (isinstance(serializer, type) and issubclass(serializer, ModelSerializer)):
        return [
            checks.Error(
                f"{model._meta.label}.serializer_class must be a ModelSerializer subclass, "
                f"got {serializer!r}.",
                hint="Set serializer_class = <YourModel>Serializer on the model.",
                obj=model,
                id="realtime_core.E004",
            )
        ]
    try:
        serialized_model = serializer.check_configuration()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), obj=model, id="realtime_core.E005")]
    if serialized_model is not model:
        return [
            checks.Warning(
                f"{model._meta.label}.serializer_class {serializer.__name__} serializes "
                f"{serialized_model._meta.label}, so {model._meta.label}'s events carry "
                "another model's fields.",
                obj=model,
                id="realtime_core.W002",
            )
        ]
    return []
