"""The debug console in headless Chromium: a staff user logs in through the admin, opens
the console, and sees a publish made by a Django view appear in its live log.

The site is :mod:`tests.browser.console_site` (the admin installed, ``REALTIME_CONSOLE``
on) served by ``manage.py realtime_server`` on the memory backend, a real process.
"""

import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.guide.processes import ServerProcess, free_port
from tests.guide.runner import clean_environment

from .pages import LIVE, LOADED, Pages

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REPOSITORY = Path(__file__).resolve().parents[2]
STAFF = ("ada", "console-test-password")


class ConsoleSite:
    """The console's test-only site in a process of its own."""

    backend = "memory"

    def __init__(self, workspace: Path) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {
            **clean_environment(),
            "PYTHONPATH": str(REPOSITORY),
            "CONSOLE_SITE_DB": str(workspace / "db.sqlite3"),
            "CONSOLE_SITE_STAFF": ":".join(STAFF),
        }
        self.process = ServerProcess(
            "console-site",
            [sys.executable, "-m", "tests.browser.console_site.serve", "--port", str(port)],
            cwd=REPOSITORY,
            env=env,
            log=workspace / "console-site.log",
        )
        self.process.wait_ready(f"{self.url}/admin/login/")

    def logs(self) -> str:
        return self.process.tail()

    def close(self) -> None:
        self.process.stop()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[ConsoleSite]:
    running = ConsoleSite(tmp_path)
    yield running
    running.close()


@pytest.mark.timeout(60)
def test_staff_see_a_publish_appear_in_the_live_log(
    browser: "Browser", site: ConsoleSite, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    pages = Pages(browser, count=1)
    (page,) = pages.pages
    try:
        with pages.reporting(site, tmp_path):
            page.goto(f"{site.url}/realtime/console/")
            page.fill("#id_username", STAFF[0])
            page.fill("#id_password", STAFF[1])
            page.click("input[type=submit]")
            expect(page).to_have_url(f"{site.url}/realtime/console/", timeout=LOADED)
            expect(page.locator("#site-name")).to_be_visible()  # the admin's header
            expect(page.locator("#console-status")).to_have_text(
                "Live log: on, records appear below as they happen.", timeout=LOADED
            )
            # The console's own connection, read from this process's server.
            expect(page.locator("#console-nodes-body td").nth(1)).to_have_text("1", timeout=LOADED)

            with urllib.request.urlopen(f"{site.url}/publish/news/", timeout=5) as answer:
                assert answer.status == 200
            row = page.locator("#console-log tr", has_text="from-view")
            expect(row).to_have_count(1, timeout=LIVE)
            expect(row.locator("td").nth(1)).to_have_text("publish")
            expect(row.locator("td").nth(2)).to_have_text("news")
            expect(row.locator("td").nth(3)).to_contain_text('{"path":"/publish/news/"}')

            page.fill("#console-filter", "sports")
            expect(row).to_have_count(0)
            page.fill("#console-filter", "ne*")
            expect(row).to_have_count(1)
    finally:
        pages.close()
