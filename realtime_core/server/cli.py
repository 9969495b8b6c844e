"""``realtime-server``: run the socket server without a Django project.

Every option can also come from the environment (``REALTIME_APP_ID``, ``REALTIME_KEY``,
``REALTIME_SECRET``, ``REALTIME_REDIS_URL``, ``REALTIME_HOST``, ``REALTIME_PORT``,
``REALTIME_CLIENT_EVENTS``, ``REALTIME_SUBSCRIPTION_COUNT_EVENTS``,
``REALTIME_WATCHLIST_EVENTS``...), so a container needs no arguments. With a Redis URL,
any number of these processes serve one app together; without one, a single
process serves it from memory.
"""

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence

from tornado.netutil import bind_sockets

from ..brokers.base import Broker
from ..brokers.in_process import InProcessBroker, InProcessExchange
from ..positions import DEFAULT_HISTORY_SIZE, DEFAULT_HISTORY_TTL, HistoryLimits
from ..protocol import DEFAULT_WEBHOOK_EVENTS, WEBHOOK_EVENTS
from .config import ServerConfig
from .runner import RealtimeServer, serve_forever
from .workers import Supervisor

__all__ = ["main"]


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"REALTIME_{name}", default)


def _flag(name: str) -> bool:
    """A switch from the environment: ``1``, ``true`` or ``yes`` turn it on."""
    return _env(name, "") in {"1", "true", "yes"}


def _optional_int(name: str) -> int | None:
    value = _env(name)
    return None if not value else int(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="realtime-server",
        description="Pusher-protocol WebSocket server and HTTP API for django-realtime-core.",
    )
    parser.add_argument("--app-id", default=_env("APP_ID"), help="numeric app id (REALTIME_APP_ID)")
    parser.add_argument("--key", default=_env("KEY"), help="app key (REALTIME_KEY)")
    parser.add_argument("--secret", default=_env("SECRET"), help="app secret (REALTIME_SECRET)")
    parser.add_argument(
        "--redis-url",
        default=_env("REDIS_URL"),
        help="share channels and presence with other servers through this Redis: "
        "redis://, rediss://, unix://, redis+sentinel://host:port[,host:port]/service or "
        "redis+cluster://host:port[,host:port] (REALTIME_REDIS_URL); without it this "
        "process serves alone",
    )
    parser.add_argument("--key-prefix", default=_env("KEY_PREFIX", "realtime"))
    parser.add_argument(
        "--node-timeout",
        type=float,
        default=float(_env("NODE_TIMEOUT", "15") or 15),
        help="seconds after which a silent server's presence members are removed "
        "(REALTIME_NODE_TIMEOUT, default 15; heartbeats go out three times as often)",
    )
    parser.add_argument(
        "--history-size",
        type=int,
        default=int(_env("HISTORY_SIZE", str(DEFAULT_HISTORY_SIZE)) or DEFAULT_HISTORY_SIZE),
        help="events kept per channel for recovery (REALTIME_HISTORY_SIZE, default "
        f"{DEFAULT_HISTORY_SIZE}); the same as Django's HISTORY_SIZE",
    )
    parser.add_argument(
        "--history-ttl",
        type=int,
        default=int(_env("HISTORY_TTL", str(DEFAULT_HISTORY_TTL)) or DEFAULT_HISTORY_TTL),
        help="seconds an event stays replayable (REALTIME_HISTORY_TTL, default "
        f"{DEFAULT_HISTORY_TTL}); the same as Django's HISTORY_TTL",
    )
    parser.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(_env("PORT", "6001") or 6001))
    parser.add_argument(
        "--client-events",
        action="store_true",
        default=_flag("CLIENT_EVENTS"),
        help="accept client- events on private and presence channels (REALTIME_CLIENT_EVENTS)",
    )
    parser.add_argument(
        "--subscription-count-events",
        action="store_true",
        default=_flag("SUBSCRIPTION_COUNT_EVENTS"),
        help="send subscribers pusher_internal:subscription_count when their channel's count "
        "changes, as Pusher does when an app enables it; presence channels excepted "
        "(REALTIME_SUBSCRIPTION_COUNT_EVENTS; the same on every server)",
    )
    parser.add_argument(
        "--watchlist-events",
        action="store_true",
        default=_flag("WATCHLIST_EVENTS"),
        help="tell signed-in connections who of their user_data watchlist is online, as "
        "Pusher does when an app enables it (REALTIME_WATCHLIST_EVENTS; the same on every "
        "server)",
    )
    parser.add_argument(
        "--allowed-origin",
        action="append",
        dest="allowed_origins",
        help="an Origin allowed to open sockets, or 'self' for the serving host (repeat; "
        "default: any)",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=_optional_int("MAX_CONNECTIONS"),
        help="WebSocket connections this process accepts, then 4100 (REALTIME_MAX_CONNECTIONS; "
        "default: no cap)",
    )
    parser.add_argument(
        "--max-connections-per-address",
        type=int,
        default=_optional_int("MAX_CONNECTIONS_PER_ADDRESS"),
        help="WebSocket connections from one client address, then 4004 "
        "(REALTIME_MAX_CONNECTIONS_PER_ADDRESS; default: no cap)",
    )
    parser.add_argument(
        "--max-pending-per-address",
        type=int,
        default=_optional_int("MAX_PENDING_PER_ADDRESS"),
        help="plain HTTP connections one peer address may hold open (slowloris), then new "
        "ones are closed (REALTIME_MAX_PENDING_PER_ADDRESS; default: no cap; not behind a proxy)",
    )
    parser.add_argument(
        "--webhook-url",
        default=_env("WEBHOOK_URL", "") or None,
        help="POST Pusher-format webhooks there, e.g. the site's /realtime/webhooks/ "
        "(REALTIME_WEBHOOK_URL; default: none)",
    )
    parser.add_argument(
        "--webhook-event",
        action="append",
        dest="webhook_events",
        choices=sorted(WEBHOOK_EVENTS),
        help="a kind of webhook event to send (repeat; REALTIME_WEBHOOK_EVENTS, comma-"
        f"separated; default: {', '.join(sorted(DEFAULT_WEBHOOK_EVENTS))})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(_env("WORKERS", "1") or 1),
        help="server processes sharing the address, forked by a supervisor (REALTIME_WORKERS, "
        "default 1; more needs --redis-url); SIGHUP restarts them one at a time",
    )
    parser.add_argument(
        "--worker-port",
        type=int,
        default=_optional_int("WORKER_PORT"),
        help="with --workers: worker i also listens on this port + i, for scraping /metrics "
        "and /stats per worker (REALTIME_WORKER_PORT; default: none)",
    )
    parser.add_argument("--log-level", default=_env("LOG_LEVEL", "INFO"))
    return parser


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    missing = [name for name in ("app_id", "key", "secret") if not getattr(args, name)]
    if missing:
        flags = ", ".join("--" + name.replace("_", "-") for name in missing)
        raise SystemExit(f"realtime-server: missing {flags} (or REALTIME_* environment variables)")
    try:
        return ServerConfig(
            app_id=args.app_id,
            key=args.key,
            secret=args.secret,
            client_events=args.client_events,
            subscription_count_events=args.subscription_count_events,
            watchlist_events=args.watchlist_events,
            allowed_origins=tuple(args.allowed_origins or ("*",)),
            max_connections=args.max_connections,
            max_connections_per_address=args.max_connections_per_address,
            max_pending_per_address=args.max_pending_per_address,
            webhook_url=args.webhook_url,
            webhook_events=_webhook_events(args.webhook_events),
        )
    except ValueError as exc:
        raise SystemExit(f"realtime-server: {exc}") from None


