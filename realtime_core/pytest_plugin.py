"""pytest plugin (registered through the ``pytest11`` entry point)."""

from collections.abc import Iterator

import pytest

from .testing import Outbox, outbox


@pytest.fixture
def realtime_outbox() -> Iterator[Outbox]:
    """The events published through the memory backend during this test, starting empty."""
    with outbox.capture() as captured:
        yield captured
