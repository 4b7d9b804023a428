"""The people of a refund a case hands to a child, for every kind that refunds: the
customer's payment details if the case asks for them, then a manual refund's review and
second check. A normal return needs nobody: the parent case has reviewed it."""

from __future__ import annotations

from domain.actors import ActorRef
from domain.child_cases import PayeeDetails, RefundRoute
from domain.manual_refund import Payee
from domain.models import workflow_id_for
from domain.timeline import Entry
from people.approvers import decide
from people.desk import Desk


def child_case_id(workflow_id: str) -> str:
    """A child case's id, from the workflow id its parent recorded."""
    return workflow_id.removeprefix(workflow_id_for(""))


async def refund_people(desk: Desk, case_id: str, who: ActorRef, payee: Payee) -> None:
    kind, detail = await desk.wait_any(case_id, Entry.PAYEE_REQUESTED, Entry.REFUND_STARTED, Entry.NOTHING_TO_REFUND)
    if kind == Entry.PAYEE_REQUESTED:
        await desk.answer(case_id, "payee", PayeeDetails(by=who, payee=payee))
        kind, detail = await desk.wait_any(case_id, Entry.REFUND_STARTED, Entry.REFUND_NOT_STARTED)
    if kind == Entry.REFUND_STARTED and detail.get("route") == RefundRoute.MANUAL_REFUND.value:
        child = child_case_id(detail["child"])
        for nth in (1, 2):
            await decide(desk, child, nth)
