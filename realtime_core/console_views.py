"""The debug console: a staff-only page of the sockets' state and a live event log.

``path("realtime/", include("realtime_core.urls"))`` serves it at ``realtime/console/``
(``realtime_core:console``). It shows the socket servers with their connections, the
occupied channels with their subscriptions and the presence channels' members, as the
configured backend tells them (:meth:`~realtime_core.backends.base.Backend.inspect`),
read again every few seconds from ``realtime/console/snapshot/``
(``realtime_core:console-snapshot``). With ``REALTIME_CONSOLE = True`` it also shows a
live log of publishes, lifecycle events and webhooks as they happen
(:mod:`realtime_core.console_feed`), which it receives over the backend's own delivery.

Only active staff users see either: anyone else is sent to the login page (the admin's
when ``django.contrib.admin`` is installed, else ``LOGIN_URL``), or refused with 403
once logged in. Nothing of the backend's options is shown, so no secret: the page has
what ``{% realtime_client %}`` gives every page, and the state the backend tells.

The snapshot endpoint takes ``?channel=`` (a channel pattern where ``*`` stands for any
characters) and answers:

==========  =================================================================================
Status      Body
==========  =================================================================================
200         ``{"backend", "inspection"}``: the :class:`~realtime_core.inspection.Inspection`
            as JSON, its channels and members filtered by the pattern
400         ``{"error": …}``: a pattern with characters no channel name has
403         ``{"error": …}``: not logged in as an active staff user
501         ``{"backend", "error"}``: the backend cannot be inspected
503         ``{"backend", "error"}``: what the backend reads (Redis, Pusher's API) failed
==========  =================================================================================
"""

import dataclasses
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import conf, console_feed
from .console import may_read
from .exceptions import RealtimeError, UnsupportedFeature
from .inspection import Inspection
from .json_views import json_error, json_errors, request_user
from .publishing import get_backend

__all__ = ["REFRESH_SECONDS", "console", "console_snapshot"]

REFRESH_SECONDS = 5
"""How often the page reads a new snapshot."""

_PATTERN = re.compile(r"\A[-a-zA-Z0-9_=@,.;#*]{0,200}\Z")
"""A channel pattern: the characters of channel names, and ``*``."""

_ADMIN = "django.contrib.admin"


def _admin_url(name: str) -> str | None:
    """The URL of admin view ``name``, when the admin is installed and routed."""
    if not apps.is_installed(_ADMIN):
        return None
    try:
        return reverse(f"admin:{name}")
    except NoReverseMatch:
        return None


def _staff_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve ``view`` to active staff; send others to log in, or refuse them (403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request_user(request)
        if may_read(user):
            return view(request, *args, **kwargs)
        if user.is_authenticated:
            raise PermissionDenied("The debug console is for staff users.")
        login_url = _admin_url("login") or str(settings.LOGIN_URL)
        return redirect_to_login(request.get_full_path(), login_url)

    return wrapper


@require_GET
@never_cache
@_staff_page
def console(request: HttpRequest) -> HttpResponse:
    """The console page: the admin's look when the admin is installed."""
    backend = get_backend()
    context: dict[str, Any] = {}
    admin_index = _admin_url("index")
    if admin_index is not None:
        from django.contrib import admin

        context |= admin.site.each_context(request)
    context |= {
        "title": "Realtime console",
        "base_template": "realtime_core/console_base.html"
        if admin_index is None
        else "admin/base_site.html",
        "admin_index": admin_index,
        "backend": backend.name,
        "live": conf.console_enabled(),
        "console_setting": conf.CONSOLE_SETTING,
        "console_config": {
            "snapshot": reverse("realtime_core:console-snapshot"),
            "channel": console_feed.CHANNEL,
            "kinds": list(console_feed.KINDS),
            "live": conf.console_enabled(),
            "refresh": REFRESH_SECONDS * 1000,
        },
    }
    return render(request, "realtime_core/console.html", context)


def _filtered(inspection: Inspection, pattern: str) -> Inspection:
    """``inspection``'s channels and members whose name matches ``pattern``."""
    parts = map(re.escape, pattern.split("*"))
    matches = re.compile(r"\A" + ".*".join(parts) + r"\Z").match
    return dataclasses.replace(
        inspection,
        channels=tuple(channel for channel in inspection.channels if matches(channel.name)),
        members={name: users for name, users in inspection.members.items() if matches(name)},
    )


@require_GET
@never_cache
@json_errors
def console_snapshot(request: HttpRequest) -> HttpResponse:
    """The sockets' state as the backend tells it (see the module docstring)."""
    if not may_read(request_user(request)):
        return json_error(403, "The debug console is for staff users: log in as one.")
    pattern = request.GET.get("channel", "") or "*"
    if not _PATTERN.match(pattern):
        return json_error(
            400, "channel must be a channel name in which * stands for any characters."
        )
    backend = get_backend()
    try:
        inspection = backend.inspect(pattern.partition("*")[0])
    except UnsupportedFeature as exc:
        return JsonResponse({"backend": backend.name, "error": str(exc)}, status=501)
    except RealtimeError as exc:
        return JsonResponse({"backend": backend.name, "error": str(exc)}, status=503)
    inspection = _filtered(inspection, pattern)
    return JsonResponse({"backend": backend.name, "inspection": dataclasses.asdict(inspection)})
