"""Hypothesis strategies for what clients and API callers may send.

Frames are drawn both as JSON values (biased toward the protocol's events, keys and
channel prefixes, so most examples get past the first checks and reach the deeper
ones) and as raw text: arbitrary text, broken JSON, ``\\ud800``-style escapes, deep
nesting and sizes around the 16,384-byte limit in 1- to 4-byte characters.
"""

import json
from typing import Any

from hypothesis import strategies as st

from realtime_core.server.config import ServerConfig

from .support import FUZZ_CONFIG, HARD_LIMIT, auth_for, unique

MAX_FRAME = FUZZ_CONFIG.max_frame_bytes


def dice(top: int) -> st.SearchStrategy[int]:
    """0 to ``top``, evenly: ``st.integers`` favours its bounds, which would skew every
    choice below toward its first or last branch."""
    return st.sampled_from(range(top + 1))


# Text ------------------------------------------------------------------------------------

any_text = st.text(st.characters(), max_size=24)
"""Any code points: control characters, unassigned ones and lone surrogates too."""
utf8_text = st.text(st.characters(codec="utf-8"), max_size=24)
"""Text a client can encode (no lone surrogates)."""
NAME_ALPHABET = "abcXYZ019_-=@,.;"
name_text = st.text(NAME_ALPHABET, min_size=1, max_size=12)
"""The alphabet of valid channel names and user ids."""

SURROGATE_ESCAPES = [
    "\\ud800",
    "\\udfff",
    "\\ud83d",
    "\\ude00",
    "\\udc00\\ud800",  # a pair in the wrong order: two lone surrogates
    "\\ud83d\\ude00",  # a valid pair: text
    "\\ud83dx",
    "\\u0000",
    "\\uffff",
]
surrogate_escape = st.one_of(
    st.sampled_from(SURROGATE_ESCAPES),
    st.integers(0xD800, 0xDFFF).map(lambda n: f"\\u{n:04x}"),
    st.integers(0xD800, 0xDFFF).map(lambda n: f"\\u{n:04X}"),
)


def unique_name() -> str:
    """A channel name's tail no other example uses."""
    return unique("")


# Channels and events ---------------------------------------------------------------------

PREFIXES = ["", "private-", "presence-", "private-encrypted-", "#server-to-user-", "Private-"]
valid_channel = st.builds(
    lambda prefix, name: prefix + name,
    st.sampled_from(["", "private-", "presence-"]),
    st.one_of(st.sampled_from(["room", "news", "a", "1"]), name_text),
)
channel_name = dice(9).flatmap(
    lambda n: (
        valid_channel
        if n < 6
        else st.builds(lambda p, name: p + name, st.sampled_from(PREFIXES), any_text)
        if n < 8
        else st.one_of(
            st.sampled_from(["", "private-", "presence-", "#server-to-user-", "-", "x" * 165]),
            st.sampled_from(["x" * 164, "#server-to-user-1", "private-encrypted-room"]),
            st.builds(lambda p, n: p + "y" * n, st.sampled_from(PREFIXES), st.integers(150, 300)),
        )
    )
)
"""Mostly valid names (public, private, presence), else junk after any prefix, or the
edges: empty, prefixes alone, lengths around the 164-character limit."""
channel_value = dice(9).flatmap(
    lambda n: (
        channel_name
        if n < 8
        else st.one_of(
            st.none(),
            st.integers(),
            st.lists(channel_name, max_size=2),
            st.dictionaries(st.just("channel"), channel_name, max_size=1),
        )
    )
)
CORE_EVENTS = [
    "pusher:subscribe",
    "pusher:unsubscribe",
    "pusher:signin",
    "pusher:ping",
    "pusher:pong",
    "client-x",
]
OTHER_EVENTS = [
    "pusher:error",
    "pusher:connection_established",
    "pusher_internal:subscription_succeeded",
    "pusher:subscription_error",
    "client-",
    "client-" + "e" * 200,
    "Client-x",
    "pusher:",
    "",
]
event_name = dice(9).flatmap(
    lambda n: (
        st.sampled_from(CORE_EVENTS)
        if n < 6
        else st.sampled_from(OTHER_EVENTS)
        if n < 8
        else st.one_of(st.builds(lambda name: "client-" + name, any_text), any_text)
    )
)


# JSON values -----------------------------------------------------------------------------

PROTOCOL_KEYS = [
    "event",
    "data",
    "channel",
    "auth",
    "channel_data",
    "user_data",
    "user_id",
    "user_info",
    "id",
    "position",
    "socket_id",
]
json_key = st.one_of(st.sampled_from(PROTOCOL_KEYS), any_text)


