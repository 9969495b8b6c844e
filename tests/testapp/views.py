from django.http import HttpRequest, JsonResponse

import realtime_core


def publish_view(request: HttpRequest, channel: str) -> JsonResponse:
    """Publishes from a WSGI worker thread, as any view would."""
    realtime_core.publish(channel, "from-view", {"path": request.path})
    return JsonResponse({"published": channel})
