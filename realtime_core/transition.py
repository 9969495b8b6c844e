"""Internal: pages follow a switch between backends.

The config ``{% realtime_client %}`` renders names the *deployment* the page connects
to (:func:`deployment_id`: the backend's name and a hash of its public connection
config, never a secret). The endpoints of ``realtime_core.urls`` answer every request
with the current one in the ``X-Realtime-Deployment`` header
(:func:`announces_deployment`), and ``realtime_core:client-config`` serves the
current config: realtime.js compares the two and moves a page whose deployment is no
longer the one configured.

Until it has moved, a page names its own deployment in the same header on its
requests, and while ``REALTIME_ALSO_PUBLISH_TO`` still publishes to that backend the
endpoints answer for it (:func:`backend_of`): the channel authorization endpoint signs
with its credentials, the history endpoint reads its history. Webhooks are verified
against the key they name (:func:`backend_with_key`), so the old backend's still
arrive during the transition.
"""

import functools
import hashlib
import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .backends.base import Backend
from .publishing import get_backend, get_mirrors

__all__ = [
    "DEPLOYMENT_HEADER",
    "announces_deployment",
    "backend_of",
    "backend_with_key",
    "deployment_id",
]

DEPLOYMENT_HEADER = "X-Realtime-Deployment"
"""On responses: the configured deployment; on a page's requests: the page's own."""

View = Callable[..., HttpResponse]


def deployment_id(backend: Backend) -> str:
    """``"{name}:{hash}"``: which socket service a page of ``backend`` connects to.

    The hash is of :meth:`~realtime_core.backends.base.Backend.client_config` (public
    values only), so it changes with anything that makes browsers connect elsewhere:
    the backend, its host, port or key.
    """
    config = json.dumps(backend.client_config(), sort_keys=True, separators=(",", ":"))
    return f"{backend.name}:{hashlib.sha256(config.encode()).hexdigest()[:12]}"


def backend_of(request: HttpRequest) -> Backend:
    """The backend the requesting page is connected to, when publishes still reach it.

    That is the mirror whose deployment the request's ``X-Realtime-Deployment`` header
    names; otherwise (no header, the primary's, or one no backend of the transition
    has) the configured backend.
    """
    primary = get_backend()
    named = request.headers.get(DEPLOYMENT_HEADER)
    if named is None or named == deployment_id(primary):
        return primary
    for mirror in get_mirrors():
        if deployment_id(mirror) == named:
            return mirror
    return primary


def backend_with_key(key: str | None) -> Backend:
    """The backend publishes go to whose app key is ``key`` (the configured one first);
    the configured one when none has it (it then refuses the key)."""
    primary = get_backend()
    for backend in (primary, *get_mirrors()):
        if backend.credentials.key == key:
            return backend
    return primary


def announces_deployment(view: View) -> View:
    """Decorate ``view`` to answer with the configured deployment in ``X-Realtime-Deployment``."""

    @functools.wraps(view)
    def announcing(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response[DEPLOYMENT_HEADER] = deployment_id(get_backend())
        return response

    return announcing
