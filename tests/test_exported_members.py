"""The public API is exactly what ``__all__`` says, in every module that has one."""

import importlib
import pkgutil
import types

import pytest

FOUND_BY_NAME = {
    "realtime_core.apps",
    "realtime_core.checks",
    "realtime_core.pytest_plugin",
    "realtime_core.urls",
}
"""Entry points found by Django or pytest by name, not imported by users."""

PACKAGES = {
    "realtime_core.backends",
    "realtime_core.brokers",
    "realtime_core.management",
    "realtime_core.templatetags",
}
"""Packages that hold modules, public and internal alike, and export nothing."""

WITHOUT_ALL = (
    FOUND_BY_NAME
    | PACKAGES
    | {
        "realtime_core.server",
        # The serializers' parts: the package exports them.
        "realtime_core.serializers.base",
        "realtime_core.serializers.deserialization",
        "realtime_core.serializers.json_types",
        "realtime_core.serializers.options",
        "realtime_core.serializers.values",
    }
)
"""Modules with no ``__all__`` on purpose; every other one must have one."""


def public_modules() -> list[str]:
    """Every module of the package but management commands and ``__main__``."""
    import realtime_core

    names = []
    for found in pkgutil.walk_packages(realtime_core.__path__, "realtime_core."):
        if ".management.commands" in found.name or found.name.endswith("__main__"):
            continue
        names.append(found.name)
    return ["realtime_core", *names]


MODULES = [name for name in public_modules() if name not in WITHOUT_ALL]


def test_every_module_is_listed_or_has_an_all() -> None:
    for name in public_modules():
        module = importlib.import_module(name)
        assert hasattr(module, "__all__") or name in WITHOUT_ALL, f"{name} has no __all__"


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    # Sorted as ruff's RUF022 wants it (constants, classes, functions): `make lint`.
    assert len(exported) == len(set(exported)), "listed twice"
    assert all(hasattr(module, member) for member in exported)


def test_top_level_exports() -> None:
    import realtime_core

    public = {
        name
        for name, value in vars(realtime_core).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(realtime_core.__all__)
