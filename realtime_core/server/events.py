"""Where a socket server's lifecycle events go: webhooks, or signals in this process.

A server hands each event, as a Pusher webhook event object (``{"name":
"channel_occupied", "channel": "..."}``), to an :class:`EventSink`: a
:class:`~.webhook_sender.WebhookSender` POSTing webhooks (``realtime-server
--webhook-url``, the ``tornado_redis`` backend's ``WEBHOOK_URL``), or the embedded
server's in-process signals (``memory``). Only the kinds in
``ServerConfig.webhook_events`` are sent (all but ``subscription_count`` by default:
:data:`~realtime_core.protocol.DEFAULT_WEBHOOK_EVENTS`).

The broker decides occupancy and presence changes across every server sharing it, so
each is sent once by one server, not once per server: ``channel_occupied`` when the
first connection anywhere subscribes, ``channel_vacated`` when the last one leaves (a
dead server's too, when the others sweep it), ``member_added`` / ``member_removed`` for
a user's first and last connection in a presence channel. ``client_event`` is sent by
the server that accepted it. ``subscription_count`` (off unless listed) follows every
change of a channel's count. ``cache_miss``: a subscriber found a cache channel empty,
sent by one server at most once per channel every
:data:`~realtime_core.brokers.base.CACHE_MISS_INTERVAL` seconds.
"""

from collections.abc import Mapping
from typing import Protocol

__all__ = ["EventSink"]

class EventSink(Protocol):
    """Takes webhook event objects from the event loop, without blocking it."""

    def send(self, event: Mapping[str, object]) -> None:
        """Queue ``event`` for delivery."""
