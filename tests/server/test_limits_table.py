"""The server reference's table of limits (docs/reference/server.md) says what the code does."""

import dataclasses
import re
from pathlib import Path

from realtime_core.protocol import ErrorCode, Reconnect
from realtime_core.server import api, app, http_transport
from realtime_core.server.config import ServerConfig
from realtime_core.server.connection import SLOW_CLIENT_GRACE
from realtime_core.server.http_server import FD_RESERVE

PAGE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "server.md"
CONFIG = ServerConfig(app_id="1", key="k", secret="s")


def rows() -> list[list[str]]:
    text = PAGE.read_text()
    table = text.split("<!-- limits-table -->")[1].split("<!-- /limits-table -->")[0]
    lines = [line for line in table.strip().splitlines()[2:] if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_every_field_row_shows_the_fields_default() -> None:
    fields = {field.name for field in dataclasses.fields(ServerConfig)}
    shown = set()
    for limit, default, field, _ in rows():
        name = field.strip("`")
        if name == "(fixed)":
            continue
        assert name in fields, f"{limit}: no ServerConfig.{name}"
        shown.add(name)
        value = getattr(CONFIG, name)
        if name == "allowed_origins":
            assert value == ("*",)
            assert default == "`*` (embedded: `self`)"
        else:
            shown_value = f"{value:g}" if isinstance(value, float) else str(value)
            assert default == shown_value, f"{limit}: the page says {default}, the code {value}"
    assert {"max_frame_bytes", "max_output_bytes", "header_timeout"} <= shown


def test_the_fixed_limits_are_the_codes() -> None:
    fixed = {limit: default for limit, default, field, _ in rows() if field == "(fixed)"}
    assert fixed["one incoming message held in memory, fragments included"] == str(
        app.HARD_FRAME_LIMIT
    )
    assert fixed["API request body, bytes"] == str(api.MAX_BODY_BYTES)
    assert fixed["`xhr_send` body, bytes"] == str(http_transport.MAX_SEND_BYTES)
    assert fixed["connections per process"] == f"descriptor limit less {FD_RESERVE}"
    output = [row for row in rows() if row[2] == "`max_output_bytes`"]
    assert f"within {SLOW_CLIENT_GRACE:.0f} s" in output[0][3]


def test_every_close_code_in_the_table_is_one_clients_understand() -> None:
    codes = {int(code) for row in rows() for code in re.findall(r"\b(\d{4})\b", row[3])}
    assert codes <= {
        ErrorCode.MESSAGE_TOO_BIG,
        ErrorCode.OVER_CONNECTION_QUOTA,
        ErrorCode.OVER_CAPACITY,
        ErrorCode.PONG_NOT_RECEIVED,
        ErrorCode.LIMIT_REACHED,
        ErrorCode.WATCHLIST_LIMIT,
    }


def test_every_close_in_the_table_follows_an_error_with_its_code_and_lets_clients_back() -> None:
    closes = 0
    for limit, _, _, past_it in rows():
        for code in map(int, re.findall(r"\bclose (\d+)", past_it)):
            closes += 1
            assert f"`pusher:error` {code} and close {code}" in past_it, limit
            assert ErrorCode(code).reconnect is not Reconnect.STAYS_CONNECTED, limit
    assert closes >= 4
