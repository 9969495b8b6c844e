"""``manage.py realtime_check``: verify the configured backend end to end.

The checking is :mod:`realtime_core.diagnostics`; this command parses the arguments,
prints the table (or ``--json``) and exits with the report's status: 0 when every
step passed, 1 when one failed, 2 when the backend is misconfigured; interrupted
(Ctrl-C), it prints nothing on stdout, one line on stderr, and exits 130. During a
switch (``REALTIME_ALSO_PUBLISH_TO`` set) it checks every backend publishes go to,
says which pages each one serves, and exits with the worst status.
"""

import argparse
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from realtime_core.backends.base import CheckStatus
from realtime_core.diagnostics import (
    DEFAULT_TIMEOUT,
    Report,
    Transition,
    check_transition,
    render_table,
    render_transition,
    run_check,
)

EXIT_INTERRUPTED = 130
"""128 + SIGINT, what shells report for a command ended by Ctrl-C."""


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0 (max 600)")
    return seconds


class Command(BaseCommand):
    help = (
        "Verify the configured REALTIME_BACKEND end to end: configuration, connectivity, "
        "the socket URL browsers use, a publish-to-receive round trip, and compatibility."
    )
    # Configuration problems are this command's first step, reported with the others.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--backend",
            metavar="NAME",
            help="check this installed backend instead of REALTIME_BACKEND (before a switch)",
        )
        parser.add_argument(
            "--timeout",
            type=_seconds,
            default=DEFAULT_TIMEOUT,
            metavar="SECONDS",
            help=f"bound of every network wait (default {DEFAULT_TIMEOUT:g})",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print one JSON object"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checked = self._check(options["backend"], options["timeout"])
        except KeyboardInterrupt:
            raise CommandError(
                "realtime_check interrupted before its verdict", returncode=EXIT_INTERRUPTED
            ) from None
        reports = [checked] if isinstance(checked, Report) else [checked.primary, *checked.mirrors]
        if options["as_json"]:
            self.stdout.write(json.dumps(checked.as_json(), ensure_ascii=False))
        elif isinstance(checked, Report):
            self.stdout.write(render_table(checked, self.style))
        else:
            self.stdout.write(render_transition(checked, self.style))
        if checked.exit_status:
            failed = "; ".join(_failed_steps(report) for report in reports if report.exit_status)
            raise CommandError(f"realtime_check {failed} failed", returncode=checked.exit_status)

    def _check(self, backend: str | None, timeout: float) -> Report | Transition:
        """``backend`` alone when named; else the configured one, and during a switch
        every backend publishes go to."""
        if backend is None:
            transition = check_transition(timeout)
            if transition is not None:
                return transition
        return run_check(backend, timeout)


def _failed_steps(report: Report) -> str:
    steps = [result.step for result in report.results if result.status is CheckStatus.FAILED]
    return f"{report.backend!r}: {', '.join(steps)}"
