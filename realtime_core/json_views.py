"""Internal: what the library's JSON views share: error answers, bodies and the requesting user."""

import json
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest as DjangoBadRequest
from django.core.exceptions import (
    ImproperlyConfigured,
    PermissionDenied,
    SuspiciousOperation,
)
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.log import log_response

from .authorization import RequestUser

__all__ = ["BadRequest", "json_body", "json_error", "json_errors", "request_user"]

SERVER_ERROR = "Server error: the request could not be completed."
"""The message of the 500 answered for an unexpected exception; the details go to the logs."""

# What Django answers itself with a 4xx (see django.core.handlers.exception): not errors
# of the view, so they keep Django's own handling.
_CLIENT_ERRORS = (
    Http404,
    PermissionDenied,
    MultiPartParserError,
    DjangoBadRequest,
    SuspiciousOperation,
)


class BadRequest(Exception):
    """Raised inside a view to answer 400 with this message."""


def json_error(
    status: int, message: str, errors: Mapping[str, list[str]] | None = None
) -> JsonResponse:
    """``{"error": message}`` (plus ``"errors"`` per field, when given) with ``status``."""
    body: dict[str, Any] = {"error": message}
    if errors is not None:
        body["errors"] = errors
    return JsonResponse(body, status=status)


def request_user(request: HttpRequest) -> RequestUser:
    """``request.user``, or a configuration error saying which middleware provides it."""
    try:
        return request.user
    except AttributeError:
        raise ImproperlyConfigured(
            "realtime_core's views need request.user: add "
            "'django.contrib.auth.middleware.AuthenticationMiddleware' to MIDDLEWARE."
        ) from None


def json_body(request: HttpRequest) -> object:
    """The request body decoded as JSON; :class:`BadRequest` when it is not JSON."""
    try:
        return json.loads(request.body)
    # UnicodeDecodeError is a ValueError; RecursionError: nested past the parser's limit.
    except (ValueError, RecursionError):
        raise BadRequest("The request body is not valid JSON.") from None


def json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a JSON view: an unexpected exception answers ``{"error": SERVER_ERROR}``
    with status 500, whatever ``DEBUG`` says, instead of Django's HTML error page.

    The exception is reported as Django reports it: ``got_request_exception`` is sent
    (error trackers and the test client hear it) and it is logged with its traceback on
    ``django.request`` (``ADMINS`` emails). ``DEBUG_PROPAGATE_EXCEPTIONS`` lets it
    propagate instead, and the exceptions Django answers with a 4xx keep Django's handling.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except _CLIENT_ERRORS:
            raise
        except Exception as exc:
            if settings.DEBUG_PROPAGATE_EXCEPTIONS:
                raise
            return _server_error(request, exc)

    return wrapper


def _server_error(request: HttpRequest, exc: Exception) -> JsonResponse:
    """What Django's handler does for an uncaught exception, with a JSON answer."""
    got_request_exception.send(sender=None, request=request)
    response = json_error(500, SERVER_ERROR)
    # Marks the answer as logged, so Django's handler does not log it again.
    log_response(
        "%s: %s",
        response.reason_phrase,
        request.path,
        response=response,
        request=request,
        exception=exc,
    )
    return response
