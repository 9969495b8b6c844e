"""``manage.py realtime_server`` and ``realtime-server`` as real processes."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

import realtime_core
from realtime_core.server.config import ServerConfig
from tests.server_harness import free_port

from .pusher_client import PusherTestClient

ROOT = Path(__file__).resolve().parents[2]


def wait_for_port(process: subprocess.Popen[str], port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early: {process.communicate()}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/up", timeout=1).close()
            return
        except urllib.error.HTTPError as error:
            error.close()
            raise AssertionError(f"/up answered {error.code}") from None
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listened on {port} within {timeout}s")


def start(args: list[str], port: int, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        args,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_port(process, port)
    return process


def stop(process: subprocess.Popen[str], timeout: float = 10.0) -> tuple[int, str, str]:
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr


@pytest.fixture
def embedded() -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    process = start(
        [sys.executable, "-m", "django", "realtime_server", "--port", str(port)],
        port,
        env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)},
    )
    yield process, port
    if process.poll() is None:
        process.kill()
        process.communicate()


def embedded_config() -> ServerConfig:
    import django.conf

    from realtime_core.backends.memory import MemoryBackend
    from realtime_core.serving import server_config

    assert django.conf.settings.SECRET_KEY == "tests-only-not-secret"
    return server_config(MemoryBackend({}, name="memory"))


def test_embedded_mode_serves_django_and_sockets_on_one_port(
    embedded: tuple[subprocess.Popen[str], int],
) -> None:
    _, port = embedded
    config = embedded_config()
    client = PusherTestClient(f"ws://127.0.0.1:{port}/app/{config.key}?protocol=7", config)
    assert client.subscribe("private-news")["event"] == "pusher_internal:subscription_succeeded"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/publish/private-news/") as response:
        assert json.loads(response.read()) == {"published": "private-news"}
    event = client.expect("from-view")
    assert json.loads(event["data"]) == {"path": "/publish/private-news/"}
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page/")
    missing.value.close()
    assert missing.value.code == 404, "Django answers what the socket server does not route"
    client.close()


def test_embedded_mode_serves_pages_that_set_cookies(
    embedded: tuple[subprocess.Popen[str], int],
) -> None:
    """{% realtime_client %} sets the CSRF cookie; Django's header value must get through."""
    _, port = embedded
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/page/", timeout=5) as response:
        cookie = response.headers["Set-Cookie"]
        page = response.read().decode()
    assert cookie.startswith("csrftoken=")
    assert 'id="realtime-config"' in page
    assert response.headers["Server"] == "django-realtime-core", "no version banner"


def test_embedded_mode_serves_the_servers_metrics_before_djangos_urls(
    embedded: tuple[subprocess.Popen[str], int],
) -> None:
    _, port = embedded
    config = embedded_config()
    client = PusherTestClient(f"ws://127.0.0.1:{port}/app/{config.key}?protocol=7", config)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    assert f'realtime_connections{{app="{config.app_id}"}} 1.0' in text.splitlines()
    assert "realtime_webhook" not in text, "embedded, lifecycle events are signals"
    client.close()


def test_sigterm_sends_4200_to_clients_then_exits(
    embedded: tuple[subprocess.Popen[str], int],
) -> None:
    process, port = embedded
    config = embedded_config()
    client = PusherTestClient(f"ws://127.0.0.1:{port}/app/{config.key}?protocol=7", config)
    client.subscribe("news")
    process.send_signal(signal.SIGTERM)
    frames, code = client.closed_with()
    assert frames[-1] == {
        "event": "pusher:error",
        "data": {"code": 4200, "message": "Server is shutting down; please reconnect"},
    }
    assert code == 4200
    client.close()
    stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert "realtime_server: stopped" in stdout


def test_console_script_serves_from_environment() -> None:
    port = free_port()
    env = {
        "REALTIME_APP_ID": "77",
        "REALTIME_KEY": "cli-key",
        "REALTIME_SECRET": "cli-secret",
        "REALTIME_PORT": str(port),
    }
    process = start(
        [sys.executable, "-m", "realtime_core.server", "--log-level", "WARNING"], port, env
    )
    config = ServerConfig(app_id="77", key="cli-key", secret="cli-secret")
    client = PusherTestClient(f"ws://127.0.0.1:{port}/app/cli-key?protocol=7", config)
    assert client.subscribe("private-x")["event"] == "pusher_internal:subscription_succeeded"
    client.close()
    code, _, stderr = stop(process)
    assert code == 0, stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "missing --app-id, --key, --secret"),
        (
            {"REALTIME_APP_ID": "app", "REALTIME_KEY": "k", "REALTIME_SECRET": "s"},
            "app_id must be digits",
        ),
    ],
)
def test_console_script_refuses_bad_configuration(env: dict[str, str], message: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REALTIME_")}
    result = subprocess.run(
        [sys.executable, "-m", "realtime_core.server"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_realtime_server_serves_tornado_redis_from_django_settings(redis_url: str) -> None:
    port = free_port()
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.settings_tornado_redis",
        "PYTHONPATH": str(ROOT),
        "TEST_REDIS_URL": redis_url,
    }
    process = start(
        [sys.executable, "-m", "django", "realtime_server", "--port", str(port)], port, env
    )
    config = ServerConfig(app_id="55", key="settings-key", secret="settings-secret")
    client = PusherTestClient(f"ws://127.0.0.1:{port}/app/settings-key?protocol=7", config)
    assert client.subscribe("private-x")["event"] == "pusher_internal:subscription_succeeded"
    options = {"REDIS_URL": redis_url, "APP_ID": "55", "KEY": "settings-key", "SECRET": "s"}
    with override_settings(
        REALTIME_BACKEND="tornado_redis", REALTIME_OPTIONS={"tornado_redis": options}
    ):
        realtime_core.publish("private-x", "through-redis", [1])
    assert client.expect("through-redis")["data"] == "[1]"
    client.send("client-ping", {}, channel="private-x")  # CLIENT_EVENTS reached the server
    client.nothing_more()
    with pytest.raises(urllib.error.HTTPError) as not_django:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/publish/x/")
    not_django.value.close()
    assert not_django.value.code == 404, "only the embedded mode serves the Django site"
    client.close()
    code, stdout, stderr = stop(process)
    assert code == 0, stderr
    assert "sockets and the HTTP API" in stdout


def test_realtime_server_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("realtime-server")
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "--redis-url" in result.stdout
