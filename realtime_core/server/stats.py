"""Counters one server process keeps for its ``/stats`` and ``/metrics`` endpoints.

They are plain integers (``api_responses`` a dict of them), incremented where things
happen, the fan-out's write path included: the endpoints read them when asked, so
counting costs an addition.
"""

import dataclasses
import time

__all__ = ["Stats"]


@dataclasses.dataclass(slots=True)
class Stats:
    """What happened in this process since it started (monotonic counters, plus gauges)."""

    started: float = dataclasses.field(default_factory=time.time)
    connections: int = 0
    """Open WebSocket connections (gauge)."""
    connections_total: int = 0
    messages_in: int = 0
    """Frames received from clients."""
    messages_out: int = 0
    """Frames written to clients (one per connection a frame reached)."""
    bytes_in: int = 0
    """Bytes of the messages received from clients (UTF-8 payloads)."""
    bytes_out: int = 0
    """Bytes written to clients' sockets (whole WebSocket frames)."""
    api_requests: int = 0
    """HTTP API requests accepted (signature valid)."""
    api_responses: dict[int, int] = dataclasses.field(default_factory=dict)
    """HTTP API answers by status code, refusals included."""
    slow_disconnects: int = 0
    """Connections dropped because their output buffer overflowed."""
    duplicates_dropped: int = 0
    """Deliveries dropped because this process had passed them on already."""
    gaps_filled: int = 0
    """Times deliveries were held back to read missed ones from the history."""
    gaps_unfilled: int = 0
    """Gaps the history no longer covered: clients that cannot resume missed events."""

    def as_dict(self) -> dict[str, float | int]:
        return dataclasses.asdict(self) | {"uptime": round(time.time() - self.started, 3)}
