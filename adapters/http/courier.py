from __future__ import annotations

import httpx

from adapters.courier import Courier
from adapters.http.operations import speaks
from adapters.http.service import DEFAULT_TIMEOUT_SECONDS, Service, mismatch
from domain.external import PickupBooking, PickupRequest


@speaks(Courier)
class HttpCourier:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.service = Service("courier", base_url, timeout=timeout, transport=transport)

    async def book_pickup(self, request: PickupRequest) -> PickupBooking:
        booking = await self.service.post("pickups", request, PickupBooking)
        mismatch("courier", case=(request.case_id, booking.case_id), order=(request.order_id, booking.order_id))
        return booking
