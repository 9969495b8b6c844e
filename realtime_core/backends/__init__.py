"""Backends carry published messages to browsers: ``memory``, ``tornado_redis``, ``pusher``.

Each is a :class:`realtime_core.backends.base.Backend` registered in the
``realtime_core.backends`` entry-point group.
"""
