from __future__ import annotations

from adapters.simulators.scenario import FaultInjector, SimulatorConfig
from domain.external import ReceiptQuery, ReceiptStatus


class WarehouseSimulator:
    def __init__(self, config: SimulatorConfig | None = None):
        self.config = config or SimulatorConfig()
        self.faults = FaultInjector(self.config, "warehouse")

    async def return_receipt(self, query: ReceiptQuery) -> ReceiptStatus:
        """Stateless: the answer follows from the booking time, the scenario and as_of,
        so it holds on a skipped clock and across worker restarts."""
        booking = query.booking
        await self.faults.call("return_receipt", f"{booking.booking_id}@{query.as_of.isoformat()}")
        scenario = self.config.scenario(booking.order_id)
        if scenario.parcel_lost:
            return ReceiptStatus(booking_id=booking.booking_id, received=False, lost=True, note="parcel lost in transit")
        after = scenario.receive_after or self.config.default_receive_after
        arrives = booking.booked_at + after.plain
        if query.as_of >= arrives:
            return ReceiptStatus(booking_id=booking.booking_id, received=True, received_at=arrives)
        return ReceiptStatus(booking_id=booking.booking_id, received=False)
