"""``realtime_core.signing`` against Pusher's published vectors and the official SDK.

The vectors are the worked examples of Pusher's public authentication documentation
(recomputed with Python's ``hmac``). The SDK comparisons use seeded random inputs, so a failure
names a case that can be replayed.
"""

import base64
import hashlib
import json
import random
import string

import pusher
import pytest

from realtime_core.signing import (
    channel_string_to_sign,
    hmac_sha256_hex,
    sign,
    user_string_to_sign,
    verify,
)

KEY = "278d425bdf160c739803"
SECRET = "7ad3773142a6692b25b8"
SOCKET_ID = "1234.1234"

# The characters Pusher allows in channel names (and the SDK in user ids).
NAME_CHARS = string.ascii_letters + string.digits + "_-=@,.;"


@pytest.mark.parametrize(
    ("string_to_sign", "digest"),
    [
        pytest.param(
            channel_string_to_sign(SOCKET_ID, "private-foobar"),
            "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4",
            id="private",
        ),
        pytest.param(
            user_string_to_sign(SOCKET_ID, '{"id":"12345"}'),
            "4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba",
            id="user-signin",
        ),
        pytest.param(
            channel_string_to_sign(
                SOCKET_ID,
                "presence-foobar",
                '{"user_id":10,"user_info":{"name":"Mr. Channels"}}',
            ),
            "31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80",
            id="presence",
        ),
    ],
)
def test_published_vectors(string_to_sign: str, digest: str) -> None:
    assert hmac_sha256_hex(SECRET, string_to_sign) == digest
    assert sign(KEY, SECRET, string_to_sign) == f"{KEY}:{digest}"
    assert verify(KEY, SECRET, string_to_sign, f"{KEY}:{digest}")


def test_the_strings_to_sign_are_pusher_s() -> None:
    assert channel_string_to_sign("1.2", "private-a") == "1.2:private-a"
    assert channel_string_to_sign("1.2", "presence-a", '{"user_id": "7"}') == (
        '1.2:presence-a:{"user_id": "7"}'
    )
    assert user_string_to_sign("1.2", '{"id": "7"}') == '1.2::user::{"id": "7"}'


def test_verify_refuses_near_misses() -> None:
    string_to_sign = channel_string_to_sign(SOCKET_ID, "private-foobar")
    good = sign(KEY, SECRET, string_to_sign)
    digest = good.split(":", 1)[1]
    near_misses = [
        f"other-key:{digest}",  # the key is part of the comparison
        f":{digest}",
        digest,
        good.upper(),
        good[:-1],
        good + "0",
        good[:-1] + ("0" if good[-1] != "0" else "1"),
        f"{KEY}:{hmac_sha256_hex(SECRET, string_to_sign + ' ')}",
        "",
        None,
        ["278d425bdf160c739803", digest],
        "caf\u00e9:\udcff",  # not encodable as plain UTF-8
    ]
    assert verify(KEY, SECRET, string_to_sign, good)
    for auth in near_misses:
        assert not verify(KEY, SECRET, string_to_sign, auth), auth


def random_socket_id(rng: random.Random) -> str:
    return f"{rng.randrange(1, 10**10)}.{rng.randrange(1, 10**10)}"


def random_name(rng: random.Random, length: int = 20) -> str:
    return "".join(rng.choice(NAME_CHARS) for _ in range(rng.randint(1, length)))


def random_user_info(rng: random.Random) -> object:
    words = ["Ann", "Zoë", "李", '"quoted"', "back\\slash", "\U0001f600", "", "tab\t"]
    return {
        rng.choice(words) or "k": rng.choice([rng.choice(words), rng.randint(-9, 10**12), None]),
        "n": rng.random(),
        "list": [rng.choice(words) for _ in range(rng.randint(0, 3))],
    }


SEEDS = range(40)


