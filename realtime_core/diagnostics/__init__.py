"""Verifying a backend end to end: what ``manage.py realtime_check`` runs and prints.

:func:`run_check` checks the configuration, the backend's connectivity, the socket URL
browsers use, a publish-to-receive round trip through it, and what the project relies
on; :class:`Report` holds the outcome, renders it and gives the exit status.
"""

from .report import EXIT_FAILED, EXIT_MISCONFIGURED, EXIT_OK, Report, render_table
from .steps import DEFAULT_TIMEOUT, run_check

__all__ = [
    "DEFAULT_TIMEOUT",
    "EXIT_FAILED",
    "EXIT_MISCONFIGURED",
    "EXIT_OK",
    "Report",
    "render_table",
    "run_check",
]
