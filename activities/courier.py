from __future__ import annotations

from temporalio import activity

from activities.conduct import outside_call
from adapters.courier import Courier
from domain.external import PickupBooking, PickupRequest


class CourierActivities:
    def __init__(self, courier: Courier):
        self.courier = courier

    @activity.defn
    async def book_pickup(self, request: PickupRequest) -> PickupBooking:
        with outside_call(request.case_id, "courier.book_pickup") as log:
            booking = await self.courier.book_pickup(request)
        log.info("pickup booked", booking_id=booking.booking_id)
        return booking
