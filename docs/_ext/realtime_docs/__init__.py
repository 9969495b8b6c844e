"""Sphinx directives that generate the reference tables from the code.

Each table is built from what the code declares at build time, so the documentation
cannot drift from it:

``backend-options NAME``
    every option of backend ``NAME``: its default, what it does, the allowed values
    (:meth:`realtime_core.backends.base.Backend.option_spec`);
``backend-example NAME``
    an example configuration of backend ``NAME``, validated by building the backend;
``settings-table``
    the ``REALTIME_*`` settings (:mod:`realtime_core.conf`);
``options-matrix``
    every option of every registered backend, with each backend's default;
``capability-matrix``
    each registered backend's :class:`~realtime_core.backends.base.Capabilities`;
``argparse-help MODULE:FUNCTION``
    the ``--help`` of the parser ``FUNCTION()`` returns (``realtime-server``);
``command-help NAME``
    the ``--help`` of ``manage.py NAME``;
``error-codes MODULE.ENUM``
    the members of an ``IntEnum`` whose members have a ``description``;
``metrics-table MODULE.NAME``
    a socket server's Prometheus metrics, from a tuple of
    :class:`~realtime_core.server.metrics.MetricSpec`.

It also shows the type variables and private classes of signatures by name
(:mod:`.plain_references`).
"""

from sphinx.application import Sphinx
from sphinx.util.typing import ExtensionMetadata

from . import backends, cli, codes, metrics, plain_references


def setup(app: Sphinx) -> ExtensionMetadata:
    for module in (backends, cli, codes, metrics):
        for name, directive in module.DIRECTIVES.items():
            app.add_directive(name, directive)
    plain_references.setup(app)
    return {"version": "1", "parallel_read_safe": True, "env_version": 1}
