"""The WSGI application, for gunicorn, uwsgi or mod_wsgi (``todo_project.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todo_project.settings")

application = get_wsgi_application()
