"""Fixtures of the fuzz suite: one server per test module, and a watch on the log.

Every example runs against the same server (starting one per example would cost more
than the examples), so the server must stay healthy across hundreds of hostile inputs:
that is one of the properties checked. The log is watched by a handler of our own
rather than by ``caplog``: caplog is function-scoped, so it would not be reset between
the examples of one hypothesis test, and :class:`LogWatch` marks where each example
starts instead.
"""

import logging
from collections.abc import Iterator

import pytest

from tests.server.conftest import Server

from .support import FUZZ_CONFIG, LogWatch

WATCHED_LOGGERS = ("realtime_core", "tornado.access", "tornado.application", "tornado.general")
"""Loggers read down to INFO: the secret and signatures must not appear even there."""


@pytest.fixture(scope="module")
def log_watch() -> Iterator[LogWatch]:
    watch = LogWatch()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in WATCHED_LOGGERS}
    for name in WATCHED_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    root.addHandler(watch)
    try:
        yield watch
    finally:
        root.removeHandler(watch)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    # Whatever was logged after the last example's own check (a late background task).
    assert not watch.problems(0), watch.describe(watch.problems(0))


@pytest.fixture(scope="module")
def fuzz_server(log_watch: LogWatch) -> Iterator[Server]:
    server = Server(FUZZ_CONFIG)
    try:
        yield server
    finally:
        server.stop()
