"""The public API is exactly what ``__all__`` says, kept sorted."""

import importlib
import types

import pytest

MODULES = [
    "realtime_core",
    "realtime_core.authorization",
    "realtime_core.broker",
    "realtime_core.channel_patterns",
    "realtime_core.deployment",
    "realtime_core.diagnostics",
    "realtime_core.diagnostics.compatibility",
    "realtime_core.diagnostics.report",
    "realtime_core.diagnostics.round_trip",
    "realtime_core.diagnostics.socket_probe",
    "realtime_core.diagnostics.steps",
    "realtime_core.conf",
    "realtime_core.exceptions",
    "realtime_core.messages",
    "realtime_core.models",
    "realtime_core.protocol",
    "realtime_core.publishing",
    "realtime_core.registry",
    "realtime_core.routers",
    "realtime_core.routers.base",
    "realtime_core.routers.channels",
    "realtime_core.routers.filters",
    "realtime_core.routers.listing",
    "realtime_core.routers.permissions",
    "realtime_core.routers.registry",
    "realtime_core.routers.urls",
    "realtime_core.routers.views",
    "realtime_core.serializers",
    "realtime_core.templatetags.realtime",
    "realtime_core.testing",
    "realtime_core.views",
    "realtime_core.backends.base",
    "realtime_core.backends.memory",
    "realtime_core.backends.pusher",
    "realtime_core.backends.pusher_errors",
    "realtime_core.backends.redis_broker",
    "realtime_core.backends.redis_pubsub",
    "realtime_core.backends.redis_schema",
    "realtime_core.backends.self_hosted",
    "realtime_core.backends.tornado_redis",
    "realtime_core.frames",
    "realtime_core.history_views",
    "realtime_core.json_views",
    "realtime_core.signing",
    "realtime_core.server.api",
    "realtime_core.server.api_auth",
    "realtime_core.server.app",
    "realtime_core.server.cli",
    "realtime_core.server.client_events",
    "realtime_core.server.config",
    "realtime_core.server.connection",
    "realtime_core.server.fanout",
    "realtime_core.server.hub",
    "realtime_core.server.runner",
    "realtime_core.server.stats",
    "realtime_core.server.status",
    "realtime_core.server.subscriptions",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert exported == sorted(exported)
    assert all(hasattr(module, member) for member in exported)


def test_top_level_exports() -> None:
    import realtime_core

    public = {
        name
        for name, value in vars(realtime_core).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(realtime_core.__all__)
