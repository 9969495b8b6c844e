"""``{% realtime_client %}``: switching REALTIME_BACKEND changes only the rendered config."""

import json
import re
from typing import Any

import pytest
from django.http import HttpRequest
from django.template import Context, Template
from django.test import RequestFactory, override_settings

from realtime_core import RealtimeConfigurationError

SECRETS = {
    "memory": "memory-secret-1",
    "tornado_redis": "redis-secret-2",
    "pusher": "pusher-secret-3",
}
OPTIONS = {
    "memory": {"SECRET": SECRETS["memory"]},
    "tornado_redis": {
        "APP_ID": "7",
        "KEY": "self-hosted-key",
        "SECRET": SECRETS["tornado_redis"],
        "WS_HOST": "ws.example.com",
        "WS_PORT": 443,
        "USE_TLS": True,
    },
    "pusher": {"APP_ID": "8", "KEY": "hosted-key", "SECRET": SECRETS["pusher"], "CLUSTER": "eu"},
}
CONFIG_RE = re.compile(
    r'<script id="realtime-config" type="application/json">(?P<json>.*?)</script>', re.S
)


def render(backend: str, request: HttpRequest | None = None) -> str:
    template = Template("{% load realtime %}{% realtime_client %}")
    with override_settings(REALTIME_BACKEND=backend, REALTIME_OPTIONS=OPTIONS):
        return template.render(Context({"request": request} if request else {}))


def rendered_config(html: str) -> dict[str, Any]:
    match = CONFIG_RE.search(html)
    assert match, html
    config = json.loads(match["json"])
    assert isinstance(config, dict)
    return config


def test_renders_the_script_and_the_config() -> None:
    html = render("memory")
    assert '<script src="/static/realtime_core/realtime.js"></script>' in html
    config = rendered_config(html)
    assert config["backend"] == "memory"
    assert config["key"] == "embedded"
    assert config["channelAuthorization"]["endpoint"] == "/realtime/auth/channel/"
    assert config["userAuthentication"]["endpoint"] == "/realtime/auth/user/"
    assert config["routers"] == {
        "objects": "/realtime/routes/",
        "subscriptions": "/realtime/subscriptions/",
    }


def test_switching_the_backend_changes_only_the_config() -> None:
    pages = {name: render(name) for name in OPTIONS}
    outside = {name: CONFIG_RE.sub("", html) for name, html in pages.items()}
    assert len(set(outside.values())) == 1
    configs = {name: rendered_config(html) for name, html in pages.items()}
    deployment = configs["tornado_redis"]["deployment"]["id"]
    headers = {"X-Realtime-Deployment": deployment}
    assert configs["tornado_redis"] == {
        "backend": "tornado_redis",
        "key": "self-hosted-key",
        "wsHost": "ws.example.com",
        "wsPort": 443,
        "wssPort": 443,
        "httpHost": "ws.example.com",
        "httpPort": 443,
        "httpsPort": 443,
        "enabledTransports": ["ws", "wss", "xhr_streaming", "xhr_polling"],
        "forceTLS": True,
        "deployment": {"id": deployment, "endpoint": "/realtime/config/"},
        "channelAuthorization": {"endpoint": "/realtime/auth/channel/", "headers": headers},
        "userAuthentication": {"endpoint": "/realtime/auth/user/", "headers": headers},
        "routers": configs["memory"]["routers"],
    }
    assert configs["pusher"]["key"] == "hosted-key"
    assert configs["pusher"]["cluster"] == "eu"


def test_the_deployment_names_the_backend_and_where_its_pages_connect() -> None:
    ids = {name: rendered_config(render(name))["deployment"]["id"] for name in OPTIONS}
    assert [deployment.partition(":")[0] for deployment in ids.values()] == list(OPTIONS)
    assert len({deployment.partition(":")[2] for deployment in ids.values()}) == 3
    assert rendered_config(render("tornado_redis"))["deployment"]["id"] == ids["tornado_redis"]
    elsewhere = {**OPTIONS, "tornado_redis": {**OPTIONS["tornado_redis"], "WS_PORT": 8443}}
    with override_settings(REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS=elsewhere):
        html = Template("{% load realtime %}{% realtime_client %}").render(Context())
    assert rendered_config(html)["deployment"]["id"] != ids["tornado_redis"]
    # A secret is no part of what it hashes: changing one leaves it as it was.
    rotated = {**OPTIONS, "tornado_redis": {**OPTIONS["tornado_redis"], "SECRET": "rotated!"}}
    with override_settings(REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS=rotated):
        html = Template("{% load realtime %}{% realtime_client %}").render(Context())
    assert rendered_config(html)["deployment"]["id"] == ids["tornado_redis"]


@pytest.mark.parametrize("backend", list(OPTIONS))
def test_never_renders_a_secret(backend: str) -> None:
    html = render(backend, RequestFactory().get("/"))
    for secret in SECRETS.values():
        assert secret not in html
    assert "SECRET" not in html.upper().replace("X-CSRFTOKEN", "")


def test_sends_the_csrf_token_in_the_configured_header() -> None:
    request = RequestFactory().get("/")
    with override_settings(CSRF_HEADER_NAME="HTTP_X_MY_CSRF"):
        config = rendered_config(render("memory", request))
    headers = config["channelAuthorization"]["headers"]
    assert list(headers) == ["X-MY-CSRF", "X-Realtime-Deployment"]
    assert config["userAuthentication"]["headers"] == headers
    # A masked token for the CSRF cookie this response will set (checked end to end
    # against the real endpoint in tests/test_one_setting.py).
    assert len(headers["X-MY-CSRF"]) == 64
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"]


def test_config_is_escaped_inside_the_script_element() -> None:
    options = {"memory": {"KEY": "</script><script>alert(1)</script>"}}
    with override_settings(REALTIME_OPTIONS=options):
        html = Template("{% load realtime %}{% realtime_client %}").render(Context())
    assert "<script>alert" not in html
    assert rendered_config(html)["key"] == options["memory"]["KEY"]


@override_settings(ROOT_URLCONF="tests.urls_without_realtime")
def test_says_how_to_mount_the_endpoints_when_they_are_missing() -> None:
    with pytest.raises(RealtimeConfigurationError, match=r"include\('realtime_core.urls'\)"):
        render("memory")