def json_values(text: st.SearchStrategy[str] = any_text, *, nan: bool = True) -> Any:
    """Any JSON value (NaN and infinities too: Python's parser takes them)."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=nan, allow_infinity=nan),
        text,
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(json_key if text is any_text else utf8_text, children, max_size=4),
        ),
        max_leaves=12,
    )


json_value = json_values()


@st.composite
def channel_data_text(draw: st.DrawFn) -> Any:
    """``channel_data``: usually the JSON text of a member, sometimes anything."""
    member: dict[str, Any] = {}
    if draw(dice(9)) < 9:
        member["user_id"] = draw(
            st.one_of(name_text, st.integers(), st.just(""), st.booleans(), st.none(), any_text)
        )
    if draw(st.booleans()):
        member["user_info"] = draw(json_value)
    choice = draw(dice(9))
    if choice < 7:
        return json.dumps(member, ensure_ascii=draw(st.booleans()))
    if choice == 7:
        return draw(any_text)
    if choice == 8:
        # A lone-surrogate escape inside the member's JSON text.
        text = json.dumps(member | {"user_info": "@@"})
        return text.replace("@@", draw(surrogate_escape))
    return draw(json_value)


@st.composite
def user_data_text(draw: st.DrawFn) -> Any:
    """``user_data`` of a sign-in: usually the JSON text of a user, sometimes anything."""
    user: dict[str, Any] = {}
    if draw(dice(9)) < 9:
        user["id"] = draw(st.one_of(name_text, st.integers(), st.just(""), any_text, st.none()))
    if draw(st.booleans()):
        user["user_info"] = draw(json_value)
    if draw(st.booleans()):
        user["watchlist"] = draw(st.lists(name_text, max_size=3))
    choice = draw(dice(9))
    if choice < 8:
        return json.dumps(user, ensure_ascii=draw(st.booleans()))
    if choice == 8:
        return json.dumps(user | {"user_info": "@@"}).replace("@@", draw(surrogate_escape))
    return draw(json_value)


auth_value = st.one_of(
    st.just("SIGN"),  # replaced by a valid signature for the socket (see ``sign_frame``)
    st.just("SIGN"),
    st.builds(lambda hexa: f"{FUZZ_CONFIG.key}:{hexa}", st.text("0123456789abcdef", max_size=64)),
    any_text,
    json_value,
)


@st.composite
def protocol_data(draw: st.DrawFn, event: str) -> Any:
    """``data`` for ``event``: the shape the protocol asks for, give or take."""
    if draw(dice(5)) == 5:
        return draw(json_value)
    data: dict[str, Any] = {}
    if event in ("pusher:subscribe", "pusher:unsubscribe") or draw(dice(3)) == 0:
        data["channel"] = draw(channel_value)
    if event == "pusher:subscribe" or draw(dice(3)) == 0:
        if draw(st.booleans()):
            data["auth"] = draw(auth_value)
        if draw(st.booleans()):
            data["channel_data"] = draw(channel_data_text())
        if draw(dice(4)) == 0:
            data["position"] = draw(st.one_of(any_text, json_value))
    if event == "pusher:signin":
        if draw(dice(5)) < 5:
            data["auth"] = draw(auth_value)
        if draw(dice(5)) < 5:
            data["user_data"] = draw(user_data_text())
    if draw(dice(4)) == 4:
        data.update(draw(st.dictionaries(json_key, json_value, max_size=3)))
    return data


@st.composite
def frame_objects(draw: st.DrawFn) -> Any:
    """A frame as a JSON value: mostly ``{"event", "data", "channel"}`` objects."""
    choice = draw(dice(19))
    if choice == 19:
        return draw(json_value)  # not even an object, or an object without "event"
    event = draw(st.one_of(event_name, json_value)) if choice == 18 else draw(event_name)
    frame: dict[str, Any] = {"event": event}
    if draw(dice(5)) < 5:
        frame["data"] = draw(protocol_data(event if isinstance(event, str) else ""))
    if (isinstance(event, str) and event.startswith("client-")) or draw(dice(5)) == 0:
        frame["channel"] = draw(channel_value)
    if draw(dice(5)) == 5:
        frame.update(draw(st.dictionaries(json_key, json_value, max_size=2)))
    return frame


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def to_json(value: Any, ascii_only: bool) -> str:
    """JSON text of ``value``; escapes when it holds lone surrogates (a text frame must be
    UTF-8, so those can only arrive as ``\\ud800``-style escapes)."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    return text if encodable(text) else json.dumps(value, ensure_ascii=True)


