"""An in-process broker a test can make lose or delay deliveries, as a faulty link would."""

from realtime_core.brokers.base import (
    ConnectionCounter,
    DeliveryHandler,
    LifecycleHandler,
    OnlineHandler,
    ResyncHandler,
    TerminateHandler,
)
from realtime_core.brokers.in_process import InProcessBroker


class InterceptingBroker(InProcessBroker):
    """Starts as an :class:`InProcessBroker` does, but hands the server's delivery
    handler to :meth:`intercept` first, and keeps its resync handler in :attr:`resync`
    for the test to call."""

    resync: ResyncHandler | None = None

    def intercept(self, deliver: DeliveryHandler) -> DeliveryHandler:
        """The handler the exchange calls instead of ``deliver``; ``deliver`` itself here."""
        return deliver

    async def start(
        self,
        deliver: DeliveryHandler,
        terminate: TerminateHandler,
        resync: ResyncHandler,
        lifecycle: LifecycleHandler | None = None,
        *,
        connections: ConnectionCounter | None = None,
        online: OnlineHandler | None = None,
    ) -> None:
        self.resync = resync
        await super().start(
            self.intercept(deliver),
            terminate,
            resync,
            lifecycle,
            connections=connections,
            online=online,
        )
