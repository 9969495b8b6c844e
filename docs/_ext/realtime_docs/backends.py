"""The settings, the backends' options and capabilities, as the code declares them."""

import dataclasses
from collections.abc import Mapping
from typing import Any

from docutils import nodes
from sphinx.pycode import ModuleAnalyzer

from realtime_core import conf, registry
from realtime_core.backends.base import Backend, Capabilities
from realtime_core.conf import Option

from .tables import Cell, GeneratingDirective, literal, python_literal, table


@dataclasses.dataclass(frozen=True)
class FromEnvironment:
    """A value an example configuration reads from the environment (a secret)."""

    variable: str
    sample: str
    """What the example is validated with."""

    def __repr__(self) -> str:
        return f'os.environ["{self.variable}"]'


EXAMPLE_OPTIONS: dict[str, dict[str, Any]] = {
    "memory": {"CLIENT_EVENTS": True, "MAX_CHANNELS": 50},
    "tornado_redis": {
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "APP_ID": "1",
        "KEY": "app-key",
        "SECRET": FromEnvironment("REALTIME_SECRET", "a-long-random-secret"),
        "WS_HOST": "realtime.example.com",
        "WS_PORT": 443,
        "USE_TLS": True,
        "ALLOWED_ORIGINS": ["https://example.com"],
    },
    "pusher": {
        "APP_ID": "123456",
        "KEY": "app-key",
        "SECRET": FromEnvironment("PUSHER_SECRET", "a-long-random-secret"),
        "CLUSTER": "eu",
    },
}
"""Each registered backend's example configuration (``backend-example``); the
capability matrix builds the backends from them."""

SETTING_DEFAULTS: dict[str, Any] = {
    conf.BACKEND_SETTING: conf.DEFAULT_BACKEND,
    # conf reads it with getattr(settings, OPTIONS_SETTING, {}).
    conf.OPTIONS_SETTING: {},
    conf.CONSOLE_SETTING: False,
    # conf reads it with getattr(settings, ALSO_PUBLISH_TO_SETTING, ()): shown as a
    # settings file writes an empty one.
    conf.ALSO_PUBLISH_TO_SETTING: [],
}
"""The default of each setting :mod:`realtime_core.conf` names (``*_SETTING``)."""


def settings() -> dict[str, str]:
    """The ``REALTIME_*`` settings :mod:`realtime_core.conf` reads, by the constant naming each."""
    return {
        name: value
        for name, value in vars(conf).items()
        if name.endswith("_SETTING") and isinstance(value, str)
    }


def attribute_docs(module: str) -> dict[str, str]:
    """The docstrings below the module-level names and class attributes of ``module``."""
    docs = ModuleAnalyzer.for_module(module).find_attr_docs()
    return {
        ".".join(part for part in key if part): " ".join(line.strip() for line in lines).strip()
        for key, lines in docs.items()
    }


def backend_names() -> list[str]:
    """Every registered backend, ``memory`` first, then by name."""
    return sorted(registry.installed_backend_names(), key=lambda name: (name != "memory", name))


def backend_class(name: str) -> type[Backend]:
    return registry.load_backend_class(name)


def ordered_options(cls: type[Backend]) -> dict[str, Option]:
    """The backend's own options first, then the ``MAX_*`` limits every backend has."""
    spec = cls.option_spec()
    own = [key for key in cls.transport_options if key in spec]
    return {key: spec[key] for key in [*own, *(key for key in spec if key not in own)]}


def example_options(name: str) -> dict[str, Any]:
    """``EXAMPLE_OPTIONS[name]`` with the environment's values replaced by their samples."""
    try:
        example = EXAMPLE_OPTIONS[name]
    except KeyError:
        raise ValueError(
            f"the backend {name!r} has no example configuration: add one to "
            f"EXAMPLE_OPTIONS in {__name__}"
        ) from None
    return {
        key: value.sample if isinstance(value, FromEnvironment) else value
        for key, value in example.items()
    }


def capabilities(name: str) -> Capabilities:
    """What backend ``name`` delivers, from an instance built with its example options."""
    backend = backend_class(name)(example_options(name), name=name)
    try:
        return backend.capabilities
    finally:
        backend.close()


def default_cell(option: Option) -> Cell:
    return "required" if option.required else literal(option.default)


