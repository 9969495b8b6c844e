"""A switch from ``tornado_redis`` to ``pusher`` with pages open across it: every change
made during and after the switch reaches every page, and none reaches one twice.

The demo runs as a rolling restart leaves it (:mod:`.switching`): an ``old`` Django
process (``tornado_redis``, mirroring to ``pusher``) and a ``new`` one (``pusher``,
mirroring to ``tornado_redis``) on one database behind one load balancer. Three
headless Chromium pages follow list 1: ``a`` and ``b`` opened before the switch (on
``tornado_redis``), ``c`` opened by the new process (on ``pusher``). ``a`` writes too;
``b`` only watches. Another user changes the list through one process or the other.

1. before: the balancer sends everything to ``old``;
2. during: both processes serve and publish (the writer alternates between them);
3. after: ``old`` is gone; ``a`` learns of the switch from its next request's answer;
4. the old transport is stopped: ``b``, which made no request, moves when its socket
   drops, while a change is made (it reaches ``b`` with its list loaded again);
5. moved: every page is on ``pusher``.

After every change, each page must show exactly what the database holds. Each page's
channel events are recorded (an init script wraps realtime.js's ``Channel``): none may
arrive twice. What was measured is printed (``pytest -s``) and kept in
``switch-measures.json`` in the test's temporary directory.
"""

import collections
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from .pages import Pages, eventually, open_list
from .switching import SwitchSite

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

LIST_ID = 1
ITEMS = "/realtime/routes/todo-item/"
REACHES = 5000
"""Milliseconds a change may take to show on every page, a move to the new backend included."""

# Records, for the test, what realtime.js gives the page: the list channel's events and
# the client's moves (and the client itself, to read its backend).
RECORDER = """(() => {
  const seen = (window.__seen = { events: [], moves: [], client: null });
  let realtime;
  Object.defineProperty(window, 'Realtime', {
    configurable: true,
    get: () => realtime,
    set(value) {
      realtime = value;
      const clientEmit = value.prototype._emit;
      value.prototype._emit = function (event, data, meta) {
        seen.client = this;
        if (event === 'deployment_change') seen.moves.push([data.previous, data.current]);
        return clientEmit.call(this, event, data, meta);
      };
      const channelEmit = value.Channel.prototype._emit;
      value.Channel.prototype._emit = function (event, data, meta) {
        const change = ['created', 'updated', 'deleted'].includes(event);
        if (change && this.name.startsWith('private-todo-item')) {
          seen.events.push([event, JSON.stringify(data)]);
        }
        return channelEmit.call(this, event, data, meta);
      };
    },
  });
})();"""

SHOWN = """Array.from(document.querySelectorAll('.todo-item'), (element) => [
  Number(element.dataset.id),
  element.querySelector('.text').textContent,
  element.classList.contains('done'),
])"""


class Writer:
    """Another user, changing the list through the router of one process or the other."""

    def __init__(self, site: SwitchSite) -> None:
        self.site = site
        self.session = requests.Session()
        self.session.get(f"{site.old_url}/", timeout=10).raise_for_status()  # a guest now
        self._order = itertools.count(1000)

    def _call(self, via: str, method: str, path: str, body: Any = None) -> Any:
        headers = {"X-CSRFToken": self.session.cookies["csrftoken"]}
        answer = self.session.request(method, via + path, json=body, headers=headers, timeout=10)
        assert answer.ok, f"{method} {via}{path}: {answer.status_code} {answer.text[:300]}"
        return answer.json()

    def create(self, via: str, text: str) -> int:
        body = {"todo_list": LIST_ID, "text": text, "order": next(self._order)}
        created: int = self._call(via, "POST", ITEMS, body)["id"]
        return created

    def update(self, via: str, item_id: int, **changes: Any) -> None:
        self._call(via, "PATCH", f"{ITEMS}{item_id}/", changes)

    def delete(self, via: str, item_id: int) -> None:
        self._call(via, "DELETE", f"{ITEMS}{item_id}/")

    def stored(self, via: str) -> list[list[Any]]:
        """The list as the database holds it, in the pages' order: [id, text, done]."""
        query = f"{ITEMS}?todo_list={LIST_ID}&ordering=order&page_size=500"
        items = self._call(via, "GET", query)["results"]
        ordered = sorted(items, key=lambda item: (item["order"], item["id"]))
        return [[item["id"], item["text"], item["done"]] for item in ordered]


