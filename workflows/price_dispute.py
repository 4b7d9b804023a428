"""PriceDispute (rulebook §4.7): explain and close, or escalate to the platform through
the shared approval and call the customer back with its answer."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.actors import Role
    from domain.approvals import Subject
    from domain.child_cases import CaseResult
    from domain.compensation import standard_offer
    from domain.policy import Situation
    from domain.price_dispute import (
        PriceDisputeInput,
        PriceFinding,
        PriceOutcome,
        PriceState,
        classify,
        explanation,
        price_difference,
    )
    from domain.timeline import Entry
    from workflows.case_workflow import CaseWorkflow
    from workflows.casefile import CaseFile
    from workflows.remedies import Remedies


@workflow.defn
class PriceDispute(CaseWorkflow):
    @workflow.init
    def __init__(self, inp: PriceDisputeInput) -> None:
        self.inp = inp
        super().__init__(CaseFile(inp.case, inp.policy, PriceState.CHECKING))
        self.remedies = Remedies(self.file, self.seek_approval)

    @workflow.run
    async def run(self, inp: PriceDisputeInput) -> CaseResult:
        f, order = self.file, inp.case.order
        await f.open(sku=inp.sku, promo_unit_price_fen=inp.promo_unit_price_fen, promo_limit=inp.promo_limit)
        finding = classify(inp)
        await f.record(Entry.CLASSIFIED, "first_line", finding=finding.value)
        if finding != PriceFinding.SYSTEM_ERROR:
            why = explanation(inp, finding)
            await f.close(PriceOutcome.EXPLAINED, "first_line", finding=finding.value, explained=why)
            return CaseResult(case_id=inp.case.case_id, outcome=PriceOutcome.EXPLAINED)

        await f.record(Entry.ESCALATED, "first_line", state=PriceState.AWAITING_PLATFORM, to="platform")
        answer = await self.seek_approval(
            "platform",
            Subject.PLATFORM_DECISION,
            (Role.PLATFORM,),
            "platform_answer",
            summary=f"promo price not applied to {inp.sku}: system error?",
        )
        assert answer is not None  # no `until`: the platform's answer is waited for
        await f.record(
            Entry.CALLED_BACK,
            "first_line",
            state=PriceState.COMPENSATING,
            platform_approved=answer.approve,
            note=answer.note,
        )
        if not answer.approve:
            await f.close(PriceOutcome.PLATFORM_DECLINED, answer.approver.actor_id, note=answer.note)
            return CaseResult(case_id=inp.case.case_id, outcome=PriceOutcome.PLATFORM_DECLINED)

        if order.paid:
            offer = standard_offer(
                inp.policy, Situation.PROMO_PAID, order.paid_fen, difference_fen=price_difference(inp)
            )
            outcome = PriceOutcome.DIFFERENCE_REFUNDED
        else:
            offer = standard_offer(inp.policy, Situation.PROMO_UNPAID, order.paid_fen)
            outcome = PriceOutcome.COUPON_GRANTED
        granted = await self.remedies.compensate(
            offer,
            basis_fen=order.paid_fen,
            step="price-compensation",
            why="promo price not applied (system error, platform agreed)",
        )
        if not granted:
            outcome = PriceOutcome.COUPON_REFUSED
        await f.close(outcome, "system", amount_fen=granted)
        return CaseResult(
            case_id=inp.case.case_id,
            outcome=outcome,
            refund_fen=granted if order.paid else 0,
            compensation_fen=0 if order.paid else granted,
        )
