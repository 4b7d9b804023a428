from __future__ import annotations

from adapters.simulators.pushes import Announced
from adapters.simulators.scenario import FaultInjector, SimulatorConfig
from domain.external import PickupBooking, PickupRequest
from domain.findings import (
    CourierAck,
    CourierNotice,
    DeliveryQuery,
    DeliveryState,
    DeliveryStatus,
    SignerProof,
    SignerQuery,
)
from domain.models import EvidenceRef


class CourierSimulator:
    def __init__(self, config: SimulatorConfig | None = None):
        self.config = config or SimulatorConfig()
        self.faults = FaultInjector(self.config, "courier")
        self.announced = Announced()
        self.bookings: dict[str, PickupBooking] = {}
        self.notices: dict[str, CourierNotice] = {}

    async def book_pickup(self, request: PickupRequest) -> PickupBooking:
        scripted = self.config.scenario(request.order_id).pickup_fails
        await self.faults.call("book_pickup", request.case_id, scripted)
        existing = self.bookings.get(request.case_id)
        if existing:
            return existing
        booking = PickupBooking(
            booking_id=f"PU-{request.case_id}",
            case_id=request.case_id,
            order_id=request.order_id,
            booked_at=request.as_of,
        )
        self.bookings[request.case_id] = booking
        scenario = self.config.scenario(request.order_id)
        if not scenario.parcel_lost:  # the warehouse pushes once the goods are back
            after = scenario.receive_after or self.config.default_receive_after
            self.announced.once("warehouse", "goods-received", request.case_id, booking.booked_at + after.plain)
        return booking

    async def delivery_status(self, query: DeliveryQuery) -> DeliveryStatus:
        """Stateless, like the warehouse's receipt: follows from the scenario and as_of."""
        await self.faults.call("delivery_status", f"{query.order_id}@{query.as_of.isoformat()}")
        scenario = self.config.scenario(query.order_id)
        if scenario.delivery is not None:
            return DeliveryStatus(order_id=query.order_id, state=scenario.delivery)
        if scenario.signed_after is not None:
            signed_at = query.shipped_at + scenario.signed_after.plain
            if query.as_of >= signed_at:
                return DeliveryStatus(order_id=query.order_id, state=DeliveryState.SIGNED)
            self.announced.once("courier", "delivery-status", query.case_id, signed_at)
        return DeliveryStatus(order_id=query.order_id, state=DeliveryState.IN_TRANSIT)

    async def send_notice(self, notice: CourierNotice) -> CourierAck:
        key = f"{notice.case_id}:{notice.kind}"
        await self.faults.call("send_notice", key)
        self.notices.setdefault(key, notice)
        return CourierAck(reference=f"CN-{key}", case_id=notice.case_id)

    async def signer_proof(self, query: SignerQuery) -> SignerProof:
        await self.faults.call("signer_proof", query.case_id)
        scenario = self.config.scenario(query.order_id)
        photo = (
            EvidenceRef(kind="signed_slip", uri=f"courier://slips/{query.order_id}")
            if scenario.signer_slip_photo
            else None
        )
        return SignerProof(order_id=query.order_id, signer_name=scenario.signer_name, slip_photo=photo)