@pytest.fixture
def site(database: Path, tmp_path: Path, redis_url: str) -> Iterator[SwitchSite]:
    workspace = tmp_path / "site"
    workspace.mkdir()
    running = SwitchSite(workspace, database, redis_url)
    yield running
    running.close()


class Measures:
    """What the test saw: each change, and per page its list loads and what realtime.js
    gave it (read from the recorder)."""

    def __init__(self, pages: dict[str, "Page"]) -> None:
        self.pages = pages
        self.open: list[str] = []
        """The pages opened so far: those a change must reach."""
        self.changes: list[dict[str, Any]] = []
        self.loads = dict.fromkeys(pages, 0)
        for name, page in pages.items():
            page.on("request", lambda request, n=name: self._requested(n, request))

    def _requested(self, name: str, request: Any) -> None:
        if request.method == "GET" and f"{ITEMS}?" in request.url:
            self.loads[name] += 1

    def opened(self, name: str, site: SwitchSite) -> None:
        open_list(self.pages[name], site, LIST_ID)
        self.open.append(name)

    def seen(self, name: str) -> dict[str, Any]:
        seen: dict[str, Any] = self.pages[name].evaluate(
            "({events: window.__seen.events, moves: window.__seen.moves,"
            " backend: window.__seen.client && window.__seen.client.backend})"
        )
        return seen

    def every_page_shows(self, writer: Writer, via: str) -> None:
        """Wait until every open page shows what the database holds."""
        expected = writer.stored(via)
        for name in self.open:
            page = self.pages[name]
            try:
                eventually(page, lambda p=page: p.evaluate(SHOWN) == expected, timeout=REACHES)
            except AssertionError:
                raise AssertionError(
                    f"page {name} shows {page.evaluate(SHOWN)}, the database holds {expected}; "
                    f"what realtime.js gave it: {self.seen(name)}"
                ) from None

    def reaches_every_page(self, writer: Writer, phase: str, what: str, via: str) -> None:
        """A change was made: it must reach every open page; note how long it took."""
        started = time.monotonic()
        try:
            self.every_page_shows(writer, via)
        except AssertionError as error:
            raise AssertionError(f"{phase}: {what} did not reach every page: {error}") from None
        elapsed = round((time.monotonic() - started) * 1000)
        self.changes.append({"phase": phase, "change": what, "ms": elapsed})

    def summary(self) -> dict[str, Any]:
        pages = {}
        for name in self.open:
            seen = self.seen(name)
            counted = collections.Counter(tuple(event) for event in seen["events"])
            pages[name] = {
                "backend": seen["backend"],
                "events received": len(seen["events"]),
                "duplicates": sum(count - 1 for count in counted.values()),
                "list loads": self.loads[name],
                "moves": seen["moves"],
                "events": [f"{event} {data}" for event, data in seen["events"]],
            }
        phases = collections.Counter(change["phase"] for change in self.changes)
        return {
            "changes": len(self.changes),
            "by phase": dict(phases),
            "slowest ms": max(change["ms"] for change in self.changes),
            "pages": pages,
            "per change": self.changes,
        }


def add_on_page(page: "Page", text: str, writer: Writer, via: str) -> None:
    """Add an item through the page's form; returns once the database holds it (pressing
    Enter returns before the page's request is answered)."""
    page.fill("#new-item-text", text)
    page.press("#new-item-text", "Enter")
    eventually(page, lambda: any(item[1] == text for item in writer.stored(via)), REACHES)


