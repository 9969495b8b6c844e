"""Building the documentation site and reading what was built."""

import dataclasses
import html.parser
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
BUILD_TIMEOUT = 120


@dataclasses.dataclass(frozen=True)
class Build:
    """One ``sphinx-build -W --keep-going -n`` of ``docs/`` into ``html``."""

    html: Path
    returncode: int
    output: str
    """Everything Sphinx printed: its warnings, and the error it stopped on."""

    def page(self, docname: str) -> "Page":
        return Page.read(self.html / f"{docname}.html")


def build(out: Path) -> Build:
    """Build the site as ``make docs`` does: warnings are errors, references must resolve."""
    html = out / "html"
    command = [
        sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q",
        "-b", "html", "-d", str(out / "doctrees"), str(DOCS), str(html),
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False
    )
    return Build(html, done.returncode, done.stdout + done.stderr)


class _PageParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if tag == "table":
            self._depth += 1
            if self._depth == 1:
                self.tables.append([])
        elif tag == "tr" and self._depth == 1:
            self.tables[-1].append([])
        elif tag in {"td", "th"} and self._depth == 1:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._depth -= 1
        elif tag in {"td", "th"} and self._cell is not None and self._depth == 1:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


@dataclasses.dataclass(frozen=True)
class Page:
    """What one built HTML page holds: element ids, link targets, tables, text."""

    path: Path
    ids: frozenset[str]
    links: tuple[str, ...]
    tables: tuple[tuple[tuple[str, ...], ...], ...]
    """Each table's rows (the header row first), each row's cells as plain text."""
    text: str

    @classmethod
    def read(cls, path: Path) -> "Page":
        parser = _PageParser()
        parser.feed(path.read_text(encoding="utf-8"))
        return cls(
            path,
            frozenset(parser.ids),
            tuple(parser.links),
            tuple(tuple(tuple(row) for row in table if row) for table in parser.tables),
            "".join(parser.text),
        )

    def table(self, *header: str) -> tuple[tuple[str, ...], ...]:
        """The rows below the header of the one table whose header starts with ``header``."""
        found = [table for table in self.tables if table and table[0][: len(header)] == header]
        assert len(found) == 1, f"{self.path.name}: {len(found)} tables headed {header}"
        return found[0][1:]
