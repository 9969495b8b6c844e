"""Two browsers on one todo list see each other's changes live, on every backend.

The demo of ``migration_guide/todo`` runs as real processes (see :mod:`.sites`); two
headless Chromium pages, each in its own browser context (so each is a different
guest), open the same list. What one adds, edits, ticks and deletes must appear in
the other within a second, and the presence list must show both, then one when the
other page closes. The same test body runs on ``memory``, ``tornado_redis`` (the
pages on different socket processes) and ``pusher`` (a ``realtime-server`` standing
in for Pusher).

On failure, screenshots of both pages are saved in the test's temporary directory and
named in the failure message, with the pages' console output and the servers' logs.
"""

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .pages import LIVE, Pages, item, open_list
from .sites import BACKENDS, TodoSite

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(params=BACKENDS)
def site(request: pytest.FixtureRequest, database: Path, tmp_path: Path) -> Iterator[TodoSite]:
    backend: str = request.param
    redis_url = request.getfixturevalue("redis_url") if backend == "tornado_redis" else None
    workspace = tmp_path / "site"
    workspace.mkdir()
    site = TodoSite(backend, workspace, database, redis_url)
    yield site
    site.close()


def connections(site: TodoSite) -> list[int]:
    """Open WebSocket connections of each socket process, from its ``/stats``."""
    counts = []
    for url in site.stats:
        with urllib.request.urlopen(url, timeout=5) as response:
            counts.append(int(json.loads(response.read())["connections"]))
    return counts


def two_pages_edit_one_list(pages: Pages, site: TodoSite) -> None:
    from playwright.sync_api import expect

    a, b = pages.pages
    open_list(a, site, 1)
    open_list(b, site, 1)
    for page in (a, b):
        expect(page.locator("#members .member")).to_have_count(2, timeout=LIVE)
    assert connections(site) == site.expected_connections, (
        f"socket connections per process {connections(site)}, expected "
        f"{site.expected_connections} ({site.backend})"
    )

    a.fill("#new-item-text", "Oat milk")
    a.press("#new-item-text", "Enter")
    expect(b.locator(".todo-item .text", has_text="Oat milk")).to_have_count(1, timeout=LIVE)
    item_id = b.locator(".todo-item", has_text="Oat milk").get_attribute("data-id")
    assert item_id is not None
    expect(item(a, item_id, ".text")).to_have_text("Oat milk", timeout=LIVE)

    item(b, item_id, ".text").click()
    item(b, item_id, ".edit-text").fill("Oat milk, 2 litres")
    item(b, item_id, ".edit-text").press("Enter")
    expect(item(a, item_id, ".text")).to_have_text("Oat milk, 2 litres", timeout=LIVE)

    item(a, item_id, ".done").check()
    expect(item(b, item_id, ".done")).to_be_checked(timeout=LIVE)
    expect(item(b, item_id)).to_have_class(re.compile(r"\bdone\b"), timeout=LIVE)

    item(b, item_id, ".delete").click()
    expect(item(a, item_id)).to_have_count(0, timeout=LIVE)
    expect(item(b, item_id)).to_have_count(0, timeout=LIVE)

    b_member = b.locator("#members .member", has_text="(you)").get_attribute("data-id")
    expect(a.locator(f'#members .member[data-id="{b_member}"]')).to_have_count(1)
    b.close()
    expect(a.locator(f'#members .member[data-id="{b_member}"]')).to_have_count(0, timeout=LIVE)
    expect(a.locator("#members .member")).to_have_count(1, timeout=LIVE)


@pytest.mark.timeout(60)
def test_two_pages_on_one_list_see_each_others_changes_live(
    browser: "Browser", site: TodoSite, tmp_path: Path
) -> None:
    pages = Pages(browser)
    try:
        with pages.reporting(site, tmp_path):
            two_pages_edit_one_list(pages, site)
    finally:
        pages.close()
