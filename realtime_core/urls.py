"""The auth endpoints and the routers: ``path("realtime/", include("realtime_core.urls"))``.

``realtime_core:channel-auth`` answers pusher-js's ``channelAuthorization`` requests and
``realtime_core:user-auth`` its ``userAuthentication`` (signin) requests;
``realtime_core:client-config`` (``config/``) serves the current connection config, for
pages that follow a switch (see :mod:`realtime_core.transition`);
``realtime_core:history`` (``history/``) answers what a channel missed, for clients that
cannot resume (see :mod:`realtime_core.history_views`); ``realtime_core:webhooks``
(``webhooks/``) turns webhooks into signals (see :mod:`realtime_core.webhook_views`);
``realtime_core:console`` (``console/``) is the staff-only debug console and
``realtime_core:console-snapshot`` the state it reads (see
:mod:`realtime_core.console_views`); the routers' verbs are served
under ``routes/`` and ``subscriptions/`` (see :mod:`realtime_core.routers.urls`).
"""

from django.urls import include, path

from . import console_views, history_views, views, webhook_views

app_name = "realtime_core"

urlpatterns = [
    path("auth/channel/", views.channel_auth, name="channel-auth"),
    path("auth/user/", views.user_auth, name="user-auth"),
    path("config/", views.connection_config, name="client-config"),
    path("history/", history_views.history, name="history"),
    path("webhooks/", webhook_views.webhooks, name="webhooks"),
    path("console/", console_views.console, name="console"),
    path("console/snapshot/", console_views.console_snapshot, name="console-snapshot"),
    path("", include("realtime_core.routers.urls")),
]
