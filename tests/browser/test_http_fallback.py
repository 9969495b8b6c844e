"""Chromium without WebSockets (an init script removes them, as a blocking proxy would
leave them useless): pusher-js and realtime.js connect over HTTP to a socket server of
another origin (CORS), subscribe and receive a publish.

The page comes from a real HTTP server on the loopback address, another port: Chromium
lets such a page reach the socket server on 127.0.0.1 (a page it considers public
would be refused that, whatever the socket server answers)."""

import dataclasses
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from realtime_core.templatetags.realtime import CONFIG_ELEMENT_ID
from tests.server.conftest import Server
from tests.server_harness import TEST_CONFIG, free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
PUSHER_JS = ROOT / "tests" / "interop" / "node" / "node_modules" / "pusher-js" / "dist" / "web"
REALTIME_JS = ROOT / "realtime_core" / "static" / "realtime_core" / "realtime.js"
NO_WEBSOCKETS = "delete window.WebSocket;"


class _EmptyPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>no WebSockets</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def page_origin() -> Iterator[str]:
    site = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _EmptyPage)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{site.server_address[1]}"
    site.shutdown()
    site.server_close()
    thread.join(5)


@pytest.fixture
def server(page_origin: str) -> Iterator[Server]:
    server = Server(dataclasses.replace(TEST_CONFIG, allowed_origins=(page_origin,)))
    yield server
    server.stop()


@pytest.fixture
def page(browser: "Browser", page_origin: str) -> Iterator["Page"]:
    context = browser.new_context()
    context.add_init_script(NO_WEBSOCKETS)
    page = context.new_page()
    page.goto(f"{page_origin}/")
    assert page.evaluate("typeof window.WebSocket") == "undefined"
    yield page
    context.close()


def received(page: "Page") -> list[object]:
    return list(page.evaluate("window.received"))


@pytest.mark.parametrize("transport", ["xhr_streaming", "xhr_polling"])
def test_pusher_js_without_websockets_receives_a_publish(
    server: Server, page: "Page", transport: str
) -> None:
    page.add_script_tag(path=str(PUSHER_JS / "pusher.min.js"))
    options = {
        "cluster": "local",
        "wsHost": "127.0.0.1",
        "wsPort": server.thread.port,
        "httpHost": "127.0.0.1",
        "httpPort": server.thread.port,
        "forceTLS": False,
        "enabledTransports": ["ws", transport],
    }
    page.evaluate(
        """([key, options]) => {
            window.received = [];
            const pusher = new Pusher(key, options);
            pusher.subscribe('news').bind('created', (data) => window.received.push(data));
            window.pusher = pusher;
        }""",
        [server.config.key, options],
    )
    page.wait_for_function("window.pusher.channel('news').subscribed", timeout=10_000)
    assert page.evaluate("window.pusher.connection.state") == "connected"
    assert page.evaluate("window.pusher.connection.connection.transport.name") == transport

    server.publish("news", "created", json.dumps({"n": 1}))

    page.wait_for_function("window.received.length === 1", timeout=5_000)
    assert received(page) == [{"n": 1}]


def test_realtime_js_without_websockets_falls_back_and_receives_a_publish(
    server: Server, page: "Page"
) -> None:
    config = {
        "key": server.config.key,
        "wsHost": "127.0.0.1",
        "wsPort": server.thread.port,
        "forceTLS": False,
        "enabledTransports": ["ws", "wss", "xhr_streaming", "xhr_polling"],
    }
    page.evaluate(
        """([id, config]) => {
            const element = document.createElement('script');
            element.type = 'application/json';
            element.id = id;
            element.textContent = JSON.stringify(config);
            document.head.append(element);
        }""",
        [CONFIG_ELEMENT_ID, config],
    )
    page.add_script_tag(path=str(REALTIME_JS))
    page.evaluate(
        """() => {
            window.received = [];
            const realtime = Realtime.connect();
            realtime.subscribe('news').bind('created', (data) => window.received.push(data));
            window.realtime = realtime;
        }"""
    )
    page.wait_for_function("window.realtime.channel('news').subscribed", timeout=10_000)
    assert page.evaluate("window.realtime.url").startswith(
        f"http://127.0.0.1:{server.thread.port}/pusher/app/"
    )

    server.publish("news", "created", json.dumps({"n": 2}))

    page.wait_for_function("window.received.length === 1", timeout=5_000)
    assert received(page) == [{"n": 2}]
