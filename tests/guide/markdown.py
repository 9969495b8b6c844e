"""The migration guide's Markdown, read the way its test runs it.

A page is a list of :class:`Block`\\ s (fenced code) and :class:`Directive`\\ s in the
order they appear. Directives are HTML comments (invisible on GitHub) that tell the
test how to run the next block, or what to do at that point::

    <!-- guide-test: background embedded ready=http://127.0.0.1:8000/ -->
    <!-- guide-test: stop embedded -->
    <!-- guide-test: edit todo/todo_project/settings.py -->
    <!-- guide-test: excerpt todo/todo/models.py -->
    <!-- guide-test: nginx ready=http://127.0.0.1:6000/up -->
    <!-- guide-test: run by tests/guide/test_make_demo.py -->

``sh`` and ``console`` blocks are commands (in ``console`` blocks, the lines after a
``$`` prompt); every one of them must be run by a test.
"""

import dataclasses
import re
import shlex
from pathlib import Path

__all__ = [
    "COMMAND_LANGUAGES",
    "KNOWN_DIRECTIVES",
    "Block",
    "Directive",
    "Page",
    "commands_of",
    "read_page",
]

COMMAND_LANGUAGES = frozenset({"sh", "console"})
KNOWN_DIRECTIVES = frozenset({"background", "stop", "edit", "excerpt", "nginx", "run"})
"""What a directive may say (its first word)."""
_DIRECTIVE = re.compile(r"^\s*<!--\s*guide-test:\s*(?P<body>.*?)\s*-->\s*$")
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+)\s*(?P<language>[\w+-]*)\s*$")


@dataclasses.dataclass(frozen=True)
class Directive:
    """``<!-- guide-test: word args... -->``: positional args and ``key=value`` options."""

    page: str
    line: int
    word: str
    args: tuple[str, ...]
    options: dict[str, str]

    def __str__(self) -> str:
        return f"{self.page}:{self.line} guide-test: {self.word}"


@dataclasses.dataclass(frozen=True)
class Block:
    """A fenced code block, with the directive written just before it (if any)."""

    page: str
    line: int
    language: str
    text: str
    directive: Directive | None

    @property
    def is_command(self) -> bool:
        return self.language in COMMAND_LANGUAGES

    @property
    def commands(self) -> list[str]:
        return commands_of(self) if self.is_command else []

    def __str__(self) -> str:
        return f"{self.page}:{self.line} ({self.language} block)"


@dataclasses.dataclass(frozen=True)
class Page:
    """One Markdown file: its blocks and directives, in order."""

    name: str
    items: tuple[Block | Directive, ...]

    @property
    def blocks(self) -> list[Block]:
        return [item for item in self.items if isinstance(item, Block)]


def _directive(page: str, number: int, body: str) -> Directive:
    word, *rest = shlex.split(body) or [""]
    if word not in KNOWN_DIRECTIVES:
        raise ValueError(
            f"{page}:{number}: unknown guide-test directive {word!r}; "
            f"known: {', '.join(sorted(KNOWN_DIRECTIVES))}"
        )
    args = tuple(part for part in rest if "=" not in part)
    options = dict(part.split("=", 1) for part in rest if "=" in part)
    return Directive(page, number, word, args, options)


def read_page(path: Path) -> Page:
    """Parse ``path``; ValueError for an unknown directive or an unclosed fence."""
    items: list[Block | Directive] = []
    pending: Directive | None = None
    lines = path.read_text().splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        directive = _DIRECTIVE.match(line)
        fence = _FENCE.match(line)
        if directive:
            if pending is not None:
                items.append(pending)
            pending = _directive(path.name, index + 1, directive["body"])
        elif fence:
            end = index + 1
            while end < len(lines) and lines[end].strip() != fence["fence"]:
                end += 1
            if end == len(lines):
                raise ValueError(f"{path.name}:{index + 1}: the code block is never closed")
            # A block inside a list item is indented; its text is not.
            indent = len(fence["indent"])
            text = "\n".join(line[indent:] for line in lines[index + 1 : end])
            language = fence["language"]
            # A directive names the block right after it; a lone one stands for itself.
            attached = pending if pending is not None and pending.word != "stop" else None
            if pending is not None and attached is None:
                items.append(pending)
            items.append(Block(path.name, index + 1, language, text, attached))
            pending = None
            index = end
        elif line.strip() and pending is not None:
            items.append(pending)
            pending = None
        index += 1
    if pending is not None:
        items.append(pending)
    return Page(path.name, tuple(items))


def commands_of(block: Block) -> list[str]:
    """The block's commands: lines joined at a trailing backslash, without blank lines
    and comments; in a ``console`` block only the lines after a ``$`` prompt."""
    commands: list[str] = []
    current = ""
    for raw in block.text.splitlines():
        line = raw
        if block.language == "console" and not current:
            if not line.startswith("$ "):
                continue  # output shown to the reader
            line = line[2:]
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1].strip() + " "
            continue
        commands.append((current + line.strip()).strip())
        current = ""
    if current:
        commands.append(current.strip())
    return commands
