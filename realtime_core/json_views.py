"""What the library's JSON views share: error answers and the requesting user."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, JsonResponse

from .authorization import RequestUser

__all__ = ["json_error", "request_user"]


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
