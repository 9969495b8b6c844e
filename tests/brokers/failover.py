"""Publishing through a Redis failover, for the Sentinel and Cluster tests."""

import time

from realtime_core.exceptions import PublishError
from realtime_core.publishing import publish


def publish_until_accepted(channel: str, data: str, timeout: float = 20.0) -> None:
    """Publish, retrying while a failover lasts (each refusal is a PublishError)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            publish(channel, "tick", data)
            return
        except PublishError:
            assert time.monotonic() < deadline, "the publisher never reached the new primary"
            time.sleep(0.2)
