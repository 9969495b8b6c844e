"""Django signals for what happens on the sockets: channels occupied and vacated,
presence members added and removed, client events, subscription counts, cache misses.

They fire the same way whichever backend delivers, so an app's receivers never change
when ``REALTIME_BACKEND`` does:

- ``pusher``: Pusher POSTs its webhooks to ``realtime_core:webhooks`` (the
  ``webhooks/`` path of ``realtime_core.urls``), which verifies them and sends the signals;
- ``tornado_redis``: the socket servers POST the same webhooks, once per cluster, to the
  URL they are configured with (the same view);
- ``memory``: the embedded server sends the signals in-process.

Every receiver gets ``sender`` (the name of the backend that delivered it, e.g.
``"memory"``), ``channel``, and ``time`` (an aware ``datetime``, when the event
happened), plus the arguments below. Webhooks are retried until the view
answers 2xx, so a receiver may see an event twice after a failure: make receivers
idempotent. A receiver that raises makes the view answer 500 (and the sender retry).

====================  =========================================================================
Signal                Extra arguments
====================  =========================================================================
channel_occupied      none: the first subscriber anywhere joined ``channel``
channel_vacated       none: the last subscriber anywhere left ``channel``
member_added          ``user_id``: the user's first connection joined presence ``channel``
member_removed        ``user_id``: the user's last connection left presence ``channel``
client_event          ``event``, ``data`` (a string, as the client sent it), ``socket_id``,
                      ``user_id`` (presence channels only, else None)
subscription_count    ``subscription_count``: the channel's number of connections
cache_miss            none: a subscriber joined cache ``channel`` that held no event
                      (the self-hosted servers: once per channel every 5 s at most)
====================  =========================================================================
"""

from django.dispatch import Signal

__all__ = [
    "cache_miss",
    "channel_occupied",
    "channel_vacated",
    "client_event",
    "member_added",
    "member_removed",
    "subscription_count",
]

channel_occupied = Signal()
channel_vacated = Signal()
member_added = Signal()
member_removed = Signal()
client_event = Signal()
subscription_count = Signal()
cache_miss = Signal()
