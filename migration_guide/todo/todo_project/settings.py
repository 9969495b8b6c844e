"""Settings of the todo demo.

The real-time part is the last section: ``REALTIME_BACKEND`` is the one line the
migration guide changes, and every backend's options sit side by side below it, so
switching (and switching back) touches nothing else. Secrets come from the
environment; the defaults only suit a machine of your own (``DEBUG`` is on unless
``TODO_DEBUG=0``).
"""

import os
from pathlib import Path

import django

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("TODO_SECRET_KEY", "todo-demo-only-not-a-secret")
DEBUG = os.environ.get("TODO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", *os.environ.get("TODO_ALLOWED_HOSTS", "").split()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    # Above staticfiles: realtime_core's runserver then serves the sockets too.
    "realtime_core",
    "django.contrib.staticfiles",
    "todo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "todo_project.urls"
WSGI_APPLICATION = "todo_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]

# Requests write concurrently (a double click on Add sends two). SQLite lets one writer
# at a time; by default a transaction asks for the write lock only at its first write,
# and one that has read meanwhile then fails at once with "database is locked". IMMEDIATE
# takes the lock at BEGIN, so writers queue instead, each waiting up to `timeout` seconds.
# transaction_mode needs Django 5.1+ (the project's lock has 5.2).
SQLITE_OPTIONS: dict[str, object] = {"timeout": 20}
if django.VERSION >= (5, 1):
    SQLITE_OPTIONS["transaction_mode"] = "IMMEDIATE"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("TODO_DATABASE", BASE_DIR / "db.sqlite3"),
        "OPTIONS": SQLITE_OPTIONS,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
LOGIN_REDIRECT_URL = "todo:index"
LOGOUT_REDIRECT_URL = "todo:index"

# Real time --------------------------------------------------------------------------

# The switch: "memory" (embedded), "tornado_redis" (self-hosted) or "pusher" (hosted).
REALTIME_BACKEND = "memory"
# While pages are open across a switch: the backends every publish also goes to (05).
REALTIME_ALSO_PUBLISH_TO = []

REALTIME_OPTIONS = {
    # One process serves the site and its sockets: manage.py realtime_server.
    "memory": {},
    # Socket servers (manage.py realtime_server --port ...) fanned out through Redis.
    "tornado_redis": {
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "APP_ID": "1",
        "KEY": "todo",
        "SECRET": os.environ.get("REALTIME_SECRET", "todo-demo-only-realtime-secret"),
        # Where browsers open their sockets: the proxy in front of the socket servers.
        "WS_HOST": os.environ.get("REALTIME_WS_HOST", "127.0.0.1"),
        "WS_PORT": int(os.environ.get("REALTIME_WS_PORT", "6000")),
        "USE_TLS": os.environ.get("REALTIME_USE_TLS", "false") == "true",
    },
    # Pusher Channels: the app's keys from its dashboard ("App Keys").
    "pusher": {
        "APP_ID": os.environ.get("PUSHER_APP_ID"),
        "KEY": os.environ.get("PUSHER_KEY"),
        "SECRET": os.environ.get("PUSHER_SECRET"),
        "CLUSTER": os.environ.get("PUSHER_CLUSTER", "mt1"),
        # Unset for Pusher itself; set to rehearse against a stand-in (realtime-server).
        "HOST": os.environ.get("PUSHER_HOST"),
        "PORT": int(os.environ["PUSHER_PORT"]) if os.environ.get("PUSHER_PORT") else None,
        "USE_TLS": os.environ.get("PUSHER_USE_TLS", "true") == "true",
    },
}
