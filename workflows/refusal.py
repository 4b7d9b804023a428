"""Refusal (§4.14): a refused parcel becomes a ReturnRefund child of origin
parcel_refused (no review, no pickup: advance compensation). A parcel the courier
returned on its own is the courier's fault; the customer is asked whether they still
want the goods (customer_answer window, silence means refund) and gets a Reship child."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.handlers import UpdateName
    from domain.models import CaseKind, CaseStatus
    from domain.problems import Code, Problem
    from domain.refusal import (
        DEFAULT_WANTS_GOODS,
        GoodsAnswer,
        RefusalHow,
        RefusalInput,
        RefusalOutcome,
        RefusalResult,
        RefusalState,
        answer_problem,
        settlement,
    )
    from domain.reship import ReshipCause
    from domain.returns import ReturnOrigin, ReturnRefundInput, ReturnRefundResult
    from domain.timeline import Entry
    from workflows import patches
    from workflows.casefile import CaseFile
    from workflows.refusals import refuse
    from workflows.remedies import RemedyCase, child_header


@workflow.defn
class Refusal(RemedyCase):
    @workflow.init
    def __init__(self, inp: RefusalInput) -> None:
        self.inp = inp
        super().__init__(CaseFile(inp.case, inp.policy, RefusalState.SETTLING))
        self.answer: GoodsAnswer | None = None

    @workflow.run
    async def run(self, inp: RefusalInput) -> RefusalResult:
        f, paid = self.file, inp.case.order.paid
        courier_fault = inp.how == RefusalHow.COURIER_RETURNED
        await f.open(how=inp.how.value, courier_fault=courier_fault, note=inp.note)
        wants: bool | None = None
        if courier_fault and paid:
            await f.record(Entry.COURIER_FAULT, "courier", state=RefusalState.AWAITING_CUSTOMER)
            due = f.deadline_after("customer_answer", workflow.now(), inp.policy.windows.customer_answer)
            if await f.wait_until(lambda: self.answer is not None, due):
                assert self.answer is not None
                wants = self.answer.wants_goods
                await f.record(
                    Entry.CUSTOMER_ANSWERED, self.answer.customer.actor_id, wants_goods=wants, note=self.answer.note
                )
            else:
                wants = DEFAULT_WANTS_GOODS
                await f.record(Entry.CUSTOMER_ANSWER_DEFAULTED, "system", window="customer_answer", wants_goods=wants)
            f.clear_deadline("customer_answer")
        outcome = settlement(inp.how, wants, paid)
        await f.record(Entry.SETTLING, "system", state=RefusalState.SETTLING, outcome=outcome.value)
        child = None
        if outcome == RefusalOutcome.RESHIPPED:
            child = await self.remedies.reship(
                (), cause=ReshipCause.COURIER_RETURNED, note="courier returned the parcel"
            )
            if child != "reshipped":
                outcome, child = RefusalOutcome.REFUNDED, await self._refund()
        elif outcome == RefusalOutcome.REFUNDED:
            child = await self._refund()
        why = "courier fault" if courier_fault else "parcel refused on delivery"
        await f.close(outcome, "system", why=why, wants_goods=wants, child_outcome=child)
        return RefusalResult(
            case_id=inp.case.case_id,
            outcome=outcome,
            courier_fault=courier_fault,
            wants_goods=wants,
            child_outcome=child,
            reason=why,
        )

    async def _refund(self) -> str:
        """The parcel is on its way back anyway: a return created without a customer
        request, refunded with advance compensation (§4.14)."""
        f = self.file
        case = child_header(f.case, CaseKind.RETURN_REFUND, "refund", "parcel returned to the warehouse")
        await f.record(Entry.REFUND_STARTED, "system", child=case.workflow_id, origin=ReturnOrigin.PARCEL_REFUSED.value)
        result: ReturnRefundResult = await workflow.execute_child_workflow(
            "ReturnRefund",
            ReturnRefundInput(case=case, policy=f.policy, origin=ReturnOrigin.PARCEL_REFUSED),
            id=case.workflow_id,
            result_type=ReturnRefundResult,
            memo=patches.child_memo(),
        )
        await f.record(
            Entry.REFUND_FINISHED,
            "system",
            child=case.workflow_id,
            outcome=result.outcome.value,
            amount_fen=result.refund_fen,
        )
        return result.outcome.value

    @workflow.update(name=UpdateName.STILL_WANTS_GOODS)
    async def still_wants_goods(self, answer: GoodsAnswer) -> CaseStatus:
        self.answer = answer  # recorded by the run, which is waiting for it
        return self.file.status()

    @still_wants_goods.validator
    def _validate_answer(self, answer: GoodsAnswer) -> None:
        problem = (
            Problem(Code.ALREADY_DONE, "the customer already answered")
            if self.answer is not None
            else answer_problem(answer, self.file.state, self.inp.case)
        )
        refuse(problem)
