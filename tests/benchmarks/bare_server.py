"""The baseline of the fan-out benchmark: a bare ``websockets`` server fed by Redis pub/sub.

What a Python developer would write without this library: every connection joins one
set, one ``redis.asyncio`` subscription feeds ``websockets.broadcast()``. No protocol,
no authorization, no history, no limits: the floor our server is measured against.
Each pub/sub message is already the frame's text, UTF-8 encoded, so it is broadcast
as it comes (``text=True`` skips a decode and re-encode, the fastest documented path).

Run by :mod:`tests.benchmarks.fanout` as
``python -m tests.benchmarks.bare_server --port P --redis-url URL --channel NAME``.
"""

import argparse
import asyncio
import contextlib
import signal

import redis.asyncio as redis
from websockets.asyncio.server import ServerConnection, broadcast, serve


async def run(port: int, redis_url: str, channel: str) -> None:
    connections: set[ServerConnection] = set()

    async def handler(connection: ServerConnection) -> None:
        connections.add(connection)
        try:
            await connection.wait_closed()
        finally:
            connections.discard(connection)

    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel)

    async def relay() -> None:
        async for message in pubsub.listen():
            broadcast(connections, message["data"], text=True)

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
    parser.add_argument("--channel", required=True)
    args = parser.parse_args()
    asyncio.run(run(args.port, args.redis_url, args.channel))


if __name__ == "__main__":
    main()
