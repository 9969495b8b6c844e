"""Internal: the ``socket`` and ``round trip`` steps, the same for every backend.

``socket``: a WebSocket client opens the URL browsers use and waits for
``pusher:connection_established``. ``round trip``: it subscribes to a fresh private
channel with the signature the channel authorization endpoint gives browsers
(:func:`realtime_core.views.channel_authorization`, which the server verifies), an
event is published through the backend, and its arrival is timed and compared.

An embedded backend (``memory``) serves its sockets from the process that runs
Django, which this command cannot publish into: for it, a temporary embedded server
(the real server on the backend's own in-process broker) is started here on a free
loopback port, and both steps run against it.
"""

import asyncio
import contextlib
import threading
import time
import uuid
from collections.abc import AsyncIterator, Sequence

from ..backends.base import Backend, CheckResult, CheckStatus
from ..backends.self_hosted import SelfHostedBackend
from ..exceptions import PublishError
from ..messages import Event, encode_data
from ..server.runner import RealtimeServer
from ..serving import server_config
from ..views import channel_authorization
from .socket_probe import FailureKind, ProbeFailure, PusherSocket, socket_url

__all__ = ["PROBE_EVENT", "socket_steps"]

PROBE_EVENT = "realtime-check"
PROBE_CHANNEL_PREFIX = "private-realtime-check-"
EMBEDDED_NOTE = (
    "a temporary embedded server in this process, on the backend's own broker: the sockets "
    "of manage.py realtime_server live in that process, which no other process can publish "
    "into"
)


async def socket_steps(backend: Backend, timeout: float, *, can_publish: bool) -> list[CheckResult]:
    """The ``socket`` step, then the ``round trip`` (skipped when it cannot succeed)."""
    async with _socket_address(backend, timeout) as (url, note):
        if url is None:
            return [
                CheckResult("socket", CheckStatus.FAILED, 0.0, note, backend.socket_url_hint()),
                _skipped("the socket URL is unknown"),
            ]
        started = time.perf_counter()
        try:
            probe = await PusherSocket.open(url, timeout)
        except ProbeFailure as failure:
            elapsed = time.perf_counter() - started
            result = CheckResult(
                "socket", CheckStatus.FAILED, elapsed, failure.detail, _hint(backend, failure)
            )
            return [result, _skipped("the socket URL did not answer")]
        elapsed = time.perf_counter() - started
        detail = (
            f"{probe.url} answered the WebSocket handshake with pusher:connection_established "
            f"in {elapsed * 1000:.1f} ms{f' ({note})' if note else ''}"
        )
        results = [CheckResult("socket", CheckStatus.OK, elapsed, detail)]
        try:
            if can_publish:
                results.append(await _round_trip(backend, probe, timeout))
            else:
                results.append(_skipped("publishing cannot work while connectivity fails"))
        finally:
            await probe.close()
        return results


@contextlib.asynccontextmanager
async def _socket_address(
    backend: Backend, timeout: float
) -> AsyncIterator[tuple[str | None, str]]:
    """The URL to probe and a note on it; (None, why) when it cannot be told."""
    if isinstance(backend, SelfHostedBackend) and backend.serves_django:
        server = RealtimeServer(server_config(backend), backend.make_broker())
        await server.start("127.0.0.1", 0)
        try:
            origin = f"http://{server.addresses[0]}"
            yield socket_url(backend.client_config(), page_origin=origin), EMBEDDED_NOTE
        finally:
            await server.stop(grace=min(timeout, 1.0))
        return
    try:
        url = socket_url(backend.client_config())
    except ValueError as exc:
        yield None, f"cannot tell which socket URL browsers use: {exc}"
        return
    yield url, ""


async def _round_trip(backend: Backend, probe: PusherSocket, timeout: float) -> CheckResult:
    """Subscribe through the real auth path, publish, and time the event's arrival."""
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    channel = f"{PROBE_CHANNEL_PREFIX}{uuid.uuid4().hex}"
    data = {"check": channel, "text": "realtime_check: Grüße ✓"}
    expected = encode_data(data)
    auth = channel_authorization(backend.credentials, probe.socket_id, channel)["auth"]
    try:
        await probe.subscribe(channel, auth, timeout)
        published_at = time.perf_counter()
        await asyncio.wait_for(
            _publish(backend, [Event(channel, PROBE_EVENT, data)]), deadline - time.monotonic()
        )
        frame = await probe.wait_for_event(channel, PROBE_EVENT, deadline - time.monotonic())
    except ProbeFailure as failure:
        return _failed(started, failure.detail, _hint(backend, failure))
    except PublishError as exc:
        return _failed(started, f"publishing through {backend.name!r} failed: {exc}")
    except TimeoutError:
        return _failed(
            started,
            f"publishing through {backend.name!r} did not finish within {timeout} s",
            "The transport is slow or unreachable: see the connectivity step.",
        )
    if frame is None:
        detail = (
            f"subscribed to {channel} at {probe.url} (the server confirmed it) and published "
            f"{PROBE_EVENT!r} through {backend.name!r}, which accepted it; nothing arrived "
            f"within {timeout} s"
        )
        return _failed(started, detail, backend.delivery_hint())
    if frame.get("data") != expected:
        detail = f"the event arrived changed: sent {expected!r}, received {frame.get('data')!r}"
        return _failed(started, detail, "A proxy or server between them rewrites frames.")
    latency = time.perf_counter() - published_at
    detail = (
        f"{PROBE_EVENT!r} published through {backend.name!r} reached a subscriber of {channel} "
        f"(signed as the auth endpoint signs for browsers) unchanged, {latency * 1000:.1f} ms "
        "after the publish"
    )
    return CheckResult("round trip", CheckStatus.OK, time.perf_counter() - started, detail)


async def _publish(backend: Backend, events: Sequence[Event]) -> None:
    """``backend.publish(events)`` in a daemon thread, awaited.

    Not ``apublish()``: its worker thread would be waited for when the loop closes
    (and at exit), so a publish stuck past the check's deadline would hold the
    command for the backend's own ``TIMEOUT`` (up to minutes). A daemon thread is
    left behind; what it ends with is dropped.
    """
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[None] = loop.create_future()

    def settle(error: Exception | None) -> None:
        if outcome.done():  # the wait gave up
            return
        if error is None:
            outcome.set_result(None)
        else:
            outcome.set_exception(error)

    def run() -> None:
        error: Exception | None = None
        try:
            backend.publish(events)
        except Exception as exc:
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(settle, error)

    threading.Thread(target=run, name="realtime-check-publish", daemon=True).start()
    await outcome


def _failed(started: float, detail: str, hint: str = "") -> CheckResult:
    return CheckResult(
        "round trip", CheckStatus.FAILED, time.perf_counter() - started, detail, hint
    )


def _skipped(why: str) -> CheckResult:
    return CheckResult("round trip", CheckStatus.SKIPPED, 0.0, f"not run: {why}")


def _hint(backend: Backend, failure: ProbeFailure) -> str:
    settings = f"REALTIME_OPTIONS[{backend.name!r}]"
    if failure.kind is FailureKind.ADDRESS:
        return backend.socket_url_hint()
    if failure.kind is FailureKind.KEY:
        return f"{settings}['KEY'] must be the key the server at that URL serves."
    if failure.kind is FailureKind.CREDENTIALS:
        return (
            f"The key was accepted but {settings}['SECRET'] differs from the server's secret "
            "(realtime-server's --secret / REALTIME_SECRET, or the Pusher dashboard's): "
            "authorizations signed with it are refused."
        )
    return "Make sure the URL reaches a Pusher-protocol socket server (not another service)."
