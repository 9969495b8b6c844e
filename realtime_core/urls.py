"""The auth endpoints: ``path("realtime/", include("realtime_core.urls"))``.

``realtime_core:channel-auth`` answers pusher-js's ``channelAuthorization`` requests and
``realtime_core:user-auth`` its ``userAuthentication`` (signin) requests.
"""

from django.urls import path

from . import views

app_name = "realtime_core"

urlpatterns = [
    path("auth/channel/", views.channel_auth, name="channel-auth"),
    path("auth/user/", views.user_auth, name="user-auth"),
]
