"""The baseline of the fan-out benchmark: a bare ``websockets`` server fed by Redis pub/sub.

What a Python developer would write without this library: a client names its channel
in the URL path (``/c/<channel>``) and joins that channel's set of connections; one
``redis.asyncio`` pattern subscription (``<prefix>*``) feeds ``websockets.broadcast()``
of each pub/sub message to the set of its channel (the pub/sub channel's name after the
prefix). No protocol, no authorization, no history, no presence, no limits: the floor
our server is measured against. Each pub/sub message is already the frame's text,
UTF-8 encoded, so it is broadcast as it comes (``text=True`` skips a decode and
re-encode, the fastest documented path).

Run by :mod:`tests.benchmarks.fanout` as
``python -m tests.benchmarks.bare_server --port P --redis-url URL --prefix PREFIX``.
"""

import argparse
import asyncio
import contextlib
import signal
from urllib.parse import unquote

import redis.asyncio as redis
from websockets.asyncio.server import ServerConnection, broadcast, serve

CHANNEL_PATH = "/c/"


async def run(port: int, redis_url: str, prefix: str) -> None:
    channels: dict[str, set[ServerConnection]] = {}

    async def handler(connection: ServerConnection) -> None:
        path = connection.request.path if connection.request else ""
        if not path.startswith(CHANNEL_PATH):
            await connection.close(1008, f"connect to {CHANNEL_PATH}<channel>")
            return
        name = unquote(path.removeprefix(CHANNEL_PATH))
        members = channels.setdefault(name, set())
        members.add(connection)
        try:
            await connection.wait_closed()
        finally:
            members.discard(connection)
            if not members and channels.get(name) is members:
                del channels[name]

    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.psubscribe(f"{prefix}*")
    start = len(prefix.encode())

    async def relay() -> None:
        async for message in pubsub.listen():
            members = channels.get(message["channel"][start:].decode())
            if members:
                broadcast(members, message["data"], text=True)

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    # Same as the Tornado server: no per-connection compression, default backlog.
    async with serve(handler, "127.0.0.1", port, compression=None):
        relaying = asyncio.create_task(relay())
        await stopping.wait()
        relaying.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relaying
    await pubsub.aclose()  # type: ignore[no-untyped-call]
    await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--prefix", required=True, help="pub/sub channel name prefix")
    args = parser.parse_args()
    asyncio.run(run(args.port, args.redis_url, args.prefix))


if __name__ == "__main__":
    main()
