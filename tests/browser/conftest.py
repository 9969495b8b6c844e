"""The browser tests' Chromium and the demo's migrated, seeded database, made once; the
pages' screenshots and console in the report of a test that failed with a ``pages``
fixture."""

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .pages import CHROMIUM, CHROMIUM_ARGS, Pages
from .sites import migrated_database

if TYPE_CHECKING:
    from playwright.sync_api import Browser


# Per module: a Playwright left running would hold its event loop through later tests.
@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("the playwright package is missing: pip install -e '.[dev]'")
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_database(tmp_path_factory.mktemp("todo-database") / "db.sqlite3")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    funcargs = getattr(item, "funcargs", {})
    pages = funcargs.get("pages")
    if report.when == "call" and report.failed and isinstance(pages, Pages):
        report.sections.append(
            ("browser pages", pages.report(funcargs["site"], funcargs["tmp_path"]))
        )
