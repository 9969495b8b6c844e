"""The test settings with ``tornado_redis`` as the backend (Redis URL from the environment)."""

import os

from tests.settings import *  # noqa: F403

REALTIME_BACKEND = "tornado_redis"
REALTIME_OPTIONS = {
    "tornado_redis": {
        "REDIS_URL": os.environ["TEST_REDIS_URL"],
        "APP_ID": "55",
        "KEY": "settings-key",
        "SECRET": "settings-secret",
        "CLIENT_EVENTS": True,
        "SUBSCRIPTION_COUNT_EVENTS": True,
        "WATCHLIST_EVENTS": True,
    }
}
