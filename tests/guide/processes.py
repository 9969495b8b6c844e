"""Long-running commands (servers) for the guide and browser tests: started in their own
process group with their output in a log file, awaited until they answer, and stopped
as a reader would stop them (Ctrl+C, then harder).
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["ServerProcess", "answers", "free_port", "stop_process_group", "wait_until"]

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(url: str) -> bool:
    """Whether ``url`` answers: ``http://`` with a status below 500, ``tcp://`` by accepting."""
    parts = urlsplit(url)
    if parts.scheme == "tcp":
        try:
            with socket.create_connection((parts.hostname, parts.port), timeout=1):
                return True
        except OSError:
            return False
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status < 500)
    except urllib.error.HTTPError as error:
        error.close()
        return error.code < 500
    except OSError:
        return False


def wait_until(
    ready: Callable[[], bool], alive: Callable[[], bool], what: str, timeout: float
) -> None:
    """Poll ``ready`` until it is true; AssertionError when ``alive`` turns false or time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if not alive():
            raise AssertionError(f"{what} exited before it was ready")
        time.sleep(0.05)
    raise AssertionError(f"{what} was not ready within {timeout:g} s")


def stop_process_group(pgid: int, alive: Callable[[], bool], timeout: float = STOP_TIMEOUT) -> None:
    """SIGINT the group (Ctrl+C); SIGKILL it if it is still there after ``timeout``."""
    for signum, wait in ((signal.SIGINT, timeout), (signal.SIGKILL, timeout)):
        try:
            os.killpg(pgid, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not alive():
            break
    # Whatever the group's leader left behind (runserver's reloader child, say).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


class ServerProcess:
    """A command running in its own process group, its output going to ``log``."""

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        log: Path,
    ) -> None:
        self.name = name
        self.args = list(args)
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                self.args,
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, url: str, timeout: float = READY_TIMEOUT) -> "ServerProcess":
        """Return once ``url`` answers (see :func:`answers`); raise with the log if not."""
        try:
            wait_until(lambda: answers(url), lambda: self.alive, self.name, timeout)
        except AssertionError as error:
            raise AssertionError(f"{error} ({url}):\n{self.tail()}") from None
        return self

    def tail(self, lines: int = 30) -> str:
        """The last lines of the output, to put in a failure message."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(f"  {self.name}| {line}" for line in text.splitlines()[-lines:])

    def stop(self) -> None:
        """Ctrl+C, then SIGKILL; reaps the process."""
        if self.alive:
            stop_process_group(self.process.pid, lambda: self.alive)
        self.process.wait(STOP_TIMEOUT)
