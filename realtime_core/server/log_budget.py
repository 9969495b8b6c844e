"""Bounded logging of what clients get wrong: an attacker must not be able to fill the log.

A refused request is worth a line to the operator, but a client can send thousands a
second. A :class:`LogBudget` lets a burst of lines through, then one per interval,
each saying how many were left out meanwhile.
"""

import logging
import time

__all__ = ["LogBudget"]


class LogBudget:
    """At most ``burst`` lines at once, refilled at one per ``interval`` seconds."""

    def __init__(self, logger: logging.Logger, *, burst: int = 20, interval: float = 1.0) -> None:
        self._logger = logger
        self._burst = burst
        self._interval = interval
        self._tokens = float(burst)
        self._refilled = time.monotonic()
        self.skipped = 0
        """Lines left out since the last one written."""

    def log(self, level: int, message: str, *args: object, exc_info: bool = False) -> None:
        """Log ``message % args`` at ``level`` if the budget allows, else count it;
        ``exc_info`` adds the exception being handled (its traceback)."""
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._refilled) / self._interval)
        self._refilled = now
        if self._tokens < 1:
            self.skipped += 1
            return
        self._tokens -= 1
        if self.skipped:
            message += " (%d similar lines left out)"
            args = (*args, self.skipped)
            self.skipped = 0
        self._logger.log(level, message, *args, exc_info=exc_info)
