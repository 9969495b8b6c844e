"""The demo survives a real user: double clicks, concurrent writes, long and empty text,
server errors, and an index page that follows the lists live.

One embedded (``memory``) site serves the whole module: what is tested here is the
demo and the views, the same on every backend. Each test starts a list of its own
from the index page's form, in a fresh browser context (a new guest).
"""

import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .pages import LIVE, LOADED, Pages, eventually, item
from .sites import TodoSite

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Response

ITEMS = "/realtime/routes/todo-item/"
DEBUG_PAGE_TEXT = ("Traceback", "OperationalError", "database is locked", "<!DOCTYPE", "DEBUG")
"""What Django's error pages say, which no message shown to a user may."""

_names = itertools.count(1)

# Sends JSON requests through the router endpoint at once, with the page's session and
# CSRF token, and gives back each answer's status, type and body.
SEND_AT_ONCE = """async ({ url, method, bodies }) => {
  const token = document.querySelector('input[name="csrfmiddlewaretoken"]').value;
  const headers = { 'Content-Type': 'application/json', 'X-CSRFToken': token };
  const answers = await Promise.all(bodies.map((body) => fetch(url, {
    method, headers, body: body === null ? undefined : JSON.stringify(body),
  })));
  return Promise.all(answers.map(async (answer) => ({
    status: answer.status, type: answer.headers.get('Content-Type'), body: await answer.text(),
  })));
}"""


@pytest.fixture(scope="module")
def site(database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TodoSite]:
    site = TodoSite("memory", tmp_path_factory.mktemp("site"), database)
    yield site
    site.close()


@pytest.fixture
def pages(browser: "Browser", site: TodoSite, tmp_path: Path) -> Iterator[Pages]:
    """Two pages (a failure's report shows what they showed: see conftest.py)."""
    pages = Pages(browser)
    yield pages
    pages.close()


def open_index(page: "Page", site: TodoSite) -> None:
    """Load the index, then wait until it follows the lists."""
    from playwright.sync_api import expect

    page.goto(f"{site.url}/")
    expect(page.locator("#status")).to_have_text("connected", timeout=LOADED)
    expect(page.locator("#lists")).not_to_have_attribute("aria-busy", "true", timeout=LOADED)


def start_list(page: "Page", site: TodoSite, name: str | None = None) -> int:
    """Start a list from the index page's form; the page is then on the live list."""
    from playwright.sync_api import expect

    page.goto(f"{site.url}/")
    page.fill(".new-list input[name=name]", name or f"List {next(_names)}")
    page.click(".new-list button")
    page.wait_for_url(re.compile(r"/lists/\d+/$"))
    expect(page.locator("#status")).to_have_text("connected", timeout=LOADED)
    expect(page.locator("#members .member", has_text="(you)")).to_have_count(1, timeout=LOADED)
    expect(page.locator("#empty")).to_be_visible(timeout=LOADED)  # its (empty) items loaded
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def router_answers(page: "Page") -> list["Response"]:
    """Every answer the page gets from the router endpoint, from now on."""
    answers: list[Response] = []
    page.on("response", lambda answer: ITEMS in answer.url and answers.append(answer))
    return answers


def statuses(answers: list["Response"], method: str) -> list[int]:
    return sorted(answer.status for answer in answers if answer.request.method == method)


def send_at_once(page: "Page", method: str, url: str, bodies: list[Any]) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = page.evaluate(
        SEND_AT_ONCE, {"url": url, "method": method, "bodies": bodies}
    )
    return answers


def assert_no_debug_text(page: "Page") -> None:
    shown = page.locator("main").inner_text()
    for text in DEBUG_PAGE_TEXT:
        assert text not in shown, f"the page shows {text!r}: {shown[:500]}"


def assert_no_horizontal_scroll(page: "Page") -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: scrollWidth, clientWidth = {widths}"


@pytest.mark.timeout(60)
def test_double_clicks_on_add_and_delete(pages: Pages, site: TodoSite) -> None:
    from playwright.sync_api import expect

    page = pages.pages[0]
    start_list(page, site)
    answers = router_answers(page)

    page.fill("#new-item-text", "Double oat milk")
    page.dblclick("#new-item button")
    expect(page.locator(".todo-item .text", has_text="Double oat milk")).to_have_count(
        1, timeout=LIVE
    )
    expect(page.locator("#new-item-text")).to_have_value("", timeout=LIVE)
    assert statuses(answers, "POST") == [201], "a double click adds the item once"

    item_id = page.locator(".todo-item").get_attribute("data-id")
    assert item_id is not None
    item(page, item_id, ".delete").dblclick()
    expect(item(page, item_id)).to_have_count(0, timeout=LIVE)
    eventually(page, lambda: len(statuses(answers, "DELETE")) == 2)
    assert statuses(answers, "DELETE") == [200, 404], "the second delete finds nothing"
    expect(page.locator("#error")).to_be_hidden()
    assert_no_debug_text(page)


