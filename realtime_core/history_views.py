"""The history endpoint: how clients that cannot resume (pusher-js, Pysher) catch up.

``path("realtime/", include("realtime_core.urls"))`` serves it at ``realtime/history/``
(``realtime_core:history``)::

    GET /realtime/history/?channel=private-todo-list-1&since=3f9a1c2b7d4e:41

It answers the events of ``channel`` published after the position ``since`` (the
``position`` of the last event the client processed, see
:mod:`realtime_core.positions`), as the configured backend keeps them
(:meth:`~realtime_core.backends.base.Backend.history`; during a switch, the backend the
page is still connected to, when its request names it in ``X-Realtime-Deployment``
and ``REALTIME_ALSO_PUBLISH_TO`` still lists it)::

    {"channel": "private-todo-list-1", "position": "3f9a1c2b7d4e:43", "recovered": true,
     "events": [{"event": "updated", "channel": "private-todo-list-1",
                 "data": "{\\"id\\":7}", "position": "3f9a1c2b7d4e:42"}, ...]}

``position`` is the channel's latest position; ``events`` are in order, each as its
frame was sent (``data`` is the same JSON string). ``recovered`` is true when
``events`` are every event after ``since``; false when the channel's history no longer
reaches back that far or started a new epoch: the client must then load its state
again. Without ``since`` the answer is the channel's position with no events and
``recovered: false``, a starting point for a client that loads its state now.

It is an ordinary Django view: the session says who the user is, and the channel's
subscription rule decides, the same as for the channel authorization endpoint
(:mod:`realtime_core.views`): public channels are open to everyone, ``private-`` and
``presence-`` channels need their :func:`~realtime_core.authorization.authorize` rule
to allow ``request.user``, and ``#server-to-user-{id}`` is open to the user who signs in
as ``id`` only. ``private-encrypted-`` channels are refused (their events are for the
subscribed clients' keys only).

==========  =================================================================================
Status      Body
==========  =================================================================================
200         the history above
400         ``{"error": …}``: missing or invalid ``channel``, malformed ``since``
403         ``{"error": …}``: the channel's rule refused, no rule matches, an encrypted channel
405         anything but GET or HEAD
501         ``{"error": …}``: the configured backend keeps no history (``pusher``): reload the
            state instead
503         ``{"error": …}``: the backend's store (Redis) cannot be reached; try again later
==========  =================================================================================
"""

import json
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import authorization
from .authorization import RequestUser
from .brokers.base import Delivery
from .exceptions import InvalidMessage, PublishError, UnsupportedFeature
from .json_views import json_error, json_errors, request_user
from .positions import Position
from .protocol import (
    AUTHORIZED_PREFIXES,
    ENCRYPTED_PREFIX,
    PRESENCE_PREFIX,
    SERVER_TO_USER_PREFIX,
    validate_channel_name,
)
from .transition import announces_deployment, backend_of

__all__ = ["history", "may_read_history"]

logger = logging.getLogger(__name__)

_EVENT_FIELDS = ("event", "channel", "data", "position")


def may_read_history(user: RequestUser, channel: str) -> bool:
    """Whether ``user`` may read ``channel``'s history: whether they may subscribe to it."""
    if channel.startswith(ENCRYPTED_PREFIX):
        return False
    if channel.startswith(SERVER_TO_USER_PREFIX):
        member = authorization.default_registry.signin_member(user)
        return member is not None and member.id == channel.removeprefix(SERVER_TO_USER_PREFIX)
    if not channel.startswith(AUTHORIZED_PREFIXES):
        return True
    match = authorization.default_registry.match(channel)
    if match is None:
        return False
    if channel.startswith(PRESENCE_PREFIX):
        return match.member(user) is not None
    return match.allows(user)


def _event(delivery: Delivery) -> dict[str, Any]:
    frame = json.loads(delivery.payload)
    return {field: frame[field] for field in _EVENT_FIELDS}


@announces_deployment
@require_safe
@never_cache
@json_errors
def history(request: HttpRequest) -> HttpResponse:
    """The events of ``channel`` after ``since`` (see the module docstring)."""
    channel = request.GET.get("channel", "")
    if not channel:
        return json_error(400, "channel is required.")
    backend = backend_of(request)
    try:
        validate_channel_name(channel, backend.limits)
    except InvalidMessage as exc:
        return json_error(400, str(exc))
    since_text = request.GET.get("since")
    since = None
    if since_text is not None:
        since = Position.parse(since_text)
        if since is None:
            return json_error(400, f"since must be a position 'epoch:offset', got {since_text!r}.")
    if not may_read_history(request_user(request), channel):
        return json_error(403, f"Not authorized to read the history of {channel!r}.")
    try:
        found = backend.history(channel, since)
    except UnsupportedFeature as exc:
        return json_error(501, str(exc))
    except PublishError:
        logger.exception("Reading the history of %r failed", channel)
        return json_error(503, "The history is unavailable right now; try again later.")
    return JsonResponse(
        {
            "channel": channel,
            "position": str(found.position),
            "recovered": since is not None and found.complete,
            "events": [_event(delivery) for delivery in found.deliveries],
        }
    )