def example_source(name: str) -> str:
    """The settings of ``EXAMPLE_OPTIONS[name]``, as a settings module writes them."""
    example = EXAMPLE_OPTIONS[name]
    lines = [
        f'        "{key}": {value!r},'
        if isinstance(value, FromEnvironment)
        else f'        "{key}": {python_literal(value)},'
        for key, value in example.items()
    ]
    uses_environment = any(isinstance(value, FromEnvironment) for value in example.values())
    return "\n".join(
        [
            *(["import os", ""] if uses_environment else []),
            f'{conf.BACKEND_SETTING} = "{name}"',
            f"{conf.OPTIONS_SETTING} = {{",
            f'    "{name}": {{',
            *lines,
            "    },",
            "}",
        ]
    )


class BackendDirective(GeneratingDirective):
    """A directive about the one backend its argument names."""

    required_arguments = 1

    @property
    def backend_name(self) -> str:
        return self.arguments[0]


class BackendOptions(BackendDirective):
    """Every option of one backend: default, what it does, allowed values."""

    def run(self) -> list[nodes.Node]:
        cls = backend_class(self.backend_name)
        self.depends_on_class(cls)
        rows: list[list[Cell]] = []
        for key, option in ordered_options(cls).items():
            if not option.help:
                raise self.error(
                    f"{cls.__module__}.{cls.__qualname__}: option {key} has no help text"
                )
            meaning = self.inline(f"{option.help} Allowed: {option.allowed}.")
            rows.append([nodes.literal(text=key), default_cell(option), meaning])
        return [table(["Option", "Default", "What it does"], rows, widths=[3, 2, 7])]


class BackendExample(BackendDirective):
    """An example configuration of one backend, checked by building the backend."""

    def run(self) -> list[nodes.Node]:
        cls = backend_class(self.backend_name)
        self.depends_on_class(cls)
        cls(example_options(self.backend_name), name=self.backend_name).close()
        source = example_source(self.backend_name)
        block = nodes.literal_block(source, source, language="python")
        self.set_source_info(block)
        return [block]


class SettingsTable(GeneratingDirective):
    """The ``REALTIME_*`` settings: name, default and what each holds."""

    def run(self) -> list[nodes.Node]:
        self.depends_on(conf)
        documented = attribute_docs(conf.__name__)
        rows: list[list[Cell]] = []
        for constant, setting in settings().items():
            if setting not in SETTING_DEFAULTS or constant not in documented:
                raise self.error(
                    f"realtime_core.conf.{constant} ({setting}) needs a docstring and an "
                    f"entry in SETTING_DEFAULTS of {__name__}"
                )
            rows.append(
                [
                    nodes.literal(text=setting),
                    literal(SETTING_DEFAULTS[setting]),
                    self.inline(documented[constant]),
                ]
            )
        return [table(["Setting", "Default", "What it holds"], rows, widths=[3, 2, 7])]


class OptionsMatrix(GeneratingDirective):
    """Every option of every backend, with each backend's default."""

    def run(self) -> list[nodes.Node]:
        names = backend_names()
        specs = {name: ordered_options(backend_class(name)) for name in names}
        for name in names:
            self.depends_on_class(backend_class(name))
        keys = list(dict.fromkeys(key for spec in specs.values() for key in spec))
        rows: list[list[Cell]] = []
        for key in keys:
            cells: list[Cell] = [nodes.literal(text=key)]
            for name in names:
                option = specs[name].get(key)
                cells.append("—" if option is None else default_cell(option))
            rows.append(cells)
        return [table(["Option", *names], rows, widths=[4, *(3 for _ in names)])]


class CapabilityMatrix(GeneratingDirective):
    """Each backend's :class:`Capabilities`, one row per capability; with a backend
    name as argument, that backend's only."""

    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        names = self.arguments or backend_names()
        found = {name: capabilities(name) for name in names}
        for name in names:
            self.depends_on_class(backend_class(name))
        documented = attribute_docs(Capabilities.__module__)
        rows: list[list[Cell]] = []
        for field in dataclasses.fields(Capabilities):
            doc = documented.get(f"{Capabilities.__name__}.{field.name}")
            if doc is None:
                raise self.error(f"Capabilities.{field.name} has no docstring")
            name_and_doc = [nodes.literal(text=field.name), nodes.Text(": "), *self.inline(doc)]
            cells: list[Cell] = [name_and_doc]
            cells += ["yes" if getattr(found[name], field.name) else "no" for name in names]
            rows.append(cells)
        return [table(["Capability", *names], rows, widths=[6, *(2 for _ in names)])]


DIRECTIVES: Mapping[str, type[GeneratingDirective]] = {
    "backend-options": BackendOptions,
    "backend-example": BackendExample,
    "settings-table": SettingsTable,
    "options-matrix": OptionsMatrix,
    "capability-matrix": CapabilityMatrix,
}
