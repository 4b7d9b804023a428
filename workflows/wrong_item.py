"""WrongItem (rulebook §4.5): barcode photo → warehouse barcode check → refund (with a
pickup and a second-line coupon above 20 yuan), fixing the listing when it was wrong;
a missing gift the product really has becomes a MissingItem child."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.child_cases import PAID_OUTCOMES, CaseResult
    from domain.compensation import standard_offer
    from domain.findings import BarcodeCheck, BarcodeQuery, ListingFix
    from domain.handlers import UpdateName
    from domain.missing_item import MissingItemInput
    from domain.models import CaseKind, CaseStatus, LineQuantity
    from domain.policy import Situation
    from domain.problems import Code, Problem
    from domain.replies import EvidenceUpload, evidence_problem
    from domain.timeline import Entry
    from domain.wrong_item import (
        EVIDENCE_KINDS,
        Verdict,
        WrongItemInput,
        WrongOutcome,
        WrongState,
        coupon_basis_fen,
        pickup_needed,
        verdict,
    )
    from workflows import activity_calls, evidence, patches
    from workflows.casefile import CaseFile
    from workflows.refusals import refuse
    from workflows.remedies import RemedyCase, child_header


@workflow.defn
class WrongItem(RemedyCase):
    @workflow.init
    def __init__(self, inp: WrongItemInput) -> None:
        self.inp = inp
        super().__init__(CaseFile(inp.case, inp.policy, WrongState.AWAITING_EVIDENCE), payee=inp.payee)
        self.evidence: EvidenceUpload | None = None

    @workflow.run
    async def run(self, inp: WrongItemInput) -> CaseResult:
        f, case = self.file, inp.case
        await f.open(sku=inp.sku, quantity=inp.quantity, complaint=inp.complaint.value)
        if not await evidence.await_evidence(f, lambda: self.evidence is not None, EVIDENCE_KINDS):
            await f.close(WrongOutcome.NO_EVIDENCE, "system", window="evidence")
            return CaseResult(case_id=case.case_id, outcome=WrongOutcome.NO_EVIDENCE)
        assert self.evidence is not None and self.evidence.barcode is not None
        await f.record(
            Entry.EVIDENCE_RECEIVED,
            self.evidence.by.actor_id,
            state=WrongState.CHECKING,
            uris=[e.uri for e in self.evidence.items],
            barcode=self.evidence.barcode,
        )
        check: BarcodeCheck = await activity_calls.check_barcode(
            BarcodeQuery(case_id=case.case_id, order_id=case.order.order_id, sku=inp.sku, barcode=self.evidence.barcode)
        )
        found = verdict(inp.complaint, check)
        await f.record(
            Entry.BARCODE_CHECKED,
            "warehouse",
            verdict=found.value,
            product_sku=check.product_sku,
            matches_received=check.matches_received,
            has_gift=check.has_gift,
        )
        if found == Verdict.MISSING_ITEM:
            return await self._as_missing_item()
        if found == Verdict.LISTING_ERROR:
            ack = await activity_calls.fix_listing(
                ListingFix(
                    case_id=case.case_id, sku=inp.sku, note=f"{inp.complaint.value}: page does not match the goods"
                )
            )
            await f.record(Entry.LISTING_FIX_REQUESTED, "catalogue", ticket=ack.ticket)

        pickup = pickup_needed(case.order, inp.sku)
        await f.record(
            Entry.REFUND_DECIDED, "first_line", state=WrongState.REFUNDING, pickup=pickup, verdict=found.value
        )
        child = await self.remedies.refund(
            (LineQuantity(sku=inp.sku, quantity=inp.quantity),), pickup=pickup, reason=f"wrong item: {found.value}"
        )
        coupon = 0
        if pickup and child in PAID_OUTCOMES:
            await f.record(Entry.COUPON_OFFERED, "first_line", state=WrongState.COMPENSATING)
            basis = coupon_basis_fen(inp)
            coupon = await self.remedies.compensate(
                standard_offer(inp.policy, Situation.GOODS_FAULT, basis),
                basis_fen=basis,
                step="wrong-item-coupon",
                why="wrong item above 20 yuan: picked up, coupon for the trouble",
            )
        outcome = WrongOutcome.REFUNDED if child in PAID_OUTCOMES else WrongOutcome.INCOMPLETE
        await f.close(outcome, "system", child_outcome=child, coupon_fen=coupon)
        return self.remedies.result(outcome, coupon)

    async def _as_missing_item(self) -> CaseResult:
        f, inp = self.file, self.inp
        assert inp.gift_sku is not None
        case = child_header(inp.case, CaseKind.MISSING_ITEM, "missing", "gift left out: handled as a missing item")
        await f.record(Entry.RECLASSIFIED, "first_line", as_kind=CaseKind.MISSING_ITEM.value, child=case.workflow_id)
        gift = inp.case.order.line(inp.gift_sku)
        result: CaseResult = await workflow.execute_child_workflow(
            "MissingItem",
            MissingItemInput(
                case=case,
                policy=inp.policy,
                missing=(LineQuantity(sku=gift.sku, quantity=gift.quantity),),
                payee=inp.payee,
            ),
            id=case.workflow_id,
            result_type=CaseResult,
            memo=patches.child_memo(),
        )
        self.remedies.children.append(case.workflow_id)
        await f.close(WrongOutcome.RECLASSIFIED_MISSING_ITEM, "system", child_outcome=result.outcome)
        return CaseResult(
            case_id=inp.case.case_id,
            outcome=WrongOutcome.RECLASSIFIED_MISSING_ITEM,
            refund_fen=result.refund_fen,
            compensation_fen=result.compensation_fen,
            children=tuple(self.remedies.children),
        )

    @workflow.update(name=UpdateName.SUBMIT_EVIDENCE)
    async def submit_evidence(self, upload: EvidenceUpload) -> CaseStatus:
        self.evidence = upload
        return self.file.status()

    @submit_evidence.validator
    def _validate_evidence(self, upload: EvidenceUpload) -> None:
        problem = evidence_problem(upload, self.inp.case, EVIDENCE_KINDS, barcode=True)
        if not problem and (self.file.state != WrongState.AWAITING_EVIDENCE or self.evidence is not None):
            problem = (
                Problem(Code.ALREADY_DONE, "the barcode photo was already received")
                if self.evidence
                else Problem(Code.WRONG_STATE, f"the case is {self.file.state}")
            )
        refuse(problem)
