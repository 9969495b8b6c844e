"""Signed HTTP API requests: the documented test vector, the SDKs' quirks, forgeries."""

import hashlib
import hmac
import time
from typing import Any
from urllib.parse import urlencode

import pusher
import pytest

from realtime_core.server.api_auth import AuthenticationFailed, string_to_sign, verify_request
from realtime_core.server.config import ServerConfig

# The worked example of Pusher's HTTP API reference (signing a POST to /events).
DOC_CONFIG = ServerConfig(app_id="3", key="278d425bdf160c739803", secret="7ad3773142a6692b25b8")
DOC_BODY = b'{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}'
DOC_BODY_MD5 = "ec365a775a4cd0599faeb73354201b6f"
DOC_TIMESTAMP = 1353088179
DOC_SIGNATURE = "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c"
DOC_QUERY = (
    "auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0"
    f"&body_md5={DOC_BODY_MD5}&auth_signature={DOC_SIGNATURE}"
)
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def signed_query(
    config: ServerConfig,
    method: str,
    path: str,
    params: dict[str, str] | None = None,
    body: bytes = b"",
    timestamp: str | None = None,
    with_body_md5: bool = True,
) -> str:
    """A query string signed the way the Node SDK does it (written here independently)."""
    query = {
        **(params or {}),
        "auth_key": config.key,
        "auth_timestamp": str(int(time.time())) if timestamp is None else timestamp,
        "auth_version": "1.0",
    }
    if with_body_md5:
        query["body_md5"] = hashlib.md5(body).hexdigest()
    text = "&".join(f"{key}={query[key]}" for key in sorted(query))
    signature = hmac.new(
        config.secret.encode(), f"{method}\n{path}\n{text}".encode(), hashlib.sha256
    ).hexdigest()
    return urlencode({**query, "auth_signature": signature})


def sdk_request(method_name: str, *args: Any, secret: str = DOC_CONFIG.secret) -> Any:
    """The request the official Python SDK would send (its ``pusher.http.Request``)."""
    client = pusher.Pusher(app_id="3", key=DOC_CONFIG.key, secret=secret, ssl=False)
    return getattr(client._pusher_client, method_name).make_request(*args)


def verify_sdk(request: Any, config: ServerConfig = DOC_CONFIG) -> dict[str, str]:
    return verify_request(config, request.method, request.path, request.query_string, request.body)


def test_documented_example_string_and_signature() -> None:
    assert hashlib.md5(DOC_BODY).hexdigest() == DOC_BODY_MD5
    params = {
        "auth_key": DOC_CONFIG.key,
        "auth_timestamp": str(DOC_TIMESTAMP),
        "auth_version": "1.0",
        "body_md5": DOC_BODY_MD5,
    }
    signed = string_to_sign("POST", "/apps/3/events", params)
    assert signed == (
        "POST\n/apps/3/events\nauth_key=278d425bdf160c739803&auth_timestamp=1353088179"
        "&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f"
    )
    assert hmac.new(DOC_CONFIG.secret.encode(), signed.encode(), "sha256").hexdigest() == (
        DOC_SIGNATURE
    )


def test_documented_example_is_accepted_at_its_time() -> None:
    params = verify_request(
        DOC_CONFIG, "POST", "/apps/3/events", DOC_QUERY, DOC_BODY, now=DOC_TIMESTAMP
    )
    assert params == {
        "auth_key": DOC_CONFIG.key,
        "auth_timestamp": str(DOC_TIMESTAMP),
        "auth_version": "1.0",
        "body_md5": DOC_BODY_MD5,
    }


@pytest.mark.parametrize("skew", [-600, 600, 0])
def test_timestamps_within_the_window_pass(skew: int) -> None:
    verify_request(
        DOC_CONFIG, "POST", "/apps/3/events", DOC_QUERY, DOC_BODY, now=DOC_TIMESTAMP + skew
    )


