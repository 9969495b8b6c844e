"""Brokers carry deliveries between publishers and socket servers, and hold what servers share.

:mod:`.base` is the contract (:class:`~.base.Broker` and what it hands over);
:mod:`.in_process` serves one process (the ``memory`` backend, ``realtime-server``
without Redis); :mod:`.redis` serves any number of processes through one Redis, whose
data layout (:mod:`.redis_schema`) the ``tornado_redis`` backend publishes with too.

Brokers import neither the backends nor the server: both are built on them.
"""
