from __future__ import annotations

from typing import Protocol

from domain.external import PickupBooking, PickupRequest
from domain.findings import CourierAck, CourierNotice, DeliveryQuery, DeliveryStatus, SignerProof, SignerQuery


class Courier(Protocol):
    async def book_pickup(self, request: PickupRequest) -> PickupBooking:
        """Book a return pickup; booking the same case twice returns the first booking."""
        ...

    async def delivery_status(self, query: DeliveryQuery) -> DeliveryStatus:
        """Where a shipped parcel is as of query.as_of (§4.6)."""
        ...

    async def send_notice(self, notice: CourierNotice) -> CourierAck:
        """Chase a slow parcel or book a second delivery; the same case and kind twice is one notice."""
        ...

    async def signer_proof(self, query: SignerQuery) -> SignerProof:
        """The signer's name or the signed slip's photo of a delivered parcel (§4.8)."""
        ...
