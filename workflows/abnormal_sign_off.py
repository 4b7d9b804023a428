"""AbnormalSignOff (rulebook §4.8): courier proof → the customer's answer within
3 working days → closed, or refunded through the right child."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.abnormal_sign_off import (
        AbnormalSignOffInput,
        SignerAnswer,
        SignOffOutcome,
        SignOffState,
        masked_name,
        refund_without_asking,
    )
    from domain.child_cases import PAID_OUTCOMES, CaseResult
    from domain.findings import SignerQuery
    from domain.handlers import UpdateName
    from domain.models import CaseStatus
    from domain.problems import Code, Problem
    from domain.replies import customer_problem
    from domain.timeline import Entry
    from workflows import activity_calls
    from workflows.casefile import CaseFile
    from workflows.refusals import refuse
    from workflows.remedies import RemedyCase


@workflow.defn
class AbnormalSignOff(RemedyCase):
    @workflow.init
    def __init__(self, inp: AbnormalSignOffInput) -> None:
        self.inp = inp
        super().__init__(CaseFile(inp.case, inp.policy, SignOffState.AWAITING_PROOF), payee=inp.payee)
        self.answer: SignerAnswer | None = None

    @workflow.run
    async def run(self, inp: AbnormalSignOffInput) -> CaseResult:
        f = self.file
        await f.open(trade_completed=inp.case.order.trade_completed)
        answer_due = f.deadline_after("answer_due", workflow.now(), inp.policy.windows.abnormal_sign_off)
        proof = await activity_calls.fetch_signer_proof(
            SignerQuery(case_id=inp.case.case_id, order_id=inp.case.order.order_id)
        )
        await f.record(
            Entry.SIGNER_PROOF,
            "courier",
            signer=masked_name(proof.signer_name),
            slip_photo=proof.slip_photo.uri if proof.slip_photo else None,
        )
        if refund_without_asking(proof):
            return await self._refund("the courier has no signer name or slip")

        await f.record(Entry.CUSTOMER_ASKED, "first_line", state=SignOffState.AWAITING_CUSTOMER)
        if not await f.wait_until(lambda: self.answer is not None, answer_due):
            await f.close(SignOffOutcome.NO_REPLY, "system", window="abnormal_sign_off")
            return CaseResult(case_id=inp.case.case_id, outcome=SignOffOutcome.NO_REPLY)
        assert self.answer is not None
        await f.record(Entry.CUSTOMER_ANSWERED, self.answer.by.actor_id, knows_signer=self.answer.knows_signer)
        if self.answer.knows_signer:
            await f.close(SignOffOutcome.SIGNER_KNOWN, self.answer.by.actor_id)
            return CaseResult(case_id=inp.case.case_id, outcome=SignOffOutcome.SIGNER_KNOWN)
        return await self._refund("the customer does not know the signer")

    async def _refund(self, why: str) -> CaseResult:
        f = self.file
        f.clear_deadline("answer_due")
        await f.record(Entry.REFUND_DECIDED, "first_line", state=SignOffState.REFUNDING, why=why)
        child = await self.remedies.refund((), pickup=False, reason=why)
        outcome = SignOffOutcome.REFUNDED if child in PAID_OUTCOMES else SignOffOutcome.REFUND_INCOMPLETE
        await f.close(outcome, "system", child_outcome=child)
        return self.remedies.result(outcome)

    @workflow.update(name=UpdateName.CONFIRM_SIGNER)
    async def confirm_signer(self, answer: SignerAnswer) -> CaseStatus:
        self.answer = answer
        return self.file.status()

    @confirm_signer.validator
    def _validate_answer(self, answer: SignerAnswer) -> None:
        problem = customer_problem(answer.by, self.inp.case)
        if not problem and self.file.state != SignOffState.AWAITING_CUSTOMER:
            problem = Problem(Code.WRONG_STATE, f"the case is {self.file.state}, not waiting for the customer's answer")
        if not problem and self.answer is not None:
            problem = Problem(Code.ALREADY_DONE, "the customer has already answered")
        refuse(problem)
