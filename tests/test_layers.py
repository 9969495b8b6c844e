"""The package's layers, read from its import statements (no import is executed).

``server/`` (the socket server, which runs without Django), ``backends/`` (publishing
from Django) and ``brokers/`` (what both connect through) must not lean on each other
in the wrong direction, and no two parts of the package (subpackages and top-level
modules) may import each other when the modules load.

An edge is one import statement from a module of the package into another one. Every
import counts for the layer rules: module-level, inside a function (lazy) or for the
type checker only. A cycle needs edges that run when modules load: imports inside
functions and under ``if TYPE_CHECKING:`` do not count for it.
"""

import ast
import dataclasses
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = "realtime_core"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

FORBIDDEN = {
    ("server", "backends"): "the socket server runs without Django and its backends",
    ("backends", "server"): "backends publish; serving.py joins a backend to the server",
    ("brokers", "backends"): "brokers are what backends and servers are built on",
    ("brokers", "server"): "brokers are what backends and servers are built on",
}
"""(importing part, imported part): why that direction is forbidden."""

@dataclasses.dataclass(frozen=True)
class Edge:
    """One import statement of ``source`` that loads ``target``."""

    source: str
    target: str
    path: Path
    line: int
    kind: str
    """``module`` (runs when the module loads), ``function`` (lazy) or ``typing``."""

    @property
    def parts(self) -> tuple[str, str]:
        return part_of(self.source), part_of(self.target)

    def __str__(self) -> str:
        where = f"{self.path.relative_to(ROOT.parent)}:{self.line}"
        return f"{where}: {self.source} -> {self.target} ({self.kind}-level)"


def part_of(module: str) -> str:
    """The subpackage or top-level module a module belongs to (the package itself: '')."""
    return module.split(".")[1] if "." in module else ""


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT.parent).with_suffix("")
    names = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(names)


MODULES = {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(
    tree: ast.AST, kind: str = "module"
) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    """Every import statement under ``tree`` with when it runs (see :class:`Edge`)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, kind
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from imports(node, "function")
        elif isinstance(node, ast.If) and is_type_checking(node.test):
            for child in node.body:
                yield from imports(ast.Module([child], []), "typing" if kind == "module" else kind)
            for child in node.orelse:
                yield from imports(ast.Module([child], []), kind)
        else:
            yield from imports(node, kind)


def targets(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The package's modules that ``node``, in ``module``, loads."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
        return
    if node.level:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        yield submodule if submodule in MODULES else base


def edges() -> list[Edge]:
    found = set()
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(), str(path))
        for node, kind in imports(tree):
            for target in targets(module, node):
                if target == PACKAGE or target.startswith(f"{PACKAGE}."):
                    found.add(Edge(module, target, path, node.lineno, kind))
    return sorted(found, key=str)


EDGES = edges()


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """The graph's strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def describe(edges: list[Edge]) -> str:
    return "\n".join(str(edge) for edge in edges)


def test_the_graph_sees_the_imports_it_checks() -> None:
    """Guards the checks below against passing because nothing was parsed."""
    seen = {edge.parts for edge in EDGES}
    expected = {
        ("server", "brokers"),
        ("backends", "brokers"),
        ("serving", "server"),
        ("serving", "backends"),
    }
    assert expected <= seen, expected - seen


def test_layers_import_in_the_allowed_direction_only() -> None:
    bad = [edge for edge in EDGES if edge.parts in FORBIDDEN]
    rules = sorted({edge.parts for edge in bad})
    reasons = [f"{a}/ must not import {b}/ ({FORBIDDEN[a, b]})" for a, b in rules]
    if bad:
        pytest.fail("\n".join([*reasons, describe(bad)]), pytrace=False)


def test_no_cycle_between_parts() -> None:
    loading = [
        edge
        for edge in EDGES
        if edge.kind == "module"
        and edge.parts[0] != edge.parts[1]
    ]
    graph: dict[str, set[str]] = defaultdict(set)
    for edge in loading:
        graph[edge.parts[0]].add(edge.parts[1])
    cycles = strongly_connected(graph)
    offending = [edge for edge in loading if any(set(edge.parts) <= c for c in cycles)]
    if cycles:
        parts = "; ".join(" <-> ".join(sorted(cycle)) for cycle in cycles)
        pytest.fail(f"import cycles between {parts}:\n{describe(offending)}", pytrace=False)
