"""The Pusher Channels HTTP API (``docs/explanation/protocol.md``) as Tornado handlers.

Once the app id and the body size are checked, every request's signature is verified
by :mod:`.api_auth` before anything else happens. Every answer, errors included, is a
JSON object with ``Content-Type: application/json``: ``{}`` on success,
``{"error": "...", "code": <status>}`` on failure. Status codes: 404 unknown app id,
413 body or event data too large, 401 bad signature, 400 anything else the client
got wrong, 503 while the broker (Redis) cannot be reached: nothing was published, so
the caller may retry (the outage is logged once, not per request).

``info`` attributes: ``user_count`` (presence channels) and ``subscription_count``
(other channels). ``GET .../channels`` supports only ``user_count``, and only with a
``filter_by_prefix`` starting with ``presence-``; ``GET .../channels/{name}`` rejects
an attribute that does not apply to the channel; ``/events`` and ``/batch_events``
report each attribute for the channels it applies to (the others get ``{}``).
``info=cache`` is refused: this server keeps no cache channels.
"""

import json
import logging
from http.client import responses
from types import TracebackType
from typing import Any

from tornado.web import HTTPError, stream_request_body

from ..brokers.base import Broker
from ..exceptions import DataTooLarge, InvalidMessage
from ..messages import Message
from ..protocol import PRESENCE_PREFIX, Limits, is_user_id, validate_channel_name
from .api_auth import AuthenticationFailed, verify_request
from .config import ServerConfig
from .log_budget import LogBudget
from .outage import OutageLog
from .redaction import MaskedErrorLog
from .stats import Stats

__all__ = ["ApiError", "BrokerHandler", "JsonHandler", "api_handlers"]

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
"""Bodies above this are answered 413 unread (ten 10 KB events fit with room to spare)."""
EVENT_INFO = frozenset({"user_count", "subscription_count"})
CHANNEL_INFO = frozenset({"user_count", "subscription_count", "cache"})
CHANNELS_INFO = frozenset({"user_count"})


class ApiError(HTTPError):
    """A request the API refuses: ``status`` and a message for the JSON error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status)
        self.message = message


class JsonHandler(MaskedErrorLog):
    """A handler whose every response, errors included, is a JSON object."""

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.clear_header("Server")  # no version banner

    def check_xsrf_cookie(self) -> None:
        """Server-to-server API: signed requests, no cookies, so no XSRF token."""

    def write_json(self, body: dict[str, Any]) -> None:
        self.finish(json.dumps(body))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Errors as JSON too, those Tornado raises before a handler runs included (an
        unknown method, a body it cannot parse)."""
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, ApiError):
            message = shorten(error.message)
        elif isinstance(error, HTTPError) or status_code < 500:
            message = responses.get(status_code, "Unknown error")
        else:
            message = "Internal server error; the server log has the details."
        self.write_json({"error": message, "code": status_code})



class BrokerHandler(JsonHandler):
    """A JSON handler that needs the broker: 503 while its store cannot be reached,
    reported to the server's :class:`~.outage.OutageLog` instead of one traceback each."""

    broker: Broker
    outage: OutageLog

    def unavailable(self, error: BaseException | None) -> bool:
        """Whether ``error`` says the broker's store cannot be reached."""
        return isinstance(error, self.broker.unavailable_errors)

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if value is not None and self.unavailable(value):
            self.outage.failed(f"{self.request.method} {self.request.path}", value)
            return
        super().log_exception(typ, value, tb)

    def on_finish(self) -> None:
        if self.get_status() < 500:
            self.outage.succeeded()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        if self.unavailable(error):
            self.set_status(503)
            message = "The broker (Redis) cannot be reached; nothing was done. Retry later."
            self.write_json({"error": message, "code": 503})
            return
        super().write_error(status_code, **kwargs)


