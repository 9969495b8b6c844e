"""Internal: the ``compatibility`` step: what the project relies on that the checked backend lacks.

What the project relies on is read from the project itself, never guessed:

* presence, end-to-end encrypted and cache channels: the patterns registered for
  channel authorization (``realtime.py``), ``presence-...``, ``private-encrypted-...``
  and those with a cache prefix (``private-cache-...``, ``presence-cache-...``,
  ``private-encrypted-cache-...``);
* client events, subscription count events and watchlist events: ``CLIENT_EVENTS``,
  ``SUBSCRIPTION_COUNT_EVENTS`` and ``WATCHLIST_EVENTS`` set to True in the configured
  backend's options (on Pusher, each is a switch of the app's dashboard instead);
* before a switch (``--backend`` names another backend than ``REALTIME_BACKEND``): the
  other capabilities of the configured backend (signin, recovery, multi-process
  delivery, the HTTP fallback, cache channels: public ``cache-`` channels need no
  pattern), which the
  project may use without declaring it, and its ``MAX_*`` limits,
  which events published today stay within.

Each gap is one ``WARNING`` result; none found is one ``OK`` result. Nothing here
touches the network.
"""

import dataclasses
import time

from ..authorization import ChannelRegistry
from ..backends.base import Backend, Capabilities, CheckResult, CheckStatus
from ..protocol import ENCRYPTED_PREFIX, PRESENCE_PREFIX, Limits, is_cache_channel

__all__ = ["compatibility"]

CAPABILITY_NAMES = {
    "presence": "presence channels",
    "client_events": "client events",
    "user_signin": "user signin",
    "encrypted_channels": "end-to-end encrypted channels",
    "cache_channels": "cache channels (the last event replayed to new subscribers)",
    "recovery": "recovery (missed events replayed after a reconnect)",
    "multi_process": "multi-process delivery (publishes from any process reach the sockets)",
    "subscription_counts": "subscription count events (pusher:subscription_count)",
    "watchlists": "watchlist events (who of a signed-in user's watchlist is online)",
    "http_fallback": "the HTTP fallback (streaming and polling when WebSockets are blocked)",
}


@dataclasses.dataclass(frozen=True)
class _Switch:
    """A capability the app turns on: an option of the self-hosted backends, a switch of
    the app's settings on Pusher."""

    option: str
    what: str
    enable_elsewhere: str
    """The hint for a backend whose switch is outside Django's settings."""


SWITCHES = {
    "client_events": _Switch(
        "CLIENT_EVENTS",
        "client events",
        "Enable client events for the app (Pusher: the app's settings).",
    ),
    "subscription_counts": _Switch(
        "SUBSCRIPTION_COUNT_EVENTS",
        "subscription count events",
        "Enable subscription counting for the app (Pusher: the app's settings).",
    ),
    "watchlists": _Switch(
        "WATCHLIST_EVENTS",
        "watchlist events",
        "Enable watchlist events for the app (Pusher: the app's settings).",
    ),
}
"""By capability name."""
DECLARED_BY_THE_PROJECT = {"presence", "encrypted_channels", *SWITCHES}
"""Capabilities the project uses only by declaring it (channel patterns, options): that
the configured backend offers one says nothing about its use."""


def compatibility(
    backend: Backend, configured: Backend | None, registry: ChannelRegistry
) -> list[CheckResult]:
    """Warnings for each capability or limit the project needs and ``backend`` lacks.

    ``configured`` is the ``REALTIME_BACKEND`` backend when ``backend`` is another one
    (a switch being prepared), else None.
    """
    started = time.perf_counter()
    needs = _needs(configured, registry)
    gaps = [
        _gap(backend, capability, reasons)
        for capability, reasons in needs.items()
        if not getattr(backend.capabilities, capability)
    ]
    gaps += _switch_gaps(backend, needs)
    gaps += _encryption_gaps(backend, needs)
    if configured is not None:
        gaps += _limit_gaps(backend, configured)
    elapsed = time.perf_counter() - started
    if not gaps:
        relied = ", ".join(CAPABILITY_NAMES[name] for name in needs) or "no optional capability"
        detail = f"{backend.name!r} has what the project relies on ({relied})"
        return [CheckResult("compatibility", CheckStatus.OK, elapsed, detail)]
    return [
        CheckResult("compatibility", CheckStatus.WARNING, elapsed, detail, hint)
        for detail, hint in gaps
    ]


