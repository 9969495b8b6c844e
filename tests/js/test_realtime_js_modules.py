"""realtime.js's modules (``js/src``), one unit at a time: ``js/test/*.test.mjs``.

Each file runs as one test here with Node's own test runner (``node --test FILE``). They
import the ES modules directly, with stand-ins for the socket, fetch and the other
modules, and need nothing installed: no server, no ``npm ci``. The bundle the modules
are built into is tested against real servers by ``test_realtime_js.py``.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parents[2] / "js"
NODE = shutil.which("node")
NODE_TIMEOUT = 60
"""Seconds one test file may take (they take well under one)."""

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (realtime.js tests)")


def test_every_module_has_tests() -> None:
    modules = {path.stem for path in (JS_DIR / "src").glob("*.js")} - {"index"}
    tested = {path.name.removesuffix(".test.mjs") for path in (JS_DIR / "test").glob("*.test.mjs")}
    assert modules - tested == set(), "modules of js/src without js/test/<module>.test.mjs"


@pytest.mark.parametrize(
    "test_file",
    sorted((JS_DIR / "test").glob("*.test.mjs")),
    ids=lambda path: path.name.removesuffix(".test.mjs"),
)
def test_module(test_file: Path) -> None:
    assert NODE is not None
    result = subprocess.run(
        [NODE, "--test", "--test-reporter=spec", str(test_file)],
        cwd=JS_DIR,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "NO_COLOR": "1"},
        timeout=NODE_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        failure = f"node --test {test_file.name} exited {result.returncode}"
        pytest.fail(f"{failure}:\n{result.stdout}{result.stderr}", pytrace=False)
