"""What the server's logs never show: the values that would let a reader replay a request.

The HTTP API's ``auth_signature`` stays valid for 600 s, and an ``auth`` value is a
channel signature; both travel in query strings, which Tornado logs as they came.
"""

import urllib.parse
from types import TracebackType

from tornado.log import gen_log
from tornado.web import HTTPError, RequestHandler

__all__ = ["SECRET_PARAMETERS", "MaskedErrorLog", "log_http_error", "masked_uri"]

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


def log_http_error(handler: RequestHandler, error: HTTPError) -> None:
    """Log ``error`` as Tornado's ``log_exception`` would, but with the URI masked:
    Tornado's own line shows it raw, signatures included (see :class:`MaskedErrorLog`)."""
    if not error.log_message:
        return
    request = handler.request
    gen_log.warning(
        "%d %s %s (%s): %s",
        error.status_code,
        request.method,
        masked_uri(request.uri or ""),
        request.remote_ip,
        error.log_message % error.args if error.args else error.log_message,
    )


class MaskedErrorLog(RequestHandler):
    """Mixed into every handler of the server: ``HTTPError`` lines with the URI masked."""

    __slots__ = ()

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(value, HTTPError):
            log_http_error(self, value)
            return
        super().log_exception(typ, value, tb)
