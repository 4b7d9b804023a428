"""The people of §4.2–§4.8's kinds: the customer, the invoice specialist and the approvers,
each answering once the case asks. The demo and the bench choose what they say."""

from __future__ import annotations

from domain.actors import ActorRef
from domain.invoice import InvoiceArrival, InvoiceDelivered
from domain.manual_refund import Payee
from domain.missing_item import Remedy, RemedyChoice
from domain.models import EvidenceRef
from domain.replies import EvidenceUpload
from domain.shipped_not_signed import OfferAnswer
from domain.timeline import Entry
from people.approvers import decide
from people.desk import Desk
from people.refunds import child_case_id, refund_people


async def invoice_people(desk: Desk, case_id: str, customer: ActorRef, *, returned_by: ActorRef | None) -> None:
    """A wrong invoice is logged back from the post (`returned_by`); the customer confirms the new one."""
    if returned_by is not None:
        await desk.wait(case_id, Entry.OPENED)
        await desk.answer(case_id, "invoice_returned", InvoiceArrival(by=returned_by, note="back in the post"))
    await desk.wait(case_id, Entry.INVOICE_ISSUED)
    await desk.answer(case_id, "invoice_delivered", InvoiceDelivered(by=customer))


async def price_approvers(desk: Desk, case_id: str, *, agreed: bool, unpaid: bool, note: str = "") -> None:
    """The platform on a system error's difference; on an unpaid order, second line's coupon too."""
    if await decide(desk, case_id, 1, approve=agreed, note=note) and unpaid:
        await decide(desk, case_id, 2)


async def not_signed_customer(
    desk: Desk, case_id: str, customer: ActorRef, reply: str | None, *, declined_note: str = ""
) -> None:
    """The customer's answer to the refund offer: "refund", "refund+coupon", "reship" (second
    line agrees), "insist" (second line says no), None = silent. An appointment needs a time
    after the case's clock, which the customer cannot see: they leave it to the courier."""
    asked, _ = await desk.wait_any(case_id, Entry.REFUND_OFFERED, Entry.APPOINTMENT_ASKED)
    if asked == Entry.APPOINTMENT_ASKED or reply is None:
        return
    accept = reply.startswith("refund")
    await desk.answer(
        case_id, "offer", OfferAnswer(by=customer, accept_refund=accept, wants_compensation=reply == "refund+coupon")
    )
    if not accept:
        await decide(desk, case_id, 1, approve=reply == "reship", note=declined_note)


async def missing_item_customer(
    desk: Desk, case_id: str, customer: ActorRef, payee: Payee, choice: tuple[Remedy, bool] | None
) -> None:
    """Reship or refund (and the coupon?) once a remedy is offered; silence is a refund too,
    and part of a line (a manual refund) then needs its checks."""
    await desk.wait(case_id, Entry.REMEDY_OFFERED)
    if choice is not None:
        remedy, coupon = choice
        await desk.answer(case_id, "remedy", RemedyChoice(by=customer, remedy=remedy, wants_compensation=coupon))
    if choice is None or choice[0] == Remedy.REFUND:
        await refund_people(desk, case_id, customer, payee)


async def damaged_goods_people(
    desk: Desk, case_id: str, customer: ActorRef, payee: Payee, *, photo: str | None, coupon: bool
) -> None:
    """The customer's photo (None: never sent), the refund's people, second line's coupon."""
    await desk.wait(case_id, Entry.EVIDENCE_REQUESTED)
    if photo is None:
        return
    await desk.answer(case_id, "evidence", EvidenceUpload(by=customer, items=(EvidenceRef(kind="photo", uri=photo),)))
    await refund_people(desk, case_id, customer, payee)
    if coupon:
        await decide(desk, case_id, 1)


async def wrong_item_people(
    desk: Desk, case_id: str, customer: ActorRef, payee: Payee, *, photo: str | None, barcode: str
) -> None:
    """The barcode photo (None: never sent); a missing gift becomes a missing item of its own,
    which the customer wants sent; otherwise the refund's people and, after a pickup, the coupon."""
    await desk.wait(case_id, Entry.EVIDENCE_REQUESTED)
    if photo is None:
        return
    await desk.answer(
        case_id,
        "evidence",
        EvidenceUpload(by=customer, items=(EvidenceRef(kind="barcode_photo", uri=photo),), barcode=barcode),
    )
    step, detail = await desk.wait_any(case_id, Entry.REFUND_DECIDED, Entry.RECLASSIFIED)
    if step == Entry.RECLASSIFIED:
        await missing_item_customer(desk, child_case_id(detail["child"]), customer, payee, (Remedy.RESHIP, False))
        return
    await refund_people(desk, case_id, customer, payee)
    if detail.get("pickup"):
        await decide(desk, case_id, 1)
