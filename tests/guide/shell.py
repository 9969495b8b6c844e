"""One bash session that runs the guide's commands as a reader's terminal would.

Commands run one at a time in the same shell, so ``cd``, ``export`` and ``. activate``
carry over to the next ones, exactly as typed. A long-running command (a server the
guide starts "in another terminal") runs as a background job in its own process
group, with its output in a log file, until it is stopped like Ctrl+C would.
"""

import os
import queue
import subprocess
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path

from .processes import stop_process_group

__all__ = ["CommandFailed", "Job", "ShellSession"]

COMMAND_TIMEOUT = 120.0


class CommandFailed(AssertionError):
    """A command exited with another status than expected, or did not finish."""


class Job:
    """A command started in the background: its process group and its log."""

    def __init__(self, name: str, pgid: int, log: Path) -> None:
        self.name = name
        self.pgid = pgid
        self.log = log

    @property
    def alive(self) -> bool:
        try:
            os.killpg(self.pgid, 0)
        except ProcessLookupError:
            return False
        # A zombie leader whose group is otherwise empty still counts as gone.
        try:
            stat = Path(f"/proc/{self.pgid}/stat").read_text()
        except OSError:
            return True
        return stat.rsplit(")", 1)[1].split()[0] != "Z"

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(f"  {self.name}| {line}" for line in text.splitlines()[-lines:])


class ShellSession:
    """``bash`` fed one command at a time; see the module docstring."""

    def __init__(self, cwd: Path, env: Mapping[str, str], logs: Path) -> None:
        self.logs = logs
        self.jobs: dict[str, Job] = {}
        self.transcript: list[str] = []
        self._marker = f"__guide_{uuid.uuid4().hex}__"
        self._bash = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        # Job control: every background job gets a process group of its own.
        self._send("set -m")

    def _read(self) -> None:
        assert self._bash.stdout is not None
        for line in self._bash.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _send(self, script: str, timeout: float = COMMAND_TIMEOUT) -> tuple[str, str]:
        """Run ``script`` in the shell; (its output, the value it printed after the marker)."""
        assert self._bash.stdin is not None
        self._bash.stdin.write(f"{script}\nprintf '\\n{self._marker} %s\\n' \"$__guide_value\"\n")
        self._bash.stdin.flush()
        output: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise CommandFailed(
                    f"no answer within {timeout:g} s; output so far:\n{''.join(output)}"
                ) from None
            if line is None:
                raise CommandFailed(f"the shell exited; output:\n{''.join(output)}")
            if line.startswith(self._marker):
                text = "".join(output)
                return text.removesuffix("\n"), line[len(self._marker) :].strip()
            output.append(line)

    def run(self, command: str, timeout: float = COMMAND_TIMEOUT, expect_status: int = 0) -> str:
        """Run ``command`` in the foreground; its output. CommandFailed on another status."""
        self.transcript.append(f"$ {command}")
        output, status = self._send(f"{{\n{command}\n}} </dev/null 2>&1; __guide_value=$?", timeout)
        self.transcript.append(output)
        if int(status) != expect_status:
            raise CommandFailed(
                f"`{command}` exited with {status} (expected {expect_status}):\n{output}"
            )
        return output

    def start(self, name: str, command: str) -> Job:
        """Run ``command`` in the background as job ``name``; its output goes to a log."""
        if name in self.jobs and self.jobs[name].alive:
            raise CommandFailed(f"job {name!r} is running already")
        log = self.logs / f"{name}-{len(self.transcript)}.log"
        self.transcript.append(f"$ {command} &  # job {name}, output in {log}")
        _, pid = self._send(f"{{\n{command}\n}} </dev/null >'{log}' 2>&1 &\n__guide_value=$!")
        job = Job(name, int(pid), log)
        self.jobs[name] = job
        return job

    def stop(self, name: str) -> None:
        """Stop job ``name`` as Ctrl+C in its terminal would (then harder)."""
        job = self.jobs.get(name)
        if job is None:
            raise CommandFailed(f"no job {name!r} was started; jobs: {', '.join(self.jobs)}")
        stop_process_group(job.pgid, lambda: job.alive)
        self.transcript.append(f"^C  # job {name} stopped")

    def close(self) -> None:
        """Stop every job still running, then the shell."""
        for name, job in self.jobs.items():
            if job.alive:
                self.stop(name)
        if self._bash.poll() is None:
            assert self._bash.stdin is not None
            self._bash.stdin.close()
            try:
                self._bash.wait(10)
            except subprocess.TimeoutExpired:
                self._bash.kill()
                self._bash.wait(10)
        assert self._bash.stdout is not None
        self._reader.join(5)
        self._bash.stdout.close()
