"""Reship (重拍), rulebook §4.11: merchant-caused non-delivery and a customer who
insists on the goods. Refused for an unpaid order or while the original can still
ship; otherwise the original is closed as "abnormal return, no refund", the platform
pays for the new order, and the customer is promised delivery by the 20:00 rule."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain.fulfilment import CloseOrderRequest, DispatchQuery, DispatchRequest, ReshipOrderRequest
    from domain.models import lines_value_fen
    from domain.reship import (
        ORIGINAL_CLOSED_AS,
        ReshipInput,
        ReshipOutcome,
        ReshipResult,
        ReshipState,
        promised_delivery,
        reship_problem,
    )
    from domain.timeline import Entry
    from workflows import activity_calls
    from workflows.case_workflow import CaseWorkflow
    from workflows.casefile import CaseFile
    from workflows.payout import pay


@workflow.defn
class Reship(CaseWorkflow):
    @workflow.init
    def __init__(self, inp: ReshipInput) -> None:
        self.inp = inp
        super().__init__(CaseFile(inp.case, inp.policy, ReshipState.CHECKING))

    @workflow.run
    async def run(self, inp: ReshipInput) -> ReshipResult:
        f, order = self.file, inp.case.order
        await f.open(cause=inp.cause.value, lines=[lq.model_dump() for lq in inp.lines])
        can_ship = False
        if order.paid:  # an unpaid order is refused without asking anyone
            placed = order.paid_at or workflow.now()
            status = await activity_calls.check_dispatch(
                DispatchQuery(case_id=inp.case.case_id, order_id=order.order_id, placed_at=placed, as_of=workflow.now())
            )
            can_ship = status.can_still_ship and not status.shipped
            await f.record(
                Entry.ORIGINAL_CHECKED, "warehouse", shipped=status.shipped, can_still_ship=status.can_still_ship
            )
        problem = reship_problem(order, inp.customer_insists, can_ship)
        if problem:
            await f.close(ReshipOutcome.REFUSED, "system", reason=problem.message)
            return ReshipResult(case_id=inp.case.case_id, outcome=ReshipOutcome.REFUSED, reason=problem.message)

        await activity_calls.close_order(
            CloseOrderRequest(case_id=inp.case.case_id, order_id=order.order_id, closed_as=ORIGINAL_CLOSED_AS)
        )
        await f.record(Entry.ORIGINAL_CLOSED, "platform", state=ReshipState.RESHIPPING, closed_as=ORIGINAL_CLOSED_AS)
        try:
            new = await activity_calls.place_reship(
                ReshipOrderRequest(
                    case_id=inp.case.case_id, order_id=order.order_id, lines=inp.lines, as_of=workflow.now()
                )
            )
        except ActivityError as e:
            return await self._refund_instead(e)
        promise = promised_delivery(inp.policy, new.paid_at)
        f.set_deadline("promised_delivery", inp.policy.calendar.end_of_day(promise))
        await f.record(
            Entry.RESHIP_PLACED,
            "platform",
            reship_order_id=new.reship_order_id,
            paid_by=new.paid_by,
            promised_delivery=promise.isoformat(),
        )
        sent = await activity_calls.dispatch_order(
            DispatchRequest(
                case_id=inp.case.case_id, order_id=new.reship_order_id, lines=inp.lines, as_of=workflow.now()
            )
        )
        await f.record(Entry.DISPATCHED, "warehouse", dispatch_id=sent.dispatch_id)
        await f.close(
            ReshipOutcome.RESHIPPED,
            "system",
            reship_order_id=new.reship_order_id,
            promised_delivery=promise.isoformat(),
        )
        return ReshipResult(
            case_id=inp.case.case_id,
            outcome=ReshipOutcome.RESHIPPED,
            reship_order_id=new.reship_order_id,
            promised_delivery=promise,
            original_closed_as=ORIGINAL_CLOSED_AS,
            paid_by=new.paid_by,
        )

    async def _refund_instead(self, error: ActivityError) -> ReshipResult:
        """The compensation for a closed original whose reship could not be placed: the
        customer gets the lines' money back (through the order's ledger, never twice)."""
        f, inp = self.file, self.inp
        why = f"the reship could not be placed: {getattr(error.cause, 'message', None) or error.cause or error}"
        await f.record(Entry.RESHIP_FAILED, "platform", state=ReshipState.RESHIPPING, why=why[:500])
        receipt = await pay(
            f,
            step="refund-instead",
            kind="refund",
            amount_fen=lines_value_fen(inp.case.order, inp.lines),
            reason="reship could not be placed after the original was closed",
            lines=inp.lines,
        )
        await f.close(
            ReshipOutcome.REFUNDED_INSTEAD, "system", reason=why[:500], refund_fen=receipt.amount_fen if receipt else 0
        )
        return ReshipResult(
            case_id=inp.case.case_id,
            outcome=ReshipOutcome.REFUNDED_INSTEAD,
            reason=why[:500],
            original_closed_as=ORIGINAL_CLOSED_AS,
        )
