"""Events as the application states them and messages as backends carry them.

``publish()`` turns each :class:`Event` into a :class:`Message` exactly once: the
channels are validated and the data is JSON-encoded here, so every backend sends
the same bytes and the browser sees the same ``data`` whichever backend carried it.
"""

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from .exceptions import DataTooLarge, InvalidMessage
from .protocol import Limits, validate_channels, validate_event_name, validate_socket_id

__all__ = ["Event", "Message", "encode_data"]


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    """One event to publish: used by :func:`realtime_core.publish_batch`."""

    channels: str | Iterable[str]
    name: str
    data: Any
    socket_id: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Message:
    """A validated event whose ``data`` is already the JSON text that goes on the wire."""

    channels: tuple[str, ...]
    name: str
    data: str
    socket_id: str | None = None

    @classmethod
    def from_event(cls, event: Event, limits: Limits) -> "Message":
        """Validate ``event`` against ``limits`` and encode its data once."""
        channels = validate_channels(event.channels, limits)
        validate_event_name(event.name, limits)
        validate_socket_id(event.socket_id)
        return cls._checked(channels, event.name, encode_data(event.data), event.socket_id, limits)

    @classmethod
    def from_encoded(
        cls,
        channels: str | Iterable[str],
        name: str,
        data: str,
        socket_id: str | None,
        limits: Limits,
    ) -> "Message":
        """Validate an event whose ``data`` is already text, as the HTTP API receives it."""
        checked = validate_channels(channels, limits)
        validate_event_name(name, limits)
        validate_socket_id(socket_id)
        if not isinstance(data, str):
            raise InvalidMessage(f"Event data must be a string here, got {type(data).__name__}.")
        return cls._checked(checked, name, data, socket_id, limits)

    @classmethod
    def _checked(
        cls, channels: tuple[str, ...], name: str, data: str, socket_id: str | None, limits: Limits
    ) -> "Message":
        try:
            size = len(data.encode("utf-8"))
        except UnicodeEncodeError as exc:
            raise InvalidMessage(
                f"Event {name!r} data holds text that is not valid Unicode ({exc.reason}: "
                f"{exc.object[exc.start : exc.end]!r}); it cannot be sent as UTF-8 JSON."
            ) from exc
        if size > limits.max_data_bytes:
            raise DataTooLarge(
                f"Event {name!r} data is {size} bytes of JSON; the limit is "
                f"{limits.max_data_bytes}. Publish an id and let clients fetch the rest."
            )
        return cls(channels=channels, name=name, data=data, socket_id=socket_id)


def encode_data(data: Any) -> str:
    """Encode ``data`` as compact JSON with Django's encoder (dates, Decimal, UUID, lazy text).

    Strings are encoded too (``"hi"`` becomes ``'"hi"'``), so clients always decode JSON.
    """
    try:
        return json.dumps(
            data,
            cls=DjangoJSONEncoder,
            ensure_ascii=False,
            separators=(",", ":"),
            allow_nan=False,
        )
    except (TypeError, ValueError) as exc:
        raise InvalidMessage(f"Event data is not JSON serializable: {exc}") from exc
