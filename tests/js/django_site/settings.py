"""Settings of the test-only site: the test suite's, with a SQLite file shared by the
server's threads (``REALTIME_JS_DB``) and this app installed."""

import os

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

try:
    _DATABASE_FILE = os.environ["REALTIME_JS_DB"]
except KeyError:
    raise RuntimeError(
        "tests.js.django_site.settings needs REALTIME_JS_DB: the SQLite file to use "
        "(an in-memory database is per connection, and the server has many threads)."
    ) from None

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _DATABASE_FILE,
        # Many threads write: take the write lock when a transaction starts (waiting for
        # it up to the timeout) rather than failing with "database is locked" later.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL;",
        },
    }
}
# A failing view's traceback in the server's output, which the Node tests show.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
INSTALLED_APPS = [*INSTALLED_APPS, "tests.js.django_site"]
ROOT_URLCONF = "tests.js.django_site.urls"
