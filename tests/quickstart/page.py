"""The Quickstart page (``docs/tutorial/quickstart.md``), read the way its test builds it.

The walk-through is the whole page below its title (its ``##`` sections included).
Each of its fenced blocks is one :class:`Step`:

- ``install``: a ``sh`` block whose every line is ``pip install`` of this project (with
  extras). It is checked against ``pyproject.toml``, not run: the virtualenv the test
  runs in has the package installed already.
- ``commands``: any other ``sh`` block; its commands are run in order in one shell.
- ``file``: a block whose first line is a comment naming a file, relative to the
  directory the commands reached (``# todo/models.py``,
  ``{# todo/templates/todo/list.html #}``, ``<!-- ... -->``). The files of
  :data:`EDITED_FILES` are edited (see :func:`apply_assignments`); every other file is
  written as shown, replacing what ``startapp`` may have put there.

Any other block is refused, so nothing on the page goes unrun.
"""

import ast
import dataclasses
import re
import shlex
import tomllib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Literal

from tests.guide.markdown import Block, read_page

__all__ = [
    "EDITED_FILES",
    "QUICKSTART",
    "Section",
    "Step",
    "apply_assignments",
    "check_install",
    "classify",
    "quickstart",
    "unused_files",
]

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "docs" / "tutorial" / "quickstart.md"
TITLE = "# "
"""How the page's first line, its title, starts; the walk-through is everything below."""
EDITED_FILES = frozenset({"mysite/settings.py"})
"""Files ``startproject`` made that the Quickstart changes rather than replaces."""

_PATH = r"(?P<path>[\w.-]+(?:/[\w.-]+)*\.\w+)"
_FILE_COMMENTS = (
    re.compile(rf"^#\s+{_PATH}\s*$"),
    re.compile(rf"^\{{#\s+{_PATH}\s+#\}}\s*$"),
    re.compile(rf"^<!--\s+{_PATH}\s+-->\s*$"),
)
CONVENTIONAL_MODULES = frozenset(
    {"settings.py", "urls.py", "models.py", "admin.py", "apps.py", "realtime.py"}
)
"""Modules Django (or this library's autodiscovery) imports by their name alone."""
_REQUIREMENT = re.compile(r"^(?P<name>[A-Za-z0-9][\w.-]*)(?:\[(?P<extras>[\w,-]+)\])?$")


@dataclasses.dataclass(frozen=True)
class Step:
    block: Block
    kind: Literal["install", "commands", "file"]
    path: str | None = None

    def __str__(self) -> str:
        return f"{self.block}" + (f" {self.path}" if self.path else "")


@dataclasses.dataclass(frozen=True)
class Section:
    """The Quickstart: its blocks in order, and the prose around them."""

    blocks: tuple[Block, ...]
    prose: str


def quickstart(page: Path = QUICKSTART) -> Section:
    """The walk-through of ``page``: everything below its title, which must be the first
    line; ValueError otherwise."""
    lines = page.read_text().splitlines()
    if not lines or not lines[0].startswith(TITLE):
        raise ValueError(f"{page.name} does not start with its title ({TITLE!r}...)")
    blocks = tuple(read_page(page).blocks)
    inside: set[int] = set()
    for block in blocks:  # block.line is 1-based: the opening fence
        inside.update(range(block.line - 1, block.line + len(block.text.splitlines()) + 1))
    prose = "\n".join(lines[n] for n in range(1, len(lines)) if n not in inside)
    return Section(blocks, prose)


def classify(block: Block) -> Step:
    """What ``block`` is in the walk-through; ValueError when it is none of the kinds."""
    if block.directive is not None:
        raise ValueError(f"{block}: the Quickstart takes no guide-test directives")
    if block.language == "sh":
        commands = block.commands
        if not commands:
            raise ValueError(f"{block}: a sh block without commands")
        if all(command.startswith("pip install ") for command in commands):
            return Step(block, "install")
        if any(command.startswith("pip ") for command in commands):
            raise ValueError(f"{block}: pip installs go in a block of their own")
        return Step(block, "commands")
    first = block.text.splitlines()[0] if block.text else ""
    for comment in _FILE_COMMENTS:
        match = comment.match(first)
        if match:
            return Step(block, "file", match["path"])
    raise ValueError(
        f"{block}: neither commands (sh) nor a file (its first line a comment naming it, "
        f"such as '# todo/models.py'): {first!r}"
    )


