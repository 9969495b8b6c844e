"""The interop tests run the same real server as tests/server, on a private exchange."""

from tests.server.conftest import make_server, server

__all__ = ["make_server", "server"]
