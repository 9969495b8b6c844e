"""The metrics reference (docs/reference/metrics.md) is what a socket server exposes.

``tests/server/test_metrics.py`` checks that a server's ``/metrics`` has exactly the
metrics of these specs; here the page's tables are the specs, and what the page's
prose and examples name exists.
"""

import re

import pytest
import yaml
from realtime_docs.metrics import load_specs, metric_rows

from realtime_core.server.metrics import SERVER_METRICS, WEBHOOK_METRICS

from .site import DOCS, Build

PAGE = DOCS / "reference" / "metrics.md"
HEADER = ("Metric", "Type", "Labels", "What it counts")


def test_the_page_lists_every_metric_with_its_type_labels_and_help(site: Build) -> None:
    page = site.page("reference/metrics")
    tables = [table[1:] for table in page.tables if table[0] == HEADER]
    assert tables == [tuple(metric_rows(SERVER_METRICS)), tuple(metric_rows(WEBHOOK_METRICS))]
    names = [spec.name for spec in (*SERVER_METRICS, *WEBHOOK_METRICS)]
    assert len(set(names)) == len(names)


def test_every_metric_the_page_names_exists() -> None:
    known = {spec.name for spec in (*SERVER_METRICS, *WEBHOOK_METRICS)}
    named = set(re.findall(r"\brealtime_[a-z_]+", PAGE.read_text()))
    assert named - {"realtime_core", "realtime_server"} <= known  # the package, the command
    assert len(named & known) >= 8, "the examples query the server's metrics"


def test_the_scrape_config_is_prometheus_yaml_for_metrics() -> None:
    blocks = re.findall(r"^```yaml\n(.*?)^```", PAGE.read_text(), re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1
    (job,) = yaml.safe_load(blocks[0])["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    targets = job["static_configs"][0]["targets"]
    assert all(re.fullmatch(r"[\d.]+:\d+", target) for target in targets)


def test_only_a_tuple_of_metric_specs_makes_a_table() -> None:
    assert load_specs("realtime_core.server.metrics.WEBHOOK_METRICS") is WEBHOOK_METRICS
    with pytest.raises(ValueError, match="is not a tuple of MetricSpec"):
        load_specs("realtime_core.server.metrics.APP_LABEL")
