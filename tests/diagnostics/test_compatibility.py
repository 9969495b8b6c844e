"""The ``compatibility`` step, before a switch (``--backend``) and on the configured backend."""

import dataclasses
from collections.abc import Callable

import pytest

from realtime_core.authorization import ChannelRegistry
from realtime_core.backends.base import Capabilities, CheckStatus
from realtime_core.backends.memory import MemoryBackend
from realtime_core.diagnostics.compatibility import compatibility

from .conftest import realtime_check

Configure = Callable[..., None]
PUSHER = {"APP_ID": "1", "KEY": "k", "SECRET": "pusher-secret-5d1"}
REDIS = {"APP_ID": "1", "KEY": "k", "SECRET": "redis-secret-a9c"}


@pytest.mark.usefixtures("no_channel_patterns")
def test_switching_to_memory_loses_multi_process_delivery(realtime_settings: Configure) -> None:
    realtime_settings("tornado_redis", REDIS)
    outcome = realtime_check("--backend", "memory", "--json")
    assert outcome.status == 0
    assert (
        "REALTIME_BACKEND is 'tornado_redis', so this checks a switch"
        in outcome.step("configuration")["detail"]
    )
    compatibility = outcome.step("compatibility")
    assert compatibility["status"] == "warning"
    assert compatibility["detail"] == (
        "'memory' lacks multi-process delivery (publishes from any process reach the sockets): "
        "'tornado_redis' (REALTIME_BACKEND) delivers it today"
    )
    assert compatibility["hint"].startswith("Keep a backend with multi-process delivery")


@pytest.mark.usefixtures("no_channel_patterns")
def test_switching_to_pusher_loses_recovery(realtime_settings: Configure) -> None:
    """Pusher keeps no history: pages resume nothing after a reconnect once switched."""
    realtime_settings("tornado_redis", REDIS, pusher=PUSHER)
    outcome = realtime_check("--backend", "pusher", "--json", "--timeout", "0.5")
    details = [s["detail"] for s in outcome.report()["steps"] if s["step"] == "compatibility"]
    assert (
        "'pusher' lacks recovery (missed events replayed after a reconnect): "
        "'tornado_redis' (REALTIME_BACKEND) delivers it today"
    ) in details


@pytest.mark.usefixtures("no_channel_patterns")
def test_lower_limits_after_a_switch_are_warned_about(realtime_settings: Configure) -> None:
    realtime_settings("pusher", {**PUSHER, "MAX_CHANNELS": 500})
    outcome = realtime_check("--backend", "memory", "--json")
    details = [s["detail"] for s in outcome.report()["steps"] if s["step"] == "compatibility"]
    assert (
        "MAX_CHANNELS is 500 on 'pusher' but 100 on 'memory': publishes between the two are "
        "refused after the switch (InvalidMessage)"
    ) in details
    assert "pusher-secret-5d1" not in outcome.output


@pytest.mark.usefixtures("no_channel_patterns")
@pytest.mark.parametrize(
    ("target", "options", "expected"),
    [
        ("pusher", PUSHER, "'pusher' enables them outside Django's settings"),
        ("memory", {}, "the project uses client events, but REALTIME_OPTIONS['memory']"),
    ],
)
def test_client_events_used_today_are_checked_on_the_target(
    realtime_settings: Configure, target: str, options: dict[str, object], expected: str
) -> None:
    realtime_settings("tornado_redis", {**REDIS, "CLIENT_EVENTS": True}, **{target: options})
    outcome = realtime_check("--backend", target, "--json", "--timeout", "0.5")
    details = [s["detail"] for s in outcome.report()["steps"] if s["step"] == "compatibility"]
    assert any(expected in detail for detail in details), details


