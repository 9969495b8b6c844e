"""Internal: ``realtime_check`` during a switch: every backend publishes go to, and its pages.

While ``REALTIME_ALSO_PUBLISH_TO`` lists backends, :func:`check_transition` checks the
configured backend and each of them end to end (:func:`~.steps.run_check`), then says
which pages each one serves: the pages rendered from now on connect to the configured
backend; the pages opened before the switch may still be connected to a listed one,
which every publish reaches too until they move.
"""

import contextlib
import dataclasses
from collections.abc import Mapping
from typing import Any

from django.core.management.color import Style

from .. import conf
from ..backends.base import CheckResult, CheckStatus
from ..exceptions import RealtimeConfigurationError
from ..registry import build_backend
from ..transition import deployment_id
from .report import CONFIGURATION_STEP, Report, render_table
from .steps import run_check

__all__ = ["Transition", "check_transition", "render_transition"]

MOVE_CHECK_MINUTES = 5
"""How often realtime.js asks for the current deployment by default (its
``deploymentCheckInterval``), besides its requests and reconnects."""


@dataclasses.dataclass(frozen=True, slots=True)
class Transition:
    """What ``realtime_check`` found for the configured backend and each mirror."""

    primary: Report
    mirrors: tuple[Report, ...]
    deployments: Mapping[str, str]
    """The deployment of each backend that could be built, by name."""
    listed_primary: bool = False
    """Whether ``REALTIME_ALSO_PUBLISH_TO`` lists ``REALTIME_BACKEND`` itself."""

    @property
    def exit_status(self) -> int:
        """The worst of the reports' statuses (0, 1 failed, 2 misconfigured)."""
        return max(report.exit_status for report in (self.primary, *self.mirrors))

    def pages(self) -> list[str]:
        """Which pages each backend serves, in sentences."""
        primary = self.primary.backend
        lines = [
            f"Pages rendered now connect to {primary!r}{self._deployment(primary)}"
            + ("." if self.primary.ok else ", which does not deliver (see above).")
        ]
        for mirror in self.mirrors:
            name = mirror.backend
            if mirror.ok:
                lines.append(
                    f"Pages opened before the switch may still be on {name!r}"
                    f"{self._deployment(name)}: every publish reaches them too, until "
                    f"realtime.js moves them to {primary!r} (at their next request to "
                    "the library's endpoints, their next reconnect, or within "
                    f"{MOVE_CHECK_MINUTES} minutes; pusher-js pages follow with "
                    "RealtimeCatchUp.followDeployment)."
                )
            else:
                failed = ", ".join(
                    result.step for result in mirror.results if result.status is CheckStatus.FAILED
                )
                lines.append(
                    f"Pages still on {name!r} miss what is published: its checks failed "
                    f"({failed}, see above)."
                )
        if self.listed_primary:
            lines.append(
                f"{conf.ALSO_PUBLISH_TO_SETTING} lists {primary!r} itself, which is never "
                "published to twice: remove it."
            )
        if self.mirrors:
            names = " and ".join(repr(mirror.backend) for mirror in self.mirrors)
            lines.append(
                f"Once {names} serve no page any more (the socket servers' /stats, or "
                f"Pusher's dashboard), empty {conf.ALSO_PUBLISH_TO_SETTING}."
            )
        return lines

    def _deployment(self, name: str) -> str:
        deployment = self.deployments.get(name)
        return f" (deployment {deployment})" if deployment else ""

    def as_json(self) -> dict[str, Any]:
        """The configured backend's ``--json`` object, with ``transition`` added and
        ``ok`` and ``exit_status`` those of the whole check."""
        return {
            **self.primary.as_json(),
            "ok": self.exit_status == 0,
            "exit_status": self.exit_status,
            "transition": {
                "setting": conf.ALSO_PUBLISH_TO_SETTING,
                "mirrors": [mirror.as_json() for mirror in self.mirrors],
                "deployments": dict(self.deployments),
                "pages": self.pages(),
            },
        }


def check_transition(timeout: float) -> Transition | None:
    """Check the configured backend and every backend ``REALTIME_ALSO_PUBLISH_TO``
    lists; None outside a switch (the setting empty or unset)."""
    try:
        names = conf.also_publish_to()
    except RealtimeConfigurationError as exc:
        failure = CheckResult(CONFIGURATION_STEP, CheckStatus.FAILED, 0.0, str(exc))
        setting = Report(conf.ALSO_PUBLISH_TO_SETTING, timeout, (failure,))
        return Transition(run_check(None, timeout), (setting,), {})
    if not names:
        return None
    primary = run_check(None, timeout)
    mirrors = tuple(
        run_check(name, timeout, mirror=True) for name in names if name != primary.backend
    )
    deployments = {
        report.backend: deployment
        for report in (primary, *mirrors)
        if (deployment := _deployment(report.backend, report is not primary)) is not None
    }
    return Transition(primary, mirrors, deployments, listed_primary=primary.backend in names)


def _deployment(name: str, mirror: bool) -> str | None:
    setting = conf.ALSO_PUBLISH_TO_SETTING if mirror else conf.BACKEND_SETTING
    try:
        backend = build_backend(name, setting)
    except Exception:  # reported by the report's configuration step
        return None
    try:
        return deployment_id(backend)
    finally:
        with contextlib.suppress(Exception):
            backend.close()


def render_transition(transition: Transition, style: Style) -> str:
    """Each backend's table, then which pages each one serves."""
    tables = [render_table(report, style) for report in (transition.primary, *transition.mirrors)]
    heading = style.SUCCESS if transition.exit_status == 0 else style.ERROR
    summary = [heading(f"TRANSITION ({conf.ALSO_PUBLISH_TO_SETTING}):")]
    summary += [f"  {line}" for line in transition.pages()]
    return "\n\n".join([*tables, "\n".join(summary)])