@pytest.mark.timeout(60)
def test_concurrent_writes_through_the_router_all_succeed(pages: Pages, site: TodoSite) -> None:
    from playwright.sync_api import expect

    page = pages.pages[0]
    list_id = start_list(page, site)
    bodies = [{"todo_list": list_id, "text": f"Item {n}", "order": n} for n in range(10)]

    created = send_at_once(page, "POST", ITEMS, bodies)
    assert [answer["status"] for answer in created] == [201] * 10, created
    expect(page.locator(".todo-item")).to_have_count(10, timeout=LIVE)

    target = json.loads(created[0]["body"])["id"]
    deleted = send_at_once(page, "DELETE", f"{ITEMS}{target}/", [None] * 10)
    assert sorted(answer["status"] for answer in deleted) == [200] + [404] * 9, deleted
    for answer in deleted:
        assert answer["type"] == "application/json", answer
    gone = [json.loads(answer["body"]) for answer in deleted if answer["status"] == 404]
    assert gone == [{"error": "No such object on route 'todo-item'."}] * 9
    expect(page.locator(".todo-item")).to_have_count(9, timeout=LIVE)
    assert "database is locked" not in site.logs()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("width", [1280, 360])
def test_long_text_wraps_instead_of_widening_the_page(
    browser: "Browser", site: TodoSite, tmp_path: Path, width: int
) -> None:
    from playwright.sync_api import expect

    pages = Pages(browser, count=1, viewport={"width": width, "height": 800})
    try:
        with pages.reporting(site, tmp_path):
            (page,) = pages.pages
            # The longest name a list may have, without a space (and of its own).
            name = f"{next(_names):03d}".ljust(100, "L")
            start_list(page, site, name)
            text = "W" * 200  # the longest text an item may have
            page.fill("#new-item-text", text)
            page.press("#new-item-text", "Enter")
            expect(page.locator(".todo-item .text")).to_have_text(text, timeout=LIVE)
            assert_no_horizontal_scroll(page)
            open_index(page, site)
            expect(page.locator("#lists a", has_text=name)).to_have_count(1)
            assert_no_horizontal_scroll(page)
    finally:
        pages.close()


@pytest.mark.timeout(60)
def test_whitespace_only_text_is_refused_with_a_message(pages: Pages, site: TodoSite) -> None:
    from playwright.sync_api import expect

    page = pages.pages[0]
    list_id = start_list(page, site)
    answers = router_answers(page)

    page.fill("#new-item-text", "   \t  ")
    page.press("#new-item-text", "Enter")
    expect(page.locator("#error")).to_have_text(
        "An item needs some text: spaces alone are not something to do."
    )
    expect(page.locator("#new-item-text")).to_have_value("")
    expect(page.locator(".todo-item")).to_have_count(0)
    assert statuses(answers, "POST") == [], "trimmed in the page: nothing sent"

    # The server refuses it too, per field, should a client send it.
    (refused,) = send_at_once(page, "POST", ITEMS, [{"todo_list": list_id, "text": "   "}])
    assert refused["status"] == 400
    assert json.loads(refused["body"])["errors"] == {"text": ["This field is required."]}

    # A list's name too, on the index page.
    open_index(page, site)
    page.fill(".new-list input[name=name]", "   ")
    page.click(".new-list button")
    expect(page.locator("#error")).to_have_text("A list needs a name.")
    assert page.url == f"{site.url}/"


@pytest.mark.timeout(60)
def test_a_server_error_page_never_reaches_the_ui(pages: Pages, site: TodoSite) -> None:
    from playwright.sync_api import Route, expect

    page = pages.pages[0]
    start_list(page, site)
    debug_page = (
        "<!DOCTYPE html><html><head><title>OperationalError at /realtime/routes/todo-item/"
        "</title></head><body><h1>OperationalError</h1><pre>Traceback (most recent call "
        "last): database is locked</pre><p>You're seeing this error because you have "
        "DEBUG = True in your Django settings file.</p></body></html>"
    )

    def answer_with_the_debug_page(route: Route) -> None:
        route.fulfill(status=500, content_type="text/html", body=debug_page)

    page.route(f"**{ITEMS}", answer_with_the_debug_page)
    page.fill("#new-item-text", "Coffee")
    page.press("#new-item-text", "Enter")
    expect(page.locator("#error")).to_have_text(f"POST {ITEMS} answered 500 (not JSON)")
    assert_no_debug_text(page)


@pytest.mark.timeout(60)
def test_the_index_follows_new_lists_and_counts_live(pages: Pages, site: TodoSite) -> None:
    from playwright.sync_api import expect

    watcher, editor = pages.pages
    open_index(watcher, site)
    list_id = start_list(editor, site, "Fresh list")
    row = watcher.locator(f'#lists li[data-id="{list_id}"]')
    expect(row.locator("a")).to_have_text("Fresh list", timeout=LIVE)
    expect(row.locator(".count")).to_have_text("0 of 0 to do", timeout=LIVE)

    editor.fill("#new-item-text", "Tea")
    editor.press("#new-item-text", "Enter")
    expect(row.locator(".count")).to_have_text("1 of 1 to do", timeout=LIVE)

    item_id = editor.locator(".todo-item", has_text="Tea").get_attribute("data-id")
    assert item_id is not None
    item(editor, item_id, ".done").check()
    expect(row.locator(".count")).to_have_text("0 of 1 to do", timeout=LIVE)
    item(editor, item_id, ".delete").click()
    expect(row.locator(".count")).to_have_text("0 of 0 to do", timeout=LIVE)
    row.locator("a").click()
    watcher.wait_for_url(f"{site.url}/lists/{list_id}/")
