"""A table of protocol codes from an ``IntEnum`` whose members have a ``description``."""

import enum
import importlib
from collections.abc import Mapping

from docutils import nodes

from .tables import Cell, GeneratingDirective, table


def code_rows(codes: type[enum.IntEnum]) -> list[tuple[int, str, str]]:
    """``(code, name, description)`` of every member, in code order."""
    rows = []
    for member in sorted(codes, key=int):
        description = getattr(member, "description", None)
        if not isinstance(description, str) or not description:
            raise ValueError(f"{codes.__qualname__}.{member.name} has no description")
        rows.append((int(member), member.name, description))
    return rows


def load_enum(path: str) -> type[enum.IntEnum]:
    """The ``IntEnum`` at ``path``, ``"module.Name"``."""
    module_name, _, name = path.rpartition(".")
    codes = getattr(importlib.import_module(module_name), name)
    if not (isinstance(codes, type) and issubclass(codes, enum.IntEnum)):
        raise ValueError(f"{path} is not an IntEnum")
    return codes


class ErrorCodes(GeneratingDirective):
    """``MODULE.ENUM``: one row per member: code, name, description."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        codes = load_enum(self.arguments[0])
        self.depends_on(importlib.import_module(codes.__module__))
        rows: list[list[Cell]] = [
            [str(code), nodes.literal(text=name), self.inline(description)]
            for code, name, description in code_rows(codes)
        ]
        return [table(["Code", "Name", "Meaning"], rows, widths=[1, 3, 8])]


DIRECTIVES: Mapping[str, type[GeneratingDirective]] = {"error-codes": ErrorCodes}
