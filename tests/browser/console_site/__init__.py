"""A test-only Django site for the console's browser test: the test suite's settings
with the admin installed and ``REALTIME_CONSOLE = True``, on the memory backend.

``python -m tests.browser.console_site.serve --port N`` (with ``CONSOLE_SITE_DB``
naming a SQLite file and ``CONSOLE_SITE_STAFF`` a ``username:password``) creates the
tables and that staff user, then runs ``manage.py realtime_server``: the site and its
sockets on one port. Never install this app anywhere else.
"""
