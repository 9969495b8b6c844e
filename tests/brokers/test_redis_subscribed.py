"""The subscribed-mode reader: RESP parsed a chunk at a time, and a real connection."""

import contextlib
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio
from hypothesis import given
from hypothesis import strategies as st
from redis.exceptions import InvalidResponse, ResponseError

from realtime_core.brokers.redis_subscribed import SubscribedConnection, parse_replies

from .contract import run


@contextlib.asynccontextmanager
async def subscribed(
    redis_url: str, protocol: int = 2
) -> AsyncIterator[tuple[redis.asyncio.Redis, SubscribedConnection]]:
    """A client of ``redis_url`` and a subscribed-mode connection opened from it."""
    client = redis.asyncio.Redis.from_url(redis_url, protocol=protocol)
    try:
        connection = await SubscribedConnection.open(client)
        try:
            yield client, connection
        finally:
            await connection.close()
    finally:
        await client.aclose()


def bulk(value: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(value), value)


def push(kind: bytes, channel: bytes, value: bytes | int, array: bytes = b"*") -> bytes:
    last = b":%d\r\n" % value if isinstance(value, int) else bulk(value)
    return b"%s3\r\n%s%s%s" % (array, bulk(kind), bulk(channel), last)


def test_messages_and_confirmations_of_either_protocol() -> None:
    stream = (
        push(b"subscribe", b"a", 1)
        + push(b"message", b"a", b"hello\r\nworld")
        + push(b"smessage", b"{a}b", b"", array=b">")
        + push(b"ssubscribe", b"{a}b", 2, array=b">")
        + b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"
        + b"+PONG\r\n"
    )
    replies, used = parse_replies(stream)
    assert used == len(stream)
    assert replies == [
        [b"subscribe", b"a", 1],
        [b"message", b"a", b"hello\r\nworld"],
        [b"smessage", b"{a}b", b""],
        [b"ssubscribe", b"{a}b", 2],
        [b"pong", b""],
        b"PONG",
    ]


def test_every_resp3_type_is_read_and_attributes_are_skipped() -> None:
    stream = (
        b"_\r\n#t\r\n,1.5\r\n(12345678901234567890\r\n=7\r\ntxt:abc\r\n"
        b"%1\r\n+k\r\n:1\r\n~2\r\n:1\r\n:2\r\n|1\r\n+ttl\r\n:3\r\n$1\r\nx\r\n$-1\r\n*-1\r\n"
    )
    replies, used = parse_replies(stream)
    assert used == len(stream)
    assert replies == [
        None, b"t", b"1.5", b"12345678901234567890", b"txt:abc",
        [b"k", 1], [1, 2], b"x", None, None,
    ]  # fmt: skip


def test_errors_are_replies_not_exceptions() -> None:
    replies, _ = parse_replies(b"-MOVED 3999 127.0.0.1:6381\r\n!9\r\nERR blob!\r\n")
    assert [type(reply) for reply in replies] == [ResponseError, ResponseError]
    assert [str(reply) for reply in replies] == ["MOVED 3999 127.0.0.1:6381", "ERR blob!"]


@pytest.mark.parametrize(
    "garbage", [b"?what\r\n", b"$x\r\n", b"*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$z\r\n", b":1.5\r\n"]
)
def test_bytes_that_are_not_resp_raise(garbage: bytes) -> None:
    with pytest.raises(InvalidResponse):
        parse_replies(garbage)


replies_strategy = st.lists(
    st.tuples(
        st.sampled_from([b"message", b"smessage", b"subscribe"]),
        st.binary(max_size=40),
        st.binary(max_size=200),
        st.sampled_from([b"*", b">"]),
    ),
    min_size=1,
    max_size=12,
)


@given(replies_strategy, st.data())
def test_a_stream_cut_anywhere_parses_to_the_same_replies(
    messages: list[tuple[bytes, bytes, bytes, bytes]], data: st.DataObject
) -> None:
    """What a connection does: parse what it has, keep the unfinished rest for the
    next chunk, wherever the chunks happen to be cut."""
    stream = b"".join(push(kind, channel, value, array) for kind, channel, value, array in messages)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    parsed, rest, start = [], b"", 0
    for cut in [*cuts, len(stream)]:
        buffer = rest + stream[start:cut]
        replies, used = parse_replies(buffer)
        parsed += replies
        rest, start = buffer[used:], cut
    assert rest == b""
    assert parsed == [[kind, channel, value] for kind, channel, value, _ in messages]


@pytest.mark.parametrize("protocol", [2, 3])
def test_a_real_connection_subscribes_and_reads_messages_larger_than_a_chunk(
    redis_url: str, protocol: int
) -> None:
    channel = f"subscribed-test-{uuid.uuid4().hex}".encode()
    large = b"x" * 300_000

    async def scenario() -> None:
        async with subscribed(redis_url, protocol) as (client, connection):
            await connection.send("SUBSCRIBE", channel)
            assert await connection.read(5) == [[b"subscribe", channel, 1]]
            for value in (b"small", large, b"after"):
                await client.publish(channel, value)
            received: list[object] = []
            while len(received) < 3:
                received += await connection.read(5)
            assert received == [
                [b"message", channel, value] for value in (b"small", large, b"after")
            ]
            await connection.send("PING")
            assert await connection.read(5) in ([[b"pong", b""]], [b"PONG"])
            with pytest.raises(TimeoutError):
                await connection.read(0.2)

    run(scenario())


def test_a_closed_connection_refuses_to_send_rather_than_reconnect(redis_url: str) -> None:
    async def scenario() -> None:
        async with subscribed(redis_url) as (_client, connection):
            await connection.close()
            with pytest.raises(redis.exceptions.ConnectionError):
                await connection.send("SUBSCRIBE", "x")

    run(scenario())


def test_redis_closing_the_connection_ends_reading(redis_url: str) -> None:
    async def scenario() -> None:
        async with subscribed(redis_url) as (client, connection):
            await connection.send("CLIENT", "ID")
            [client_id] = await connection.read(5)
            await client.client_kill_filter(_id=client_id)
            with pytest.raises(redis.exceptions.ConnectionError):
                await connection.read(5)

    run(scenario())
