"""What the server's logs never show: the values that would let a reader replay a request.

The HTTP API's ``auth_signature`` stays valid for 600 s, and an ``auth`` value is a
channel signature; both travel in query strings, which Tornado logs as they came.
"""

import urllib.parse

__all__ = ["SECRET_PARAMETERS", "masked_uri"]

SECRET_PARAMETERS = frozenset({"auth_signature", "auth"})
"""Query parameters the logs never show."""


def masked_uri(uri: str) -> str:
    """``uri`` with the values of :data:`SECRET_PARAMETERS` replaced by ``***``."""
    path, separator, query = uri.partition("?")
    if not separator:
        return uri
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    shown = [(name, "***" if name in SECRET_PARAMETERS else value) for name, value in pairs]
    return f"{path}?{urllib.parse.urlencode(shown, safe='*:,')}"
