"""``realtime_check`` on the embedded ``memory`` backend."""

import re

import pytest
from django.test import override_settings

from realtime_core.authorization import ChannelRegistry

from .conftest import check_both, realtime_check


@pytest.mark.usefixtures("no_channel_patterns")
def test_happy_path_runs_a_real_round_trip_on_a_temporary_embedded_server() -> None:
    both = check_both()
    assert both.status == 0
    assert both.statuses() == {
        "configuration": "ok",
        "connectivity": "ok",
        "deployment": "ok",
        "socket": "ok",
        "round trip": "ok",
        "compatibility": "ok",
    }
    assert "manage.py runserver and manage.py realtime_server serve" in (
        both.step("deployment")["detail"]
    )
    report = both.machine.report()
    assert report["backend"] == "memory"
    assert report["ok"] is True
    assert report["exit_status"] == 0
    assert report["verdict"].startswith("DELIVERY WORKS through 'memory'")
    socket = both.step("socket")["detail"]
    assert re.match(r"ws://127\.0\.0\.1:\d+/app/embedded answered the WebSocket handshake", socket)
    assert "temporary embedded server in this process" in socket
    assert "unchanged" in both.step("round trip")["detail"]
    table = both.human.stdout.splitlines()
    assert table[0] == "realtime_check 'memory' (every network wait bounded by 10 s)"
    assert [line.split()[:2] for line in table[1:7]] == [
        ["ok", "configuration"],
        ["ok", "connectivity"],
        ["ok", "deployment"],
        ["ok", "socket"],
        ["ok", "round"],
        ["ok", "compatibility"],
    ]
    assert table[-1].startswith("DELIVERY WORKS")
    assert "\x1b[" not in both.human.stdout, "no colour when stdout is not a terminal"


@pytest.mark.usefixtures("no_channel_patterns")
def test_forced_colour_marks_the_statuses() -> None:
    outcome = realtime_check("--force-color")
    assert outcome.status == 0
    assert "\x1b[" in outcome.stdout


@pytest.mark.usefixtures("no_channel_patterns")
@pytest.mark.parametrize(
    ("environment", "settings", "signal"),
    [
        ({"WEB_CONCURRENCY": "4"}, {}, "WEB_CONCURRENCY=4 starts 4 web worker processes"),
        ({}, {"CELERY_BROKER_URL": "redis://x/1"}, "CELERY_BROKER_URL is set: Celery workers"),
        ({}, {"RQ_QUEUES": {"default": {}}}, "RQ_QUEUES is set: django-rq workers"),
    ],
)
def test_a_multi_process_deployment_is_warned_about(
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    settings: dict[str, object],
    signal: str,
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with override_settings(**settings):
        both = check_both()
    assert both.status == 0, "a warning is not a failure"
    connectivity = both.step("connectivity")
    assert connectivity["status"] == "warning"
    assert signal in connectivity["detail"]
    assert "never reach sockets served by another" in connectivity["detail"]
    assert "tornado_redis" in connectivity["hint"]
    assert both.statuses()["round trip"] == "ok"
    assert "Read the 1 warning(s) above." in both.machine.report()["verdict"]


@pytest.mark.usefixtures("no_channel_patterns")
def test_a_runserver_that_serves_no_sockets_is_warned_about() -> None:
    """staticfiles above realtime_core: Django's runserver wins and pages never connect."""
    apps = ["django.contrib.staticfiles", "realtime_core"]
    with override_settings(INSTALLED_APPS=[*apps, "tests.testapp"]):
        outcome = realtime_check("--json")
    assert outcome.status == 0, "a warning is not a failure"
    deployment = outcome.step("deployment")
    assert deployment["status"] == "warning"
    assert deployment["detail"] == (
        "manage.py runserver is django.contrib.staticfiles's: it serves the site but no sockets"
    )
    assert "List 'realtime_core' above 'django.contrib.staticfiles'" in deployment["hint"]
    assert "manage.py realtime_server" in deployment["hint"]


@pytest.mark.parametrize("concurrency", ["1", "", "auto"])
@pytest.mark.usefixtures("no_channel_patterns")
def test_one_web_worker_is_not_multi_process(
    monkeypatch: pytest.MonkeyPatch, concurrency: str
) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", concurrency)
    assert realtime_check("--json").step("connectivity")["status"] == "ok"


def test_encrypted_channels_are_reported_as_missing(
    no_channel_patterns: ChannelRegistry,
) -> None:
    no_channel_patterns.register("private-encrypted-notes-<int:user_id>", lambda user, **kw: True)
    no_channel_patterns.register("presence-room-<slug:room>", lambda user, **kw: None)
    outcome = realtime_check("--json")
    assert outcome.status == 0
    compatibility = outcome.step("compatibility")
    assert compatibility["status"] == "warning"
    assert compatibility["detail"] == (
        "'memory' lacks end-to-end encrypted channels: channel pattern "
        "'private-encrypted-notes-<int:user_id>' needs it"
    )


def test_what_the_project_relies_on_is_named_when_nothing_lacks(
    no_channel_patterns: ChannelRegistry,
) -> None:
    no_channel_patterns.register("presence-room-<slug:room>", lambda user, **kw: None)
    compatibility = realtime_check("--json").step("compatibility")
    assert compatibility == {
        "step": "compatibility",
        "status": "ok",
        "duration": compatibility["duration"],
        "detail": "'memory' has what the project relies on (presence channels)",
        "hint": "",
    }
