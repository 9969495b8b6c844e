"""Channel name patterns written like Django URL routes: ``private-todo-list-<int:list_id>``.

Matching is Django's own (:class:`django.urls.resolvers.RoutePattern`), so the built-in
converters (``int``, ``str``, ``slug``, ``uuid``, ``path``) and any converter added with
:func:`django.urls.register_converter` work as they do in ``urls.py``: the whole channel
name must match, each captured value goes through the converter's ``to_python``, and a
``ValueError`` there means "no match". A converter must be registered before a pattern
that uses it.
"""

import re
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.urls.resolvers import RoutePattern

from .protocol import CHANNEL_NAME_RE, PRESENCE_PREFIX, PRIVATE_PREFIX

__all__ = ["ChannelPattern"]

# The ``<converter:name>`` parts, recognised as Django recognises them.
_PARAMETER_RE = re.compile(r"<(?:(?P<converter>[^>:]+):)?[^>]+>")


class ChannelPattern:
    """One ``private-`` (``private-encrypted-`` included) or ``presence-`` channel pattern.

    Raises :class:`~django.core.exceptions.ImproperlyConfigured` for a pattern that
    could never need authorization (public channels) or is malformed: an unknown
    converter, a parameter that is not an identifier, or literal text with characters
    no channel name may contain.
    """

    def __init__(self, pattern: str) -> None:
        if not isinstance(pattern, str):
            raise ImproperlyConfigured(f"A channel pattern is a string, got {pattern!r}.")
        if not pattern.startswith((PRIVATE_PREFIX, PRESENCE_PREFIX)):
            raise ImproperlyConfigured(
                f"Channel pattern {pattern!r} must start with {PRIVATE_PREFIX!r} or "
                f"{PRESENCE_PREFIX!r}: only those channels are authorized (public channels "
                "need no authorization)."
            )
        if not CHANNEL_NAME_RE.match(_PARAMETER_RE.sub("", pattern)):
            raise ImproperlyConfigured(
                f"Channel pattern {pattern!r}: outside its <converter:name> parts a pattern "
                "may contain only what channel names contain (letters, digits and _-=@,.;)."
            )
        try:
            self._route = RoutePattern(pattern, is_endpoint=True)
        except ImproperlyConfigured as exc:
            raise ImproperlyConfigured(f"Invalid channel pattern {pattern!r}: {exc}") from exc
        self.pattern = pattern

    @property
    def shape(self) -> str:
        """The pattern with parameter names dropped: two patterns of one shape match the
        same channels (``private-a-<int:x>`` and ``private-a-<int:y>`` are ``private-a-<int>``)."""
        return _PARAMETER_RE.sub(lambda part: f"<{part['converter'] or 'str'}>", self.pattern)

    @property
    def presence(self) -> bool:
        """Channels of this pattern are presence channels (their functions return members)."""
        return self.pattern.startswith(PRESENCE_PREFIX)

    def match(self, channel: str) -> dict[str, Any] | None:
        """The converted parameters when ``channel`` matches as a whole, else ``None``."""
        matched = self._route.match(channel)
        if matched is None:
            return None
        _remaining, _args, kwargs = matched
        return dict(kwargs)

    def __repr__(self) -> str:
        return f"ChannelPattern({self.pattern!r})"
