"""What the library's JSON views share: error answers, bodies and the requesting user."""

import json
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, JsonResponse

from .authorization import RequestUser

__all__ = ["BadRequest", "json_body", "json_error", "request_user"]


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
