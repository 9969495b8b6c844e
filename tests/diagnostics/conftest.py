"""Running ``manage.py realtime_check`` in-process and reading what it printed."""

import dataclasses
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from tornado.websocket import WebSocketHandler

from realtime_core import authorization
from realtime_core.authorization import ChannelRegistry


class MinimalPusherSocket(WebSocketHandler):
    """Just enough of the Pusher protocol for a probe: hello, and every subscription
    confirmed. Tests subclass it to misbehave after that."""

    def open(self, *args: str) -> None:
        data = json.dumps({"socket_id": "1.1", "activity_timeout": 120})
        self.write_message(json.dumps({"event": "pusher:connection_established", "data": data}))

    def on_message(self, message: str | bytes) -> None:
        frame = json.loads(message)
        if frame["event"] == "pusher:subscribe":
            channel = frame["data"]["channel"]
            succeeded = "pusher_internal:subscription_succeeded"
            self.write_message(json.dumps({"event": succeeded, "channel": channel, "data": "{}"}))


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One run of the command: exit status and everything it printed."""

    status: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def report(self) -> dict[str, Any]:
        """The ``--json`` object."""
        decoded = json.loads(self.stdout)
        assert isinstance(decoded, dict)
        return decoded

    def step(self, name: str) -> dict[str, Any]:
        """The one step called ``name`` in the ``--json`` object."""
        (step,) = [step for step in self.report()["steps"] if step["step"] == name]
        assert isinstance(step, dict)
        return step

    def statuses(self) -> dict[str, str]:
        """Step name -> status, from the ``--json`` object (last one wins)."""
        return {step["step"]: step["status"] for step in self.report()["steps"]}


def realtime_check(*args: str) -> Outcome:
    """Run the command as ``call_command`` callers do; 0 unless it raised CommandError."""
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command("realtime_check", *args, stdout=stdout, stderr=stderr)
    except CommandError as exc:
        return Outcome(exc.returncode, stdout.getvalue(), stderr.getvalue() + str(exc))
    return Outcome(0, stdout.getvalue(), stderr.getvalue())


@dataclasses.dataclass(frozen=True)
class Both:
    """The same check rendered as a table and as JSON."""

    human: Outcome
    machine: Outcome

    @property
    def status(self) -> int:
        assert self.human.status == self.machine.status
        return self.human.status

    def step(self, name: str) -> dict[str, Any]:
        return self.machine.step(name)

    def statuses(self) -> dict[str, str]:
        return self.machine.statuses()

    def assert_hides(self, *secrets: str) -> None:
        """No secret and no traceback in either output."""
        for outcome in (self.human, self.machine):
            assert "Traceback" not in outcome.output
            for secret in secrets:
                assert secret not in outcome.output


def check_both(*args: str) -> Both:
    """Run the check twice, as a table and with ``--json``."""
    return Both(realtime_check(*args), realtime_check(*args, "--json"))


@pytest.fixture
def no_channel_patterns(monkeypatch: pytest.MonkeyPatch) -> ChannelRegistry:
    """An empty authorization registry: the project relies on no optional capability."""
    registry = ChannelRegistry()
    monkeypatch.setattr(authorization, "default_registry", registry)
    return registry


@pytest.fixture
def realtime_settings() -> Iterator[Any]:
    """``configure(name, options, **more)`` sets REALTIME_BACKEND and its options."""
    overrides: list[override_settings] = []

    def configure(name: str, options: dict[str, Any], **more: Any) -> None:
        override = override_settings(
            REALTIME_BACKEND=name, REALTIME_OPTIONS={name: options, **more}
        )
        override.enable()
        overrides.append(override)

    yield configure
    for override in reversed(overrides):
        override.disable()
