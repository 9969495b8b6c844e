"""The runnable snippets of the documentation, and running them.

A fenced code block directly preceded by the line ``<!-- runnable -->`` (the fence on
the very next line) is executed by ``tests/docs``:

- ``python`` blocks: the runnable blocks of one page run in order, in one fresh
  interpreter per page, as one script in one namespace, with
  ``DJANGO_SETTINGS_MODULE=tests.settings`` and ``django.setup()`` done first (the
  memory backend; the helpers of ``realtime_core.testing`` can be imported).
  A traceback names the page and the line of the snippet.
- ``console``, ``bash``, ``sh`` and ``shell`` blocks: each runs with ``bash -euo
  pipefail`` from the repository root, the virtualenv's ``bin`` first on ``PATH``. In
  a ``console`` block the commands are the lines starting with ``$ `` (with the lines a
  trailing backslash continues); the others are output, which is not compared.

Mark only what runs on a CI machine in seconds and leaves nothing running. A marker
not followed by a fenced block, or a block in another language, is an error, so a
snippet meant to run never silently does not. ``docs/contributing.md`` says the same
for writers.
"""

import dataclasses
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

MARKER = "<!-- runnable -->"
PYTHON = {"python", "py"}
SHELL = {"bash", "sh", "shell"}
CONSOLE = {"console"}
TIMEOUT = 120
"""Seconds all the snippets of one page may take."""

_OPENING = re.compile(r"\A(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<language>[^\s`{}]*)")


class SnippetError(ValueError):
    """A ``<!-- runnable -->`` marker that does not mark a block this runner can run."""


@dataclasses.dataclass(frozen=True)
class Snippet:
    """One runnable block: its page, the line its code starts on, its language, its code."""

    page: Path
    line: int
    language: str
    code: str

    @property
    def script(self) -> str:
        """What ``bash`` runs for a shell or console block."""
        if self.language not in CONSOLE:
            return self.code
        commands: list[str] = []
        continued = False
        for line in self.code.splitlines():
            if continued:
                commands[-1] += "\n" + line
            elif line.startswith("$ "):
                commands.append(line[2:])
            else:
                continue
            continued = line.endswith("\\")
        return "\n".join(commands)


def snippets(page: Path) -> list[Snippet]:
    """The runnable snippets of one Markdown page, in order."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found = []
    for index, line in enumerate(lines):
        if line.strip() != MARKER:
            continue
        where = f"{page}:{index + 1}"
        opening = _OPENING.match(lines[index + 1]) if index + 1 < len(lines) else None
        if opening is None:
            raise SnippetError(f"{where}: {MARKER} must be followed by a fenced code block")
        language = opening["language"].lower()
        if language not in PYTHON | SHELL | CONSOLE:
            raise SnippetError(f"{where}: cannot run a {language or 'plain'!r} block")
        fence, indent = opening["fence"], len(opening["indent"])
        body: list[str] = []
        for candidate in lines[index + 2 :]:
            stripped = candidate.strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
                break
            body.append(candidate[indent:] if candidate[:indent].isspace() else candidate)
        else:
            raise SnippetError(f"{where}: the code block is never closed")
        found.append(Snippet(page, index + 3, language, "\n".join(body) + "\n"))
    return found


def pages_with_snippets(docs: Path) -> list[Path]:
    """Every page under ``docs`` (outside ``_build``) with at least one runnable snippet."""
    pages = sorted(path for path in docs.rglob("*.md") if "_build" not in path.parts)
    return [page for page in pages if MARKER in page.read_text(encoding="utf-8")]


_PYTHON_DRIVER = """\
import json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
import django
django.setup()
namespace = {"__name__": "__main__"}
for page, line, code in json.load(sys.stdin):
    exec(compile("\\n" * (line - 1) + code, page, "exec"), namespace)
"""


@dataclasses.dataclass(frozen=True)
class Failure:
    """Snippets that failed, and what they printed."""

    where: str
    code: str
    output: str

    def __str__(self) -> str:
        return f"{self.where} failed:\n{self.code}\n--- output ---\n{self.output}"


def run_page(found: list[Snippet], root: Path) -> Iterator[Failure]:
    """Run a page's snippets: its Python ones together, then each shell one; the failures."""
    environment = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    python = [snippet for snippet in found if snippet.language in PYTHON]
    if python:
        done = subprocess.run(
            [sys.executable, "-c", _PYTHON_DRIVER],
            input=json.dumps([[str(s.page), s.line, s.code] for s in python]),
            cwd=root, env=environment, capture_output=True, text=True, timeout=TIMEOUT,
            check=False,
        )  # fmt: skip
        if done.returncode:
            where = f"the python snippets of {python[0].page} (the traceback names the line)"
            code = "\n".join(snippet.code for snippet in python)
            yield Failure(where, code, done.stdout + done.stderr)
    for snippet in found:
        if snippet.language in PYTHON:
            continue
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", snippet.script],
            cwd=root, env=environment, capture_output=True, text=True, timeout=TIMEOUT,
            check=False,
        )  # fmt: skip
        if done.returncode:
            where = f"the {snippet.language} snippet at {snippet.page}:{snippet.line}"
            yield Failure(where, snippet.script, done.stdout + done.stderr)
