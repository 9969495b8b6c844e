"""``{% load realtime %}{% realtime_client %}``: the browser client and its connection config.

The tag renders the script tag of ``realtime.js`` and, as a JSON script element with
the id ``realtime-config``, what the configured backend tells browsers
(:meth:`~realtime_core.backends.base.Backend.client_config`) plus the URLs of the
authorization endpoints and the CSRF header they need. Switching
``REALTIME_BACKEND`` changes only that JSON; the page's code stays the same::

    {% load realtime %}
    {% realtime_client %}
    <script>
      const realtime = Realtime.connect();  // reads #realtime-config
    </script>

The secret never appears: backends' ``client_config()`` holds only public values.

The config also names the deployment the page connects to, ``deployment.id``, and
where the current config is served, ``deployment.endpoint``
(``realtime_core:client-config``): after a switch, realtime.js learns from the
endpoints' ``X-Realtime-Deployment`` header that the deployment changed and moves the
page to the new one. The page's requests to the authorization endpoints carry its own
deployment in that header.
"""

from typing import Any

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, json_script
from django.utils.safestring import SafeString

from .. import get_backend
from ..exceptions import RealtimeConfigurationError
from ..transition import DEPLOYMENT_HEADER, deployment_id

__all__ = ["CONFIG_ELEMENT_ID", "client_config", "realtime_client"]

register = template.Library()

CONFIG_ELEMENT_ID = "realtime-config"
"""The id of the JSON script element that ``Realtime.connect()`` reads."""


_ROUTE = "route"
"""A route name to reverse the routers' URLs with, then cut off."""


def _csrf_header_name() -> str:
    """``settings.CSRF_HEADER_NAME`` (a WSGI ``META`` key) as the HTTP header to send."""
    meta_name = str(settings.CSRF_HEADER_NAME)
    return meta_name.removeprefix("HTTP_").replace("_", "-")


def _endpoint(name: str, route: str | None = None) -> str:
    """The URL of a ``realtime_core`` endpoint; with ``route``, the routers' URL for it."""
    try:
        return reverse(f"realtime_core:{name}", args=[] if route is None else [route])
    except NoReverseMatch as exc:
        raise RealtimeConfigurationError(
            "{% realtime_client %} needs the authorization endpoints: add "
            "path('realtime/', include('realtime_core.urls')) to your URLconf."
        ) from exc


def client_config(request: HttpRequest | None) -> dict[str, Any]:
    """The browser's connection config for the configured backend.

    With a ``request``, the CSRF token goes into the headers the client sends to the
    authorization endpoints (they are ordinary CSRF-protected Django views), beside
    the page's deployment.
    """
    backend = get_backend()
    deployment = deployment_id(backend)
    headers = {_csrf_header_name(): get_token(request)} if request is not None else {}
    headers[DEPLOYMENT_HEADER] = deployment
    return {
        **backend.client_config(),
        "deployment": {"id": deployment, "endpoint": _endpoint("client-config")},
        "channelAuthorization": {"endpoint": _endpoint("channel-auth"), "headers": headers},
        "userAuthentication": {"endpoint": _endpoint("user-auth"), "headers": headers},
        # Where the routers' verbs live; the client appends "<route>/" (and "<pk>/").
        "routers": {
            "objects": _endpoint("router-objects", _ROUTE).removesuffix(f"{_ROUTE}/"),
            "subscriptions": _endpoint("router-subscription", _ROUTE).removesuffix(f"{_ROUTE}/"),
        },
    }


@register.simple_tag(takes_context=True)
def realtime_client(context: template.Context) -> SafeString:
    """Render ``realtime.js``'s script tag and the ``#realtime-config`` JSON element."""
    config = json_script(client_config(context.get("request")), CONFIG_ELEMENT_ID)
    script = format_html('<script src="{}"></script>', static("realtime_core/realtime.js"))
    return format_html("{}\n{}", config, script)
