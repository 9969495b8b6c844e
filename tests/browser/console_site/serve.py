"""``python -m tests.browser.console_site.serve --port N``: a fresh ``CONSOLE_SITE_DB``
with the staff user ``CONSOLE_SITE_STAFF`` (``username:password``), then
``realtime_server``."""

import os
import sys

import django
from django.core.management import call_command


def main() -> None:
    # Always this site's settings, whatever the caller's environment says (pytest's).
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.browser.console_site.settings"
    django.setup()
    from django.contrib.auth.models import User

    call_command("migrate", run_syncdb=True, verbosity=0)
    username, _, password = os.environ["CONSOLE_SITE_STAFF"].partition(":")
    User.objects.create_user(username, password=password, is_staff=True)
    call_command("realtime_server", *sys.argv[1:])


if __name__ == "__main__":
    main()
