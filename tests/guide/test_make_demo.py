"""``make demo``, the README's first command, run the way a newcomer runs it.

It runs in the repository itself with the test's virtualenv (``VENV``), its own
SQLite file (``TODO_DATABASE``) and a free port (``DEMO_PORT``), all set in the
environment so the command stays exactly ``make demo``.
"""

import http.cookiejar
import shutil
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from .processes import ServerProcess, free_port
from .runner import ROOT, clean_environment

GUIDE_COMMANDS = ["make demo"]
"""The guide's commands this module runs (see test_guide.py)."""


def _get(opener: urllib.request.OpenerDirector, url: str) -> str:
    with opener.open(url, timeout=10) as response:
        assert response.status == 200, url
        return str(response.read().decode())


@pytest.mark.timeout(180)
def test_make_demo_sets_up_and_serves_the_todo_demo(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("needs make")
    port = free_port()
    database = tmp_path / "db.sqlite3"
    env = {
        **clean_environment(),
        "VENV": sys.prefix,
        "DEMO_PORT": str(port),
        "TODO_DATABASE": str(database),
    }
    stamp = f"{sys.prefix}/.installed"
    if subprocess.run(["make", "--question", stamp], cwd=ROOT, env=env, check=False).returncode:
        pytest.fail(f"{stamp} is older than pyproject.toml: run `make` to refresh the virtualenv")
    base = f"http://127.0.0.1:{port}"
    logs = []
    for attempt in (1, 2):  # the second run finds the database and the sample data there
        demo = ServerProcess(
            "make demo", ["make", "demo"], cwd=ROOT, env=env, log=tmp_path / f"demo-{attempt}.log"
        )
        try:
            demo.wait_ready(f"{base}/", timeout=60)
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
            )
            index = _get(opener, f"{base}/")
            assert "Groceries" in index
            assert "DjangoCon talk" in index
            page = _get(opener, f"{base}/lists/1/")
            assert 'id="realtime-config"' in page
            assert "todo/todo.js" in page
            assert "realtime.live(" in _get(opener, f"{base}/static/todo/todo.js")
            assert "Realtime" in _get(opener, f"{base}/static/realtime_core/realtime.js")
        finally:
            demo.stop()
        logs.append(demo.log.read_text())
    assert f"Todo demo at {base}/ — press Ctrl+C to stop" in logs[0]
    assert "Added 2 sample lists." in logs[0]
    assert "The sample lists are there already." in logs[1]
    with sqlite3.connect(database) as connection:
        ((lists,),) = connection.execute("SELECT COUNT(*) FROM todo_todolist")
        ((items,),) = connection.execute("SELECT COUNT(*) FROM todo_todoitem")
    connection.close()
    assert (lists, items) == (2, 7)