@pytest.mark.timeout(180)
def test_pages_open_across_a_switch_miss_nothing_and_see_nothing_twice(
    browser: "Browser", site: SwitchSite, tmp_path: Path
) -> None:
    pages = Pages(browser, count=3)
    for page in pages.pages:
        page.add_init_script(RECORDER)
    a, b, c = pages.pages
    measures = Measures({"a": a, "b": b, "c": c})
    old, new = site.old_url, site.new_url
    try:
        with pages.reporting(site, tmp_path):
            # 1. Before: every page is served by the old process.
            site.proxy.use(site.old_port)
            measures.opened("a", site)
            measures.opened("b", site)
            writer = Writer(site)
            assert site.connections() == {"tornado_redis": 2, "pusher": 0}
            first = writer.create(old, "Made before the switch")
            measures.reaches_every_page(writer, "before", "create", old)

            # 2. During: the new process serves a new page; both publish.
            site.proxy.use(site.new_port)
            measures.opened("c", site)
            assert site.connections() == {"tornado_redis": 2, "pusher": 1}
            site.proxy.use(site.old_port, site.new_port)
            second = writer.create(new, "Made by the new process")
            measures.reaches_every_page(writer, "during", "create (new)", new)
            writer.update(old, first, text="Renamed by the old process")
            measures.reaches_every_page(writer, "during", "update (old)", old)
            third = writer.create(old, "Made by the old process")
            measures.reaches_every_page(writer, "during", "create (old)", old)
            writer.update(new, second, done=True)
            measures.reaches_every_page(writer, "during", "tick (new)", new)
            add_on_page(a, "Added on page a during the switch", writer, new)
            measures.reaches_every_page(writer, "during", "create on page a", new)
            writer.delete(new, third)
            measures.reaches_every_page(writer, "during", "delete (new)", new)
            writer.update(old, second, text="Renamed again by the old process")
            measures.reaches_every_page(writer, "during", "update (old)", old)

            # 3. After: the old process is gone; page a's next request moves it.
            site.proxy.use(site.new_port)
            site.old.stop()
            add_on_page(a, "Added on page a after the switch", writer, new)
            measures.reaches_every_page(writer, "after", "create on page a", new)
            eventually(a, lambda: measures.seen("a")["backend"] == "pusher", timeout=REACHES)
            for number in range(1, 4):
                writer.create(new, f"Made after the switch, {number}")
                measures.reaches_every_page(writer, "after", "create", new)
            writer.update(new, first, done=True)
            measures.reaches_every_page(writer, "after", "tick", new)
            assert measures.seen("b")["backend"] == "tornado_redis", "b made no request"
            assert site.connections() == {"tornado_redis": 1, "pusher": 2}

            # 4. The old transport stops: page b's socket drops, and b moves too. What is
            # made meanwhile cannot reach b on a socket: it comes with b's list loaded again.
            site.socket_server.stop()
            writer.create(new, "Made while page b moves")
            measures.reaches_every_page(writer, "moving", "create", new)
            eventually(b, lambda: measures.seen("b")["backend"] == "pusher", timeout=REACHES)
            writer.update(new, second, text="Renamed once every page moved")
            measures.reaches_every_page(writer, "moved", "update", new)
            writer.delete(new, first)
            measures.reaches_every_page(writer, "moved", "delete", new)
            add_on_page(b, "Added on page b at the end", writer, new)
            measures.reaches_every_page(writer, "moved", "create on page b", new)
            assert site.connections()["pusher"] == 3

            summary = measures.summary()
            (tmp_path / "switch-measures.json").write_text(json.dumps(summary, indent=2))
            print(json.dumps(summary, indent=2))
            for name, page in summary["pages"].items():
                assert page["duplicates"] == 0, (name, page)
                assert page["backend"] == "pusher", (name, page)
            assert [move[1].split(":")[0] for move in summary["pages"]["b"]["moves"]] == ["pusher"]
            assert summary["pages"]["c"]["moves"] == []
            assert summary["pages"]["a"]["moves"][-1][1].startswith("pusher:")
    finally:
        pages.close()
