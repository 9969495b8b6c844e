"""Every limit, just under and just over, and how data is encoded."""

import datetime
import decimal
import uuid

import pytest
from django.utils.translation import gettext_lazy

from realtime_core import Event, InvalidMessage
from realtime_core.messages import Message, encode_data
from realtime_core.protocol import DEFAULT_LIMITS, Limits

LIMITS = DEFAULT_LIMITS


def build(channels="c", name="e", data=None, socket_id=None, limits=LIMITS) -> Message:  # type: ignore[no-untyped-def]
    return Message.from_event(Event(channels, name, data, socket_id), limits)


def test_defaults_are_pushers_limits() -> None:
    assert (
        Limits(
            max_data_bytes=10_240,
            max_channels=100,
            max_event_name_length=200,
            max_channel_name_length=200,
            max_batch_size=10,
        )
        == LIMITS
    )


def test_data_size_counts_utf8_bytes_of_the_json() -> None:
    fits = "x" * (10_240 - 2)  # the JSON quotes count
    assert len(build(data=fits).data) == 10_240
    with pytest.raises(InvalidMessage, match="10241 bytes of JSON; the limit is 10240"):
        build(data=fits + "x")
    with pytest.raises(InvalidMessage, match="10242 bytes"):
        build(data="é" * 5_120)  # 5120 characters, 10240 bytes, plus quotes


def test_channel_count() -> None:
    assert len(build(channels=[f"c{n}" for n in range(100)]).channels) == 100
    with pytest.raises(InvalidMessage, match="101 channels in one publish; the limit is 100"):
        build(channels=[f"c{n}" for n in range(101)])
    with pytest.raises(InvalidMessage, match="At least one channel"):
        build(channels=[])


def test_duplicate_channels_are_sent_once_in_order() -> None:
    assert build(channels=["b", "a", "b"]).channels == ("b", "a")


def test_channel_name_length() -> None:
    assert build(channels="c" * 200).channels == ("c" * 200,)
    with pytest.raises(InvalidMessage, match="201 characters long; the limit is 200"):
        build(channels="c" * 201)


@pytest.mark.parametrize("name", ["private-chat", "presence-room.1", "a-b_c=d@e,f.g;h", "7"])
def test_valid_channel_names(name: str) -> None:
    assert build(channels=name).channels == (name,)


@pytest.mark.parametrize("name", ["", "has space", "slash/", "#hash", "ümlaut", "new\nline"])
def test_invalid_channel_names(name: str) -> None:
    with pytest.raises(InvalidMessage, match="Invalid channel name"):
        build(channels=name)


@pytest.mark.parametrize("channels", [[1], [["a"]], ["a", None]])
def test_non_string_channel_is_rejected(channels: object) -> None:
    with pytest.raises(InvalidMessage, match="Channel names must be strings"):
        build(channels=channels)


@pytest.mark.parametrize("channels", [None, 5, b"bytes-are-not-names"])
def test_channels_must_be_a_name_or_names(channels: object) -> None:
    with pytest.raises(InvalidMessage, match="a channel name or an iterable of names"):
        build(channels=channels)


def test_server_to_user_channels() -> None:
    assert build(channels="#server-to-user-42").channels == ("#server-to-user-42",)
    assert build(channels="#server-to-user-" + "u" * 200).channels
    with pytest.raises(InvalidMessage, match="Invalid user channel"):
        build(channels="#server-to-user-" + "u" * 201)
    with pytest.raises(InvalidMessage, match="Invalid user channel"):
        build(channels="#server-to-user-")


def test_encrypted_channel_must_be_alone() -> None:
    assert build(channels="private-encrypted-x").channels == ("private-encrypted-x",)
    with pytest.raises(InvalidMessage, match="must be the only channel"):
        build(channels=["private-encrypted-x", "other"])


def test_event_name() -> None:
    assert build(name="e" * 200).name == "e" * 200
    with pytest.raises(InvalidMessage, match="201 characters long; the limit is 200"):
        build(name="e" * 201)
    with pytest.raises(InvalidMessage, match="non-empty string"):
        build(name="")


@pytest.mark.parametrize("name", ["new\nline", "nul\x00", "\ud800"])
def test_event_names_must_be_printable_text(name: str) -> None:
    with pytest.raises(InvalidMessage, match="control or unencodable characters"):
        build(name=name)


def test_data_that_is_not_valid_unicode_is_rejected() -> None:
    with pytest.raises(InvalidMessage, match=r"not valid Unicode .*'\\ud800'"):
        build(data={"text": "broken \ud800"})


@pytest.mark.parametrize("name", ["pusher:subscribe", "pusher_internal:member_added"])
def test_reserved_event_names(name: str) -> None:
    with pytest.raises(InvalidMessage, match="reserved"):
        build(name=name)


@pytest.mark.parametrize("socket_id", ["1.2", "1234.5678", None])
def test_valid_socket_ids(socket_id: str | None) -> None:
    assert build(socket_id=socket_id).socket_id == socket_id


@pytest.mark.parametrize(
    "socket_id", ["", "1234", "a.b", "1.2.3", " 1.2", "1.2\n", 12, "\u0661.\u0662"]
)
def test_invalid_socket_ids(socket_id: object) -> None:
    with pytest.raises(InvalidMessage, match="Invalid socket_id"):
        build(socket_id=socket_id)


def test_lowered_limits_apply() -> None:
    small = Limits(
        max_data_bytes=5,
        max_channels=1,
        max_event_name_length=3,
        max_channel_name_length=2,
        max_batch_size=1,
    )
    assert build(channels="ab", name="abc", data=123, limits=small).data == "123"
    for kwargs in (
        {"data": 123456},
        {"channels": ["a", "b"]},
        {"name": "abcd"},
        {"channels": "abc"},
    ):
        with pytest.raises(InvalidMessage):
            build(**{"channels": "ab", "name": "abc", "data": 1, "limits": small, **kwargs})


def test_invalid_message_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="reserved"):
        build(name="pusher:x")


def test_encoding_uses_djangos_json_types_compactly() -> None:
    data = {
        "when": datetime.datetime(2026, 11, 27, 9, 30, 15, 123456, tzinfo=datetime.UTC),
        "day": datetime.date(2026, 11, 27),
        "price": decimal.Decimal("1.50"),
        "token": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "label": gettext_lazy("Done"),
        "text": "Grüße",
    }
    assert encode_data(data) == (
        '{"when":"2026-11-27T09:30:15.123Z","day":"2026-11-27","price":"1.50",'
        '"token":"12345678-1234-5678-1234-567812345678","label":"Done","text":"Grüße"}'
    )
    assert encode_data("hi") == '"hi"'


@pytest.mark.parametrize("data", [object(), {"x": {1, 2}}, float("nan")])
def test_unserializable_data_is_rejected(data: object) -> None:
    with pytest.raises(InvalidMessage, match="not JSON serializable"):
        encode_data(data)
