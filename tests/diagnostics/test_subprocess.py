"""``python -m django realtime_check`` as a deploy pipeline runs it: exit codes, no traceback."""

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from realtime_core.backends.tornado_redis import TornadoRedisBackend
from realtime_core.serving import server_config
from tests.server_harness import ServerThread, free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "subprocess-secret-6b2d"


def environment(backend: str, options: dict[str, Any]) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.diagnostics.settings_from_environment",
        "PYTHONPATH": str(ROOT),
        "CHECK_BACKEND": backend,
        "CHECK_OPTIONS": json.dumps(options),
    }


def run(backend: str, options: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "django", "realtime_check", *args],
        cwd=ROOT,
        env=environment(backend, options),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_clean(result: subprocess.CompletedProcess[str], *secrets: str) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    for secret in secrets:
        assert secret not in output


@pytest.fixture
def redis_options(redis_url: str) -> Iterator[dict[str, Any]]:
    """tornado_redis options with a socket server running on them."""
    options = {"REDIS_URL": redis_url, "APP_ID": "77", "KEY": "sub-key", "SECRET": SECRET}
    backend = TornadoRedisBackend(options, name="tornado_redis")
    server = ServerThread(server_config(backend), backend.make_broker)
    yield {**options, "WS_PORT": server.port}
    server.stop()


def test_healthy_memory_exits_0() -> None:
    result = run("memory", {"SECRET": SECRET})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DELIVERY WORKS through 'memory'" in result.stdout
    assert result.stderr == ""
    assert_clean(result, SECRET)


def test_healthy_tornado_redis_exits_0_with_json(redis_options: dict[str, Any]) -> None:
    result = run("tornado_redis", redis_options, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert [step["status"] for step in report["steps"]][:5] == ["ok"] * 5
    assert_clean(result, SECRET)


def test_a_failed_step_exits_1(redis_options: dict[str, Any]) -> None:
    result = run("tornado_redis", {**redis_options, "SECRET": "the-wrong-secret-1f"})
    assert result.returncode == 1
    assert "DELIVERY FAILS through 'tornado_redis'" in result.stdout
    assert "CommandError: realtime_check 'tornado_redis': round trip failed" in result.stderr
    assert_clean(result, SECRET, "the-wrong-secret-1f")


def test_nothing_listening_exits_1_naming_the_url() -> None:
    port = free_port()
    options = {"APP_ID": "77", "KEY": "sub-key", "SECRET": SECRET}
    result = run("pusher", {**options, "HOST": "127.0.0.1", "PORT": port, "USE_TLS": False})
    assert result.returncode == 1
    assert f"nothing listens at ws://127.0.0.1:{port}/app/sub-key" in result.stdout
    assert_clean(result, SECRET)


def test_misconfiguration_exits_2() -> None:
    result = run("no_such_backend", {}, "--json")
    assert result.returncode == 2
    assert json.loads(result.stdout)["exit_status"] == 2
    assert "Installed backends: 'memory', 'pusher', 'tornado_redis'" in result.stdout
    assert_clean(result)


def test_a_bad_argument_exits_2() -> None:
    result = run("memory", {}, "--timeout", "never")
    assert result.returncode == 2
    assert "--timeout" in result.stderr
    assert_clean(result)


def test_ctrl_c_ends_with_a_message_not_a_traceback() -> None:
    """SIGINT while the check waits on a server that accepted and never answers."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(10)
        silent.settimeout(30)
        port = silent.getsockname()[1]
        options = {"APP_ID": "77", "KEY": "sub-key", "SECRET": SECRET}
        options |= {"HOST": "127.0.0.1", "PORT": port, "USE_TLS": False}
        process = subprocess.Popen(
            [sys.executable, "-m", "django", "realtime_check", "--timeout", "30"],
            cwd=ROOT,
            env=environment("pusher", options),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            connection, _ = silent.accept()  # the connectivity step is waiting now
            process.send_signal(signal.SIGINT)
            stdout, stderr = process.communicate(timeout=30)
            connection.close()
        finally:
            process.kill()
    assert process.returncode == 130, stdout + stderr
    assert "realtime_check interrupted" in stderr
    assert "Traceback" not in stdout + stderr
    assert SECRET not in stdout + stderr
