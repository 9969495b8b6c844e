"""System checks report configuration problems at ``manage.py check`` time."""

import io

import pytest
from django.apps.registry import Apps
from django.core.checks import CheckMessage
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from django.test.utils import isolate_apps

from realtime_core import authorization, console_feed
from realtime_core.authorization import ChannelRegistry
from realtime_core.checks import check_console, check_self_publish_models, check_settings
from realtime_core.console import register_rule
from realtime_core.models import SelfPublishModel
from realtime_core.serializers import ModelSerializer
from tests.testapp.serializers import TodoListSerializer


def ids(settings_kwargs: dict[str, object]) -> list[str]:
    with override_settings(**settings_kwargs):
        return [message.id for message in check_settings() if message.id]


def test_default_configuration_is_clean() -> None:
    assert check_settings() == []


def test_unknown_backend_is_e001() -> None:
    with override_settings(REALTIME_BACKEND="puhser"):
        (message,) = check_settings()
    assert message.id == "realtime_core.E001"
    assert "REALTIME_BACKEND = 'puhser'" in message.msg
    assert "Installed backends: 'memory'" in message.msg


def test_malformed_options_are_e002() -> None:
    assert ids({"REALTIME_OPTIONS": ["memory"]}) == ["realtime_core.E002"]
    assert ids({"REALTIME_OPTIONS": {"memory": 5}}) == ["realtime_core.E002"]


def test_bad_option_of_the_active_backend_is_e003() -> None:
    with override_settings(REALTIME_OPTIONS={"memory": {"MAX_CHANNELS": 1000}}):
        (message,) = check_settings()
    assert message.id == "realtime_core.E003"
    assert "REALTIME_OPTIONS['memory']['MAX_CHANNELS'] = 1000 is not allowed" in message.msg


def test_options_for_an_uninstalled_backend_are_w001() -> None:
    assert ids({"REALTIME_OPTIONS": {"memory": {}, "memroy": {}}}) == ["realtime_core.W001"]


BELOW_STATICFILES = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "realtime_core",
    "tests.testapp",
]


def test_embedded_backend_with_another_apps_runserver_is_w003() -> None:
    with override_settings(INSTALLED_APPS=BELOW_STATICFILES):
        (message,) = check_settings()
    assert message.id == "realtime_core.W003"
    assert message.msg == (
        "manage.py runserver is django.contrib.staticfiles's: it serves the site but no "
        "sockets, so with REALTIME_BACKEND = 'memory' its pages never connect."
    )
    assert message.hint is not None
    assert "List 'realtime_core' above 'django.contrib.staticfiles'" in message.hint
    assert "manage.py realtime_server" in message.hint


def test_backends_whose_sockets_are_served_elsewhere_need_no_runserver() -> None:
    options = {"tornado_redis": {"APP_ID": "1", "KEY": "k", "SECRET": "s"}}
    settings_kwargs = {"REALTIME_BACKEND": "tornado_redis", "REALTIME_OPTIONS": options}
    with override_settings(INSTALLED_APPS=BELOW_STATICFILES, **settings_kwargs):
        assert check_settings() == []


TRANSITION_OPTIONS = {"tornado_redis": {"APP_ID": "1", "KEY": "k", "SECRET": "s"}}


def test_a_transition_to_installed_backends_with_valid_options_is_clean() -> None:
    settings_kwargs = {"REALTIME_ALSO_PUBLISH_TO": ["tornado_redis"]}
    assert ids({**settings_kwargs, "REALTIME_OPTIONS": TRANSITION_OPTIONS}) == []


@pytest.mark.parametrize("value", ["tornado_redis", ["tornado_redis", "tornado_redis"], [""]])
def test_a_malformed_transition_is_e008(value: object) -> None:
    settings_kwargs = {"REALTIME_ALSO_PUBLISH_TO": value, "REALTIME_OPTIONS": TRANSITION_OPTIONS}
    assert ids(settings_kwargs) == ["realtime_core.E008"]


