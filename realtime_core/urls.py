"""The auth endpoints and the routers: ``path("realtime/", include("realtime_core.urls"))``.

``realtime_core:channel-auth`` answers pusher-js's ``channelAuthorization`` requests and
``realtime_core:user-auth`` its ``userAuthentication`` (signin) requests; the routers'
verbs are served under ``routes/`` and ``subscriptions/`` (see
:mod:`realtime_core.routers.urls`).
"""

from django.urls import include, path

from . import views

app_name = "realtime_core"

urlpatterns = [
    path("auth/channel/", views.channel_auth, name="channel-auth"),
    path("auth/user/", views.user_auth, name="user-auth"),
    path("", include("realtime_core.routers.urls")),
]