@pytest.mark.parametrize("seed", SEEDS)
def test_channel_auth_agrees_with_the_sdk(seed: int) -> None:
    rng = random.Random(seed)
    key, secret = random_name(rng), random_name(rng, 40)
    sdk = pusher.Pusher(app_id=str(rng.randrange(10**6)), key=key, secret=secret)
    socket_id = random_socket_id(rng)
    private = f"private-{random_name(rng)}"
    presence = f"presence-{random_name(rng)}"
    user: dict[str, object] = {"user_id": rng.choice([random_name(rng), rng.randrange(10**9)])}
    if rng.random() < 0.8:
        user["user_info"] = random_user_info(rng)

    private_answer = sdk.authenticate(private, socket_id)
    presence_answer = sdk.authenticate(presence, socket_id, user)

    assert private_answer == {"auth": sign(key, secret, channel_string_to_sign(socket_id, private))}
    channel_data = presence_answer["channel_data"]
    assert json.loads(channel_data) == user
    assert presence_answer["auth"] == sign(
        key, secret, channel_string_to_sign(socket_id, presence, channel_data)
    )
    # What the server checks: the SDK's answers verify, and only for their own socket.
    assert verify(key, secret, channel_string_to_sign(socket_id, private), private_answer["auth"])
    assert verify(
        key,
        secret,
        channel_string_to_sign(socket_id, presence, channel_data),
        presence_answer["auth"],
    )
    other_socket = f"{socket_id}1"
    assert not verify(
        key, secret, channel_string_to_sign(other_socket, private), private_answer["auth"]
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_user_auth_agrees_with_the_sdk(seed: int) -> None:
    rng = random.Random(seed)
    key, secret = random_name(rng), random_name(rng, 40)
    sdk = pusher.Pusher(app_id="1", key=key, secret=secret)
    socket_id = random_socket_id(rng)
    user: dict[str, object] = {"id": random_name(rng)}
    if rng.random() < 0.8:
        user["user_info"] = random_user_info(rng)
    if rng.random() < 0.3:
        user["watchlist"] = [random_name(rng) for _ in range(rng.randint(0, 5))]

    answer = sdk.authenticate_user(socket_id, user)

    assert set(answer) == {"auth", "user_data"}
    assert json.loads(answer["user_data"]) == user
    string_to_sign = user_string_to_sign(socket_id, answer["user_data"])
    assert answer["auth"] == sign(key, secret, string_to_sign)
    assert verify(key, secret, string_to_sign, answer["auth"])


def test_compact_and_spaced_json_sign_differently() -> None:
    """Why the server never re-serializes channel_data: node's SDK writes compact JSON."""
    sdk = pusher.Pusher(app_id="1", key=KEY, secret=SECRET)
    user = {"user_id": "7", "user_info": {"name": "N"}}
    answer = sdk.authenticate("presence-room", SOCKET_ID, user)
    compact = json.dumps(user, separators=(",", ":"))

    assert answer["channel_data"] != compact
    assert not verify(
        KEY, SECRET, channel_string_to_sign(SOCKET_ID, "presence-room", compact), answer["auth"]
    )


def test_encrypted_channel_auth_signs_like_a_private_channel() -> None:
    master_key = bytes(range(32))
    sdk = pusher.Pusher(
        app_id="1",
        key=KEY,
        secret=SECRET,
        encryption_master_key_base64=base64.b64encode(master_key).decode(),
    )
    channel = "private-encrypted-vault"

    answer = sdk.authenticate(channel, SOCKET_ID)

    assert answer["auth"] == sign(KEY, SECRET, channel_string_to_sign(SOCKET_ID, channel))
    # The shared secret is not signed, and this SDK returns it as *bytes*: an auth view
    # must decode it before json.dumps() (which would raise TypeError on bytes).
    shared_secret = answer["shared_secret"]
    assert isinstance(shared_secret, bytes)
    expected = hashlib.sha256(channel.encode() + master_key).digest()
    assert base64.b64decode(shared_secret) == expected
    with pytest.raises(TypeError):
        json.dumps(answer)
