"""The approvers, for every kind: each approval a case asks for is granted by the first of
its roles whose authority covers it, or refused when none may grant it."""

from __future__ import annotations

from typing import Any

from domain.actors import Role
from domain.approvals import ApprovalDecision
from domain.timeline import Entry
from people.desk import Desk, Refused


async def answer_approval(
    desk: Desk, case_id: str, detail: dict[str, Any], nth: int, *, approve: bool = True, note: str = ""
) -> bool:
    """Decide the approval request `detail` (an `approval_requested` entry); True if granted.
    Granted by the first of its roles whose authority covers it, a different person for
    each request (second checks); refused with `note`, or when no role may grant it: an
    approver beyond their authority says no and the case escalates, rather than let it
    time out into a breach."""
    roles = [Role(r) for r in detail.get("roles") or [Role.SECOND_LINE.value]]

    def decision(role: Role, yes: bool, why: str = "") -> ApprovalDecision:
        return ApprovalDecision(
            approval_id=detail["approval_id"], approve=yes, note=why, approver=desk.person(role, nth)
        )

    if approve:
        for role in reversed(roles):
            try:
                await desk.answer(case_id, "decide", decision(role, True))
                return True
            except Refused:
                continue
        note = note or "beyond my authority: passed up"
    await desk.answer(case_id, "decide", decision(roles[0], False, note or "declined"))
    return False


async def decide(desk: Desk, case_id: str, nth: int, *, approve: bool = True, note: str = "") -> bool:
    """The approvers' answer to the case's nth approval request, once it is asked."""
    detail = await desk.wait_nth(case_id, Entry.APPROVAL_REQUESTED, nth)
    return await answer_approval(desk, case_id, detail, nth, approve=approve, note=note)


async def approve_everything(desk: Desk, case_id: str) -> None:
    """Every approval the case asks for, decided as it comes (runs until the case ends)."""
    asked = 0
    while True:
        asked += 1
        await decide(desk, case_id, asked)
