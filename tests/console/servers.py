"""Socket servers and clients for the console's tests, stopped without leaving tasks.

A server stopped right after its clients close may still be cleaning up after them
(leaving channels, writing counts to Redis): its loop would then close under those
tasks, and their sockets and coroutines be collected later, in another test, as
unraisable warnings. :meth:`Sockets.stop` closes a server's clients, waits until the
server has forgotten them, and only then stops it.
"""

import asyncio
from collections.abc import Callable
from typing import Any

from realtime_core.server.config import ServerConfig
from realtime_core.server.hub import Hub
from tests.server.pusher_client import PusherTestClient
from tests.server_harness import ServerThread

CLEANUP = "ClientProtocol._cleanup"
"""The coroutine a server runs for each closed connection."""


async def forgotten(hub: Hub, socket_ids: set[str]) -> None:
    """Return once ``hub`` has removed those connections and no cleanup is running."""

    def cleaning() -> bool:
        return any(
            task.get_coro().__qualname__ == CLEANUP
            for task in asyncio.all_tasks()
            if not task.done()
        )

    while socket_ids & hub.connections.keys() or cleaning():
        await asyncio.sleep(0.01)


class Sockets:
    """Socket servers and the clients connected to them, all stopped at the end."""

    def __init__(self) -> None:
        self.servers: list[ServerThread] = []
        self.clients: list[tuple[ServerThread, PusherTestClient]] = []

    def serve(
        self, config: ServerConfig, broker: Callable[[], Any], port: int | None = None
    ) -> ServerThread:
        server = ServerThread(config, broker, port=port)
        self.servers.append(server)
        return server

    def connect(
        self, server: ServerThread, *channels: str, user: str | None = None
    ) -> PusherTestClient:
        """A client of ``server`` subscribed to ``channels`` (as ``user`` on presence ones)."""
        client = PusherTestClient(server.ws_url, server.config)
        self.clients.append((server, client))
        for channel in channels:
            reply = client.subscribe(channel, user_id=user, info={"name": f"user {user}"})
            assert reply["event"] == "pusher_internal:subscription_succeeded", reply
        return client

    def stop(self, server: ServerThread) -> None:
        """Close ``server``'s clients, wait until it has forgotten them, then stop it."""
        leaving = [pair for pair in self.clients if pair[0] is server]
        for pair in leaving:
            pair[1].close()
            self.clients.remove(pair)
        server.call(forgotten(server.server.hub, {client.socket_id for _, client in leaving}))
        self.servers.remove(server)
        server.stop()

    def close(self) -> None:
        for server in list(self.servers):
            self.stop(server)
