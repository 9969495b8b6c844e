"""Internal: what a process can tell about how the project is deployed.

The ``memory`` backend reaches only the sockets served by the process that
publishes, so a deployment where other processes publish (several web workers, a
task queue's workers) loses events with it. Nothing reveals that for certain from
inside one process; these are the signals that do say it, each a fact about the
deployment rather than a guess:

* ``WEB_CONCURRENCY`` above 1 in the environment: gunicorn, uvicorn and Heroku start
  that many worker processes;
* ``CELERY_BROKER_URL`` in the settings: Celery workers run tasks (and publish) in
  their own processes;
* ``RQ_QUEUES`` in the settings: so do django-rq's workers.

Which processes serve the sockets is a fact too: ``manage.py realtime_server``, and
``manage.py runserver`` while it is this library's (:func:`runserver_problem`). A
WSGI server (gunicorn, uWSGI, mod_wsgi) serves none.
"""

import os

from django.conf import settings
from django.core.management import get_commands

__all__ = ["RUNSERVER_HINT", "multi_process_signals", "runserver_problem"]

RUNSERVER_HINT = (
    "List 'realtime_core' above {app!r} in INSTALLED_APPS (it then takes over runserver, as "
    "Daphne does), or serve the site with manage.py realtime_server."
)
"""How to make ``runserver`` serve the sockets, for :func:`runserver_problem`'s ``app``."""

TASK_QUEUE_SETTINGS = {
    "CELERY_BROKER_URL": "Celery workers",
    "RQ_QUEUES": "django-rq workers",
}
"""Settings whose presence means workers publish from processes of their own."""


def multi_process_signals() -> list[str]:
    """Why this deployment runs Django code in several processes; empty when nothing says so."""
    signals = []
    concurrency = os.environ.get("WEB_CONCURRENCY", "").strip()
    if concurrency.isdigit() and int(concurrency) > 1:
        signals.append(f"WEB_CONCURRENCY={concurrency} starts {concurrency} web worker processes")
    for setting, workers in TASK_QUEUE_SETTINGS.items():
        if getattr(settings, setting, None):
            signals.append(f"{setting} is set: {workers} publish from their own processes")
    return signals


def runserver_problem() -> tuple[str, str] | None:
    """Why ``manage.py runserver`` serves no sockets, and the app whose command it runs.

    ``None`` when it is this library's. Django takes a command from the first
    installed app that has it, so ``django.contrib.staticfiles`` (or Daphne) listed
    above ``realtime_core`` wins.
    """
    app = get_commands().get("runserver", "django.core")
    if app == "realtime_core":
        return None
    return f"manage.py runserver is {app}'s: it serves the site but no sockets", app
