"""Finding backends through the ``realtime_core.backends`` entry-point group.

Built-in and third-party backends are registered the same way, in their
distribution's ``pyproject.toml``::

    [project.entry-points."realtime_core.backends"]
    memory = "realtime_core.backends.memory:MemoryBackend"

Every way loading can fail becomes one
:class:`~realtime_core.exceptions.RealtimeConfigurationError` that names the setting,
the bad value, the installed backends and, for a missing optional dependency, the
``pip install`` command that brings it.
"""

import importlib.metadata
import re
from typing import TYPE_CHECKING

from stevedore import DriverManager, NamedExtensionManager
from stevedore.exception import MultipleMatches, NoMatches

from .conf import BACKEND_SETTING, backend_options
from .exceptions import RealtimeConfigurationError

if TYPE_CHECKING:
    from .backends.base import Backend

__all__ = ["ENTRY_POINT_GROUP", "build_backend", "installed_backend_names", "load_backend_class"]

ENTRY_POINT_GROUP = "realtime_core.backends"

_EXTRA_MARKER_RE = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    # names=[] reads the group without importing any plugin.
    manager: NamedExtensionManager[object] = NamedExtensionManager(ENTRY_POINT_GROUP, names=[])
    return manager.list_entry_points()


def installed_backend_names() -> list[str]:
    """Names of every installed backend, sorted."""
    return sorted({ep.name for ep in _entry_points()})


def load_backend_class(name: str, setting: str = BACKEND_SETTING) -> "type[Backend]":
    """Import and return the backend class registered under ``name``.

    ``setting`` is where the name comes from, for the error message.
    """
    from .backends.base import Backend

    try:
        manager: DriverManager[type[Backend]] = DriverManager(
            ENTRY_POINT_GROUP, name, invoke_on_load=False
        )
    except NoMatches:
        raise _error(name, setting, "no installed backend has that name") from None
    except MultipleMatches:
        raise _error(name, setting, "several installed distributions register that name") from None
    except ImportError as exc:
        raise _error(name, setting, _import_failure(name, exc)) from exc
    except Exception as exc:  # a plugin module that fails at import time for any reason
        reason = f"importing it failed with {type(exc).__name__}: {exc}"
        raise _error(name, setting, reason) from exc
    backend_class = manager.driver
    if not (isinstance(backend_class, type) and issubclass(backend_class, Backend)):
        raise _error(
            name,
            setting,
            f"its entry point gives {backend_class!r}, "
            f"not a subclass of {Backend.__module__}.Backend",
        )
    return backend_class


def build_backend(name: str, setting: str = BACKEND_SETTING) -> "Backend":
    """The backend registered under ``name``, built from its ``REALTIME_OPTIONS`` entry.

    ``setting`` is where the name comes from, for the error message.
    """
    return load_backend_class(name, setting)(backend_options(name), name=name)


def _error(name: str, setting: str, reason: str) -> RealtimeConfigurationError:
    installed = ", ".join(map(repr, installed_backend_names())) or "none"
    named = f"{setting} = {name!r}" if setting == BACKEND_SETTING else f"{name!r} in {setting}"
    return RealtimeConfigurationError(
        f"{named} cannot be used: {reason}. Installed backends: {installed}."
    )


def _import_failure(name: str, exc: ImportError) -> str:
    missing = exc.name.partition(".")[0] if exc.name else None
    reason = f"importing it failed ({exc})"
    if missing is None:
        return reason
    install = _pip_install_hint(name, missing)
    if install:
        return f"{reason}; its optional dependency is not installed, run: {install}"
    return reason


def _pip_install_hint(name: str, missing_module: str) -> str | None:
    """Find the extra of the backend's distribution that requires ``missing_module``."""
    wanted = _normalize(missing_module)
    # stevedore's cached entry points carry no distribution; ask importlib for it.
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP, name=name):
        if ep.dist is None:
            continue
        for requirement in ep.dist.requires or []:
            spec, _, marker = requirement.partition(";")
            project = re.split(r"[\s\[<>=!~(]", spec.strip(), maxsplit=1)[0]
            extra = _EXTRA_MARKER_RE.search(marker)
            if extra and _normalize(project) == wanted:
                return f'pip install "{ep.dist.metadata["Name"]}[{extra.group(1)}]"'
    return None


def _normalize(project: str) -> str:
    return re.sub(r"[-_.]+", "_", project).lower()