def check_install(step: Step, pyproject: Path = ROOT / "pyproject.toml") -> None:
    """AssertionError unless every line installs this project, with extras it declares."""
    project = tomllib.loads(pyproject.read_text())["project"]
    extras = set(project.get("optional-dependencies", {}))
    for command in step.block.commands:
        words = shlex.split(command.partition("#")[0])
        assert words[:2] == ["pip", "install"], f"{step}: {command!r}"
        assert len(words) == 3, f"{step}: one requirement a line: {command!r}"
        requirement = _REQUIREMENT.match(words[2])
        assert requirement, f"{step}: {words[2]!r} is no requirement"
        assert requirement["name"] == project["name"], f"{step}: installs {requirement['name']!r}"
        wanted = set(filter(None, (requirement["extras"] or "").split(",")))
        assert wanted <= extras, f"{step}: no extra {sorted(wanted - extras)} in pyproject.toml"


def _assignment_name(statement: ast.stmt) -> str | None:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            return target.id
    return None


def apply_assignments(source: str, shown: str) -> tuple[str, dict[str, list[object]]]:
    """``source`` (a settings module) with each ``NAME = value`` of ``shown`` applied.

    An assignment shown replaces the one statement of ``source`` that assigns that name
    (all of its lines), or is appended when ``source`` has none. ``shown`` may hold only
    such assignments, with comments on their lines, a comment first line (the file
    name) and blank lines; a statement of another kind or a comment standing on its
    own elsewhere is a ValueError, rather than something silently left out.

    Also returns, for each list replaced, the items of the old list the new one drops.
    """
    shown_lines = shown.splitlines()
    statements = ast.parse(shown).body
    covered = {0}
    for statement in statements:
        if _assignment_name(statement) is None:
            raise ValueError(
                f"line {statement.lineno}: only NAME = value can be applied to a settings "
                f"file: {shown_lines[statement.lineno - 1]!r}"
            )
        assert statement.end_lineno is not None
        covered.update(range(statement.lineno - 1, statement.end_lineno))
    for number, line in enumerate(shown_lines):
        if number not in covered and line.strip():
            raise ValueError(f"line {number + 1}: a line outside every assignment: {line!r}")

    lines = source.splitlines()
    dropped: dict[str, list[object]] = {}
    for statement in statements:
        name = _assignment_name(statement)
        assert statement.end_lineno is not None
        new = shown_lines[statement.lineno - 1 : statement.end_lineno]
        tree = ast.parse("\n".join(lines))
        found = [old for old in tree.body if _assignment_name(old) == name]
        if len(found) > 1:
            raise ValueError(f"{name} is assigned {len(found)} times; cannot tell which to replace")
        if not found:
            lines.extend(new)
            continue
        (old,) = found
        assert old.end_lineno is not None
        if isinstance(old, ast.Assign) and isinstance(old.value, ast.List):
            before = ast.literal_eval(old.value)
            after = ast.literal_eval(statement.value)  # type: ignore[attr-defined]
            dropped[str(name)] = [item for item in before if item not in after]
        lines[old.lineno - 1 : old.end_lineno] = new
    return "\n".join(lines) + "\n", dropped


def unused_files(steps: Iterable[Step]) -> list[str]:
    """The files shown that nothing loads: a module no other file shown imports (and
    that Django does not import by its name, see :data:`CONVENTIONAL_MODULES`), or a
    template no file names."""
    files = {step.path: step.block.text for step in steps if step.path is not None}
    unused = []
    for path in files:
        others = "\n".join(text for other, text in files.items() if other != path)
        name = PurePosixPath(path)
        if name.suffix == ".py":
            if name.name in CONVENTIONAL_MODULES:
                continue
            module = re.escape(name.stem)
            imports = (
                rf"^\s*from\s+[\w.]*\b{module}\s+import\b",
                rf"^\s*from\s+[\w.]+\s+import\s+.*\b{module}\b",
                rf"^\s*import\s+[\w.]*\b{module}\b",
            )
            if any(re.search(pattern, others, re.MULTILINE) for pattern in imports):
                continue
        elif "templates" in name.parts:
            template = "/".join(name.parts[name.parts.index("templates") + 1 :])
            if f'"{template}"' in others or f"'{template}'" in others:
                continue
        unused.append(path)
    return unused
