"""The todo demo in real browsers (headless Chromium through Playwright), on every backend."""
