"""Internal: the outcome of a check: its steps, a verdict and an exit status, as a table or JSON."""

import dataclasses
from collections.abc import Callable
from typing import Any

from django.core.management.color import Style

from ..backends.base import CheckResult, CheckStatus

__all__ = [
    "CONFIGURATION_STEP",
    "EXIT_FAILED",
    "EXIT_MISCONFIGURED",
    "EXIT_OK",
    "Report",
    "render_table",
]

EXIT_OK = 0
"""Every step passed (warnings included)."""
EXIT_FAILED = 1
"""A step failed: delivery does not work."""
EXIT_MISCONFIGURED = 2
"""The backend cannot be loaded or its options are invalid."""
CONFIGURATION_STEP = "configuration"

_STATUS_STYLES: dict[CheckStatus, Callable[[Style], Callable[[str], str]]] = {
    CheckStatus.OK: lambda style: style.SUCCESS,
    CheckStatus.WARNING: lambda style: style.WARNING,
    CheckStatus.FAILED: lambda style: style.ERROR,
    CheckStatus.SKIPPED: lambda style: style.NOTICE,
}


@dataclasses.dataclass(frozen=True, slots=True)
class Report:
    """What ``realtime_check`` found for one backend."""

    backend: str
    timeout: float
    """The bound of every network wait, in seconds."""
    results: tuple[CheckResult, ...]

    def _with(self, status: CheckStatus) -> list[CheckResult]:
        return [result for result in self.results if result.status is status]

    @property
    def exit_status(self) -> int:
        """0 when everything passed, 1 when a step failed, 2 when misconfigured."""
        failed = self._with(CheckStatus.FAILED)
        if any(result.step == CONFIGURATION_STEP for result in failed):
            return EXIT_MISCONFIGURED
        return EXIT_FAILED if failed else EXIT_OK

    @property
    def ok(self) -> bool:
        return self.exit_status == EXIT_OK

    @property
    def verdict(self) -> str:
        """One sentence: does delivery work, and if not, what to fix first."""
        failed = self._with(CheckStatus.FAILED)
        if self.exit_status == EXIT_MISCONFIGURED:
            return (
                f"MISCONFIGURED: the {self.backend!r} backend cannot be used as configured. "
                f"{failed[0].hint or 'Fix what the configuration step says, then check again.'}"
            )
        if failed:
            first = failed[0]
            names = ", ".join(result.step for result in failed)
            return (
                f"DELIVERY FAILS through {self.backend!r} ({len(failed)} step(s) failed: "
                f"{names}). Fix first: {first.hint or first.detail}"
            )
        warnings = len(self._with(CheckStatus.WARNING))
        more = f" Read the {warnings} warning(s) above." if warnings else ""
        return (
            f"DELIVERY WORKS through {self.backend!r}: a published event reached a subscriber "
            f"at the socket URL unchanged.{more}"
        )

    def as_json(self) -> dict[str, Any]:
        """The report as one JSON-ready object (the ``--json`` output)."""
        return {
            "backend": self.backend,
            "ok": self.ok,
            "exit_status": self.exit_status,
            "timeout": self.timeout,
            "steps": [
                {
                    "step": result.step,
                    "status": result.status.value,
                    "duration": round(result.duration, 6),
                    "detail": result.detail,
                    "hint": result.hint,
                }
                for result in self.results
            ],
            "verdict": self.verdict,
        }


def _duration(result: CheckResult) -> str:
    if result.status is CheckStatus.SKIPPED:
        return "-"
    if result.duration < 1:
        return f"{result.duration * 1000:.1f} ms"
    return f"{result.duration:.2f} s"


def render_table(report: Report, style: Style) -> str:
    """One line per step (status coloured by ``style``), hints below, then the verdict."""
    width = max(len(result.step) for result in report.results)
    bound = f"every network wait bounded by {report.timeout:g} s"
    lines = [f"realtime_check {report.backend!r} ({bound})"]
    for result in report.results:
        colour = _STATUS_STYLES[result.status](style)
        status = colour(f"{result.status.value:<7}")
        lines.append(f"  {status} {result.step:<{width}}  {_duration(result):>9}  {result.detail}")
        if result.hint:
            lines.append(f"  {'':<7} {'':<{width}}  {'':>9}  hint: {result.hint}")
    verdict_colour = style.SUCCESS if report.ok else style.ERROR
    lines.append(verdict_colour(report.verdict))
    return "\n".join(lines)
