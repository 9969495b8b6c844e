"""A table of a socket server's Prometheus metrics from their specs in
:mod:`realtime_core.server.metrics`."""

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

from docutils import nodes

from realtime_core.server import metrics

from .tables import Cell, GeneratingDirective, table


def metric_rows(specs: Sequence[metrics.MetricSpec[Any]]) -> list[tuple[str, str, str, str]]:
    """``(name, type, labels, help)`` of every metric, in the order exposed."""
    return [
        (spec.name, spec.kind, ", ".join(filter(None, (metrics.APP_LABEL, spec.label))), spec.help)
        for spec in specs
    ]


def load_specs(path: str) -> Sequence[metrics.MetricSpec[Any]]:
    """The tuple of :class:`~realtime_core.server.metrics.MetricSpec` at ``path``,
    ``"module.NAME"``."""
    module_name, _, name = path.rpartition(".")
    specs = getattr(importlib.import_module(module_name), name)
    if not (isinstance(specs, tuple) and all(isinstance(s, metrics.MetricSpec) for s in specs)):
        raise ValueError(f"{path} is not a tuple of MetricSpec")
    return specs


class MetricsTable(GeneratingDirective):
    """``MODULE.NAME``: one row per metric: name, type, labels, what it counts."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        path = self.arguments[0]
        self.depends_on(metrics, importlib.import_module(path.rpartition(".")[0]))
        rows: list[list[Cell]] = [
            [nodes.literal(text=name), kind, labels, help_text]
            for name, kind, labels, help_text in metric_rows(load_specs(path))
        ]
        return [table(["Metric", "Type", "Labels", "What it counts"], rows, widths=[4, 1, 2, 7])]


DIRECTIVES: Mapping[str, type[GeneratingDirective]] = {"metrics-table": MetricsTable}
