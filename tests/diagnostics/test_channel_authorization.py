"""The signing the auth endpoint and realtime_check share."""

import base64
import hashlib

import pytest

from realtime_core.signing import Credentials, sign
from realtime_core.views import channel_authorization

CREDENTIALS = Credentials(key="278d425bdf160c739803", secret="7ad3773142a6692b25b8")


def test_private_channel_matches_pusher_test_vector() -> None:
    assert channel_authorization(CREDENTIALS, "1234.1234", "private-foobar") == {
        "auth": "278d425bdf160c739803:"
        "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"
    }


def test_presence_channel_signs_and_returns_channel_data_as_given() -> None:
    data = '{"user_id":10,"user_info":{"name":"Mr. Channels"}}'
    answer = channel_authorization(CREDENTIALS, "1234.1234", "presence-foobar", data)
    assert answer == {
        "auth": "278d425bdf160c739803:"
        "31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80",
        "channel_data": data,
    }


def test_presence_without_channel_data_is_refused() -> None:
    with pytest.raises(ValueError, match="needs channel_data"):
        channel_authorization(CREDENTIALS, "1.2", "presence-room")


def test_encrypted_channel_gets_its_shared_secret() -> None:
    master_key = bytes(range(32))
    credentials = Credentials("k", "s", encryption_master_key=master_key)
    channel = "private-encrypted-notes"
    secret = base64.b64encode(hashlib.sha256(channel.encode() + master_key).digest()).decode()
    assert channel_authorization(credentials, "1.2", channel) == {
        "auth": sign("k", "s", f"1.2:{channel}"),
        "shared_secret": secret,
    }


def test_encrypted_channel_without_master_key_is_refused() -> None:
    with pytest.raises(ValueError, match="needs an encryption master key"):
        channel_authorization(CREDENTIALS, "1.2", "private-encrypted-notes")
