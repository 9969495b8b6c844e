"""``ErrorCode``: every code named once, described, with its range's reconnect rule."""

import pytest

from realtime_core import frames
from realtime_core.protocol import ErrorCode, Reconnect


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_code_has_a_one_line_description(code: ErrorCode) -> None:
    assert code.description
    assert "\n" not in code.description
    assert len(code.description) <= 90, "it fits one cell of a reference table"


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        (1009, Reconnect.AFTER_BACKOFF),
        (4000, Reconnect.NEVER),
        (4001, Reconnect.NEVER),
        (4004, Reconnect.NEVER),
        (4009, Reconnect.NEVER),
        (4100, Reconnect.AFTER_BACKOFF),
        (4200, Reconnect.AT_ONCE),
        (4201, Reconnect.AT_ONCE),
        (4202, Reconnect.AT_ONCE),
        (4301, Reconnect.STAYS_CONNECTED),
        (4302, Reconnect.STAYS_CONNECTED),
    ],
)
def test_the_reconnect_rule_is_the_one_of_pushers_range(code: int, rule: Reconnect) -> None:
    assert ErrorCode(code).reconnect is rule


def test_every_rule_is_described() -> None:
    assert all(rule.description for rule in Reconnect)


def test_a_code_goes_on_the_wire_as_its_number() -> None:
    frame = frames.error(ErrorCode.OVER_CAPACITY, "Over capacity")
    assert frame == b'{"event":"pusher:error","data":{"code":4100,"message":"Over capacity"}}'
    assert f"closing ({ErrorCode.MESSAGE_TOO_BIG})" == "closing (1009)"


def test_a_received_code_is_named_by_its_number() -> None:
    assert ErrorCode(4201) is ErrorCode.PONG_NOT_RECEIVED
    with pytest.raises(ValueError, match="4999"):
        ErrorCode(4999)
