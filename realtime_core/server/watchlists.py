"""Watchlist events: who of a signed-in user's watchlist is online, as Pusher tells it.

A sign-in's ``user_data`` may carry a ``watchlist``, user ids (at most
``ServerConfig.max_watchlist_size``). When ``ServerConfig.watchlist_events`` is on, the
connection is told ``pusher_internal:watchlist_events`` right after
``pusher:signin_success``: which of them are online and which offline; then each time
one of them comes online or goes offline. A user is online while at least one of its
connections is signed in, on any server: the broker counts sign-ins across servers and
tells every server of each user's first and last one (:meth:`Broker.count_sign_in`).

What a connection is told is always the latest state, whatever the order in which the
broker's answer and its notifications arrive: the changes heard while the online state
is being read are held back and applied after it, and nothing already told is told
again. After the broker may have missed notifications (it asks the server to resync),
every watchlist is read again.
"""

import asyncio
import dataclasses
import logging
from collections.abc import Mapping, Sequence

from .. import frames
from ..brokers.base import Broker
from .outage import OutageLog
from .subscriber import Subscriber

__all__ = ["Watchlists"]

logger = logging.getLogger(__name__)

READ_RETRY_FIRST = 0.1
READ_RETRY_MAX = 2.0
"""Backoff bounds (seconds) of online-state reads while the broker is unreachable."""


@dataclasses.dataclass(slots=True)
class _Watch:
    """One connection's watchlist and what it was told of it."""

    told: dict[str, bool | None]
    """Each watched user id: online (True), offline (False) as last told; None: not yet."""
    held: list[tuple[str, bool]] | None = None
    """Changes heard while the online state is being read; None: no read under way."""
    again: bool = False
    """Read again once the read under way is done (the broker may have missed changes)."""


class Watchlists:
    """The watchlists of one server's signed-in connections (see the module docstring)."""

    def __init__(self, broker: Broker, outage: OutageLog) -> None:
        self._broker = broker
        self._outage = outage
        self._watches: dict[Subscriber, _Watch] = {}
        self._watchers: dict[str, set[Subscriber]] = {}
        """Watched user id -> the connections here watching it."""
        self._reads: set[asyncio.Task[None]] = set()

    def watch(self, connection: Subscriber, user_ids: Sequence[str]) -> None:
        """Watch ``user_ids`` for ``connection`` (instead of what it watched before):
        it is told their online state soon, then their changes."""
        self.forget(connection)
        watch = self._watches[connection] = _Watch(dict.fromkeys(user_ids))
        for user_id in watch.told:
            self._watchers.setdefault(user_id, set()).add(connection)
        self._read(connection, watch)

    def forget(self, connection: Subscriber) -> None:
        """Stop watching for ``connection`` (it closed, or signed in again)."""
        watch = self._watches.pop(connection, None)
        if watch is None:
            return
        for user_id in watch.told:
            watchers = self._watchers.get(user_id)
            if watchers is not None:
                watchers.discard(connection)
                if not watchers:
                    del self._watchers[user_id]

    def changed(self, user_id: str, online: bool) -> None:
        """``user_id`` came online or went offline (on any server): tell its watchers."""
        watchers = self._watchers.get(user_id)
        if not watchers:
            return
        frame = frames.watchlist_events([user_id] if online else [], [] if online else [user_id])
        for connection in watchers:
            watch = self._watches[connection]
            if watch.held is not None:
                watch.held.append((user_id, online))
            elif watch.told[user_id] is not online:
                watch.told[user_id] = online
                connection.send(frame)

    def refresh(self) -> None:
        """The broker may have missed changes: read every watchlist's state again."""
        for connection, watch in self._watches.items():
            self._read(connection, watch)

    async def close(self) -> None:
        """Stop the reads under way."""
        for task in list(self._reads):
            task.cancel()
        await asyncio.gather(*self._reads, return_exceptions=True)

    def _read(self, connection: Subscriber, watch: _Watch) -> None:
        if watch.held is not None:
            watch.again = True
            return
        watch.held = []
        task = asyncio.ensure_future(self._read_until_told(connection, watch))
        self._reads.add(task)
        task.add_done_callback(self._reads.discard)

    async def _read_until_told(self, connection: Subscriber, watch: _Watch) -> None:
        """Read the watched users' state (retrying while the broker is unreachable),
        tell it, then the changes held meanwhile; again if asked to meanwhile."""
        delay = READ_RETRY_FIRST
        while self._watches.get(connection) is watch:
            watch.again = False
            try:
                online = await self._broker.online_users(list(watch.told))
            except Exception as exc:
                if isinstance(exc, self._broker.unavailable_errors):
                    self._outage.failed("reading who is online", exc)
                else:
                    logger.exception("Reading who is online failed; retrying")
                await asyncio.sleep(delay)
                delay = min(2 * delay, READ_RETRY_MAX)
                continue
            self._outage.succeeded()
            held, watch.held = watch.held or [], []
            self._tell(connection, watch, {user_id: user_id in online for user_id in watch.told})
            for user_id, came_online in held:
                self._tell(connection, watch, {user_id: came_online})
            if not watch.again:
                watch.held = None
                return

    @staticmethod
    def _tell(connection: Subscriber, watch: _Watch, states: Mapping[str, bool]) -> None:
        """Send ``connection`` the states that differ from what it was told."""
        changed = {user: state for user, state in states.items() if watch.told[user] is not state}
        if changed:
            watch.told.update(changed)
            online = [user for user, state in changed.items() if state]
            offline = [user for user, state in changed.items() if not state]
            connection.send(frames.watchlist_events(online, offline))