@pytest.mark.usefixtures("no_channel_patterns")
@pytest.mark.parametrize(
    ("option", "what"),
    [
        ("SUBSCRIPTION_COUNT_EVENTS", "subscription count events"),
        ("WATCHLIST_EVENTS", "watchlist events"),
    ],
)
@pytest.mark.parametrize("target", ["pusher", "memory"])
def test_events_the_app_switched_on_are_checked_on_the_target(
    realtime_settings: Configure, option: str, what: str, target: str
) -> None:
    realtime_settings(
        "tornado_redis", {**REDIS, option: True}, **{target: PUSHER if target == "pusher" else {}}
    )
    outcome = realtime_check("--backend", target, "--json", "--timeout", "0.5")
    gaps = [s for s in outcome.report()["steps"] if s["step"] == "compatibility"]
    if target == "pusher":
        expected = f"the project uses {what}; 'pusher' enables them outside Django's settings"
        hint = "(Pusher: the app's settings)"
    else:
        expected = f"the project uses {what}, but REALTIME_OPTIONS['memory']['{option}'] is False"
        hint = f"Set REALTIME_OPTIONS['memory']['{option}'] = True."
    (gap,) = [gap for gap in gaps if expected in gap["detail"]]
    assert gap["status"] == "warning"
    assert hint in gap["hint"]


@pytest.mark.usefixtures("no_channel_patterns")
def test_events_switched_on_on_both_sides_are_no_gap(realtime_settings: Configure) -> None:
    switched = {"SUBSCRIPTION_COUNT_EVENTS": True, "WATCHLIST_EVENTS": True}
    realtime_settings("tornado_redis", {**REDIS, **switched}, memory=switched)
    outcome = realtime_check("--backend", "memory", "--json")
    details = " ".join(
        s["detail"] for s in outcome.report()["steps"] if s["step"] == "compatibility"
    )
    assert "the project uses" not in details
    assert "lacks multi-process delivery" in details  # what memory does lack


def test_the_projects_own_patterns_are_read() -> None:
    # tests.testapp registers private-encrypted-notes-<int:user_id> and presence patterns.
    compatibility = realtime_check("--json").step("compatibility")
    assert compatibility["status"] == "warning"
    assert "private-encrypted-notes-<int:user_id>" in compatibility["detail"]


@pytest.mark.usefixtures("no_channel_patterns")
def test_capabilities_the_project_never_declared_are_not_missed(
    realtime_settings: Configure,
) -> None:
    """Pusher offers encrypted and presence channels; a project without such patterns
    loses nothing by moving back to tornado_redis (rolling back, in the guide)."""
    realtime_settings("pusher", PUSHER, tornado_redis=REDIS)
    outcome = realtime_check("--backend", "tornado_redis", "--json", "--timeout", "0.5")
    steps = outcome.report()["steps"]
    details = " ".join(s["detail"] for s in steps if s["step"] == "compatibility")
    assert "encrypted" not in details
    assert "presence" not in details


class NoCacheBackend(MemoryBackend):
    """A backend that has everything the memory backend has but cache channels."""

    @property
    def capabilities(self) -> Capabilities:
        return dataclasses.replace(super().capabilities, cache_channels=False)


def allow(user: object, **kwargs: object) -> bool:
    return True


def test_cache_channel_patterns_need_cache_channels() -> None:
    registry = ChannelRegistry()
    registry.register("private-cache-scores-<int:match>", allow)
    registry.register("presence-room-<int:id>", allow)
    (result,) = compatibility(NoCacheBackend({}, name="no-cache"), None, registry)
    assert result.status is CheckStatus.WARNING
    assert result.detail == (
        "'no-cache' lacks cache channels (the last event replayed to new subscribers): "
        "channel pattern 'private-cache-scores-<int:match>' needs it"
    )
    (ok,) = compatibility(MemoryBackend({}, name="memory"), None, registry)
    assert ok.status is CheckStatus.OK
    assert "cache channels" in ok.detail


def test_a_switch_away_from_cache_channels_is_warned_about() -> None:
    """Public cache- channels need no pattern: the configured backend having them is
    reason enough."""
    configured = MemoryBackend({}, name="memory")
    results = compatibility(NoCacheBackend({}, name="no-cache"), configured, ChannelRegistry())
    details = [result.detail for result in results]
    assert (
        "'no-cache' lacks cache channels (the last event replayed to new subscribers): "
        "'memory' (REALTIME_BACKEND) delivers it today"
    ) in details
