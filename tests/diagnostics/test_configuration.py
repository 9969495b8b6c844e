"""The ``configuration`` step: every misconfiguration exits 2 with the registry's words."""

import sys
from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from .conftest import check_both, realtime_check

Configure = Callable[..., None]


def test_an_unknown_backend_lists_the_installed_ones() -> None:
    both = check_both("--backend", "rabbitmq")
    assert both.status == 2
    assert both.machine.report()["steps"] == [
        {
            "step": "configuration",
            "status": "failed",
            "duration": both.step("configuration")["duration"],
            "detail": "REALTIME_BACKEND = 'rabbitmq' cannot be used: no installed backend has "
            "that name. Installed backends: 'memory', 'pusher', 'tornado_redis'.",
            "hint": "",
        }
    ]
    assert both.machine.report()["verdict"].startswith("MISCONFIGURED")
    assert both.human.stdout.splitlines()[-1].startswith("MISCONFIGURED")
    both.assert_hides()


def test_an_unknown_configured_backend_exits_2() -> None:
    with override_settings(REALTIME_BACKEND="redis"):
        outcome = realtime_check("--json")
    assert outcome.status == 2
    assert "Installed backends: 'memory', 'pusher', 'tornado_redis'" in outcome.output


def test_a_malformed_backend_setting_exits_2() -> None:
    with override_settings(REALTIME_BACKEND=42):
        outcome = realtime_check("--json")
    assert outcome.status == 2
    assert outcome.report()["backend"] == "42"
    assert "REALTIME_BACKEND must be a backend name" in outcome.step("configuration")["detail"]


def test_a_missing_extra_names_the_pip_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "realtime_core.backends.tornado_redis", raising=False)
    monkeypatch.setitem(sys.modules, "redis", None)  # as if the [redis] extra were missing
    outcome = realtime_check("--backend", "tornado_redis", "--json")
    assert outcome.status == 2
    assert (
        'run: pip install "django-realtime-core[redis]"' in outcome.step("configuration")["detail"]
    )


def test_bad_options_are_named_without_the_secret(realtime_settings: Configure) -> None:
    secret = "a-secret-that-must-not-show"
    realtime_settings("tornado_redis", {"APP_ID": "x1", "KEY": "k", "SECRET": secret})
    both = check_both()
    assert both.status == 2
    assert "['APP_ID'] = 'x1' is not allowed" in both.step("configuration")["detail"]
    both.assert_hides(secret)


def test_a_secret_of_the_wrong_type_is_not_shown(realtime_settings: Configure) -> None:
    realtime_settings("pusher", {"APP_ID": "1", "KEY": "k", "SECRET": 987654321})
    both = check_both()
    assert both.status == 2
    assert "['SECRET'] = a secret int is not allowed" in both.step("configuration")["detail"]
    both.assert_hides("987654321")


def test_missing_required_options_are_named(realtime_settings: Configure) -> None:
    realtime_settings("pusher", {"APP_ID": "1", "KEY": "k"})
    outcome = realtime_check("--json")
    assert outcome.status == 2
    assert "REALTIME_OPTIONS['pusher']['SECRET'] is required" in outcome.output


@pytest.mark.parametrize("value", ["0", "-1", "soon", "601"])
def test_a_bad_timeout_is_refused(value: str) -> None:
    with pytest.raises(CommandError, match="--timeout"):
        call_command("realtime_check", "--timeout", value)


def test_system_checks_do_not_stop_it_first() -> None:
    # A broken REALTIME_BACKEND fails `manage.py check` (E001); the command must still
    # report it as its own configuration step rather than as a system-check error.
    with override_settings(REALTIME_BACKEND="nope"):
        outcome = realtime_check()
    assert outcome.status == 2
    assert "SystemCheckError" not in outcome.output
    assert outcome.stdout.splitlines()[1].split()[:2] == ["failed", "configuration"]
