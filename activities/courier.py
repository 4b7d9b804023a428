from __future__ import annotations

from temporalio import activity

from activities.conduct import outside_call
from adapters.courier import Courier
from domain.abnormal_sign_off import masked_name
from domain.external import PickupBooking, PickupRequest
from domain.findings import CourierAck, CourierNotice, DeliveryQuery, DeliveryStatus, SignerProof, SignerQuery


class CourierActivities:
    def __init__(self, courier: Courier):
        self.courier = courier

    @activity.defn
    async def book_pickup(self, request: PickupRequest) -> PickupBooking:
        with outside_call(request.case_id, "courier.book_pickup") as log:
            booking = await self.courier.book_pickup(request)
        log.info("pickup booked", booking_id=booking.booking_id)
        return booking

    @activity.defn
    async def check_delivery(self, query: DeliveryQuery) -> DeliveryStatus:
        with outside_call(query.case_id, "courier.delivery_status") as log:
            status = await self.courier.delivery_status(query)
        log.info("delivery status", state=status.state.value)
        return status

    @activity.defn
    async def notify_courier(self, notice: CourierNotice) -> CourierAck:
        with outside_call(notice.case_id, "courier.send_notice") as log:
            ack = await self.courier.send_notice(notice)
        log.info("courier notified", notice=notice.kind, reference=ack.reference)
        return ack

    @activity.defn
    async def fetch_signer_proof(self, query: SignerQuery) -> SignerProof:
        with outside_call(query.case_id, "courier.signer_proof") as log:
            proof = await self.courier.signer_proof(query)
        log.info("signer proof", has_name=bool(proof.signer_name), has_slip=proof.slip_photo is not None)
        # The signer is a third party: the case needs to know a name exists and to show
        # its first character, so the result (kept in the history) carries no more (§6).
        return proof.model_copy(update={"signer_name": masked_name(proof.signer_name)})
