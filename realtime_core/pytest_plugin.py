"""pytest plugin (registered through the ``pytest11`` entry point).

Every test runs with an empty, recording :data:`realtime_core.testing.outbox`, the way
Django's test runner gives every test an empty ``mail.outbox``.
"""

from collections.abc import Iterator

import pytest

from .testing import Outbox, outbox


@pytest.fixture(autouse=True)
def _realtime_outbox_capture() -> Iterator[Outbox]:
    with outbox.capture() as captured:
        yield captured


@pytest.fixture
def realtime_outbox(_realtime_outbox_capture: Outbox) -> Outbox:
    """The events published through the memory backend during this test, starting empty."""
    return _realtime_outbox_capture
