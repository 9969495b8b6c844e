"""realtime.js, the browser client, tested by Node's own test runner against real servers.

Each ``tests/js/*.test.mjs`` file runs as one test here (``node --experimental-websocket
--test FILE``). The Node side starts ``python -m realtime_core.server`` processes on free
ports with this interpreter, runs its authorization endpoint in-process with the
official ``pusher`` Node SDK, and compares realtime.js with pusher-js 8.6.0; the router
tests (``routers.test.mjs``) serve the test-only Django site ``tests/js/django_site`` with
``manage.py realtime_server`` instead. See ``tests/js/helpers.mjs``.

Needs ``node`` (20.10 or later, for the global WebSocket) and ``npm ci`` run in ``tests/js``.
"""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.redis_server import redis_server_binary

JS_DIR = Path(__file__).resolve().parent
NODE = shutil.which("node")
NODE_TIMEOUT = 90
"""Seconds one test file may take (the whole JS suite takes about 10)."""
TEST_APP = {
    "REALTIME_JS_APP_ID": "4321",
    "REALTIME_JS_KEY": "js-test-key",
    "REALTIME_JS_SECRET": "js-test-secret",
}
MISSING = [
    name for name in ("pusher-js", "pusher") if not (JS_DIR / "node_modules" / name).is_dir()
]

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed (realtime.js tests)"),
    pytest.mark.skipif(
        bool(MISSING),
        reason=f"{', '.join(MISSING)} not installed: run `npm ci` in tests/js (or `make test`)",
    ),
]


def node_command() -> list[str]:
    """``node`` with the flag that gives it a global WebSocket, or a skip saying why not."""
    assert NODE is not None
    probe = "process.exit(typeof WebSocket === 'function' ? 0 : 1)"
    for flags in (["--experimental-websocket"], []):
        found = subprocess.run(
            [NODE, *flags, "-e", probe], capture_output=True, timeout=30, check=False
        )
        if found.returncode == 0:
            return [NODE, *flags]
    version = subprocess.run([NODE, "--version"], capture_output=True, text=True, check=False)
    pytest.skip(
        f"node {version.stdout.strip()} has no global WebSocket; realtime.js tests need 20.10+"
    )


def run_node(test_file: Path) -> tuple[int, str]:
    """Run one test file in its own process group, so a timeout kills its servers too."""
    process = subprocess.Popen(
        [*node_command(), "--test", "--test-reporter=spec", str(test_file)],
        cwd=JS_DIR,
        env={
            **os.environ,
            **TEST_APP,
            "REALTIME_JS_PYTHON": sys.executable,
            "REALTIME_JS_REDIS_SERVER": redis_server_binary() or "",
            "NO_COLOR": "1",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=NODE_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        return -1, f"timed out after {NODE_TIMEOUT} s\n{output}"
    return process.returncode, output


@pytest.mark.parametrize(
    "test_file", sorted(JS_DIR.glob("*.test.mjs")), ids=lambda path: path.name.split(".")[0]
)
def test_realtime_js(test_file: Path) -> None:
    returncode, output = run_node(test_file)
    if returncode != 0:
        pytest.fail(f"node --test {test_file.name} exited {returncode}:\n{output}", pytrace=False)
