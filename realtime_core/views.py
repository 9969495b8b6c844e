"""The endpoints a browser asks before joining a private or presence channel, and to sign in.

``path("realtime/", include("realtime_core.urls"))`` serves them at ``realtime/auth/channel/``
(``realtime_core:channel-auth``) and ``realtime/auth/user/`` (``realtime_core:user-auth``).
They are ordinary Django views: the session says who the user is and CSRF protection
applies (the browser client sends ``X-CSRFToken``). Bodies may be form-encoded (what
pusher-js posts) or JSON. The answer is signed with the configured backend's
credentials, so the same endpoint serves every backend; during a switch, with those of
the backend the page is still connected to, when its request names it in its
``X-Realtime-Deployment`` header and ``REALTIME_ALSO_PUBLISH_TO`` still lists it.

``realtime/config/`` (``realtime_core:client-config``) answers ``GET`` with the
connection config ``{% realtime_client %}`` renders, as JSON: where a page that
learned of a switch connects next.

==========  =================================================================================
Status      Body
==========  =================================================================================
200         Pusher's answer: ``{"auth"}``, plus ``"shared_secret"`` (``private-encrypted-``),
            ``"channel_data"`` (presence) or ``"user_data"`` (signin)
400         ``{"error": …}``: unparsable JSON, missing or invalid ``socket_id`` or
            ``channel_name``, or a channel that needs no authorization (public)
403         ``{"error": …}``: no pattern matches, the function refused, an encrypted channel
            while the backend has no encryption master key; or Django's CSRF failure page
405         anything but POST
500         ``{"error": …}`` without details when the view fails unexpectedly (a channel
            function that raised, say); it is reported as Django reports an error
==========  =================================================================================
"""

import base64
import hashlib
import logging
from collections.abc import Mapping

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST, require_safe

from . import authorization
from .backends.base import Backend
from .exceptions import InvalidMessage
from .json_views import BadRequest, json_body, json_error, json_errors, request_user
from .protocol import (
    AUTHORIZED_PREFIXES,
    ENCRYPTED_PREFIX,
    PRESENCE_PREFIX,
    validate_channel_name,
    validate_socket_id,
)
from .signing import Credentials, channel_string_to_sign, sign, user_string_to_sign
from .templatetags.realtime import client_config
from .transition import announces_deployment, backend_of

__all__ = ["channel_auth", "channel_authorization", "connection_config", "user_auth"]

logger = logging.getLogger(__name__)


def _parameters(request: HttpRequest) -> Mapping[str, object]:
    if request.content_type != "application/json":
        return request.POST
    body = json_body(request)
    if not isinstance(body, dict):
        raise BadRequest("The JSON body must be an object.")
    return body


def _required(parameters: Mapping[str, object], name: str) -> str:
    value = parameters.get(name)
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{name} is required.")
    return value


def _socket_id(parameters: Mapping[str, object]) -> str:
    socket_id = _required(parameters, "socket_id")
    try:
        validate_socket_id(socket_id)
    except InvalidMessage as exc:
        raise BadRequest(str(exc)) from None
    return socket_id


def _channel_name(parameters: Mapping[str, object], backend: Backend) -> str:
    channel = _required(parameters, "channel_name")
    try:
        validate_channel_name(channel, backend.limits)
    except InvalidMessage as exc:
        raise BadRequest(str(exc)) from None
    if not channel.startswith(AUTHORIZED_PREFIXES):
        raise BadRequest(
            f"Channel {channel!r} needs no authorization: only private- and presence- channels do."
        )
    return channel


def _refused(channel: str) -> JsonResponse:
    return json_error(403, f"Not authorized to subscribe to {channel!r}.")


def _shared_secret(channel: str, master_key: bytes) -> str:
    """An encrypted channel's key: SHA-256 of its name and the master key, base64."""
    return base64.b64encode(hashlib.sha256(channel.encode() + master_key).digest()).decode()


