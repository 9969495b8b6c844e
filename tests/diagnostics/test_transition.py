"""``realtime_check`` during a switch: every backend publishes go to is checked, and the
check says which pages each one serves."""

from collections.abc import Iterator

import pytest
from django.test import override_settings

from realtime_core.backends.tornado_redis import TornadoRedisBackend
from realtime_core.serving import server_config
from tests.server_harness import ServerThread, free_port

from .conftest import check_both

SELF_HOSTED = {"APP_ID": "4321", "KEY": "old-key", "SECRET": "old-secret-5f2a", "TIMEOUT": 2}


@pytest.fixture
def socket_server(redis_url: str) -> Iterator[ServerThread]:
    backend = TornadoRedisBackend({**SELF_HOSTED, "REDIS_URL": redis_url}, name="tornado_redis")
    server = ServerThread(server_config(backend), backend.make_broker)
    yield server
    server.stop()


def switched_from(options: dict[str, object], *also: str) -> override_settings:
    """``memory`` configured, ``tornado_redis`` (``options``) still published to."""
    return override_settings(
        REALTIME_BACKEND="memory",
        REALTIME_OPTIONS={"memory": {}, "tornado_redis": options},
        REALTIME_ALSO_PUBLISH_TO=["tornado_redis", *also],
    )


@pytest.mark.usefixtures("no_channel_patterns")
def test_both_backends_are_checked_and_their_pages_named(
    socket_server: ServerThread, redis_url: str
) -> None:
    options = {**SELF_HOSTED, "REDIS_URL": redis_url, "WS_PORT": socket_server.port}
    with switched_from(options):
        both = check_both()
    assert both.status == 0
    report = both.machine.report()
    assert report["backend"] == "memory"
    assert report["ok"] is True
    (mirror,) = report["transition"]["mirrors"]
    assert mirror["backend"] == "tornado_redis"
    assert [step["status"] for step in mirror["steps"]] == ["ok"] * len(mirror["steps"])
    assert (
        "REALTIME_ALSO_PUBLISH_TO lists it, so every publish also goes to it"
        in (mirror["steps"][0]["detail"])
    )
    deployments = report["transition"]["deployments"]
    assert set(deployments) == {"memory", "tornado_redis"}
    pages = report["transition"]["pages"]
    assert (
        pages[0] == f"Pages rendered now connect to 'memory' (deployment {deployments['memory']})."
    )
    assert pages[1].startswith(
        f"Pages opened before the switch may still be on 'tornado_redis' (deployment "
        f"{deployments['tornado_redis']}): every publish reaches them too, until realtime.js "
        "moves them to 'memory'"
    )
    assert pages[-1].startswith("Once 'tornado_redis' serve no page any more")
    table = both.human.stdout
    assert table.index("realtime_check 'memory'") < table.index("realtime_check 'tornado_redis'")
    assert "TRANSITION (REALTIME_ALSO_PUBLISH_TO):\n  Pages rendered now connect to" in table
    both.assert_hides("old-secret-5f2a")


@pytest.mark.usefixtures("no_channel_patterns")
def test_a_mirror_that_fails_says_its_pages_miss_events() -> None:
    options = {**SELF_HOSTED, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    with switched_from(options):
        both = check_both()
    assert both.status == 1
    report = both.machine.report()
    assert report["exit_status"] == 1
    assert report["verdict"].startswith("DELIVERY WORKS through 'memory'")
    assert report["transition"]["pages"][1] == (
        "Pages still on 'tornado_redis' miss what is published: its checks failed "
        "(connectivity, socket, see above)."
    )
    assert "realtime_check 'tornado_redis': connectivity, socket failed" in both.human.stderr


@pytest.mark.usefixtures("no_channel_patterns")
def test_a_misconfigured_mirror_is_named_and_the_primary_left_alone() -> None:
    with switched_from({"APP_ID": "1"}, "memory"):
        both = check_both()
    assert both.status == 2
    report = both.machine.report()
    (mirror,) = report["transition"]["mirrors"]
    assert mirror["steps"][0]["step"] == "configuration"
    assert "REALTIME_OPTIONS['tornado_redis']['KEY'] is required" in mirror["steps"][0]["detail"]
    assert report["steps"][0]["status"] == "ok"
    assert "REALTIME_ALSO_PUBLISH_TO lists 'memory' itself" in " ".join(
        report["transition"]["pages"]
    )


@pytest.mark.usefixtures("no_channel_patterns")
def test_a_malformed_setting_fails_the_check() -> None:
    with override_settings(REALTIME_ALSO_PUBLISH_TO="tornado_redis"):
        both = check_both()
    assert both.status == 2
    (setting,) = both.machine.report()["transition"]["mirrors"]
    assert setting["backend"] == "REALTIME_ALSO_PUBLISH_TO"
    assert "must be a list of backend names" in setting["steps"][0]["detail"]


@pytest.mark.usefixtures("no_channel_patterns")
def test_backend_checks_that_backend_alone() -> None:
    with switched_from({"APP_ID": "1"}):
        both = check_both("--backend", "memory")
    assert both.status == 0
    assert "transition" not in both.machine.report()
