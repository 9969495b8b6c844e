"""Internal: the self-hosted socket server: the Pusher Channels protocol over Tornado.

It needs no Django at run time: ``realtime-server`` (or ``python -m
realtime_core.server``) runs it from flags or ``REALTIME_*`` variables, and
``manage.py realtime_server`` / ``runserver`` run it from Django's settings
(:mod:`realtime_core.serving`). Start at :mod:`.runner` and :mod:`.app`.
"""
