"""The return specialist of a ReturnRefund (§4.10): reviews once the review is asked for."""

from __future__ import annotations

from domain.returns import ReviewDecision
from domain.timeline import Entry
from people.desk import Desk


async def review(desk: Desk, case_id: str, decision: ReviewDecision) -> None:
    await desk.wait(case_id, Entry.REVIEW_REQUESTED)
    await desk.answer(case_id, "review", decision)
