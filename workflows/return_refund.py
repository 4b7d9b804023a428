"""ReturnRefund: normal return → refund by day 5 (rulebook §4.10, §4.4/§4.5 pickups,
§4.14 refused parcels). The refund is paid exactly once, under one idempotency key."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.handlers import SignalName, UpdateName
    from domain.models import CaseStatus
    from domain.problems import Code, Problem
    from domain.returns import (
        ESCALATED_REVIEWER_ROLES,
        ReturnOutcome,
        ReturnRefundInput,
        ReturnRefundResult,
        ReturnState,
        ReviewDecision,
        advance_compensation_at,
        initial_decision,
        refund_amount,
        refund_due_at,
        review_problem,
    )
    from domain.timeline import Entry
    from workflows import patches
    from workflows.case_workflow import CaseWorkflow, wait_past_sla
    from workflows.casefile import CaseFile
    from workflows.payout import pay
    from workflows.refusals import refuse
    from workflows.returned_goods import book_and_await_goods


# Past the 24 h node a review is escalated for real (second line may give it; it is listed
# as an overdue approval). Runs begun before only recorded the breach.
REVIEW_ESCALATION = "review-escalation"


@workflow.defn
class ReturnRefund(CaseWorkflow):
    @workflow.init
    def __init__(self, inp: ReturnRefundInput) -> None:
        self.inp = inp
        super().__init__(CaseFile(inp.case, inp.policy, ReturnState.AWAITING_REVIEW))
        # set here, not in run(): a review Update can arrive in the first workflow task,
        # before run() gets past opening the case, and must not be overwritten
        self.decision: ReviewDecision | None = initial_decision(inp)
        self.escalated = False

    @workflow.run
    async def run(self, inp: ReturnRefundInput) -> ReturnRefundResult:
        f, policy = self.file, inp.policy
        created = workflow.now()
        await f.open(origin=inp.origin.value, refund_fen=refund_amount(inp))
        f.set_deadline("refund_due", refund_due_at(policy, created))
        cutoff = advance_compensation_at(policy, created)

        if initial_decision(inp) is None:  # not pre-decided: the specialist reviews (maybe already has)
            await self._await_review(created)
        decision = self.decision
        assert decision is not None
        await f.record(
            Entry.REVIEWED,
            decision.reviewer.actor_id,
            approve=decision.approve,
            pickup=decision.pickup,
            reason=decision.reason,
            role=decision.reviewer.role.value,
        )
        if not decision.approve:
            await f.close(ReturnOutcome.REJECTED, decision.reviewer.actor_id, reason=decision.reason)
            return ReturnRefundResult(case_id=inp.case.case_id, outcome=ReturnOutcome.REJECTED, reason=decision.reason)

        if decision.pickup:
            received = await self._pickup_and_receive(cutoff)
            why = "goods received" if received else "pickup overdue: advance compensation before day 5"
        else:
            received, why = False, "no pickup needed: advance compensation"
        return await self._refund(advance=not received, why=why)

    async def _await_review(self, created: datetime) -> None:
        f = self.file
        node = f.deadline_after("review_sla", created, self.inp.policy.windows.after_sales_node)
        await f.record(Entry.REVIEW_REQUESTED, "system", state=ReturnState.AWAITING_REVIEW)

        async def escalate() -> None:
            await f.record(Entry.SLA_BREACHED, "system", window="after_sales_node", escalated_to="second_line")
            if patches.patched(REVIEW_ESCALATION):
                # escalated for real: second line may review, and the overdue review is on the approvals list
                self.escalated = True
                await f.record(
                    Entry.APPROVAL_REQUESTED,
                    "system",
                    approval_id="review",
                    subject="return_review",
                    roles=[r.value for r in ESCALATED_REVIEWER_ROLES],
                    due_at=node.isoformat(),
                    sla_window="after_sales_node",
                    summary="return review past the 24 h node",
                )

        await wait_past_sla(f, lambda: self.decision is not None, node, escalate)
        if self.escalated and self.decision is not None:
            await f.record(
                Entry.APPROVAL_DECIDED,
                self.decision.reviewer.actor_id,
                approval_id="review",
                subject="return_review",
                approve=self.decision.approve,
                role=self.decision.reviewer.role.value,
            )
        f.clear_deadline("review_sla")

    async def _pickup_and_receive(self, cutoff: datetime) -> bool:
        f, inp = self.file, self.inp
        await f.record(Entry.PICKUP_REQUESTED, "system", state=ReturnState.AWAITING_PICKUP)
        # no deadline of its own: the cutoff only serves refund_due, which status() reports
        booking, status = await book_and_await_goods(
            f,
            inp.lines,
            booked_state=ReturnState.AWAITING_GOODS,
            cutoff=cutoff,
            every=inp.policy.polling.return_receipt.plain,
            wake_on_push=True,
        )
        if status.received:
            await f.record(Entry.GOODS_RECEIVED, "warehouse", booking_id=booking.booking_id)
        elif status.lost:
            await f.record(Entry.PARCEL_LOST, "courier", note=status.note)
        else:
            await f.record(Entry.PICKUP_OVERDUE, "system", window="return_refund")
        return status.received

    async def _refund(self, *, advance: bool, why: str) -> ReturnRefundResult:
        f, inp = self.file, self.inp
        amount = refund_amount(inp)
        await f.record(
            Entry.REFUND_STARTED, "system", state=ReturnState.REFUNDING, advance_compensation=advance, why=why
        )
        receipt = await pay(f, step="refund", kind="refund", amount_fen=amount, reason=why, lines=inp.lines)
        if receipt is None:  # a free gift, or the order has nothing left to refund
            outcome = ReturnOutcome.NOTHING_TO_REFUND if amount == 0 else ReturnOutcome.REFUND_CAPPED
            await f.close(outcome, "system", why=why)
            return ReturnRefundResult(case_id=inp.case.case_id, outcome=outcome, reason=why)
        outcome = ReturnOutcome.ADVANCE_COMPENSATED if advance else ReturnOutcome.REFUNDED
        await f.record(
            Entry.REFUND_PAID,
            "payment",
            amount_fen=receipt.amount_fen,
            payment_id=receipt.payment_id,
            advance_compensation=advance,
        )
        await f.close(outcome, "system", why=why)
        return ReturnRefundResult(
            case_id=inp.case.case_id,
            outcome=outcome,
            refund_fen=receipt.amount_fen,
            payment_id=receipt.payment_id,
            reason=why,
        )

    @workflow.update(name=UpdateName.REVIEW)
    async def review(self, decision: ReviewDecision) -> CaseStatus:
        self.decision = decision
        return self.file.status()

    @review.validator
    def _validate_review(self, decision: ReviewDecision) -> None:
        problem = (
            Problem(Code.ALREADY_DONE, "a review was already given")
            if self.decision is not None
            else review_problem(decision, ReturnState(self.file.state), escalated=self.escalated)
        )
        refuse(problem)

    @workflow.signal(name=SignalName.GOODS_REPORTED_RECEIVED)
    def goods_reported_received(self) -> None:
        """The warehouse's webhook: check the receipt now rather than at the next poll."""
        self.file.pushes += 1
