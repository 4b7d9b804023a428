from __future__ import annotations

from typing import Protocol

from domain.external import PickupBooking, PickupRequest


class Courier(Protocol):
    async def book_pickup(self, request: PickupRequest) -> PickupBooking:
        """Book a return pickup; booking the same case twice returns the first booking."""
        ...
