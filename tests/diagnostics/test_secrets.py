"""Secrets are masked even when a backend's own message would repeat one."""

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from stevedore import ExtensionManager

from realtime_core.registry import ENTRY_POINT_GROUP

from .conftest import check_both

SECRET = "leaky-secret-value-8e3f"
PASSWORD = "leaky-password-c41"


@pytest.fixture
def leaky_backend(tmp_path: Path) -> Iterator[str]:
    """Install a third-party backend whose check() quotes its secret and a URL password."""
    dist_info = tmp_path / "leaky_backend-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: leaky-backend\nVersion: 1.0\n"
    )
    (dist_info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nleaky = leaky_backend:LeakyBackend\n"
    )
    (tmp_path / "leaky_backend.py").write_text(
        textwrap.dedent(
            """\
            from realtime_core.backends.base import CheckResult, CheckStatus
            from realtime_core.backends.memory import MemoryBackend
            from realtime_core.backends.self_hosted import credential_options, server_options
            from realtime_core.conf import Option

            class LeakyBackend(MemoryBackend):
                transport_options = {
                    **credential_options({"APP_ID": "1", "KEY": "leaky"}),
                    **server_options(("*",)),
                    "URL": Option("a URL", lambda value: isinstance(value, str)),
                }

                def check(self, timeout=None):
                    detail = f"refused {self.secret} at {self.options['URL']}"
                    return [CheckResult("connectivity", CheckStatus.FAILED, 0.0, detail)]
            """
        )
    )
    sys.path.insert(0, str(tmp_path))
    ExtensionManager.ENTRY_POINT_CACHE.pop(ENTRY_POINT_GROUP, None)
    try:
        yield "leaky"
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("leaky_backend", None)
        ExtensionManager.ENTRY_POINT_CACHE.pop(ENTRY_POINT_GROUP, None)


def test_a_backend_quoting_its_secret_is_masked(
    leaky_backend: str, realtime_settings: Callable[..., None]
) -> None:
    options = {"SECRET": SECRET, "URL": f"redis://user:{PASSWORD}@db:6379/0"}
    realtime_settings("memory", {}, **{leaky_backend: options})
    both = check_both("--backend", leaky_backend)
    assert both.status == 1
    assert both.step("connectivity")["detail"] == "refused *** at redis://user:***@db:6379/0"
    both.assert_hides(SECRET, PASSWORD)


def test_a_redis_password_in_the_query_string_is_masked(
    realtime_settings: Callable[..., None],
) -> None:
    # redis-py takes the password from ?password= too; nothing listens on port 1.
    url = f"redis://127.0.0.1:1/0?password={PASSWORD}"
    options = {"REDIS_URL": url, "APP_ID": "1", "KEY": "k", "SECRET": SECRET, "WS_PORT": 1}
    realtime_settings("tornado_redis", options)
    both = check_both("--timeout", "1")
    assert both.status == 1
    assert "redis://127.0.0.1:1/0?password=***" in both.step("connectivity")["detail"]
    both.assert_hides(SECRET, PASSWORD)
