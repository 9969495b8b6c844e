"""Test-only views: nothing like them belongs in a real site."""

import json

from django.contrib.auth import login
from django.contrib.auth.models import Permission, User
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from realtime_core.templatetags.realtime import client_config


@csrf_exempt
@require_POST
def test_only_login(request: HttpRequest) -> JsonResponse:
    """Sign this browser in as ``{"username": ...}`` (created if new), with the Django
    ``permissions`` listed (``"app_label.codename"``), and answer the realtime.js
    config a page would render for it (its CSRF token included). Sets the
    ``sessionid`` and ``csrftoken`` cookies."""
    body = json.loads(request.body)
    user, _created = User.objects.get_or_create(username=body["username"])
    for name in body.get("permissions", []):
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return JsonResponse(client_config(request))
