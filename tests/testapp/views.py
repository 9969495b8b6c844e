from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

import realtime_core


def publish_view(request: HttpRequest, channel: str) -> JsonResponse:
    """Publishes from a WSGI worker thread, as any view would."""
    realtime_core.publish(channel, "from-view", {"path": request.path})
    return JsonResponse({"published": channel})


def page_view(request: HttpRequest) -> HttpResponse:
    """A page with ``{% realtime_client %}``, as an app's template would have it."""
    return render(request, "testapp/page.html")
