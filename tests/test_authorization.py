"""The channel authorization registry: patterns, decisions, signin rule, autodiscovery."""

import math
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from realtime_core import authorization
from realtime_core.authorization import ChannelRegistry, Member, authorize, authorize_user

ANN = User(pk=7, username="ann")


def allow(user: Any, **kwargs: Any) -> bool:
    return True


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> ChannelRegistry:
    """A fresh registry installed as the default one for this test."""
    fresh = ChannelRegistry()
    monkeypatch.setattr(authorization, "default_registry", fresh)
    return fresh


def matched(registry: ChannelRegistry, channel: str) -> tuple[str, dict[str, Any]] | None:
    match = registry.match(channel)
    return None if match is None else (match.pattern.pattern, match.kwargs)


# Members -----------------------------------------------------------------------------


def test_member_wire_forms_are_compact_json_without_null_info() -> None:
    member = Member(id="7", info={"name": "Zoë"})
    assert member.channel_data() == '{"user_id":"7","user_info":{"name":"Zoë"}}'
    assert member.user_data() == '{"id":"7","user_info":{"name":"Zoë"}}'
    assert Member(id="7").channel_data() == '{"user_id":"7"}'
    assert Member(id="7").user_data() == '{"id":"7"}'


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"id": ""}, TypeError, "non-empty string"),
        ({"id": 7}, TypeError, "non-empty string"),
        ({"id": "x" * 129}, ValueError, "129 characters long; the limit is 128"),
        ({"id": "7", "info": {"when": object()}}, TypeError, "JSON-serializable"),
        ({"id": "7", "info": math.nan}, TypeError, "JSON-serializable"),
        ({"id": "7", "info": "é" * 513}, ValueError, "1028 bytes as JSON; the limit is 1024"),
    ],
)
def test_member_is_validated_when_built(
    fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        Member(**fields)


def test_member_at_the_limits_is_accepted() -> None:
    Member(id="x" * 128, info="a" * 1022, watchlist=[str(n) for n in range(100)])


def test_a_watchlist_goes_in_the_user_data_only() -> None:
    member = Member(id="7", info={"name": "Zoë"}, watchlist=["8", "9"])
    assert member.watchlist == ("8", "9")
    assert member.user_data() == '{"id":"7","user_info":{"name":"Zoë"},"watchlist":["8","9"]}'
    assert member.channel_data() == '{"user_id":"7","user_info":{"name":"Zoë"}}'
    assert Member(id="7", watchlist=[]).user_data() == '{"id":"7"}'


@pytest.mark.parametrize(
    ("watchlist", "error", "message"),
    [
        ("8", TypeError, "must be a list of user ids"),
        ({"8"}, TypeError, "must be a list of user ids"),
        ([8], ValueError, "holds 8; a user id is a string"),
        (["ann smith"], ValueError, "holds 'ann smith'"),
        ([str(n) for n in range(101)], ValueError, "101 user ids; the limit is 100"),
    ],
)
def test_a_watchlist_is_user_ids_within_pushers_limit(
    watchlist: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        Member(id="7", watchlist=watchlist)


# Registration errors ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("todo-list-<int:id>", "must start with 'private-' or 'presence-'.*public channels"),
        ("#server-to-user-<str:id>", "must start with 'private-' or 'presence-'"),
        ("cache-<int:id>", "must start with 'private-' or 'presence-'"),
        ("private-list-<number:id>", "invalid converter 'number'"),
        ("private-list-<int:list id>", "cannot contain whitespace"),
        ("private-list-<int:list-id>", "isn't a valid Python identifier"),
        ("private-list/<int:id>", "only what channel names contain"),
        ("private-list <int:id>", "only what channel names contain"),
        ("private-list-<int:id", "only what channel names contain"),
        ("private-list-int:id>", "only what channel names contain"),
        ("private-list-<>", "only what channel names contain"),
    ],
)
def test_malformed_or_public_patterns_fail_at_registration(pattern: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        ChannelRegistry().register(pattern, allow)


def test_pattern_must_be_a_string() -> None:
    with pytest.raises(ImproperlyConfigured, match="is a string"):
        ChannelRegistry().register(5, allow)  # type: ignore[arg-type]


def test_function_must_be_callable() -> None:
    with pytest.raises(TypeError, match="needs a function"):
        ChannelRegistry().register("private-x", True)  # type: ignore[arg-type]


@pytest.mark.parametrize("again", ["private-list-<int:id>", "private-list-<int:pk>"])
def test_same_pattern_twice_fails_and_names_the_first(again: str) -> None:
    registry = ChannelRegistry()
    registry.register("private-list-<int:id>", allow)
    with pytest.raises(
        ImproperlyConfigured,
        match=r"'private-list-<int:id>' by tests\.test_authorization\.allow",
    ):
        registry.register(again, allow)


def test_an_unnamed_converter_is_str() -> None:
    registry = ChannelRegistry()
    registry.register("private-room-<name>", allow)
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        registry.register("private-room-<str:other>", allow)


# Matching ---------------------------------------------------------------------------


def test_converters_pass_converted_keyword_arguments() -> None:
    registry = ChannelRegistry()
    registry.register("private-list-<int:list_id>", allow)
    registry.register("private-team-<slug:team>-<int:n>", allow)
    registry.register("private-doc-<uuid:doc>", allow)
    registry.register("presence-files-<path:rest>", allow)
    token = uuid.uuid4()
    assert matched(registry, "private-list-42") == ("private-list-<int:list_id>", {"list_id": 42})
    assert matched(registry, "private-team-red-ants-3") == (
        "private-team-<slug:team>-<int:n>",
        {"team": "red-ants", "n": 3},
    )
    assert matched(registry, f"private-doc-{token}") == ("private-doc-<uuid:doc>", {"doc": token})
    assert matched(registry, "presence-files-a.b;c") == (
        "presence-files-<path:rest>",
        {"rest": "a.b;c"},
    )


@pytest.mark.parametrize(
    "channel",
    [
        "private-list-abc",
        "private-list-",
        "private-list-4x",
        "private-list-4-extra",
        "xprivate-list-4",
        "presence-list-4",
        "private-doc-not-a-uuid",
    ],
)
def test_only_whole_names_match(channel: str) -> None:
    registry = ChannelRegistry()
    registry.register("private-list-<int:list_id>", allow)
    registry.register("private-doc-<uuid:doc>", allow)
    assert registry.match(channel) is None


def test_custom_converter_and_its_value_error() -> None:
    from tests.testapp import realtime  # registers the archive_year converter

    registry = ChannelRegistry()
    registry.register("private-report-<archive_year:year>", allow)
    registry.register("private-report-<str:label>", allow)
    assert matched(registry, "private-report-2024") == (
        "private-report-<archive_year:year>",
        {"year": 2024},
    )
    # to_python's ValueError is "no match": the next pattern gets its turn, as in urls.py.
    assert matched(registry, "private-report-1999") == (
        "private-report-<str:label>",
        {"label": "1999"},
    )
    assert realtime.ArchiveYearConverter().to_url(2024) == "2024"


def test_first_registered_pattern_wins() -> None:
    registry = ChannelRegistry()
    registry.register("private-item-<str:name>", allow)
    registry.register("private-item-<int:number>", allow)
    assert matched(registry, "private-item-5") == ("private-item-<str:name>", {"name": "5"})

    reverse = ChannelRegistry()
    reverse.register("private-item-<int:number>", allow)
    reverse.register("private-item-<str:name>", allow)
    assert matched(reverse, "private-item-5") == ("private-item-<int:number>", {"number": 5})
    assert matched(reverse, "private-item-x") == ("private-item-<str:name>", {"name": "x"})


# Decisions --------------------------------------------------------------------------


def test_decorator_registers_in_the_default_registry_and_returns_the_function(
    registry: ChannelRegistry,
) -> None:
    calls: list[tuple[Any, int]] = []

    @authorize("private-list-<int:list_id>")
    def owner(user: Any, list_id: int) -> bool:
        calls.append((user, list_id))
        return list_id == 1

    match = registry.match("private-list-1")
    assert match is not None
    assert match.function is owner
    assert match.allows(ANN) is True
    other = registry.match("private-list-2")
    assert other is not None
    assert other.allows(ANN) is False
    assert calls == [(ANN, 1), (ANN, 2)]


@pytest.mark.parametrize(
    ("answer", "allowed"), [(1, True), ("yes", True), (0, False), (None, False)]
)
def test_private_answers_are_truth_values(answer: object, allowed: bool) -> None:
    registry = ChannelRegistry()
    registry.register("private-x", lambda user: answer)
    match = registry.match("private-x")
    assert match is not None
    assert match.allows(AnonymousUser()) is allowed


def test_presence_function_returns_the_member() -> None:
    registry = ChannelRegistry()
    registry.register(
        "presence-room-<int:room>",
        lambda user, room: Member(id=str(user.pk), info={"room": room}) if room else None,
    )
    match = registry.match("presence-room-3")
    assert match is not None
    assert match.member(ANN) == Member(id="7", info={"room": 3})
    refused = registry.match("presence-room-0")
    assert refused is not None
    assert refused.member(ANN) is None


@pytest.mark.parametrize("answer", [True, False, {"id": "7"}, "7"])
def test_presence_function_returning_no_member_is_a_clear_error(answer: object) -> None:
    registry = ChannelRegistry()

    def room(user: Any, room: int) -> object:
        return answer

    registry.register("presence-room-<int:room>", room)
    match = registry.match("presence-room-3")
    assert match is not None
    with pytest.raises(TypeError) as raised:
        match.member(ANN)
    message = str(raised.value)
    assert "tests.test_authorization.test_presence_function_returning" in message
    assert "'presence-room-<int:room>'" in message
    assert "must return a realtime_core.authorization.Member" in message


# Signin -----------------------------------------------------------------------------


def test_default_signin_is_the_primary_key_without_info() -> None:
    registry = ChannelRegistry()
    assert registry.signin_member(ANN) == Member(id="7")
    assert registry.signin_member(AnonymousUser()) is None


def test_authorize_user_replaces_the_default(registry: ChannelRegistry) -> None:
    @authorize_user
    def staff_only(user: Any) -> Member | None:
        return Member(id=f"u{user.pk}", info={"name": user.username}) if user.is_staff else None

    assert registry.signin_member(ANN) is None
    boss = User(pk=1, username="boss", is_staff=True)
    assert registry.signin_member(boss) == Member(id="u1", info={"name": "boss"})


def test_only_one_signin_rule() -> None:
    registry = ChannelRegistry()
    registry.register_user(lambda user: None)
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        registry.register_user(lambda user: None)


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (True, TypeError, "returned True; it must return a realtime_core"),
        (Member(id="ann smith"), ValueError, "id 'ann smith'; a signed-in user's id may"),
        (Member(id="#7"), ValueError, "id '#7'"),
    ],
)
def test_signin_rule_returning_something_unusable_is_a_clear_error(
    answer: object, error: type[Exception], message: str
) -> None:
    registry = ChannelRegistry()

    def rule(user: Any) -> object:
        return answer

    registry.register_user(rule)  # type: ignore[arg-type]
    with pytest.raises(error, match=message) as raised:
        registry.signin_member(ANN)
    assert "test_signin_rule_returning_something_unusable_is_a_clear_error.<locals>.rule" in str(
        raised.value
    )


