"""``python -m realtime_core.server``: the same as the ``realtime-server`` script."""

from .cli import main

main()
