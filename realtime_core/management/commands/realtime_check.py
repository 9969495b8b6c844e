"""``manage.py realtime_check``: verify the configured backend end to end.

The checking is :mod:`realtime_core.diagnostics`; this command parses the arguments,
prints the table (or ``--json``) and exits with the report's status: 0 when every
step passed, 1 when one failed, 2 when the backend is misconfigured; interrupted
(Ctrl-C), it prints nothing on stdout, one line on stderr, and exits 130.
"""

import argparse
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from realtime_core.backends.base import CheckStatus
from realtime_core.diagnostics import DEFAULT_TIMEOUT, render_table, run_check

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
            report = run_check(options["backend"], options["timeout"])
        except KeyboardInterrupt:
            raise CommandError(
                "realtime_check interrupted before its verdict", returncode=EXIT_INTERRUPTED
            ) from None
        if options["as_json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            self.stdout.write(render_table(report, self.style))
        if report.exit_status:
            failed = [r.step for r in report.results if r.status is CheckStatus.FAILED]
            raise CommandError(
                f"realtime_check {report.backend!r}: {', '.join(failed)} failed",
                returncode=report.exit_status,
            )
