"""One log line when the broker becomes unreachable and one when it is back.

During a Redis outage every API request, health check and subscription fails the
same way; logging each (with a traceback) would flood the log. The handlers report
to one :class:`OutageLog` per server instead.
"""

import logging
import time

__all__ = ["OutageLog"]


class OutageLog:
    """Tracks whether the broker is reachable; logs only the changes."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._down_since: float | None = None
        self.failures = 0
        """Requests (and broker pings) that failed because the broker could not be reached."""
        self.outages = 0
        """Times the broker became unreachable."""

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def failed(self, what: str, exc: BaseException) -> None:
        """``what`` (e.g. ``"POST /apps/1/events"``) failed: the broker did not answer."""
        self.failures += 1
        if self._down_since is not None:
            self._logger.debug("%s failed: the broker is still unreachable", what)
            return
        self._down_since = time.monotonic()
        self.outages += 1
        self._logger.warning(
            "The broker is unreachable (%s: %s): %s failed; requests are answered 503 "
            "until it is back",
            type(exc).__name__,
            exc,
            what,
        )

    def succeeded(self) -> None:
        """The broker answered."""
        if self._down_since is None:
            return
        lasted, self._down_since = time.monotonic() - self._down_since, None
        self._logger.info("The broker answers again, after %.1f s", lasted)