# Autodiscovery ----------------------------------------------------------------------


def test_autodiscover_imports_every_apps_realtime_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: ChannelRegistry
) -> None:
    package = tmp_path / "discovered_app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "realtime.py").write_text(
        "from realtime_core.authorization import authorize\n"
        "\n"
        '@authorize("private-discovered-<int:n>")\n'
        "def discovered(user, n):\n"
        "    return n == 1\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with override_settings(INSTALLED_APPS=["discovered_app"]):
            assert registry.match("private-discovered-1") is None
            authorization.autodiscover()
    finally:
        sys.modules.pop("discovered_app.realtime", None)
        sys.modules.pop("discovered_app", None)
    match = registry.match("private-discovered-1")
    assert match is not None
    assert match.allows(AnonymousUser()) is True


def test_patterns_are_listed_in_the_order_they_are_tried() -> None:
    registry = ChannelRegistry()
    registry.register("private-b-<int:n>", lambda user, n: True)
    registry.register("presence-a", lambda user: None)
    assert registry.patterns() == ["private-b-<int:n>", "presence-a"]


# Async functions ----------------------------------------------------------------------


async def _async_answer(user: Any, **kwargs: Any) -> bool:
    return False


class _AsyncCallable:
    async def __call__(self, user: Any, **kwargs: Any) -> bool:
        return False


@pytest.mark.parametrize("function", [_async_answer, _AsyncCallable()])
@pytest.mark.parametrize("pattern", ["private-x", "presence-x"])
def test_async_channel_functions_are_refused_at_registration(function: Any, pattern: str) -> None:
    # Views are synchronous: bool() of the coroutine an async function returns is True,
    # which authorized every user.
    registry = ChannelRegistry()
    with pytest.raises(ImproperlyConfigured, match="async"):
        registry.register(pattern, function)
    with pytest.raises(ImproperlyConfigured, match="async"):
        registry.register_user(function)


def test_a_channel_function_answering_with_an_awaitable_refuses_loudly() -> None:
    registry = ChannelRegistry()
    registry.register("private-x", lambda user: _async_answer(user))
    registry.register("presence-x", lambda user: _async_answer(user))
    for channel in ("private-x", "presence-x"):
        match = registry.match(channel)
        assert match is not None
        with pytest.raises(TypeError, match="awaitable"):
            match.allows(ANN) if channel == "private-x" else match.member(ANN)
