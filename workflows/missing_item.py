"""MissingItem (rulebook §4.3): warehouse check → chase the courier, or reship / refund
the missing lines (the customer's choice, refund by default) plus the first line's
10 yuan coupon when asked."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.child_cases import CaseResult
    from domain.compensation import standard_offer
    from domain.findings import CourierNotice, ShipmentCheck, ShipmentQuery
    from domain.handlers import UpdateName
    from domain.missing_item import (
        DEFAULT_REMEDY,
        MissingFinding,
        MissingItemInput,
        MissingOutcome,
        MissingState,
        Remedy,
        RemedyChoice,
        classify,
        lines_to_remedy,
    )
    from domain.models import CaseStatus
    from domain.policy import Situation
    from domain.problems import Code, Problem
    from domain.replies import customer_problem
    from domain.reship import ReshipCause
    from domain.timeline import Entry
    from workflows import activity_calls, remedies
    from workflows.casefile import CaseFile
    from workflows.refusals import refuse
    from workflows.remedies import RemedyCase

DONE = ("refunded", "advance_compensated", "paid", "reshipped", remedies.NOTHING_TO_REFUND)


@workflow.defn
class MissingItem(RemedyCase):
    @workflow.init
    def __init__(self, inp: MissingItemInput) -> None:
        self.inp = inp
        super().__init__(CaseFile(inp.case, inp.policy, MissingState.CHECKING), payee=inp.payee)
        self.choice: RemedyChoice | None = None

    @workflow.run
    async def run(self, inp: MissingItemInput) -> CaseResult:
        f, case = self.file, inp.case
        await f.open(missing=[lq.model_dump() for lq in inp.missing])
        check: ShipmentCheck = await activity_calls.check_shipment(
            ShipmentQuery(case_id=case.case_id, order_id=case.order.order_id, reported_missing=inp.missing)
        )
        finding = classify(check)
        await f.record(
            Entry.WAREHOUSE_CHECKED,
            "warehouse",
            finding=finding.value,
            split=check.split,
            short_lines=[lq.model_dump() for lq in check.short_lines],
        )
        if finding == MissingFinding.SPLIT:
            ack = await activity_calls.notify_courier(
                CourierNotice(
                    case_id=case.case_id,
                    order_id=case.order.order_id,
                    kind="chase",
                    note="split shipment: deliver the other parcel",
                )
            )
            await f.close(MissingOutcome.COURIER_CHASED, "first_line", reference=ack.reference)
            return CaseResult(case_id=case.case_id, outcome=MissingOutcome.COURIER_CHASED)

        lines = lines_to_remedy(finding, check, inp.missing)
        await f.record(
            Entry.REMEDY_OFFERED,
            "first_line",
            state=MissingState.AWAITING_CHOICE,
            lines=[lq.model_dump() for lq in lines],
        )
        answer_by = f.deadline_after("customer_choice", workflow.now(), inp.policy.windows.customer_answer)
        if not await f.wait_until(lambda: self.choice is not None, answer_by):
            await f.record(Entry.CHOICE_DEFAULTED, "system", window="customer_answer", default=DEFAULT_REMEDY.value)
        f.clear_deadline("customer_choice")
        remedy = self.choice.remedy if self.choice else DEFAULT_REMEDY
        await f.record(
            Entry.REMEDY_CHOSEN,
            self.choice.by.actor_id if self.choice else "system",
            state=MissingState.REMEDYING,
            remedy=remedy.value,
        )
        coupon = 0
        if self.choice and self.choice.wants_compensation:
            offer = standard_offer(inp.policy, Situation.MISSING_ITEM, case.order.paid_fen)
            coupon = await self.remedies.compensate(
                offer,
                basis_fen=case.order.paid_fen,
                step="missing-item-coupon",
                why="missing item: the customer asked for compensation",
            )
        if remedy == Remedy.RESHIP:
            child = await self.remedies.reship(lines, cause=ReshipCause.SHORT_SHIPPED, note=f"missing: {finding.value}")
            outcome = MissingOutcome.RESHIPPED
        else:
            child = await self.remedies.refund(lines, pickup=False, reason=f"missing lines ({finding.value})")
            outcome = MissingOutcome.REFUNDED
        if child not in DONE:
            outcome = MissingOutcome.INCOMPLETE
        await f.close(outcome, "system", child_outcome=child)
        return self.remedies.result(outcome, coupon)

    @workflow.update(name=UpdateName.CHOOSE_REMEDY)
    async def choose_remedy(self, choice: RemedyChoice) -> CaseStatus:
        self.choice = choice
        return self.file.status()

    @choose_remedy.validator
    def _validate_choice(self, choice: RemedyChoice) -> None:
        problem = customer_problem(choice.by, self.inp.case)
        if not problem and self.file.state != MissingState.AWAITING_CHOICE:
            problem = Problem(Code.WRONG_STATE, f"the case is {self.file.state}; no remedy is on offer")
        refuse(problem)
