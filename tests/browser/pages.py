"""Headless Chromium pages on the todo demo: what every browser test drives them with.

Each page gets a browser context of its own, so each is a different guest. On failure,
:meth:`Pages.report` saves screenshots of the pages in the test's temporary directory
and names them, with the pages' console output and the servers' logs.
"""

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "LIVE",
    "LOADED",
    "Pages",
    "Site",
    "eventually",
    "item",
    "open_list",
]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LIVE = 1000
"""Milliseconds a change made in one page may take to show in the other."""
LOADED = 15000
"""Milliseconds a page may take to load, connect and subscribe."""


class Site(Protocol):
    """What the pages need of the demo they are on: where it is, and its logs."""

    backend: str
    url: str

    def logs(self) -> str: ...


class Pages:
    """The pages (``a``, ``b``, ...), what their consoles said, and screenshots when it
    went wrong."""

    def __init__(self, browser: "Browser", count: int = 2, **context: Any) -> None:
        self.names = "abcdefgh"[:count]
        self.contexts = [browser.new_context(**context) for _ in self.names]
        self.pages = [context.new_page() for context in self.contexts]
        self.console: list[str] = []
        for name, page in zip(self.names, self.pages, strict=True):
            page.on("console", lambda message, n=name: self.console.append(f"{n}: {message.text}"))
            page.on("pageerror", lambda error, n=name: self.console.append(f"{n}: {error}"))

    def screenshots(self, directory: Path) -> list[str]:
        saved = []
        for name, page in zip(self.names, self.pages, strict=True):
            if page.is_closed():
                continue
            path = directory / f"page-{name}.png"
            with contextlib.suppress(Exception):  # a crashed page has no picture to give
                page.screenshot(path=path, full_page=True)
                saved.append(str(path))
        return saved

    def report(self, site: Site, directory: Path) -> str:
        """What the pages showed and said, and what the servers logged, for a failure."""
        shots = self.screenshots(directory)
        console = "\n".join(self.console[-30:]) or "(nothing)"
        return (
            f"Screenshots: {', '.join(shots) or 'none'}\n\n"
            f"Console:\n{console}\n\nServers:\n{site.logs()}"
        )

    @contextlib.contextmanager
    def reporting(self, site: Site, directory: Path) -> Iterator[None]:
        """Turn a failure inside the block into one that shows what the pages showed."""
        try:
            yield
        except Exception as error:
            raise AssertionError(
                f"{site.backend}: {error}\n\n{self.report(site, directory)}"
            ) from error

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def open_list(page: "Page", site: Site, list_id: int) -> None:
    """Load the list, then wait until its socket is connected and its items are shown."""
    from playwright.sync_api import expect

    page.goto(f"{site.url}/lists/{list_id}/")
    expect(page.locator("#status")).to_have_text("connected", timeout=LOADED)
    expect(page.locator("#members .member", has_text="(you)")).to_have_count(1, timeout=LOADED)
    expect(page.locator(".todo-item").first).to_be_visible(timeout=LOADED)


def item(page: "Page", item_id: str, part: str = "") -> Any:
    return page.locator(f'.todo-item[data-id="{item_id}"] {part}'.strip())


def eventually(page: "Page", check: Callable[[], bool], timeout: int = LIVE) -> None:
    """Wait (milliseconds) until ``check()`` holds, letting ``page``'s events arrive."""
    deadline = time.monotonic() + timeout / 1000
    while not check():
        assert time.monotonic() < deadline, f"still not so after {timeout} ms"
        page.wait_for_timeout(25)