@stream_request_body
class ApiHandler(BrokerHandler):
    """Base of the signed API handlers: bounded body, signature check, JSON parsing."""

    def initialize(
        self,
        config: ServerConfig,
        broker: Broker,
        stats: Stats,
        outage: OutageLog,
        refusals: LogBudget,
    ) -> None:
        self.config = config
        self.broker = broker
        self.stats = stats
        self.outage = outage
        self.refusals = refusals
        self.limits = config.limits
        self._body = bytearray()
        self._body_size = 0
        self._prepared = False

    def decode_argument(self, value: bytes, name: str | None = None) -> str:
        # Tornado would answer an undecodable path segment with 400 before reading
        # the body; kept as escapes, it reaches the handler and fails validation there.
        return value.decode("utf-8", "surrogateescape")

    def prepare(self) -> None:
        self._prepared = True

    def on_finish(self) -> None:
        super().on_finish()
        answered = self.stats.api_responses
        status = self.get_status()
        answered[status] = answered.get(status, 0) + 1

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if not self._prepared:
            # Refused before the body was read (an unknown method): Tornado closes
            # the connection, so keep-alive clients must not reuse it.
            self.set_header("Connection", "close")
        super().write_error(status_code, **kwargs)

    def data_received(self, chunk: bytes) -> None:
        # Keep at most MAX_BODY_BYTES in memory; larger bodies are only counted.
        self._body_size += len(chunk)
        if self._body_size <= MAX_BODY_BYTES:
            self._body += chunk
        else:
            self._body.clear()

    def authenticate(self, app_id: str | None) -> dict[str, str]:
        """Refuse unknown apps, oversized bodies and bad signatures; return the query."""
        if app_id is not None and app_id != self.config.app_id:
            raise ApiError(404, f"Unknown app id {shown(app_id)}.")
        if self._body_size > MAX_BODY_BYTES:
            raise ApiError(
                413, f"Request body is {self._body_size} bytes; the limit is {MAX_BODY_BYTES}."
            )
        request = self.request
        try:
            params = verify_request(
                self.config, request.method or "", request.path, request.query, bytes(self._body)
            )
        except AuthenticationFailed as exc:
            self.refusals.log(
                logging.INFO, "Refused API request %s %s: %s", request.method, request.path, exc
            )
            raise ApiError(401, str(exc)) from exc
        self.stats.api_requests += 1
        return params

    def json_body(self) -> dict[str, Any]:
        """The body as a JSON object, or 400."""
        try:
            body = json.loads(self._body)
        except (ValueError, RecursionError) as exc:
            raise ApiError(400, f"Request body is not valid JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise ApiError(400, f"Request body must be a JSON object, got {type(body).__name__}.")
        return body

    async def attributes(
        self, channel: str, wanted: frozenset[str], counts: dict[str, int]
    ) -> dict[str, int]:
        """The ``wanted`` attributes that apply to ``channel``."""
        attributes: dict[str, int] = {}
        presence = channel.startswith(PRESENCE_PREFIX)
        if "user_count" in wanted and presence:
            attributes["user_count"] = len(await self.broker.presence_members(channel))
        if "subscription_count" in wanted and not presence:
            attributes["subscription_count"] = counts.get(channel, 0)
        return attributes


def shown(value: object) -> str:
    """A client-supplied value, quoted and cut short, for an error message."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def shorten(message: str) -> str:
    """Error messages quote what the client sent; keep bodies small all the same."""
    return message if len(message) <= 1000 else f"{message[:997]}..."


def parse_info(value: object, allowed: frozenset[str]) -> frozenset[str]:
    """The attribute names in a comma-separated ``info`` value, each one ``allowed``."""
    if value is None:
        return frozenset()
    if not isinstance(value, str):
        raise ApiError(400, f"info must be a comma-separated string, got {shown(value)}.")
    names = frozenset(name.strip() for name in value.split(",") if name.strip())
    unknown = sorted(names - allowed)
    if unknown:
        raise ApiError(
            400,
            f"Unsupported info attribute(s) {', '.join(map(repr, unknown))}; "
            f"supported here: {', '.join(sorted(allowed))}.",
        )
    return names


def parse_event(
    fields: object, limits: Limits, *, batch_item: bool
) -> tuple[Message, frozenset[str]]:
    """One event of ``/events`` (``channels`` or ``channel``) or of a batch (``channel``)."""
    if not isinstance(fields, dict):
        raise ApiError(400, f"An event must be a JSON object, got {type(fields).__name__}.")
    missing = [name for name in ("name", "data") if name not in fields]
    if batch_item and "channel" not in fields:
        missing.append("channel")
    if not batch_item and ("channels" in fields) == ("channel" in fields):
        raise ApiError(400, "Give exactly one of channels (an array) or channel (a string).")
    if missing:
        raise ApiError(400, f"Missing required field(s): {', '.join(missing)}.")
    channels = fields["channel"] if "channel" in fields else fields["channels"]
    if "channel" in fields and not isinstance(channels, str):
        raise ApiError(400, f"channel must be a string, got {shown(channels)}.")
    if "channels" in fields and not isinstance(channels, list):
        raise ApiError(400, f"channels must be an array of names, got {shown(channels)}.")
    info = parse_info(fields.get("info"), EVENT_INFO)
    try:
        message = Message.from_encoded(
            channels, fields["name"], fields["data"], fields.get("socket_id"), limits
        )
    except DataTooLarge as exc:
        raise ApiError(413, str(exc)) from exc
    except InvalidMessage as exc:
        raise ApiError(400, str(exc)) from exc
    return message, info


class EventsHandler(ApiHandler):
    """``POST /apps/{app_id}/events``: one event on 1-100 channels."""

    async def post(self, app_id: str) -> None:
        self.authenticate(app_id)
        message, info = parse_event(self.json_body(), self.limits, batch_item=False)
        await self.broker.publish([message])
        if not info:
            self.write_json({})
            return
        counts = await self.broker.subscription_counts()
        channels = {name: await self.attributes(name, info, counts) for name in message.channels}
        self.write_json({"channels": channels})


class BatchEventsHandler(ApiHandler):
    """``POST /apps/{app_id}/batch_events``: up to 10 events, published together."""

    async def post(self, app_id: str) -> None:
        self.authenticate(app_id)
        batch = self.json_body().get("batch")
        if not isinstance(batch, list) or not 1 <= len(batch) <= self.limits.max_batch_size:
            raise ApiError(
                400, f"batch must be an array of 1 to {self.limits.max_batch_size} events."
            )
        events = []
        for index, item in enumerate(batch):
            try:
                events.append(parse_event(item, self.limits, batch_item=True))
            except ApiError as exc:
                raise ApiError(exc.status_code, f"batch[{index}]: {exc.message}") from exc
        await self.broker.publish([message for message, _ in events])
        if not any(info for _, info in events):
            self.write_json({})
            return
        counts = await self.broker.subscription_counts()
        results = [await self.attributes(m.channels[0], info, counts) for m, info in events]
        self.write_json({"batch": results})


class ChannelsHandler(ApiHandler):
    """``GET /apps/{app_id}/channels``: occupied channels, optionally by prefix."""

    async def get(self, app_id: str) -> None:
        params = self.authenticate(app_id)
        prefix = params.get("filter_by_prefix", "")
        info = parse_info(params.get("info"), CHANNELS_INFO)
        if info and not prefix.startswith(PRESENCE_PREFIX):
            raise ApiError(400, "info=user_count needs filter_by_prefix starting with 'presence-'.")
        counts = await self.broker.subscription_counts()
        occupied = sorted(
            name for name, count in counts.items() if count and name.startswith(prefix)
        )
        channels = {name: await self.attributes(name, info, counts) for name in occupied}
        self.write_json({"channels": channels})


class ChannelHandler(ApiHandler):
    """``GET /apps/{app_id}/channels/{channel}``: ``occupied`` and requested counts."""

    async def get(self, app_id: str, channel: str) -> None:
        params = self.authenticate(app_id)
        check_channel(channel, self.limits)
        info = parse_info(params.get("info"), CHANNEL_INFO)
        presence = channel.startswith(PRESENCE_PREFIX)
        if "cache" in info:
            raise ApiError(400, "info=cache is not supported: this server keeps no cache channels.")
        if "user_count" in info and not presence:
            raise ApiError(400, "info=user_count applies only to presence- channels.")
        if "subscription_count" in info and presence:
            raise ApiError(
                400, "info=subscription_count does not apply to presence- channels; use user_count."
            )
        counts = await self.broker.subscription_counts()
        body: dict[str, Any] = {"occupied": counts.get(channel, 0) > 0}
        body.update(await self.attributes(channel, info, counts))
        self.write_json(body)


class ChannelUsersHandler(ApiHandler):
    """``GET /apps/{app_id}/channels/{channel}/users``: a presence channel's members."""

    async def get(self, app_id: str, channel: str) -> None:
        self.authenticate(app_id)
        check_channel(channel, self.limits)
        if not channel.startswith(PRESENCE_PREFIX):
            raise ApiError(400, f"Users are listed only for presence- channels, not {channel!r}.")
        members = await self.broker.presence_members(channel)
        self.write_json({"users": [{"id": user_id} for user_id in members]})


class TerminateConnectionsHandler(ApiHandler):
    """``POST [/apps/{app_id}]/users/{user_id}/terminate_connections``.

    The Python SDK 3.3 calls the path without ``/apps/{app_id}``.
    """

    async def post(self, user_id: str, app_id: str | None = None) -> None:
        self.authenticate(app_id)
        longest = self.config.max_user_id_length
        if not is_user_id(user_id, longest):
            raise ApiError(
                400,
                f"Invalid user id {shown(user_id)}: signed-in user ids are 1-{longest} letters, "
                "digits and _-=@,.;",
            )
        await self.broker.terminate_user(user_id)
        self.write_json({})


def check_channel(channel: str, limits: Limits) -> None:
    """400 unless ``channel`` (from the path) is a valid channel name."""
    try:
        validate_channel_name(channel, limits)
    except InvalidMessage as exc:
        raise ApiError(400, str(exc)) from exc


def api_handlers(
    config: ServerConfig, broker: Broker, stats: Stats, outage: OutageLog, refusals: LogBudget
) -> list[tuple[Any, ...]]:
    """Routes of the HTTP API, ready for ``tornado.web.Application``; ``refusals`` logs
    refused requests within a budget."""
    deps = {
        "config": config,
        "broker": broker,
        "stats": stats,
        "outage": outage,
        "refusals": refusals,
    }
    app = r"/apps/(?P<app_id>[^/]+)"
    return [
        (rf"{app}/events", EventsHandler, deps),
        (rf"{app}/batch_events", BatchEventsHandler, deps),
        (rf"{app}/channels", ChannelsHandler, deps),
        (rf"{app}/channels/(?P<channel>[^/]+)", ChannelHandler, deps),
        (rf"{app}/channels/(?P<channel>[^/]+)/users", ChannelUsersHandler, deps),
        (
            rf"{app}/users/(?P<user_id>[^/]+)/terminate_connections",
            TerminateConnectionsHandler,
            deps,
        ),
        (r"/users/(?P<user_id>[^/]+)/terminate_connections", TerminateConnectionsHandler, deps),
    ]
