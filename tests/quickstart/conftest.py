"""The browser tests' Chromium (skipped without it, as in ``tests/browser``)."""

from tests.browser.conftest import browser

__all__ = ["browser"]
