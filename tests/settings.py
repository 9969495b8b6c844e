"""Django settings for the test suite (SQLite in memory, memory backend)."""

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "realtime_core",
    "tests.testapp",
]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
    # A second database proves publishes wait for the transaction they are really in.
    "other": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
REALTIME_BACKEND = "memory"
ROOT_URLCONF = "tests.testapp.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
