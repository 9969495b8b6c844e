"""Building docutils tables and cells for the generated reference tables."""

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

Cell = str | nodes.Node | Sequence[nodes.Node]
"""Plain text, or nodes made by :meth:`GeneratingDirective.inline`."""


def python_literal(value: object) -> str:
    """``value`` as a settings file writes it: ``"mt1"``, ``None``, ``["self"]``, ``{}``."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        items = ", ".join(map(python_literal, value))
        return f"[{items}]" if isinstance(value, list) else f"({items}{',' * (len(value) == 1)})"
    if isinstance(value, dict):
        pairs = (f"{python_literal(key)}: {python_literal(item)}" for key, item in value.items())
        return "{" + ", ".join(pairs) + "}"
    return repr(value)


def literal(value: object) -> nodes.literal:
    """:func:`python_literal` of ``value``, in code font."""
    return nodes.literal(text=python_literal(value))


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Cell]], *, widths: Sequence[int]
) -> nodes.table:
    """A table with a header row; ``widths`` are the columns' relative widths."""
    group = nodes.tgroup(cols=len(headers))
    for width in widths:
        group += nodes.colspec(colwidth=width)
    group += nodes.thead("", _row(headers))
    group += nodes.tbody("", *(_row(cells) for cells in rows))
    return nodes.table("", group)


def _row(cells: Sequence[Cell]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        if isinstance(cell, str):
            entry += nodes.paragraph(text=cell)
        elif isinstance(cell, nodes.Node):
            entry += cell if isinstance(cell, nodes.Body) else nodes.paragraph("", "", cell)
        else:
            entry += nodes.paragraph("", "", *cell)
        row += entry
    return row


class GeneratingDirective(SphinxDirective):
    """A directive whose output is generated from modules of the code.

    :meth:`depends_on` makes Sphinx read the page again when those modules change,
    as autodoc does for the modules it documents.
    """

    def depends_on(self, *modules: ModuleType) -> None:
        for module in modules:
            if module.__file__:
                self.env.note_dependency(str(Path(module.__file__).resolve()))

    def depends_on_class(self, cls: type[Any]) -> None:
        """The module of ``cls`` and of every base class it inherits from in this project."""
        for base in cls.__mro__:
            module = sys.modules.get(base.__module__)
            if module is not None and base.__module__.startswith("realtime_core"):
                self.depends_on(module)

    def inline(self, text: str) -> list[nodes.Node]:
        """``text`` parsed as reStructuredText inline markup (``code``, roles)."""
        parsed, messages = self.state.inline_text(text, self.lineno)
        return [*parsed, *messages]
