"""The diagnostics modules export exactly what ``__all__`` says, kept sorted."""

import importlib

import pytest

MODULES = [
    "realtime_core.deployment",
    "realtime_core.diagnostics",
    "realtime_core.diagnostics.compatibility",
    "realtime_core.diagnostics.report",
    "realtime_core.diagnostics.round_trip",
    "realtime_core.diagnostics.socket_probe",
    "realtime_core.diagnostics.steps",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_resolves(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__all__ == sorted(module.__all__)
    assert all(hasattr(module, member) for member in module.__all__)
