"""Builds the Quickstart's app as a reader would, block by block (see :mod:`.page`).

:class:`QuickstartRun` works in an empty directory with one
:class:`~tests.guide.shell.ShellSession` whose ``PATH`` starts with this virtualenv's
``bin`` (so ``django-admin`` and ``python`` are its own, as after ``activate``). It
runs the section's steps in order. Two commands are run otherwise than in the shell,
as a reader's terminal would run them:

- ``python manage.py createsuperuser`` asks questions: it runs on a terminal of its
  own and each :class:`User`'s answers are typed at its prompts (:mod:`.prompts`).
- ``python manage.py runserver`` runs until stopped: it is started as a background
  job in its own process group, with its autoreloader, on a free port (the address
  is appended: ``127.0.0.1:<port>``), and stopped with its whole group at the end.
"""

import dataclasses
import os
import sys
from pathlib import Path

from tests.guide.processes import answers, free_port, wait_until
from tests.guide.runner import clean_environment
from tests.guide.shell import ShellSession

from .page import EDITED_FILES, Step, apply_assignments, check_install
from .prompts import run_answering

__all__ = ["CREATESUPERUSER", "RUNSERVER", "QuickstartRun", "User"]

CREATESUPERUSER = "python manage.py createsuperuser"
RUNSERVER = "python manage.py runserver"
READY_TIMEOUT = 60.0


@dataclasses.dataclass(frozen=True)
class User:
    username: str
    password: str = "quick-Start-7tq"

    @property
    def answers(self) -> list[tuple[str, str]]:
        """What createsuperuser asks, and what this user types."""
        return [
            ("Username", self.username),
            ("Email address: ", f"{self.username}@example.com"),
            ("Password: ", self.password),
            ("Password (again): ", self.password),
        ]


class QuickstartRun:
    """One reader's run of the steps; :meth:`close` stops the server and the shell."""

    def __init__(self, workspace: Path, superusers: list[User]) -> None:
        directory = workspace / "reader"
        directory.mkdir()
        logs = workspace / "logs"
        logs.mkdir()
        venv_bin = Path(sys.executable).parent
        self.env = {
            **clean_environment(),
            "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        self.session = ShellSession(directory, self.env, logs)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.superusers = list(superusers)
        """Who the Quickstart's createsuperuser creates, in turn."""
        self.dropped: dict[str, dict[str, list[object]]] = {}
        """For each edited file, what the lists shown drop of the generated ones."""

    @property
    def cwd(self) -> Path:
        """Where the reader's shell is now."""
        return Path(self.session.run("pwd").strip())

    def run(self, step: Step) -> None:
        try:
            getattr(self, f"_{step.kind}")(step)
        except AssertionError as error:
            raise AssertionError(f"{step}: {error}\n\n{self.report()}") from None

    def _install(self, step: Step) -> None:
        check_install(step)

    def _file(self, step: Step) -> None:
        assert step.path is not None
        target = self.cwd / step.path
        text = step.block.text + "\n"
        if step.path in EDITED_FILES:
            assert target.is_file(), f"{step.path} does not exist to be edited"
            text, self.dropped[step.path] = apply_assignments(target.read_text(), text)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def _commands(self, step: Step) -> None:
        for command in step.block.commands:
            if command == CREATESUPERUSER:
                assert self.superusers, "createsuperuser once more than there are users"
                self.createsuperuser(self.superusers.pop(0))
            elif command == RUNSERVER:
                self.runserver()
            else:
                self.session.run(command)

    def createsuperuser(self, user: User) -> str:
        """The Quickstart's createsuperuser, answered as ``user``."""
        self.session.transcript.append(f"$ {CREATESUPERUSER}  # answered as {user.username}")
        output = run_answering(CREATESUPERUSER, self.cwd, self.env, user.answers)
        self.session.transcript.append(output)
        assert "Superuser created successfully." in output, output
        return output

    def runserver(self) -> None:
        job = self.session.start("runserver", f"{RUNSERVER} 127.0.0.1:{self.port}")
        ready = f"{self.url}/admin/login/"
        try:
            wait_until(lambda: answers(ready), lambda: job.alive, "runserver", READY_TIMEOUT)
        except AssertionError as error:
            raise AssertionError(f"{error} ({ready}):\n{job.tail()}") from None

    def server_log(self) -> str:
        job = self.session.jobs.get("runserver")
        return job.log.read_text(errors="replace") if job is not None else ""

    def report(self) -> str:
        """The shell's transcript and the server's output."""
        transcript = "\n".join(self.session.transcript[-40:])
        jobs = "\n".join(job.tail(40) for job in self.session.jobs.values())
        return f"Transcript:\n{transcript}\n\nServer:\n{jobs or '(not started)'}"

    def close(self) -> None:
        """Stop runserver's process group (the autoreloader and its child), then the shell."""
        self.session.close()