@pytest.mark.parametrize("skew", [601, -601, 86_400])
def test_stale_and_future_timestamps_fail(skew: int) -> None:
    # now - timestamp = skew: positive is a stale request, negative one from the future.
    with pytest.raises(AuthenticationFailed, match=r"Timestamp expired.*not within 600s"):
        verify_request(
            DOC_CONFIG, "POST", "/apps/3/events", DOC_QUERY, DOC_BODY, now=DOC_TIMESTAMP + skew
        )


def test_the_window_follows_the_configuration() -> None:
    strict = ServerConfig(
        app_id="3", key=DOC_CONFIG.key, secret=DOC_CONFIG.secret, max_request_age=5
    )
    with pytest.raises(AuthenticationFailed, match="not within 5s"):
        verify_request(strict, "POST", "/apps/3/events", DOC_QUERY, DOC_BODY, now=DOC_TIMESTAMP + 6)


def test_wrong_key_fails_even_with_a_matching_signature() -> None:
    other = ServerConfig(app_id="3", key="other-key", secret=DOC_CONFIG.secret)
    with pytest.raises(AuthenticationFailed, match="Unknown auth_key '278d425bdf160c739803'"):
        verify_request(other, "POST", "/apps/3/events", DOC_QUERY, DOC_BODY, now=DOC_TIMESTAMP)


def test_wrong_secret_fails_without_revealing_the_expected_signature() -> None:
    request = sdk_request("trigger", "ch", "ev", {"a": 1}, secret="not-the-secret")
    with pytest.raises(AuthenticationFailed, match="Invalid signature") as failure:
        verify_sdk(request)
    message = str(failure.value)
    signed = string_to_sign(
        "POST",
        request.path,
        {k: v for k, v in request.query_params.items() if k != "auth_signature"},
    )
    expected = hmac.new(DOC_CONFIG.secret.encode(), signed.encode(), "sha256").hexdigest()
    assert expected not in message
    assert DOC_CONFIG.secret not in message
    assert repr(signed) in message  # what was signed: the client can compare with its own


def test_body_md5_that_does_not_match_the_body_fails() -> None:
    query = DOC_QUERY.replace(DOC_BODY_MD5, EMPTY_MD5)
    with pytest.raises(AuthenticationFailed):
        verify_request(DOC_CONFIG, "POST", "/apps/3/events", query, DOC_BODY, now=DOC_TIMESTAMP)
    query = signed_query(DOC_CONFIG, "POST", "/apps/3/events", body=b"{}")
    with pytest.raises(AuthenticationFailed, match=r"body_md5 .* does not match the body"):
        verify_request(DOC_CONFIG, "POST", "/apps/3/events", query, b"{ }")


def test_a_body_needs_body_md5() -> None:
    query = signed_query(DOC_CONFIG, "POST", "/apps/3/events", with_body_md5=False)
    with pytest.raises(AuthenticationFailed, match="body_md5 is required"):
        verify_request(DOC_CONFIG, "POST", "/apps/3/events", query, b"{}")


def test_replaying_a_valid_signature_with_another_body_fails() -> None:
    tampered = DOC_BODY.replace(b"project-3", b"project-4")
    with pytest.raises(AuthenticationFailed, match="body_md5"):
        verify_request(DOC_CONFIG, "POST", "/apps/3/events", DOC_QUERY, tampered, now=DOC_TIMESTAMP)
    # Fixing body_md5 too breaks the signature, which covers it.
    query = DOC_QUERY.replace(DOC_BODY_MD5, hashlib.md5(tampered).hexdigest())
    with pytest.raises(AuthenticationFailed, match="Invalid signature"):
        verify_request(DOC_CONFIG, "POST", "/apps/3/events", query, tampered, now=DOC_TIMESTAMP)


def test_a_signature_is_bound_to_method_and_path() -> None:
    with pytest.raises(AuthenticationFailed, match="Invalid signature"):
        verify_request(
            DOC_CONFIG, "POST", "/apps/3/batch_events", DOC_QUERY, DOC_BODY, now=DOC_TIMESTAMP
        )
    with pytest.raises(AuthenticationFailed, match="Invalid signature"):
        verify_request(DOC_CONFIG, "GET", "/apps/3/events", DOC_QUERY, DOC_BODY, now=DOC_TIMESTAMP)


