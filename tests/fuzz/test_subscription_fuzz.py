"""Fuzzed subscription data and sign-ins, signed properly: past the signature check,
the server meets channel_data, user_info and user_data of any shape.

Besides the properties every example checks (``support.py``): a presence member whose
channel_data is valid is welcomed with its own user_info, exactly as sent; a member
whose user_info holds a lone-surrogate escape is refused with a subscription error.
"""

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from realtime_core.frames import compact_json
from tests.server.conftest import Server
from tests.server.pusher_client import PusherTestClient

from . import strategies as fz
from .support import FUZZ, LogWatch, run_example, sign_subscription, sign_user

signed_channel = st.one_of(
    st.builds(lambda p, n: p + n, st.sampled_from(["private-", "presence-"]), fz.name_text),
    fz.channel_name,
)


@settings(FUZZ, max_examples=200)
@given(
    channel=signed_channel,
    channel_data=st.one_of(st.none(), fz.channel_data_text()),
    extra=st.dictionaries(fz.json_key, fz.json_value, max_size=2),
    sign_in=st.one_of(st.none(), fz.user_data_text()),
    sign_in_first=st.booleans(),
)
def test_signed_subscriptions_and_sign_ins(
    fuzz_server: Server,
    log_watch: LogWatch,
    channel: str,
    channel_data: Any,
    extra: dict[str, Any],
    sign_in: Any,
    sign_in_first: bool,
) -> None:
    def messages(client: PusherTestClient) -> list[str]:
        data: dict[str, Any] = {**extra, "channel": channel}
        if channel_data is not None:
            data["channel_data"] = channel_data
        signed_data = channel_data if isinstance(channel_data, str) else None
        data["auth"] = sign_subscription(client, channel, signed_data)
        frames = [fz.to_json({"event": "pusher:subscribe", "data": data}, False)]
        if sign_in is not None:
            auth = sign_user(client, sign_in) if isinstance(sign_in, str) else "x"
            signin = {"event": "pusher:signin", "data": {"auth": auth, "user_data": sign_in}}
            frames.insert(0 if sign_in_first else 1, fz.to_json(signin, False))
        return frames

    run_example(fuzz_server, log_watch, messages)


user_info = fz.json_values(fz.utf8_text, nan=False)


@settings(FUZZ, max_examples=80)
@given(
    user_id=st.one_of(fz.name_text, st.integers(0, 2**53)),
    info=user_info,
    escape=st.one_of(st.none(), fz.surrogate_escape),
    ascii_only=st.booleans(),
)
def test_presence_members_get_their_user_info_back(
    fuzz_server: Server,
    log_watch: LogWatch,
    user_id: str | int,
    info: Any,
    escape: str | None,
    ascii_only: bool,
) -> None:
    channel = "presence-" + fz.unique_name()
    channel_data = json.dumps({"user_id": user_id, "user_info": info}, ensure_ascii=ascii_only)
    if escape is not None:
        channel_data = json.dumps({"user_id": user_id, "user_info": ["@@", info]})
        channel_data = channel_data.replace("@@", escape)
    lone = escape is not None and json.loads(f'"{escape}"').encode("utf-8", "replace") != (
        json.loads(f'"{escape}"').encode("utf-8", "surrogatepass")
    )

    def messages(client: PusherTestClient) -> list[str]:
        data = {"channel": channel, "channel_data": channel_data}
        data["auth"] = sign_subscription(client, channel, channel_data)
        return [json.dumps({"event": "pusher:subscribe", "data": data})]

    outcome = run_example(fuzz_server, log_watch, messages)
    events = [reply["event"] for reply in outcome.replies]
    if lone:
        assert events == ["pusher:subscription_error"], outcome.replies
        assert outcome.replies[0]["data"]["status"] == 400, outcome.replies
    elif len(compact_json(info).encode()) > fuzz_server.config.max_user_info_bytes:
        assert events == ["pusher:subscription_error"], outcome.replies
        assert outcome.replies[0]["data"]["type"] == "LimitReached", outcome.replies
    else:
        assert events == ["pusher_internal:subscription_succeeded"], outcome.replies
        presence = json.loads(outcome.replies[0]["data"])["presence"]
        assert presence["ids"] == [str(user_id)], presence
        assert presence["hash"] == {str(user_id): json.loads(channel_data)["user_info"]}
