"""What a client's frame must be before the connection acts on it.

:func:`read_frame` turns one WebSocket message into a Pusher frame (a JSON object with
a string ``event``) or raises :class:`BadFrame` with the text of the ``pusher:error``
to answer: never an exception the handler did not expect, whatever was sent.

* Binary messages are not part of the protocol.
* The size limit counts UTF-8 bytes, as documented, not characters.
* Nesting too deep for the JSON parser is a format error, not a ``RecursionError``.
* ``\\ud800``-style escapes of lone surrogates decode to strings that cannot be encoded
  again, so they would fail later, when the server echoes them (a channel name, a
  client event, presence info): they are refused here.
"""

import json
from typing import Any

from .. import frames

__all__ = ["BadFrame", "loads_text", "message_size", "read_frame"]


class BadFrame(ValueError):
    """A frame the server ignores; the message is the ``pusher:error`` text to send."""


def utf8_size(text: str) -> int:
    """Bytes ``text`` takes in UTF-8, without encoding it when it is ASCII."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def message_size(message: str | bytes) -> int:
    """Bytes of one WebSocket message: a text message's in UTF-8."""
    return len(message) if isinstance(message, bytes) else utf8_size(message)


def read_frame(message: str | bytes, max_bytes: int) -> dict[str, Any]:
    """The frame ``message`` holds, or :class:`BadFrame` saying why it is refused."""
    if isinstance(message, bytes):
        raise BadFrame("Binary frames are not part of the protocol; send JSON text")
    size = utf8_size(message)
    if size > max_bytes:
        raise BadFrame(f"Frame of {size} bytes is over the {max_bytes} limit; it was ignored")
    try:
        frame = loads_text(message)
    except _Unencodable as refused:
        raise BadFrame(f"Invalid message format: {refused}") from None
    except ValueError:
        raise BadFrame("Invalid message format: frames are JSON objects") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("event"), str):
        raise BadFrame("Invalid message format: a frame needs a string 'event'")
    return frame


class _Unencodable(ValueError):
    pass


def loads_text(text: str) -> Any:
    """``json.loads(text)`` that only returns values the server can write again.

    Raises ``ValueError`` for invalid JSON, nesting too deep to parse, and strings
    holding lone surrogates (from ``\\ud800``-style escapes).
    """
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deep") from None
    if "\\u" in text:
        try:
            frames.compact_json(value).encode()
        except (UnicodeEncodeError, RecursionError):
            raise _Unencodable("\\u escapes of lone surrogates are not text") from None
    return value