def test_unknown_backends_and_bad_options_in_the_transition_are_e009_and_e010() -> None:
    with override_settings(REALTIME_ALSO_PUBLISH_TO=["tornado_redis", "puhser"]):
        messages = check_settings()
    assert [message.id for message in messages] == ["realtime_core.E010", "realtime_core.E009"]
    assert "REALTIME_OPTIONS['tornado_redis']['APP_ID'] is required" in messages[0].msg
    assert messages[1].msg.startswith("'puhser' in REALTIME_ALSO_PUBLISH_TO cannot be used")
    assert "Installed backends: 'memory'" in messages[1].msg


def test_a_transition_that_lists_the_configured_backend_is_w004() -> None:
    with override_settings(REALTIME_ALSO_PUBLISH_TO=["memory"]):
        (message,) = check_settings()
    assert message.id == "realtime_core.W004"
    assert message.msg == (
        "REALTIME_ALSO_PUBLISH_TO lists 'memory', which is REALTIME_BACKEND: the switch to it "
        "is done, and a backend is never published to twice."
    )
    assert message.hint is not None
    assert "Remove 'memory' from REALTIME_ALSO_PUBLISH_TO" in message.hint


def test_the_console_is_clean_by_default() -> None:
    assert check_console() == []


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_a_console_setting_that_is_not_a_bool_is_e006(value: object) -> None:
    with override_settings(REALTIME_CONSOLE=value):
        (message,) = check_console()
    assert message.id == "realtime_core.E006"
    assert message.msg == f"REALTIME_CONSOLE must be True or False, got {value!r}."


def test_a_rule_registered_before_the_consoles_is_e007(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = ChannelRegistry()
    registry.register("private-<str:anything>", lambda user, anything: True)
    register_rule(registry)
    monkeypatch.setattr(authorization, "default_registry", registry)
    (message,) = check_console()
    assert message.id == "realtime_core.E007"
    assert message.msg == (
        f"{console_feed.CHANNEL!r}, the debug console's live log, is decided by the pattern "
        "'private-<str:anything>' instead of realtime_core's staff-only rule."
    )


def test_the_consoles_rule_comes_first_when_apps_register_theirs_in_realtime_py(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = ChannelRegistry()
    register_rule(registry)
    register_rule(registry)  # ready() again, as INSTALLED_APPS overrides run it
    registry.register("private-<str:anything>", lambda user, anything: True)
    monkeypatch.setattr(authorization, "default_registry", registry)
    assert check_console() == []


def test_manage_py_check_fails_on_errors() -> None:
    with (
        override_settings(REALTIME_BACKEND="nope"),
        pytest.raises(SystemCheckError, match=r"realtime_core\.E001"),
    ):
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())


def test_manage_py_check_passes_by_default() -> None:
    out = io.StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


def check_isolated(isolated: Apps) -> list[CheckMessage]:
    return check_self_publish_models([isolated.get_app_config("testapp")])


def test_missing_serializer_is_e004() -> None:
    with isolate_apps("tests.testapp") as isolated:

        class NoSerializer(SelfPublishModel):
            class Meta:
                app_label = "testapp"

        (message,) = check_isolated(isolated)
    assert message.id == "realtime_core.E004"
    assert "testapp.NoSerializer.serializer_class must be a ModelSerializer" in message.msg
    assert message.obj is NoSerializer


def test_broken_serializer_is_e005() -> None:
    class Broken(ModelSerializer):
        class Meta:
            model = "testapp.Tag"
            publish_fields = ["nmae"]

    with isolate_apps("tests.testapp") as isolated:

        class Tagged(SelfPublishModel):
            serializer_class = Broken

            class Meta:
                app_label = "testapp"

        (message,) = check_isolated(isolated)
    assert message.id == "realtime_core.E005"
    assert "Broken.Meta.publish_fields names 'nmae'" in message.msg


def test_serializer_of_another_model_is_w002() -> None:
    with isolate_apps("tests.testapp") as isolated:

        class Elsewhere(SelfPublishModel):
            serializer_class = TodoListSerializer

            class Meta:
                app_label = "testapp"

        (message,) = check_isolated(isolated)
    assert message.id == "realtime_core.W002"
    assert "serializes testapp.TodoList" in message.msg


def test_the_test_models_are_clean() -> None:
    assert check_self_publish_models() == []