def _needs(configured: Backend | None, registry: ChannelRegistry) -> dict[str, list[str]]:
    """Capability name -> why the project relies on it."""
    needs: dict[str, list[str]] = {}
    for pattern in registry.patterns():
        if pattern.startswith(PRESENCE_PREFIX):
            needs.setdefault("presence", []).append(f"channel pattern {pattern!r} needs it")
        elif pattern.startswith(ENCRYPTED_PREFIX):
            needs.setdefault("encrypted_channels", []).append(
                f"channel pattern {pattern!r} needs it"
            )
        if is_cache_channel(pattern):
            needs.setdefault("cache_channels", []).append(f"channel pattern {pattern!r} needs it")
    if configured is not None:
        for field in dataclasses.fields(Capabilities):
            if field.name in DECLARED_BY_THE_PROJECT:
                continue
            if getattr(configured.capabilities, field.name):
                needs.setdefault(field.name, []).append(
                    f"{configured.name!r} (REALTIME_BACKEND) delivers it today"
                )
        for capability, switch in SWITCHES.items():
            if configured.options.get(switch.option) is True:
                needs.setdefault(capability, []).append(
                    f"REALTIME_OPTIONS[{configured.name!r}][{switch.option!r}] enables them today"
                )
    return needs


def _gap(backend: Backend, capability: str, reasons: list[str]) -> tuple[str, str]:
    what = CAPABILITY_NAMES[capability]
    detail = f"{backend.name!r} lacks {what}: {'; '.join(reasons)}"
    return detail, f"Keep a backend with {what}, or stop relying on it first."


def _switch_gaps(backend: Backend, needs: dict[str, list[str]]) -> list[tuple[str, str]]:
    """What the configured backend has switched on but the checked one has off (or
    switches outside Django's settings)."""
    gaps = []
    for capability, switch in SWITCHES.items():
        if capability not in needs or not getattr(backend.capabilities, capability):
            continue
        settings = f"REALTIME_OPTIONS[{backend.name!r}]"
        if switch.option not in backend.options:
            detail = (
                f"the project uses {switch.what}; {backend.name!r} enables them outside "
                "Django's settings, which this check cannot see"
            )
            gaps.append((detail, switch.enable_elsewhere))
        elif backend.options[switch.option] is not True:
            detail = f"the project uses {switch.what}, but {settings}[{switch.option!r}] is False"
            gaps.append((detail, f"Set {settings}[{switch.option!r}] = True."))
    return gaps


def _encryption_gaps(backend: Backend, needs: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Encrypted channels registered while the auth endpoint could not authorize them."""
    patterns = [
        reason.removesuffix(" needs it")
        for reason in needs.get("encrypted_channels", [])
        if reason.startswith("channel pattern")
    ]
    if not patterns or not backend.capabilities.encrypted_channels:
        return []
    if backend.credentials.encryption_master_key is not None:
        return []
    detail = (
        f"{', '.join(patterns)} registered, but {backend.name!r} has no encryption master key: "
        "the channel authorization endpoint refuses those channels (403)"
    )
    if "ENCRYPTION_MASTER_KEY" in backend.options:
        hint = f"Set REALTIME_OPTIONS[{backend.name!r}]['ENCRYPTION_MASTER_KEY']."
    else:
        hint = f"{backend.name!r} takes no ENCRYPTION_MASTER_KEY: use a backend that does."
    return [(detail, hint)]


def _limit_gaps(backend: Backend, configured: Backend) -> list[tuple[str, str]]:
    """Limits lower than the configured backend's: events accepted today would be refused."""
    gaps = []
    for field in dataclasses.fields(Limits):
        today, after = getattr(configured.limits, field.name), getattr(backend.limits, field.name)
        if after < today:
            option = field.name.upper()
            detail = (
                f"{option} is {today} on {configured.name!r} but {after} on {backend.name!r}: "
                "publishes between the two are refused after the switch (InvalidMessage)"
            )
            hint = f"Lower {option} on {configured.name!r} first, and fix what it refuses."
            gaps.append((detail, hint))
    return gaps
