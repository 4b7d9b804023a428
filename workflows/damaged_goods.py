"""DamagedGoods (rulebook §4.4): wait for the photos (a reminder, then a timeout), then
refund the damaged lines with or without a pickup through the right child."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.child_cases import PAID_OUTCOMES, CaseResult
    from domain.compensation import standard_offer
    from domain.damaged_goods import (
        EVIDENCE_KINDS,
        SCRAP_ON_SITE,
        DamagedGoodsInput,
        DamagedOutcome,
        DamagedState,
        pickup_needed,
        refund_lines,
    )
    from domain.handlers import UpdateName
    from domain.models import CaseStatus
    from domain.policy import Situation
    from domain.problems import Code, Problem
    from domain.replies import EvidenceUpload, evidence_problem
    from domain.timeline import Entry
    from workflows import evidence
    from workflows.casefile import CaseFile
    from workflows.refusals import refuse
    from workflows.remedies import RemedyCase


@workflow.defn
class DamagedGoods(RemedyCase):
    @workflow.init
    def __init__(self, inp: DamagedGoodsInput) -> None:
        self.inp = inp
        super().__init__(CaseFile(inp.case, inp.policy, DamagedState.AWAITING_EVIDENCE), payee=inp.payee)
        self.evidence: EvidenceUpload | None = None

    @workflow.run
    async def run(self, inp: DamagedGoodsInput) -> CaseResult:
        f, case = self.file, inp.case
        await f.open(damaged=[d.model_dump() for d in inp.damaged])
        if not await self.await_evidence():
            await f.close(DamagedOutcome.NO_EVIDENCE, "system", window="evidence")
            return CaseResult(case_id=case.case_id, outcome=DamagedOutcome.NO_EVIDENCE)

        pickup = pickup_needed(inp.damaged)
        scrapped = [d.sku for d in inp.damaged if d.condition in SCRAP_ON_SITE]
        await f.record(
            Entry.ASSESSED, "return_specialist", state=DamagedState.REFUNDING, pickup=pickup, scrapped_on_site=scrapped
        )
        child = await self.remedies.refund(
            refund_lines(inp),
            pickup=pickup,
            reason="damaged goods, photos checked" + ("" if pickup else "; scrapped on site"),
        )
        outcome = DamagedOutcome.REFUNDED if child in PAID_OUTCOMES else DamagedOutcome.INCOMPLETE
        coupon = 0
        if inp.wants_compensation and outcome == DamagedOutcome.REFUNDED:
            coupon = await self.remedies.compensate(
                standard_offer(inp.policy, Situation.GOODS_FAULT, case.order.paid_fen),
                basis_fen=case.order.paid_fen,
                step="damaged-goods-coupon",
                why="goods damaged: the customer asked for compensation",
            )
        await f.close(outcome, "system", child_outcome=child, coupon_fen=coupon)
        return self.remedies.result(outcome, coupon)

    async def await_evidence(self) -> bool:
        if not await evidence.await_evidence(self.file, lambda: self.evidence is not None, EVIDENCE_KINDS):
            return False
        assert self.evidence is not None
        await self.file.record(
            Entry.EVIDENCE_RECEIVED, self.evidence.by.actor_id, uris=[e.uri for e in self.evidence.items]
        )
        return True

    @workflow.update(name=UpdateName.SUBMIT_EVIDENCE)
    async def submit_evidence(self, upload: EvidenceUpload) -> CaseStatus:
        self.evidence = upload
        return self.file.status()

    @submit_evidence.validator
    def _validate_evidence(self, upload: EvidenceUpload) -> None:
        problem = evidence_problem(upload, self.inp.case, EVIDENCE_KINDS)
        if not problem and (self.file.state != DamagedState.AWAITING_EVIDENCE or self.evidence is not None):
            problem = (
                Problem(Code.ALREADY_DONE, "the photos were already received")
                if self.evidence
                else Problem(Code.WRONG_STATE, f"the case is {self.file.state}")
            )
        refuse(problem)