def channel_authorization(
    credentials: Credentials, socket_id: str, channel: str, channel_data: str | None = None
) -> dict[str, str]:
    """The answer that lets ``socket_id`` subscribe to ``channel``, signed with ``credentials``.

    What :func:`channel_auth` returns once the channel's function said yes, and what
    ``manage.py realtime_check`` subscribes with: ``{"auth"}``, plus ``channel_data``
    for a presence channel (signed and returned exactly as given) or ``shared_secret``
    for a ``private-encrypted-`` one, which needs ``credentials.encryption_master_key``
    (``ValueError`` without it).
    """
    if channel.startswith(PRESENCE_PREFIX):
        if channel_data is None:
            raise ValueError(f"Presence channel {channel!r} needs channel_data.")
        string_to_sign = channel_string_to_sign(socket_id, channel, channel_data)
        return {
            "auth": sign(credentials.key, credentials.secret, string_to_sign),
            "channel_data": channel_data,
        }
    answer = {
        "auth": sign(
            credentials.key, credentials.secret, channel_string_to_sign(socket_id, channel)
        )
    }
    if channel.startswith(ENCRYPTED_PREFIX):
        if credentials.encryption_master_key is None:
            raise ValueError(f"Encrypted channel {channel!r} needs an encryption master key.")
        answer["shared_secret"] = _shared_secret(channel, credentials.encryption_master_key)
    return answer


@announces_deployment
@require_POST
@csrf_protect
@json_errors
def channel_auth(request: HttpRequest) -> HttpResponse:
    """Authorize ``socket_id`` to subscribe to ``channel_name`` (see the module docstring)."""
    backend = backend_of(request)
    try:
        parameters = _parameters(request)
        socket_id = _socket_id(parameters)
        channel = _channel_name(parameters, backend)
    except BadRequest as exc:
        return json_error(400, str(exc))
    match = authorization.default_registry.match(channel)
    if match is None:
        return json_error(403, f"No channel authorization pattern matches {channel!r}.")
    user = request_user(request)
    credentials = backend.credentials
    if channel.startswith(PRESENCE_PREFIX):
        member = match.member(user)
        if member is None:
            return _refused(channel)
        return JsonResponse(
            channel_authorization(credentials, socket_id, channel, member.channel_data())
        )
    if channel.startswith(ENCRYPTED_PREFIX) and credentials.encryption_master_key is None:
        logger.error(
            "Cannot authorize %r: the %r backend's credentials have no encryption master "
            "key, which private-encrypted- channels need (set ENCRYPTION_MASTER_KEY in "
            "REALTIME_OPTIONS[%r] if the backend takes it).",
            channel,
            backend.name,
            backend.name,
        )
        return json_error(403, "Encrypted channels need ENCRYPTION_MASTER_KEY.")
    if not match.allows(user):
        return _refused(channel)
    return JsonResponse(channel_authorization(credentials, socket_id, channel))


@announces_deployment
@require_POST
@csrf_protect
@json_errors
def user_auth(request: HttpRequest) -> HttpResponse:
    """Sign in ``socket_id`` as the requesting user (see the module docstring)."""
    try:
        socket_id = _socket_id(_parameters(request))
    except BadRequest as exc:
        return json_error(400, str(exc))
    user = request_user(request)
    member = authorization.default_registry.signin_member(user)
    if member is None:
        if not user.is_authenticated:
            return json_error(403, "Sign in refused: log in first.")
        return json_error(403, "Sign in refused for this user.")
    user_data = member.user_data()
    credentials = backend_of(request).credentials
    return JsonResponse(
        {
            "auth": sign(
                credentials.key, credentials.secret, user_string_to_sign(socket_id, user_data)
            ),
            "user_data": user_data,
        }
    )


@announces_deployment
@require_safe
@never_cache
@json_errors
def connection_config(request: HttpRequest) -> HttpResponse:
    """The connection config of the configured backend (see the module docstring)."""
    return JsonResponse(client_config(request))
