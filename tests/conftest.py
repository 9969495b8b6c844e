"""Suite-wide pytest configuration.

Strict mode (``REALTIME_STRICT=1``, set by ``.ci/run``): a skipped test fails the run,
so nothing CI is meant to prove can be skipped silently because something is missing.
"""

import os

import pytest

pytest_plugins = ["tests.redis_server"]

STRICT = os.environ.get("REALTIME_STRICT") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"Skipped in strict mode (REALTIME_STRICT=1): {reason}"
