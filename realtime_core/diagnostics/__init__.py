"""Verifying a backend end to end: what ``manage.py realtime_check`` runs and prints.

:func:`run_check` checks the configuration, the backend's connectivity, the socket URL
browsers use, a publish-to-receive round trip through it, and what the project relies
on; :class:`Report` holds the outcome, renders it and gives the exit status. During a
switch, :func:`check_transition` checks every backend publishes go to and says which
pages each one serves (:class:`Transition`).
"""

from .report import EXIT_FAILED, EXIT_MISCONFIGURED, EXIT_OK, Report, render_table
from .steps import DEFAULT_TIMEOUT, run_check
from .transition import Transition, check_transition, render_transition

__all__ = [
    "DEFAULT_TIMEOUT",
    "EXIT_FAILED",
    "EXIT_MISCONFIGURED",
    "EXIT_OK",
    "Report",
    "Transition",
    "check_transition",
    "render_table",
    "render_transition",
    "run_check",
]
