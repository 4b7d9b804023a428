"""ManualRefund: the abnormal refund of rulebook §4.9. Return specialist (pickup?) →
refund specialist's summary → operations supervisor's review → a second check by a
different person → finance pays once, under one idempotency key → confirmation."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.approvals import Subject
    from domain.handlers import SignalName, UpdateName
    from domain.manual_refund import (
        OPENER_MAY_NOT_APPROVE,
        REVIEW_ROLES,
        SECOND_CHECK_ROLES,
        Assessment,
        ManualRefundInput,
        ManualRefundOutcome,
        ManualRefundReason,
        ManualRefundResult,
        ManualRefundState,
        assessment_problem,
        needs_assessment,
        payment_kind,
        payout_due_at,
        summary,
    )
    from domain.models import CaseStatus
    from domain.problems import Code, Problem
    from domain.returns import refund_due_at
    from domain.timeline import Entry
    from workflows.case_workflow import CaseWorkflow, wait_past_sla
    from workflows.casefile import CaseFile
    from workflows.payout import pay
    from workflows.refusals import refuse
    from workflows.returned_goods import book_and_await_goods


@workflow.defn
class ManualRefund(CaseWorkflow):
    @workflow.init
    def __init__(self, inp: ManualRefundInput) -> None:
        self.inp = inp
        first = ManualRefundState.AWAITING_ASSESSMENT if needs_assessment(inp) else ManualRefundState.AWAITING_REVIEW
        super().__init__(CaseFile(inp.case, inp.policy, first))
        self.assessment: Assessment | None = None

    @workflow.run
    async def run(self, inp: ManualRefundInput) -> ManualRefundResult:
        f, policy = self.file, inp.policy
        registered = workflow.now()
        await f.open(reason_kind=inp.reason_kind.value, amount_fen=inp.amount_fen, payee=inp.payee.masked())
        if inp.reason_kind == ManualRefundReason.COMPENSATION_PAYOUT:
            f.set_deadline("payout_due", payout_due_at(policy, registered))

        pickup = await self._pickup_decision()
        if pickup:
            await self._take_goods_back(registered)

        text = summary(inp, pickup)
        await f.record(Entry.SUMMARISED, "refund_specialist", state=ManualRefundState.AWAITING_REVIEW, summary=text)
        # §4.9's two-person check: whoever registered the refund checks neither step
        opener = (inp.case.opened_by,)
        review = await self.seek_approval(
            "review",
            Subject.MANUAL_REFUND_REVIEW,
            REVIEW_ROLES,
            "manual_refund_review",
            summary=text,
            not_by=opener,
            not_by_reason=OPENER_MAY_NOT_APPROVE,
        )
        assert review is not None  # no `until`: the review is waited for
        if not review.approve:
            return await self._reject(review.approver.actor_id, review.note, reviewed_by=review.approver.actor_id)

        await f.record(Entry.REVIEW_PASSED, review.approver.actor_id, state=ManualRefundState.AWAITING_SECOND_CHECK)
        second = await self.seek_approval(
            "second-check",
            Subject.MANUAL_REFUND_SECOND_CHECK,
            SECOND_CHECK_ROLES,
            "manual_refund_payment",
            summary=text,
            not_by=(review.approver.actor_id, *opener),
        )
        assert second is not None
        if not second.approve:
            return await self._reject(
                second.approver.actor_id,
                second.note,
                reviewed_by=review.approver.actor_id,
                second_checked_by=second.approver.actor_id,
            )

        # An approver may grant less than asked, never more (the request carries no
        # money, so the cap is the registered amount).
        amount = min(a for a in (inp.amount_fen, review.amount_fen, second.amount_fen) if a)
        return await self._pay(amount, review.approver.actor_id, second.approver.actor_id)

    async def _pickup_decision(self) -> bool:
        f, inp = self.file, self.inp
        if not needs_assessment(inp):
            return bool(inp.pickup)
        node = f.deadline_after("assessment_sla", workflow.now(), inp.policy.windows.after_sales_node)
        await f.record(Entry.ASSESSMENT_REQUESTED, "system", state=ManualRefundState.AWAITING_ASSESSMENT)

        async def breached() -> None:
            await f.record(Entry.SLA_BREACHED, "system", window="after_sales_node", step="assessment")

        await wait_past_sla(f, lambda: self.assessment is not None, node, breached)
        f.clear_deadline("assessment_sla")
        a = self.assessment
        assert a is not None
        await f.record(Entry.ASSESSED, a.assessor.actor_id, pickup=a.pickup, note=a.note, role=a.assessor.role.value)
        return a.pickup

    async def _take_goods_back(self, registered: datetime) -> None:
        """The goods come back by the return deadline; late goods do not hold the refund up."""
        f, inp = self.file, self.inp
        cutoff = refund_due_at(inp.policy, registered)
        _, status = await book_and_await_goods(
            f,
            inp.lines,
            booked_state=ManualRefundState.AWAITING_GOODS,
            cutoff=f.set_deadline("goods_due", cutoff),
            every=inp.policy.polling.return_receipt.plain,
            wake_on_push=False,
        )
        if status.received or status.lost:
            await f.record(
                Entry.GOODS_RECEIVED if status.received else Entry.PARCEL_LOST, "warehouse", note=status.note
            )
        else:
            await f.record(Entry.PICKUP_OVERDUE, "system", window="return_refund")
        f.clear_deadline("goods_due")

    async def _reject(
        self, actor: str, note: str, *, reviewed_by: str | None = None, second_checked_by: str | None = None
    ) -> ManualRefundResult:
        await self.file.close(ManualRefundOutcome.REJECTED, actor, reason=note)
        return ManualRefundResult(
            case_id=self.inp.case.case_id,
            outcome=ManualRefundOutcome.REJECTED,
            reason=note,
            reviewed_by=reviewed_by,
            second_checked_by=second_checked_by,
        )

    async def _pay(self, amount: int, reviewed_by: str, second_checked_by: str) -> ManualRefundResult:
        f, inp = self.file, self.inp
        await f.record(Entry.PAYMENT_STARTED, "finance", state=ManualRefundState.PAYING, amount_fen=amount)
        payout = inp.reason_kind == ManualRefundReason.COMPENSATION_PAYOUT
        receipt = await pay(
            f,
            step="manual_refund",
            kind=payment_kind(inp),
            amount_fen=amount,
            reason=inp.reason_kind.value,
            lines=inp.lines,
            account_ref=inp.payee.account_ref,
            compensation=payout,
        )
        if payout:
            due = f.deadlines.get("payout_due")
            if due is not None and workflow.now() > due:
                await f.record(Entry.SLA_BREACHED, "system", window="compensation_payout")
        if receipt is None:  # the order had nothing left to refund: a person looks at it
            await f.close(ManualRefundOutcome.REFUND_CAPPED, "finance", asked_fen=amount)
            return ManualRefundResult(
                case_id=inp.case.case_id,
                outcome=ManualRefundOutcome.REFUND_CAPPED,
                reviewed_by=reviewed_by,
                second_checked_by=second_checked_by,
                reason="nothing was left to refund on the order",
            )
        await f.record(Entry.PAID, "finance", amount_fen=receipt.amount_fen, payment_id=receipt.payment_id)
        await f.record(Entry.CONFIRMED, "refund_specialist", payment_id=receipt.payment_id)
        await f.close(ManualRefundOutcome.PAID, "finance", amount_fen=receipt.amount_fen)
        return ManualRefundResult(
            case_id=inp.case.case_id,
            outcome=ManualRefundOutcome.PAID,
            amount_fen=receipt.amount_fen,
            payment_id=receipt.payment_id,
            reviewed_by=reviewed_by,
            second_checked_by=second_checked_by,
        )

    @workflow.signal(name=SignalName.GOODS_REPORTED_RECEIVED)
    def goods_reported_received(self) -> None:
        """The warehouse's push (the goods are back): look now, not at the next poll."""
        self.file.pushes += 1

    @workflow.update(name=UpdateName.ASSESS)
    async def assess(self, assessment: Assessment) -> CaseStatus:
        self.assessment = assessment
        return self.file.status()

    @assess.validator
    def _validate_assess(self, assessment: Assessment) -> None:
        problem = (
            Problem(Code.ALREADY_DONE, "the pickup decision was already made")
            if self.assessment is not None
            else assessment_problem(assessment, self.file.state, self.inp)
        )
        refuse(problem)
