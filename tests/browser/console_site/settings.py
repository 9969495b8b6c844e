"""Settings of the console's test-only site (see the package docstring)."""

import os

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS, MIDDLEWARE

try:
    _DATABASE_FILE = os.environ["CONSOLE_SITE_DB"]
except KeyError:
    raise RuntimeError(
        "tests.browser.console_site.settings needs CONSOLE_SITE_DB: the SQLite file to use "
        "(an in-memory database is per connection, and the server has many threads)."
    ) from None

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _DATABASE_FILE,
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
    }
}
INSTALLED_APPS = ["django.contrib.admin", "django.contrib.messages", *INSTALLED_APPS]
MIDDLEWARE = [*MIDDLEWARE, "django.contrib.messages.middleware.MessageMiddleware"]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
ROOT_URLCONF = "tests.browser.console_site.urls"
REALTIME_CONSOLE = True
# Static files (the admin's, realtime.js, console.js) served as runserver serves them.
DEBUG = True
