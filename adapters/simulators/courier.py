from __future__ import annotations

from adapters.simulators.scenario import FaultInjector, SimulatorConfig
from domain.external import PickupBooking, PickupRequest


class CourierSimulator:
    def __init__(self, config: SimulatorConfig | None = None):
        self.config = config or SimulatorConfig()
        self.faults = FaultInjector(self.config, "courier")
        self.bookings: dict[str, PickupBooking] = {}

    async def book_pickup(self, request: PickupRequest) -> PickupBooking:
        scripted = self.config.scenario(request.order_id).pickup_fails
        await self.faults.call("book_pickup", request.case_id, scripted)
        existing = self.bookings.get(request.case_id)
        if existing:
            return existing
        booking = PickupBooking(
            booking_id=f"PU-{request.case_id}", case_id=request.case_id, order_id=request.order_id,
            booked_at=request.as_of,
        )
        self.bookings[request.case_id] = booking
        return booking
