"""A test-only Django site for ``tests/js/routers.test.mjs``: realtime.js against the
real router views and the real socket server.

``python -m tests.js.django_site.serve --port N`` (with ``REALTIME_JS_DB`` naming a
SQLite file) creates the tables and runs ``manage.py realtime_server``, which on the
memory backend serves this site and its sockets on one port. The test app's routers are
registered (``realtime.py``), and ``/test-only/login/`` signs a browser in by name.
Never install this app anywhere else.
"""
