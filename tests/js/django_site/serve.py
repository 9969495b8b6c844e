"""``python -m tests.js.django_site.serve --port N``: create the tables of a fresh
``REALTIME_JS_DB``, then ``realtime_server`` (the site and its sockets on one port)."""

import os
import sys

import django
from django.core.management import call_command


def main() -> None:
    # Always this site's settings, whatever the caller's environment says (pytest's).
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.js.django_site.settings"
    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)
    call_command("realtime_server", *sys.argv[1:])


if __name__ == "__main__":
    main()
