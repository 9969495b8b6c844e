"""The socket URL checked is the one ``realtime.js`` opens for the same config."""

from typing import Any

import pytest

from realtime_core.diagnostics.socket_probe import shown_url, socket_url


@pytest.mark.parametrize(
    ("config", "page", "expected"),
    [
        (
            {"key": "k", "wsHost": "ws.example.com", "wsPort": 6001},
            None,
            "ws://ws.example.com:6001",
        ),
        (
            {
                "key": "k",
                "wsHost": "ws.example.com",
                "wsPort": 80,
                "wssPort": 8443,
                "forceTLS": True,
            },
            None,
            "wss://ws.example.com:8443",
        ),
        ({"key": "k", "wsHost": "ws.example.com"}, None, "ws://ws.example.com:80"),
        ({"key": "k", "wsHost": "::1", "wsPort": 6001}, None, "ws://[::1]:6001"),
        ({"key": "k", "cluster": "eu"}, None, "wss://ws-eu.pusher.com:443"),
        ({"key": "k", "cluster": "eu", "forceTLS": False}, None, "ws://ws-eu.pusher.com:80"),
        ({"key": "k"}, "http://127.0.0.1:8000", "ws://127.0.0.1:8000"),
        ({"key": "k"}, "https://app.example.com", "wss://app.example.com"),
    ],
)
def test_address_rules(config: dict[str, Any], page: str | None, expected: str) -> None:
    assert shown_url(socket_url(config, page)) == f"{expected}/app/k"


def test_path_key_and_query() -> None:
    url = socket_url({"key": "a key/1", "wsHost": "h", "wsPort": 1, "wsPath": "/ws/"})
    assert url.startswith("ws://h:1/ws/app/a%20key%2F1?protocol=7&client=realtime-check&version=")


def test_a_config_without_an_address_outside_a_page_is_refused() -> None:
    with pytest.raises(ValueError, match="neither wsHost nor cluster"):
        socket_url({"key": "k"})
