"""The public API is the modules the reference documents; every other one says it is internal.

A user reads ``docs/reference/`` to know what they may import: the modules documented
there (``automodule`` / ``currentmodule``) are the public API. Every other module of
the package must begin its docstring with ``Internal`` (or sit in a package that
does), so that a reader of the code knows it may change without notice, except the
few that Django, pytest or a settings file find by name.
"""

import importlib
import pkgutil
import re
from pathlib import Path

import realtime_core

from .test_exported_members import FOUND_BY_NAME, PACKAGES

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference"

NOT_CLASSED = FOUND_BY_NAME | PACKAGES
"""Neither public nor internal: loaded by name, or packages of both kinds."""


def documented() -> set[str]:
    names: set[str] = set()
    for page in REFERENCE.rglob("*.md"):
        names |= set(re.findall(r"\.\. (?:automodule|currentmodule):: (\S+)", page.read_text()))
    return names


def modules() -> list[str]:
    names = ["realtime_core"]
    for found in pkgutil.walk_packages(realtime_core.__path__, "realtime_core."):
        if ".management.commands" not in found.name and not found.name.endswith("__main__"):
            names.append(found.name)
    return names


def says_internal(name: str) -> bool:
    """Whether the module, or a package it is in, begins its docstring with Internal."""
    parts = name.split(".")
    for end in range(len(parts), 1, -1):
        doc = importlib.import_module(".".join(parts[:end])).__doc__ or ""
        if doc.lstrip().startswith("Internal"):
            return True
    return False


def test_the_reference_documents_only_modules_that_exist() -> None:
    public = documented()
    assert public, "no module is documented: is the reference where this test looks?"
    assert sorted(public - set(modules())) == []


def test_every_module_is_public_internal_or_found_by_name() -> None:
    public = documented()
    unmarked = [
        name
        for name in modules()
        if name not in public and name not in NOT_CLASSED and not says_internal(name)
    ]
    assert unmarked == [], (
        "document these in docs/reference/ or begin their docstring with 'Internal:'"
    )


def test_no_public_module_says_it_is_internal() -> None:
    assert sorted(name for name in documented() if says_internal(name)) == []
