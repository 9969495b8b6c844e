"""Option validation: unknown keys, bad values and malformed settings are named."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from realtime_core import RealtimeConfigurationError
from realtime_core.backends.memory import MemoryBackend
from realtime_core.conf import Option, backend_name, backend_options, validate_options
from realtime_core.protocol import DEFAULT_LIMITS, Limits


def test_defaults_fill_in() -> None:
    backend = MemoryBackend({}, name="memory")
    assert backend.options["MAX_CHANNELS"] == 100
    assert backend.limits.max_data_bytes == 10_240


def test_limits_can_be_lowered() -> None:
    backend = MemoryBackend({"MAX_CHANNELS": 5, "MAX_DATA_BYTES": 1000}, name="memory")
    assert (backend.limits.max_channels, backend.limits.max_data_bytes) == (5, 1000)


def test_unknown_key_is_named_with_the_allowed_keys() -> None:
    with pytest.raises(RealtimeConfigurationError) as info:
        MemoryBackend({"MAX_CHANELS": 5}, name="memory")
    message = str(info.value)
    assert "REALTIME_OPTIONS['memory'] has unknown option(s) 'MAX_CHANELS'" in message
    accepted = (
        "ALLOWED_ORIGINS, APP_ID, CLIENT_EVENTS, HISTORY_SIZE, HISTORY_TTL, KEY, "
        "MAX_BATCH_SIZE, MAX_CHANNELS, MAX_CHANNEL_NAME_LENGTH, MAX_CONNECTIONS, "
        "MAX_CONNECTIONS_PER_ADDRESS, MAX_DATA_BYTES, MAX_EVENT_NAME_LENGTH, "
        "MAX_PENDING_PER_ADDRESS"
    )
    assert f"The 'memory' backend accepts: {accepted}" in message


@pytest.mark.parametrize(
    ("value", "allowed"),
    [(101, "1 to 100"), (0, "1 to 100"), ("5", "1 to 100"), (True, "1 to 100"), (5.0, "1 to 100")],
)
def test_bad_value_is_named_with_what_is_allowed(value: object, allowed: str) -> None:
    with pytest.raises(RealtimeConfigurationError) as info:
        MemoryBackend({"MAX_CHANNELS": value}, name="memory")
    assert f"REALTIME_OPTIONS['memory']['MAX_CHANNELS'] = {value!r} is not allowed" in str(
        info.value
    )
    assert f"an integer from {allowed}" in str(info.value)


def test_a_limit_cannot_exceed_the_transport() -> None:
    with pytest.raises(RealtimeConfigurationError, match="from 1 to 10240"):
        MemoryBackend({"MAX_DATA_BYTES": 10_241}, name="memory")


def test_required_option_says_where_to_set_it() -> None:
    spec = {"KEY": Option("a non-empty string", lambda v: isinstance(v, str) and bool(v))}
    with pytest.raises(
        RealtimeConfigurationError, match=r"REALTIME_OPTIONS\['x'\]\['KEY'\] is required"
    ):
        validate_options("x", spec, {})


def test_configuration_error_is_improperly_configured() -> None:
    assert issubclass(RealtimeConfigurationError, ImproperlyConfigured)


@override_settings(REALTIME_BACKEND="")
def test_empty_backend_name() -> None:
    with pytest.raises(RealtimeConfigurationError, match="REALTIME_BACKEND must be a backend name"):
        backend_name()


@override_settings(REALTIME_OPTIONS=[("memory", {})])
def test_options_must_be_a_dict() -> None:
    with pytest.raises(RealtimeConfigurationError, match="REALTIME_OPTIONS must be a dict"):
        backend_options("memory")


@override_settings(REALTIME_OPTIONS={"memory": "MAX_CHANNELS=5"})
def test_an_entry_must_be_a_dict() -> None:
    with pytest.raises(
        RealtimeConfigurationError, match=r"REALTIME_OPTIONS\['memory'\] must be a dict"
    ):
        backend_options("memory")


class RoomyTransport(MemoryBackend):
    transport_limits = Limits(max_data_bytes=102_400, max_channels=1_000)


def test_defaults_stay_pushers_on_a_roomier_transport() -> None:
    backend = RoomyTransport({}, name="roomy")
    assert backend.limits == DEFAULT_LIMITS


def test_a_roomier_transport_lets_options_raise_limits_up_to_its_own() -> None:
    backend = RoomyTransport({"MAX_DATA_BYTES": 102_400, "MAX_CHANNELS": 1_000}, name="roomy")
    assert (backend.limits.max_data_bytes, backend.limits.max_channels) == (102_400, 1_000)
    with pytest.raises(RealtimeConfigurationError, match="from 1 to 102400"):
        RoomyTransport({"MAX_DATA_BYTES": 102_401}, name="roomy")


@pytest.mark.parametrize("value", [b"bytes-secret", 12345, ""])
def test_a_refused_secret_is_not_repeated(value: object) -> None:
    with pytest.raises(RealtimeConfigurationError) as info:
        MemoryBackend({"SECRET": value}, name="memory")
    message = str(info.value)
    assert f"['SECRET'] = a secret {type(value).__name__} is not allowed" in message
    assert repr(value) not in message
