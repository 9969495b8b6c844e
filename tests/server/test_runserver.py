"""``manage.py runserver`` serves the sockets too with the embedded default.

Real processes: Django's autoreloader runs the server in a child process (and in a
thread of it), so these tests start ``runserver`` as a user does and stop the whole
process group.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.server_harness import free_port

from .pusher_client import PusherTestClient
from .test_commands import ROOT, embedded_config, wait_for_port

ENV = {"DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
WATCHED = ROOT / "tests" / "testapp" / "views.py"
"""A module the site imports: the autoreloader restarts the server when it changes."""


def runserver(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", *args],
        cwd=ROOT,
        env={**os.environ, **ENV, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the reloader's child is in this group too
    )


def stop_group(process: subprocess.Popen[str]) -> tuple[str, str]:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    try:
        return process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.communicate()


@pytest.fixture
def reloading_runserver() -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    process = runserver(f"127.0.0.1:{port}")
    try:
        wait_for_port(process, port)
        yield process, port
    finally:
        stop_group(process)


def connect(port: int) -> PusherTestClient:
    config = embedded_config()
    return PusherTestClient(f"ws://127.0.0.1:{port}/app/{config.key}?protocol=7", config)


def publish_through_a_view(port: int, channel: str) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/publish/{channel}/") as response:
        assert json.loads(response.read()) == {"published": channel}


def assert_delivers(port: int) -> None:
    client = connect(port)
    assert client.subscribe("private-news")["event"] == "pusher_internal:subscription_succeeded"
    publish_through_a_view(port, "private-news")
    assert json.loads(client.expect("from-view")["data"]) == {"path": "/publish/private-news/"}
    client.close()


def test_runserver_answers_the_pusher_handshake_and_delivers_a_publish(
    reloading_runserver: tuple[subprocess.Popen[str], int],
) -> None:
    _, port = reloading_runserver
    assert_delivers(port)


def reloaded(client: PusherTestClient) -> bool:
    """Whether the server process of ``client``'s socket ended within a second."""
    try:
        client.closed_with(timeout=1)
    except (AssertionError, TimeoutError):
        return False
    return True


def test_runserver_still_serves_sockets_after_the_autoreloader_restarts_it(
    reloading_runserver: tuple[subprocess.Popen[str], int],
) -> None:
    process, port = reloading_runserver
    before = connect(port)
    before.subscribe("news")
    # Saved until the reloader notices: it only compares with what its first scan saw.
    deadline = time.monotonic() + 20
    while not reloaded(before):
        assert time.monotonic() < deadline, "the autoreloader never restarted the server"
        later = time.time() + 1
        os.utime(WATCHED, (later, later))  # as an editor's save would
    before.close()
    wait_for_port(process, port)
    assert_delivers(port)


def test_runserver_prints_that_it_serves_the_sockets_too() -> None:
    port = free_port()
    process = runserver(f"127.0.0.1:{port}", "--noreload")
    try:
        wait_for_port(process, port)
        publish_through_a_view(port, "news")
    finally:
        stdout, stderr = stop_group(process)
    assert f"Starting development server at http://127.0.0.1:{port}/" in stdout
    assert "It serves the sockets too (REALTIME_BACKEND='memory'), at /app/embedded." in stdout
    assert "serves none" not in stderr, "a process serving sockets is not warned about"
    assert "Traceback" not in stderr


def test_runserver_reports_an_address_in_use_as_django_does() -> None:
    port = free_port()
    first = runserver(f"127.0.0.1:{port}", "--noreload")
    try:
        wait_for_port(first, port)
        second = runserver(f"127.0.0.1:{port}", "--noreload")
        _, stderr = second.communicate(timeout=30)
    finally:
        stop_group(first)
    assert second.returncode == 1
    assert "Error: That port is already in use." in stderr


def test_runserver_is_djangos_own_with_a_backend_served_elsewhere(redis_url: str) -> None:
    """tornado_redis: the sockets are realtime_server's, so runserver serves the site only."""
    port = free_port()
    env = {"DJANGO_SETTINGS_MODULE": "tests.settings_tornado_redis", "TEST_REDIS_URL": redis_url}
    process = runserver(f"127.0.0.1:{port}", "--noreload", env=env)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/page/", timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, "runserver exited"
                assert time.monotonic() < deadline, "runserver never served the site"
                time.sleep(0.1)
        with pytest.raises(urllib.error.HTTPError) as no_socket_server:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/up", timeout=5)
        no_socket_server.value.close()
        assert no_socket_server.value.code == 404
    finally:
        stdout, _ = stop_group(process)
    assert "It serves the sockets too" not in stdout


def test_a_publish_from_a_process_serving_no_sockets_is_warned_about_once() -> None:
    """``manage.py shell``: the memory backend cannot reach any browser from here."""
    code = "import realtime_core as r; r.publish('a', 'e', 1); r.publish('a', 'e', 2)"
    result = subprocess.run(
        [sys.executable, "-m", "django", "shell", "-c", code],
        cwd=ROOT,
        env={**os.environ, **ENV},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "serves none" in line]
    assert len(warnings) == 1, result.stderr
    assert "REALTIME_BACKEND='memory' delivers to the sockets served by the process" in warnings[0]
    assert "REALTIME_BACKEND='tornado_redis'" in warnings[0]

