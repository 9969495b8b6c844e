"""The errors django-realtime-core raises.

::

    django.core.exceptions.ImproperlyConfigured
     └── RealtimeConfigurationError   bad REALTIME_* settings, backend cannot be loaded
    Exception
     └── RealtimeError                 root of every runtime error
          ├── InvalidMessage (+ ValueError)   rejected before anything is sent
          │    └── DataTooLarge                the data exceeds the size limit
          ├── PublishError                     the transport failed to deliver (or, for
          │                                    Backend.history(), to answer)
          └── UnsupportedFeature               the backend does not offer this feature

Configuration errors are deliberately *not* ``RealtimeError`` subclasses: code that
catches runtime failures (``except RealtimeError``) must never swallow a broken
deployment.
"""

from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "DataTooLarge",
    "InvalidMessage",
    "PublishError",
    "RealtimeConfigurationError",
    "RealtimeError",
    "UnsupportedFeature",
]


class RealtimeConfigurationError(ImproperlyConfigured):
    """A ``REALTIME_*`` setting is wrong or the configured backend cannot be loaded."""


class RealtimeError(Exception):
    """Root of the runtime errors raised while publishing."""


class InvalidMessage(RealtimeError, ValueError):
    """A publish was refused by validation (names, sizes, limits); nothing was sent."""


class DataTooLarge(InvalidMessage):
    """The JSON-encoded ``data`` is bigger than the backend's ``MAX_DATA_BYTES``."""


class PublishError(RealtimeError):
    """The backend could not deliver a message to its transport.

    ``backend`` names the backend that failed; the original exception is chained
    as ``__cause__``.
    """

    def __init__(self, message: str, *, backend: str) -> None:
        super().__init__(message)
        self.backend = backend


class UnsupportedFeature(RealtimeError):
    """The backend does not offer ``feature`` (its capabilities say so too).

    Its :class:`~realtime_core.backends.base.Capabilities` tell beforehand. Raised by
    the optional parts of the backend contract, such as
    :meth:`~realtime_core.backends.base.Backend.history` on ``pusher``, which keeps no
    history. ``backend`` names the backend, ``feature`` what was asked of it.
    """

    def __init__(self, message: str, *, backend: str, feature: str) -> None:
        super().__init__(message)
        self.backend = backend
        self.feature = feature
