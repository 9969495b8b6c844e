"""The webhook endpoint: Pusher's (and the self-hosted servers') webhooks become signals.

``path("realtime/", include("realtime_core.urls"))`` serves it at ``realtime/webhooks/``
(``realtime_core:webhooks``): give that URL to Pusher's dashboard (Webhooks, with "batch
webhooks" on or off) or to the socket servers' ``WEBHOOK_URL`` option. Each verified
webhook sends the :mod:`realtime_core.signals` of its events, with the configured
backend's name as ``sender``.

It is exempt from CSRF (the signature authenticates the sender, not a session) and is
checked against the configured backend's key and secret; during a switch, against
those of the backend of ``REALTIME_ALSO_PUBLISH_TO`` whose key it names, and its
signals then have that backend's name as ``sender``. With ``REALTIME_CONSOLE`` on,
the debug console's live log shows each request and what it was answered.

==========  =================================================================================
Status      Body
==========  =================================================================================
200         ``{}``: every event's signal was sent
400         ``{"error": …}``: a signed body that is not a webhook (not JSON, no ``time_ms``,
            ``events`` malformed, an event lacking a field)
401         ``{"error": …}``: missing or wrong ``X-Pusher-Key`` or ``X-Pusher-Signature``, or
            ``time_ms`` more than five minutes from now (a replay)
405         anything but POST
500         ``{"error": …}``: a receiver raised; the sender retries the webhook later
==========  =================================================================================
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import console
from .json_views import json_error, json_errors
from .transition import backend_with_key
from .webhooks import WebhookRefused, dispatch, verify

__all__ = ["webhooks"]


@csrf_exempt
@require_POST
@json_errors
def webhooks(request: HttpRequest) -> HttpResponse:
    """Verify a webhook and send its events' signals."""
    key = request.headers.get("X-Pusher-Key")
    backend = backend_with_key(key)
    events: Sequence[Mapping[str, Any]] = ()
    try:
        webhook = verify(
            request.body, key, request.headers.get("X-Pusher-Signature"), backend.credentials
        )
        events = webhook.events
        dispatch(webhook, sender=backend.name)
    except WebhookRefused as refused:
        console.record_webhook(refused.status, refused.reason, events)
        return json_error(refused.status, refused.reason)
    except Exception:
        console.record_webhook(500, "A receiver raised: the sender retries later.", events)
        raise
    console.record_webhook(200, "", events)
    return JsonResponse({})
