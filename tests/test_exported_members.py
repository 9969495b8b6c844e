"""The public API is exactly what ``__all__`` says, kept sorted."""

import importlib
import types

import pytest

MODULES = [
    "realtime_core",
    "realtime_core.broker",
    "realtime_core.conf",
    "realtime_core.exceptions",
    "realtime_core.messages",
    "realtime_core.protocol",
    "realtime_core.registry",
    "realtime_core.serializers",
    "realtime_core.testing",
    "realtime_core.backends.base",
    "realtime_core.backends.memory",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert exported == sorted(exported)
    assert all(hasattr(module, member) for member in exported)


def test_top_level_exports() -> None:
    import realtime_core

    public = {
        name
        for name, value in vars(realtime_core).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(realtime_core.__all__)
