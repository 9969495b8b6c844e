"""Internal: run every step of a check in order and collect a :class:`~.report.Report`.

1. ``configuration``: the name resolves through the entry points (a missing extra is
   named with its ``pip install``), and the options are valid;
2. the backend's own :meth:`~realtime_core.backends.base.Backend.check` (connectivity);
3. ``socket`` and ``round trip`` (:mod:`.round_trip`);
4. ``compatibility`` (:mod:`.compatibility`).

A failure ends nothing but the steps that depend on it. No step raises: an
unexpected exception becomes a ``FAILED`` result with its type and message, and every
secret of the backend's options is masked in every result.
"""

import asyncio
import contextlib
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings

from .. import authorization, conf
from ..backends.base import Backend, CheckResult, CheckStatus
from ..exceptions import RealtimeConfigurationError
from ..registry import build_backend, load_backend_class
from .compatibility import compatibility
from .report import CONFIGURATION_STEP, Report
from .round_trip import socket_steps

__all__ = ["DEFAULT_TIMEOUT", "run_check"]

DEFAULT_TIMEOUT = 10.0
MASK = "***"
MIN_SECRET_LENGTH = 4
"""Shorter values are not masked: they would garble every word they occur in."""


def run_check(
    name: str | None = None, timeout: float = DEFAULT_TIMEOUT, *, mirror: bool = False
) -> Report:
    """Check backend ``name`` (default: ``REALTIME_BACKEND``) end to end.

    ``mirror``: ``name`` is one of ``REALTIME_ALSO_PUBLISH_TO``, which every publish
    also reaches during a switch (not a switch being prepared: its compatibility is
    what the project declares it needs, not what the configured backend offers).
    """
    secrets: set[str] = set()
    try:
        configured_name: str | None = conf.backend_name()
    except RealtimeConfigurationError as exc:
        configured_name = None
        if name is None:
            failure = CheckResult(CONFIGURATION_STEP, CheckStatus.FAILED, 0.0, str(exc))
            shown = str(getattr(settings, conf.BACKEND_SETTING, conf.DEFAULT_BACKEND))
            return Report(shown, timeout, (failure,))
    checked_name = name or configured_name
    assert checked_name is not None
    backend, result = _configuration(checked_name, configured_name, secrets, mirror=mirror)
    results = [result]
    if backend is not None:
        with _closing(backend):
            results += _checks(backend, None if mirror else configured_name, timeout)
    return Report(checked_name, timeout, tuple(_masked(results, secrets)))


def _configuration(
    name: str, configured_name: str | None, secrets: set[str], *, mirror: bool
) -> tuple[Backend | None, CheckResult]:
    """Load and build the backend; collect its secrets (for masking) even when that fails."""
    started = time.perf_counter()
    setting = conf.ALSO_PUBLISH_TO_SETTING if mirror else conf.BACKEND_SETTING
    try:
        backend_class = load_backend_class(name, setting)
        options = conf.backend_options(name)
        secrets.update(
            str(options[key])
            for key, option in backend_class.option_spec().items()
            if option.secret and options.get(key) is not None
        )
        secrets.update(_url_passwords(options.values()))
        backend = backend_class(options, name=name)
        secrets.add(backend.credentials.secret)
    except RealtimeConfigurationError as exc:
        elapsed = time.perf_counter() - started
        return None, CheckResult(CONFIGURATION_STEP, CheckStatus.FAILED, elapsed, str(exc))
    except Exception as exc:
        detail = f"building the {name!r} backend failed: {type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - started
        return None, CheckResult(CONFIGURATION_STEP, CheckStatus.FAILED, elapsed, detail)
    elapsed = time.perf_counter() - started
    kind = type(backend)
    detail = f"{name!r} loads {kind.__module__}.{kind.__qualname__}; its options are valid"
    if mirror:
        detail += f"; {setting} lists it, so every publish also goes to it"
    elif configured_name is not None and configured_name != name:
        detail += f"; REALTIME_BACKEND is {configured_name!r}, so this checks a switch"
    return backend, CheckResult(CONFIGURATION_STEP, CheckStatus.OK, elapsed, detail)


def _checks(backend: Backend, configured_name: str | None, timeout: float) -> list[CheckResult]:
    connectivity = _guarded("connectivity", lambda: backend.check(timeout))
    can_publish = all(result.status is not CheckStatus.FAILED for result in connectivity)
    sockets = _guarded(
        "socket", lambda: asyncio.run(socket_steps(backend, timeout, can_publish=can_publish))
    )
    return [*connectivity, *sockets, *_compatibility(backend, configured_name)]


def _compatibility(backend: Backend, configured_name: str | None) -> list[CheckResult]:
    configured = None
    if configured_name is not None and configured_name != backend.name:
        with contextlib.suppress(Exception):  # a broken configured backend: nothing to compare
            configured = build_backend(configured_name)
    return _guarded(
        "compatibility",
        lambda: compatibility(backend, configured, authorization.default_registry),
    )


def _guarded(step: str, run: Callable[[], list[CheckResult]]) -> list[CheckResult]:
    """``run()``'s results, or one ``FAILED`` result saying what it raised."""
    started = time.perf_counter()
    try:
        return run()
    except Exception as exc:
        detail = f"the check itself failed: {type(exc).__name__}: {exc}"
        return [CheckResult(step, CheckStatus.FAILED, time.perf_counter() - started, detail)]


@contextlib.contextmanager
def _closing(backend: Backend) -> Iterator[None]:
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            backend.close()


def _url_passwords(values: Iterable[object]) -> set[str]:
    """Passwords inside URL options: ``redis://:password@host`` or ``?password=`` (redis-py)."""
    passwords = set()
    for value in values:
        if isinstance(value, str) and "://" in value:
            with contextlib.suppress(ValueError):
                parts = urllib.parse.urlsplit(value)
                if parts.password:
                    passwords.update({parts.password, urllib.parse.unquote(parts.password)})
                for name, raw in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
                    if name.lower() == "password" and raw:
                        # parse_qsl decodes: mask the form the URL shows as well.
                        shown = urllib.parse.quote_plus(raw, safe="")
                        passwords.update({raw, shown, urllib.parse.quote(raw, safe="")})
    return passwords


def _masked(results: list[CheckResult], secrets: set[str]) -> Iterator[CheckResult]:
    """``results`` with every secret replaced by ``***`` (longest first)."""
    ordered = sorted((s for s in secrets if len(s) >= MIN_SECRET_LENGTH), key=len, reverse=True)

    def mask(text: str) -> str:
        for secret in ordered:
            text = text.replace(secret, MASK)
        return text

    for result in results:
        yield CheckResult(
            result.step, result.status, result.duration, mask(result.detail), mask(result.hint)
        )