def sign_frame(frame: Any, socket_id: str, config: ServerConfig = FUZZ_CONFIG) -> Any:
    """Replace each ``"SIGN"`` auth with the valid signature of what the frame holds."""
    if not isinstance(frame, dict) or not isinstance(frame.get("data"), dict):
        return frame
    data = frame["data"]
    if data.get("auth") != "SIGN":
        return frame
    data = dict(data)
    if frame.get("event") == "pusher:signin" and isinstance(data.get("user_data"), str):
        data["auth"] = auth_for(f"{socket_id}::user::{data['user_data']}", config)
    elif isinstance(data.get("channel"), str):
        channel_data = data.get("channel_data")
        string = f"{socket_id}:{data['channel']}"
        if isinstance(channel_data, str):
            string += f":{channel_data}"
        data["auth"] = auth_for(string, config)
    return {**frame, "data": data}


# Raw text --------------------------------------------------------------------------------


@st.composite
def broken_json(draw: st.DrawFn) -> str:
    """The text of a plausible frame, then cut, spliced or doubled."""
    text = to_json(draw(frame_objects()), draw(st.booleans()))
    cut = draw(st.integers(0, len(text)))
    mutation = draw(dice(4))
    if mutation == 0:
        return text[:cut]
    if mutation == 1:
        return text[:cut] + draw(st.text(st.characters(codec="utf-8"), max_size=4)) + text[cut:]
    if mutation == 2:
        return text[:cut] + draw(surrogate_escape) + text[cut:]
    if mutation == 3:
        return text + text
    # Duplicate keys: the last one wins in Python's parser.
    return '{"event":"pusher:ping",' + text[1:] if text.startswith("{") else text


SURROGATE_TEMPLATES = [
    '{"event":"pusher:subscribe","data":{"channel":"news@@"}}',
    '{"event":"pusher:subscribe","data":{"channel":"private-@@","auth":"x"}}',
    '{"event":"pusher:subscribe","data":{"channel":"news"},"x":"@@"}',
    '{"event":"pusher:unsubscribe","data":{"channel":"@@"}}',
    '{"event":"client-x","channel":"private-@@","data":{}}',
    '{"event":"client-x","channel":"private-room","data":"@@"}',
    '{"event":"client-@@","channel":"private-room","data":{}}',
    '{"event":"pusher:ping","data":"@@"}',
    '{"event":"pusher:ping","data":{"@@":1}}',
    '{"event":"@@"}',
    '{"event":"pusher:signin","data":{"auth":"@@","user_data":"{}"}}',
    '{"event":"pusher:signin","data":{"auth":"x","user_data":"@@"}}',
    '{"event":"pusher:subscribe","data":{"channel":"presence-r","channel_data":"@@"}}',
    '["@@"]',
    '"@@"',
]
surrogate_frame = st.builds(
    lambda template, escape: template.replace("@@", escape),
    st.sampled_from(SURROGATE_TEMPLATES),
    surrogate_escape,
)


@st.composite
def deep_frame(draw: st.DrawFn) -> str:
    """JSON nested up to ~2,500 deep, as the whole frame or as a ping's data."""
    depth = draw(st.one_of(st.integers(1, 2500), st.sampled_from([985, 990, 995, 1000, 2000])))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ('{"event":"x","d":', "}")]))
    inner = draw(st.sampled_from(["1", "[]", '"\\ud800"', '"x"', ""]))
    nested = opener * depth + inner + closer * depth
    if draw(st.booleans()):
        return '{"event":"pusher:ping","data":' + nested + "}"
    return nested


UNITS = ["a", "\u00e9", "\u20ac", "\U0001f600"]  # 1, 2, 3 and 4 bytes in UTF-8


@st.composite
def sized_frame(draw: st.DrawFn) -> str:
    """A frame of some exact size in bytes around the limit, in 1- to 4-byte characters."""
    size = draw(
        st.one_of(
            st.integers(MAX_FRAME - 8, MAX_FRAME + 8),
            st.sampled_from([MAX_FRAME - 1, MAX_FRAME, MAX_FRAME + 1, 65_437]),
            st.integers(MAX_FRAME // 4, 4 * MAX_FRAME),
            st.integers(HARD_LIMIT - 8, HARD_LIMIT + 8),
        )
    )
    unit = draw(st.sampled_from(UNITS))
    head, tail = draw(
        st.sampled_from(
            [
                ('{"event":"pusher:ping","data":"', '"}'),
                ('{"event":"pusher:subscribe","data":{"channel":"', '"}}'),
                ('{"event":"client-x","channel":"private-room","data":"', '"}'),
                ('{"event":"pusher:signin","data":{"auth":"x","user_data":"', '"}}'),
            ]
        )
    )
    room = max(0, size - len(head) - len(tail))
    width = len(unit.encode())
    body = unit * (room // width) + "a" * (room % width)
    return head + body + tail


raw_text = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=64),
    st.sampled_from(["", " ", "null", "{}", "[]", "0", '""', "{", "}", '{"event"', "\x00"]),
    broken_json(),
    surrogate_frame,
)
"""Text frames (always valid UTF-8: a text frame's bytes must be)."""
