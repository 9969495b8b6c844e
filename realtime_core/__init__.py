"""django-realtime-core: real-time Django over one switch.

``REALTIME_BACKEND`` picks the delivery (``memory``, ``tornado_redis``, ``pusher``);
the code below stays the same::

    import realtime_core
    realtime_core.publish("todo-list-1", "created", {"id": 7, "text": "Milk"})
"""

from .exceptions import (
    DataTooLarge,
    InvalidMessage,
    PublishError,
    RealtimeConfigurationError,
    RealtimeError,
)
from .messages import Event
from .publishing import (
    apublish,
    apublish_batch,
    get_backend,
    get_mirrors,
    mirror_failures,
    publish,
    publish_batch,
)

__all__ = [
    "DataTooLarge",
    "Event",
    "InvalidMessage",
    "PublishError",
    "RealtimeConfigurationError",
    "RealtimeError",
    "apublish",
    "apublish_batch",
    "get_backend",
    "get_mirrors",
    "mirror_failures",
    "publish",
    "publish_batch",
]
