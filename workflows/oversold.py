"""Oversold (§4.1, S4 2.2): asks the platform whether the order can ship, waits for the
answer within the oversold_check window, then ships late with an apology, or
compensates (second-line approval) and refunds a paid order through a ReturnRefund child."""

from __future__ import annotations

import asyncio
from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.fulfilment import DispatchRequest, OversoldAnswer, OversoldCheck
    from domain.handlers import SignalName
    from domain.oversold import OversoldInput, OversoldOutcome, OversoldResult, OversoldState, can_ship, oversold_offer
    from domain.timeline import Entry
    from workflows import activity_calls, carryover, patches, remedies, waits
    from workflows.casefile import CaseFile
    from workflows.remedies import RemedyCase


@workflow.defn
class Oversold(RemedyCase):
    @workflow.init
    def __init__(self, inp: OversoldInput) -> None:
        self.inp = inp
        super().__init__(CaseFile(inp.case, inp.policy, OversoldState.AWAITING_PLATFORM))
        self.file.continue_with = lambda carried: inp.model_copy(update={"carried": carried})

    @workflow.run
    async def run(self, inp: OversoldInput) -> OversoldResult:
        f, order, carried = self.file, inp.case.order, inp.carried
        if carried is None:
            asked = workflow.now()
            await f.open(paid=order.paid)
            due = f.deadline_after("oversold_check", asked, inp.policy.windows.oversold_check)
            await f.record(Entry.PLATFORM_ASKED, "system", due_at=due.isoformat())
        else:  # a long wait for the platform continued as new: resume it
            f.resume(carried)
            assert carried.since is not None
            asked = carried.since
            due = inp.policy.calendar.deadline(asked, inp.policy.windows.oversold_check)
        answer = await self._answer_by(asked, due)
        f.clear_deadline("oversold_check")
        if not answer.answered:
            await f.record(Entry.SLA_BREACHED, "system", window="oversold_check", treated_as="cannot_ship")
        ships = can_ship(answer.answered, answer.can_ship)
        await f.record(Entry.PLATFORM_ANSWERED, "platform", answered=answer.answered, can_ship=ships)
        await f.record(Entry.APOLOGISED, "first_line")
        if ships:
            await f.record(Entry.SHIPPING_LATE, "system", state=OversoldState.SHIPPING)
            sent = await activity_calls.dispatch_order(
                DispatchRequest(case_id=inp.case.case_id, order_id=order.order_id, as_of=workflow.now(), batch="next")
            )
            await f.record(Entry.DISPATCHED, "warehouse", dispatch_id=sent.dispatch_id)
            return await self._close(OversoldOutcome.SHIPPED_LATE, ships, 0, None, "the platform found stock")

        await f.record(Entry.CANNOT_SHIP, "system", state=OversoldState.COMPENSATING)
        compensation = self.remedies.compensate(
            oversold_offer(inp.policy, order),
            basis_fen=order.paid_fen,
            step="compensation",
            why="oversold: cannot ship",
        )
        if not patches.patched(remedies.COMPENSATION_ALONGSIDE):
            granted = await compensation  # runs begun before: the refund waited on the approval
            if not order.paid:
                return await self._close(OversoldOutcome.CANCELLED, ships, granted, None, "unpaid oversold order")
            child = await self.remedies.refund((), pickup=False, reason="oversold: cannot ship")
            return await self._close(OversoldOutcome.REFUNDED, ships, granted, child, "oversold: cannot ship")
        # the refund never waits on a compensation approval; the case closes once both are done
        granting = asyncio.create_task(compensation)
        if not order.paid:
            return await self._close(OversoldOutcome.CANCELLED, ships, await granting, None, "unpaid oversold order")
        child = await self.remedies.refund((), pickup=False, reason="oversold: cannot ship")
        return await self._close(OversoldOutcome.REFUNDED, ships, await granting, child, "oversold: cannot ship")

    async def _answer_by(self, asked: datetime, due: datetime) -> OversoldAnswer:
        inp = self.inp
        poll = inp.policy.polling.outside_status.plain
        if self.inp.carried is not None or patches.patched(waits.POLL_BY_RETRY):
            return await waits.answer_by(
                "poll_oversold",
                "check_oversold",
                "platform",
                lambda at: OversoldCheck(
                    case_id=inp.case.case_id, order_id=inp.case.order.order_id, asked_at=asked, as_of=at
                ),
                OversoldAnswer,
                every=poll,
                until=due,
                file=self.file,
                waiting_for="oversold_check",
                since=asked,
            )
        while True:
            answer = await activity_calls.check_oversold(
                OversoldCheck(
                    case_id=inp.case.case_id, order_id=inp.case.order.order_id, asked_at=asked, as_of=workflow.now()
                )
            )
            if answer.answered or workflow.now() >= due:
                return answer
            # a run begun before poll-by-retry writes ~10 events a poll: under a short poll it continues as new
            await carryover.continue_if_long(self.file, "oversold_check", asked)
            await workflow.sleep(min(poll, due - workflow.now()))

    async def _close(
        self, outcome: OversoldOutcome, ships: bool, granted: int, child: str | None, why: str
    ) -> OversoldResult:
        await self.file.close(outcome, "system", why=why, compensation_fen=granted, child_outcome=child)
        return OversoldResult(
            case_id=self.inp.case.case_id,
            outcome=outcome,
            can_ship=ships,
            compensation_fen=granted,
            child_outcome=child,
            reason=why,
        )

    @workflow.signal(name=SignalName.OVERSOLD_ANSWER_REPORTED)
    def oversold_answer_reported(self) -> None:
        """The platform's push (it has answered): look now, not at the next poll."""
        self.file.pushes += 1