def _webhook_events(flags: list[str] | None) -> frozenset[str]:
    """The kinds given as flags, else in REALTIME_WEBHOOK_EVENTS, else the default."""
    if flags:
        return frozenset(flags)
    listed = [name.strip() for name in (_env("WEBHOOK_EVENTS") or "").split(",") if name.strip()]
    return frozenset(listed) if listed else DEFAULT_WEBHOOK_EVENTS


def make_broker(args: argparse.Namespace, config: ServerConfig) -> Broker:
    if args.redis_url:
        # Redis is an optional dependency: imported only when a URL asks for it.
        from ..brokers.redis import RedisBroker

        return RedisBroker(
            args.redis_url,
            app_id=config.app_id,
            key_prefix=args.key_prefix,
            history_size=args.history_size,
            history_ttl=args.history_ttl,
            node_timeout=args.node_timeout,
        )
    return InProcessBroker(InProcessExchange(HistoryLimits(args.history_size, args.history_ttl)))


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    process = " [%(process)d]" if args.workers > 1 else ""
    logging.basicConfig(
        level=args.log_level.upper(),
        format=f"%(asctime)s{process} %(levelname)s %(name)s: %(message)s",
    )
    config = config_from_args(args)
    if args.history_size < 1 or args.history_ttl < 1:
        raise SystemExit("realtime-server: --history-size and --history-ttl must be positive")
    if args.node_timeout <= 0:
        raise SystemExit("realtime-server: --node-timeout must be positive")
    if args.workers < 1:
        raise SystemExit("realtime-server: --workers must be at least 1")
    if args.worker_port is not None and args.workers == 1:
        raise SystemExit("realtime-server: --worker-port is for --workers 2 or more")
    if args.workers > 1 and not args.redis_url:
        raise SystemExit(
            "realtime-server: --workers shares channels and presence through Redis: "
            "give --redis-url too"
        )
    if args.redis_url:
        # Redis is optional: imported when asked for.
        from ..brokers.redis_schema import RedisKeys
        from ..brokers.redis_urls import check_url

        try:
            check_url(args.redis_url)
        except ValueError as exc:
            raise SystemExit(f"realtime-server: --redis-url: {exc}") from None
        try:
            RedisKeys.for_app(config.app_id, args.key_prefix)
        except ValueError as exc:
            raise SystemExit(f"realtime-server: --key-prefix: {exc}") from None

    # Several workers each listen on the address (SO_REUSEPORT): the kernel spreads
    # new connections over them evenly.
    reuse_port = args.workers > 1
    try:
        sockets = bind_sockets(args.port, args.host, reuse_port=reuse_port)
    except OSError as exc:
        sys.exit(f"realtime-server: cannot serve on {args.host}:{args.port}: {exc}")

    async def run(ready: Callable[[], None] | None = None) -> None:
        server = RealtimeServer(config, make_broker(args, config))
        await serve_forever(server, sockets, ready=ready)

    if args.workers == 1:
        asyncio.run(run())
        return

    # The supervisor must not listen (the kernel would hand it connections it never
    # accepts): it checked the address above, and each worker binds its own socket.
    port = sockets[0].getsockname()[1]
    for bound in sockets:
        bound.close()

    def worker(index: int, ready: Callable[[], None]) -> int:
        nonlocal sockets
        sockets = bind_sockets(port, args.host, reuse_port=True)
        if args.worker_port is not None:
            # reuse_port: a replacement binds before the worker it replaces has left.
            sockets += bind_sockets(args.worker_port + index, args.host, reuse_port=True)
        asyncio.run(run(ready))
        return 0

    sys.exit(Supervisor(args.workers, worker).run())
