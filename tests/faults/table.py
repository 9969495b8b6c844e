"""Deliveries per client: what each should have been given, and what it was."""

import dataclasses
import itertools
from collections.abc import Iterable
from typing import Any

__all__ = ["ROWS", "Row", "Tally", "format_table", "tally"]


@dataclasses.dataclass
class Tally:
    """One client's deliveries on one channel, against the publishes it should have had."""

    expected: int = 0
    received: int = 0
    """Expected events it was given (once or more)."""
    lost: int = 0
    duplicated: int = 0
    """Events given more than once (each extra time counts)."""
    reordered: int = 0
    """Events given after a later one."""

    def __iadd__(self, other: "Tally") -> "Tally":
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))
        return self


def tally(events: list[int], expected: Iterable[int]) -> Tally:
    wanted = set(expected)
    given = set(events)
    reordered = sum(1 for earlier, later in itertools.pairwise(events) if later < earlier)
    return Tally(
        expected=len(wanted),
        received=len(wanted & given),
        lost=len(wanted - given),
        duplicated=len(events) - len(given),
        reordered=reordered,
    )


@dataclasses.dataclass
class Row:
    fault: str
    kind: str
    clients: int
    tally: Tally


ROWS: list[Row] = []
"""Every row the suite recorded, printed by the terminal summary (conftest.py)."""

_COLUMNS = (
    "fault",
    "client kind",
    "clients",
    "expected",
    "received",
    "lost",
    "duplicated",
    "reordered",
)


def format_table(rows: list[Row]) -> list[str]:
    cells: list[tuple[Any, ...]] = [_COLUMNS]
    for row in rows:
        t = row.tally
        cells.append(
            (
                row.fault,
                row.kind,
                row.clients,
                t.expected,
                t.received,
                t.lost,
                t.duplicated,
                t.reordered,
            )
        )
    widths = [max(len(str(line[index])) for line in cells) for index in range(len(_COLUMNS))]
    lines = []
    for number, line in enumerate(cells):
        lines.append(
            "  ".join(
                str(cell).ljust(width) if index < 2 else str(cell).rjust(width)
                for index, (cell, width) in enumerate(zip(line, widths, strict=True))
            )
        )
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return lines
