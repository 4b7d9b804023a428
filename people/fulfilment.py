"""The people of §4.1, §4.9 and §4.14: the customer of a held order or a refused parcel, the
return specialist and the two checkers of a manual refund."""

from __future__ import annotations

from domain.actors import ActorRef
from domain.held_order import CustomerChoice, HeldOrderAnswer
from domain.manual_refund import Assessment
from domain.refusal import GoodsAnswer
from domain.timeline import Entry
from people.approvers import decide
from people.desk import Desk


async def held_order_people(
    desk: Desk, case_id: str, customer: ActorRef, *, cash_offer: bool, choice: CustomerChoice | None
) -> None:
    """After the apology: second line approves a cash offer; the customer chooses (None: silent)."""
    await desk.wait(case_id, Entry.APOLOGISED)
    if cash_offer:
        await decide(desk, case_id, 1)
    if choice is not None:
        await desk.answer(case_id, "choose", HeldOrderAnswer(customer=customer, choice=choice))


async def manual_refund_people(
    desk: Desk,
    case_id: str,
    *,
    assessor: ActorRef | None,
    pickup: bool = False,
    review_ok: bool = True,
    second_ok: bool = True,
    review_note: str = "",
    second_note: str = "",
) -> None:
    """The return specialist's pickup decision (when the case asks: `assessor`), then the
    supervisor's review and the second check by a different person."""
    if assessor is not None:
        await desk.wait(case_id, Entry.ASSESSMENT_REQUESTED)
        await desk.answer(case_id, "assess", Assessment(assessor=assessor, pickup=pickup))
    if await decide(desk, case_id, 1, approve=review_ok, note=review_note):
        await decide(desk, case_id, 2, approve=second_ok, note=second_note)


async def refusal_customer(desk: Desk, case_id: str, customer: ActorRef, *, wants_goods: bool) -> None:
    """The customer of a parcel the courier returned on its own: still wants the goods?"""
    await desk.wait(case_id, Entry.COURIER_FAULT)
    await desk.answer(case_id, "still_wants_goods", GoodsAnswer(customer=customer, wants_goods=wants_goods))