def test_python_sdk_get_with_the_empty_body_md5_passes() -> None:
    request = sdk_request("channels_info", "presence-", ["user_count"])
    assert request.method == "GET"
    assert request.query_params["body_md5"] == EMPTY_MD5
    params = verify_sdk(request)
    # Unescaped, as signed: the SDK does not URL-encode values.
    assert params["filter_by_prefix"] == "presence-"
    assert params["info"] == "user_count"


def test_python_sdk_requests_pass() -> None:
    for request in [
        sdk_request("trigger", ["a", "b"], "ev", {"x": "é"}, "1.2"),
        sdk_request("trigger_batch", [{"channel": "a", "name": "e", "data": "d"}]),
        sdk_request("channel_info", "presence-x", ["user_count", "subscription_count"]),
        sdk_request("users_info", "presence-x"),
        sdk_request("terminate_user_connections", "42"),
    ]:
        verify_sdk(request)


def test_get_without_body_md5_passes_like_the_node_sdk_sends_it() -> None:
    query = signed_query(DOC_CONFIG, "GET", "/apps/3/channels", with_body_md5=False)
    assert "body_md5" not in verify_request(DOC_CONFIG, "GET", "/apps/3/channels", query, b"")


def test_values_are_signed_decoded_and_keys_lower_cased() -> None:
    raw = signed_query(DOC_CONFIG, "GET", "/apps/3/channels", {"info": "user_count,x y"})
    assert "info=user_count%2Cx+y" in raw  # urlencode escaped what was signed unescaped
    assert (
        verify_request(DOC_CONFIG, "GET", "/apps/3/channels", raw, b"")["info"] == "user_count,x y"
    )
    upper = raw.replace("auth_key=", "AUTH_KEY=").replace("info=", "Info=")
    assert (
        verify_request(DOC_CONFIG, "GET", "/apps/3/channels", upper, b"")["info"]
        == "user_count,x y"
    )


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("", "Missing query parameter.*auth_key, auth_timestamp, auth_version, auth_signature"),
        (DOC_QUERY.replace("auth_signature=", "signature="), "Missing .*auth_signature"),
        (DOC_QUERY.replace("auth_version=1.0", "auth_version=2.0"), "Unsupported auth_version"),
        (DOC_QUERY + "&auth_key=278d425bdf160c739803", "'auth_key' is given more than once"),
        (DOC_QUERY.replace("auth_timestamp=1353088179", "auth_timestamp=soon"), "Invalid sig"),
        (DOC_QUERY.replace(DOC_SIGNATURE, "%C3%A9" * 32), "Invalid signature"),
        (DOC_QUERY.replace(DOC_SIGNATURE, DOC_SIGNATURE.upper()), "Invalid signature"),
        (DOC_QUERY.replace("auth_key=", "auth_key=%FF"), "Unknown auth_key"),
    ],
)
def test_malformed_queries_fail_with_a_reason(query: str, reason: str) -> None:
    with pytest.raises(AuthenticationFailed, match=reason):
        verify_request(DOC_CONFIG, "POST", "/apps/3/events", query, DOC_BODY, now=DOC_TIMESTAMP)


def test_a_signed_but_non_numeric_timestamp_fails() -> None:
    query = signed_query(DOC_CONFIG, "GET", "/apps/3/channels", timestamp="1e9")
    with pytest.raises(AuthenticationFailed, match="auth_timestamp must be whole seconds"):
        verify_request(DOC_CONFIG, "GET", "/apps/3/channels", query, b"")


def test_signatures_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    verify_request(DOC_CONFIG, "POST", "/apps/3/events", DOC_QUERY, DOC_BODY, now=DOC_TIMESTAMP)
    assert (DOC_SIGNATURE.encode(), DOC_SIGNATURE.encode()) in compared
    compared.clear()
    forged = DOC_QUERY.replace(DOC_SIGNATURE, "0" * 64)
    with pytest.raises(AuthenticationFailed):
        verify_request(DOC_CONFIG, "POST", "/apps/3/events", forged, DOC_BODY, now=DOC_TIMESTAMP)
    assert (b"0" * 64, DOC_SIGNATURE.encode()) in compared
