"""Loading backends through entry points, and every way that can fail."""

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from stevedore import ExtensionManager

from realtime_core import RealtimeConfigurationError
from realtime_core.backends.memory import MemoryBackend
from realtime_core.registry import ENTRY_POINT_GROUP, installed_backend_names, load_backend_class


@pytest.fixture
def plugins(tmp_path: Path) -> Iterator[Path]:
    """Install a throwaway distribution registering broken backends."""
    dist_info = tmp_path / "fake_realtime_plugins-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        textwrap.dedent(
            """\
            Metadata-Version: 2.1
            Name: fake-realtime-plugins
            Version: 1.0
            Provides-Extra: xyz
            Requires-Dist: Nonexistent.SDK_xyz>=1.0; extra == "xyz"
            """
        )
    )
    (dist_info / "entry_points.txt").write_text(
        textwrap.dedent(
            f"""\
            [{ENTRY_POINT_GROUP}]
            needs_extra = fake_needs_extra:Backend
            missing_module = fake_missing_module:Backend
            raises = fake_raises:Backend
            not_a_backend = fake_not_a_backend:thing
            memory = fake_memory:MemoryBackend
            """
        )
    )
    (tmp_path / "fake_needs_extra.py").write_text("import nonexistent_sdk_xyz.client\n")
    (tmp_path / "fake_raises.py").write_text("raise RuntimeError('plugin exploded')\n")
    (tmp_path / "fake_not_a_backend.py").write_text("thing = object()\n")
    (tmp_path / "fake_memory.py").write_text(
        "from realtime_core.backends import memory\n"
        "class MemoryBackend(memory.MemoryBackend): pass\n"
    )
    sys.path.insert(0, str(tmp_path))
    ExtensionManager.ENTRY_POINT_CACHE.pop(ENTRY_POINT_GROUP, None)
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        ExtensionManager.ENTRY_POINT_CACHE.pop(ENTRY_POINT_GROUP, None)


def test_memory_is_registered_through_entry_points() -> None:
    assert "memory" in installed_backend_names()
    assert load_backend_class("memory") is MemoryBackend


def test_unknown_name_lists_installed_backends() -> None:
    with pytest.raises(RealtimeConfigurationError) as info:
        load_backend_class("memroy")
    message = str(info.value)
    assert (
        "REALTIME_BACKEND = 'memroy' cannot be used: no installed backend has that name" in message
    )
    assert "Installed backends: 'memory'" in message


def test_missing_optional_dependency_names_the_pip_command(plugins: Path) -> None:
    with pytest.raises(RealtimeConfigurationError) as info:
        load_backend_class("needs_extra")
    message = str(info.value)
    assert "REALTIME_BACKEND = 'needs_extra'" in message
    assert "No module named 'nonexistent_sdk_xyz'" in message
    assert 'run: pip install "fake-realtime-plugins[xyz]"' in message
    assert "'needs_extra'" in message.split("Installed backends:")[1]


def test_missing_module_without_an_extra(plugins: Path) -> None:
    with pytest.raises(RealtimeConfigurationError) as info:
        load_backend_class("missing_module")
    assert "importing it failed (No module named 'fake_missing_module')" in str(info.value)
    assert "pip install" not in str(info.value)


def test_plugin_that_fails_at_import(plugins: Path) -> None:
    with pytest.raises(RealtimeConfigurationError, match="RuntimeError: plugin exploded"):
        load_backend_class("raises")


def test_entry_point_that_is_not_a_backend(plugins: Path) -> None:
    with pytest.raises(RealtimeConfigurationError, match="not a subclass of realtime_core"):
        load_backend_class("not_a_backend")


def test_two_distributions_claiming_one_name(plugins: Path) -> None:
    with pytest.raises(RealtimeConfigurationError, match="several installed distributions"):
        load_backend_class("memory")
