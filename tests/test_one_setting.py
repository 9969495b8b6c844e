"""The mission in one test: moving between backends is one setting.

Every backend stays configured side by side in ``REALTIME_OPTIONS`` and the same three
socket servers run for every case: the embedded server (``memory``), a self-hosted
server on Redis (``tornado_redis``) and a self-hosted server standing in for Pusher's
service (``pusher`` at a custom ``HOST``/``PORT``). The test body is identical; only
``REALTIME_BACKEND`` differs. It does what a browser does: loads a page, reads the
connection config ``{% realtime_client %}`` rendered, opens the WebSocket that config
names, authorizes a private channel through the auth endpoint (session + CSRF),
subscribes, and sees an event a view published.
"""

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

import realtime_core
from realtime_core.backends.self_hosted import SelfHostedBackend
from realtime_core.brokers.in_process import InProcessBroker, InProcessExchange
from realtime_core.diagnostics.socket_probe import socket_url
from realtime_core.server.config import ServerConfig
from realtime_core.serving import server_config
from tests.server.pusher_client import PusherTestClient
from tests.server_harness import ServerThread, free_port
from tests.testapp.models import TodoList

BACKENDS = ["memory", "tornado_redis", "pusher"]
CONFIG_RE = re.compile(r'<script id="realtime-config" type="application/json">(.*?)</script>')


class Deployment:
    """The three socket servers and the one ``REALTIME_OPTIONS`` that names them all."""

    def __init__(self, redis_url: str) -> None:
        hosted_port = free_port()
        self.options: dict[str, dict[str, Any]] = {
            "memory": {"SECRET": "embedded-secret-for-tests"},
            "tornado_redis": {
                "REDIS_URL": redis_url,
                "APP_ID": "31",
                "KEY": "self-hosted-key",
                "SECRET": "self-hosted-secret",
                "WS_HOST": "127.0.0.1",
                "WS_PORT": free_port(),
            },
            "pusher": {
                "APP_ID": "32",
                "KEY": "hosted-key",
                "SECRET": "hosted-secret",
                "HOST": "127.0.0.1",
                "PORT": hosted_port,
                "USE_TLS": False,
            },
        }
        self.servers: list[ServerThread] = []
        embedded = self._serve_self_hosted("memory", port=None)
        self.page_origin = embedded.http_url
        self._serve_self_hosted("tornado_redis", port=self.options["tornado_redis"]["WS_PORT"])
        hosted = self.options["pusher"]
        stand_in = ServerConfig(app_id=hosted["APP_ID"], key=hosted["KEY"], secret=hosted["SECRET"])
        exchange = InProcessExchange()
        self.servers.append(
            ServerThread(stand_in, lambda: InProcessBroker(exchange), port=hosted_port)
        )

    def _serve_self_hosted(self, name: str, port: int | None) -> ServerThread:
        with self.settings(name):
            backend = realtime_core.get_backend()
        assert isinstance(backend, SelfHostedBackend)
        server = ServerThread(server_config(backend), backend.make_broker, port=port)
        self.servers.append(server)
        return server

    def settings(self, backend: str) -> override_settings:
        return override_settings(REALTIME_BACKEND=backend, REALTIME_OPTIONS=self.options)

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


@pytest.fixture
def deployment(redis_url: str) -> Iterator[Deployment]:
    running = Deployment(redis_url)
    yield running
    running.stop()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("backend", BACKENDS)
def test_publish_from_a_view_reaches_a_private_subscriber(
    deployment: Deployment, backend: str
) -> None:
    todo_list = TodoList.objects.create(name="Groceries")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(User.objects.create_user("ada"))
    with deployment.settings(backend):
        page = browser.get("/page/")
        match = CONFIG_RE.search(page.content.decode())
        assert match, page.content
        config = json.loads(match[1])
        assert config["backend"] == backend

        # Connects as a browser would (the URL rules are realtime.js's): no credentials,
        # only what the page says.
        socket = PusherTestClient(socket_url(config, deployment.page_origin))
        try:
            channel = f"private-todo-list-{todo_list.pk}"
            authorization = config["channelAuthorization"]
            answer = browser.post(
                authorization["endpoint"],
                {"socket_id": socket.socket_id, "channel_name": channel},
                headers=authorization["headers"],
            )
            assert answer.status_code == 200, answer.content
            socket.send("pusher:subscribe", {"channel": channel, "auth": answer.json()["auth"]})
            assert socket.expect("pusher_internal:subscription_succeeded")["channel"] == channel

            published = browser.post(f"/publish/{channel}/", headers=authorization["headers"])
            assert published.status_code == 200, published.content

            event = socket.expect("from-view")
            assert event["channel"] == channel
            assert json.loads(event["data"]) == {"path": f"/publish/{channel}/"}
        finally:
            socket.close()
