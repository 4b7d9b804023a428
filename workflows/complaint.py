"""Complaint: a customer's complaint from intake to follow-up (rulebook §4.12, S1, S2 §7).

First complaint → first line answers. A repeat (an earlier complaint on the same order
in the store, or this one submitted again after the customer rejected an answer) goes
to the level whose authority covers the demand: first line, second line, the platform.
Every answer is an approval through the shared `decide` Update; a level that does not
answer within its window hands the complaint to the next, so none is left unanswered."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.approvals import MoneyAtStake
    from domain.complaints import (
        LEVEL_ROLES,
        LEVEL_SUBJECT,
        LEVEL_WINDOW,
        Answer,
        ComplaintInput,
        ComplaintOutcome,
        ComplaintRecord,
        ComplaintResult,
        ComplaintState,
        CustomerReply,
        FollowUp,
        Level,
        PriorQuery,
        above,
        answering_level,
        classify,
        follow_up_problem,
        refusal,
        reply_problem,
        responsibility,
        situation,
    )
    from domain.external import PaymentKind
    from domain.handlers import UpdateName
    from domain.models import CaseStatus
    from domain.policy import Tier
    from domain.problems import Code, Problem
    from domain.timeline import Entry
    from workflows import activity_calls
    from workflows.case_workflow import CaseWorkflow
    from workflows.casefile import CaseFile
    from workflows.payout import pay
    from workflows.refusals import refuse

PAYMENT_KIND: dict[str, PaymentKind] = {
    "coupon": "coupon",
    "cash": "cash_compensation",
    "refund_difference": "price_difference",
}


@workflow.defn
class Complaint(CaseWorkflow):
    @workflow.init
    def __init__(self, inp: ComplaintInput) -> None:
        self.inp = inp
        super().__init__(CaseFile(inp.case, inp.policy, ComplaintState.AWAITING_ANSWER))
        self.reply: CustomerReply | None = None
        self.follow: FollowUp | None = None

    @workflow.run
    async def run(self, inp: ComplaintInput) -> ComplaintResult:
        f, intake, case = self.file, inp.intake, inp.case
        opened = workflow.now()
        await f.open(
            target=intake.target.value,
            emotion=intake.emotion.value if intake.emotion else None,
            demand=intake.demand,
            asked_fen=intake.demand_fen,
        )
        category, blame = classify(intake), responsibility(intake)
        refused = refusal(intake)
        if refused:
            await f.record(Entry.NOT_ACCEPTED, case.opened_by, reason=refused.reason, handling=refused.handling)
            await f.close(ComplaintOutcome.NOT_ACCEPTED, case.opened_by, reason=refused.reason)
            await self._keep(
                ComplaintOutcome.NOT_ACCEPTED, category.value, blame.value, False, 0, Level.FIRST_LINE, None, 0, opened
            )
            return ComplaintResult(case_id=case.case_id, outcome=ComplaintOutcome.NOT_ACCEPTED, refusal=refused)

        await f.record(
            Entry.CLASSIFIED,
            case.opened_by,
            category=category.value,
            responsibility=blame.value,
            situation=situation(intake).value,
        )
        prior = await activity_calls.find_prior_complaints(
            PriorQuery(case_id=case.case_id, customer_id=case.customer_id, order_id=case.order.order_id)
        )
        repeat = bool(prior)
        if repeat:
            await f.record(Entry.REPEAT_DETECTED, "system", earlier=prior)

        answers: list[Answer] = []
        rejected: Level | None = None
        while True:
            level = answering_level(
                inp.policy, intake, case.order.paid_fen, repeat=repeat or bool(answers), rejected=rejected
            )
            answer = await self._answer(level, len(answers) + 1)
            answers.append(answer)
            if await self._customer_accepts(answer):
                outcome = ComplaintOutcome.RESOLVED
                break
            if answer.level == Level.PLATFORM:
                outcome = ComplaintOutcome.PLATFORM_FINAL
                await f.record(Entry.PLATFORM_FINAL, "platform", note="the platform's answer is final")
                break
            rejected = answer.level
            await f.record(
                Entry.RESUBMITTED,
                case.customer_id,
                state=ComplaintState.AWAITING_ANSWER,
                submission=len(answers) + 1,
                rejected_level=answer.level.value,
            )

        final = answers[-1]
        paid_fen = await self._pay(final)
        satisfaction = await self._follow_up()
        await f.close(
            outcome,
            "system",
            level=final.level.value,
            submissions=len(answers),
            compensation_fen=paid_fen,
            satisfaction=satisfaction,
        )
        await self._keep(
            outcome,
            category.value,
            blame.value,
            repeat,
            len(answers),
            max_level(answers),
            satisfaction,
            paid_fen,
            opened,
        )
        return ComplaintResult(
            case_id=case.case_id,
            outcome=outcome,
            category=category,
            responsibility=blame,
            repeat=repeat,
            submissions=len(answers),
            level=final.level,
            compensation_fen=paid_fen,
            satisfaction=satisfaction,
            answers=tuple(answers),
        )

    async def _answer(self, level: Level, submission: int) -> Answer:
        """Ask `level` for its answer; on silence past its window, the next level up.
        The platform is the last: its wait goes on, the breach recorded."""
        f, inp = self.file, self.inp
        intake = inp.intake
        while True:
            money = None
            if intake.demand_fen > 0:
                money = MoneyAtStake(
                    situation=situation(intake),
                    kind=intake.demand_kind,
                    amount_fen=intake.demand_fen,
                    paid_fen=inp.case.order.paid_fen,
                    tier=Tier(level.value),
                )
            window = LEVEL_WINDOW[level]
            nxt = above(level)
            until = (
                None
                if nxt is None
                else inp.policy.calendar.deadline(workflow.now(), getattr(inp.policy.windows, window))
            )
            f.state = ComplaintState.AWAITING_ANSWER
            decision = await self.seek_approval(
                f"answer-{submission}-{level.value}",
                LEVEL_SUBJECT[level],
                LEVEL_ROLES[level],
                window,
                summary=f"{intake.reason} — demand: {intake.demand}",
                money=money,
                until=until,
            )
            if decision is not None:
                granted = (decision.amount_fen or intake.demand_fen) if decision.approve and money else 0
                return Answer(
                    level=level,
                    approver=decision.approver.actor_id,
                    approve=decision.approve,
                    amount_fen=granted,
                    note=decision.note,
                )
            assert nxt is not None
            await f.record(
                Entry.ESCALATED, "system", from_level=level.value, to_level=nxt.value, why=f"no answer within {window}"
            )
            level = nxt

    async def _customer_accepts(self, answer: Answer) -> bool:
        f, inp = self.file, self.inp
        self.reply = None
        await f.record(
            Entry.ANSWER_GIVEN,
            answer.approver,
            state=ComplaintState.AWAITING_CUSTOMER,
            level=answer.level.value,
            approve=answer.approve,
            amount_fen=answer.amount_fen,
            note=answer.note,
        )
        due = f.deadline_after("customer_answer", workflow.now(), inp.policy.windows.customer_answer)
        replied = await f.wait_until(lambda: self.reply is not None, due)
        f.clear_deadline("customer_answer")
        if not replied:
            await f.record(Entry.CUSTOMER_SILENT, "system", window="customer_answer", taken_as="accepted")
            return True
        reply = self.reply
        assert reply is not None
        await f.record(Entry.CUSTOMER_REPLIED, reply.customer.actor_id, accept=reply.accept, note=reply.note)
        return reply.accept

    async def _pay(self, final: Answer) -> int:
        f, inp = self.file, self.inp
        if not final.approve or final.amount_fen <= 0:
            return 0
        f.state = ComplaintState.PAYING
        receipt = await pay(
            f,
            step="compensation",
            kind=PAYMENT_KIND[inp.intake.demand_kind],
            amount_fen=final.amount_fen,
            reason=f"complaint answered by {final.level.value}",
            compensation=True,
        )
        if receipt is None:
            return 0
        await f.record(
            Entry.COMPENSATION_PAID,
            "payment",
            amount_fen=receipt.amount_fen,
            payment_kind=receipt.kind,
            payment_id=receipt.payment_id,
        )
        return receipt.amount_fen

    async def _follow_up(self) -> int:
        """S1 二.(五) and S2 §7: every complaint is followed up. Past the node the
        breach is recorded and the wait goes on."""
        f = self.file
        await f.record(Entry.FOLLOW_UP_DUE, "system", state=ComplaintState.AWAITING_FOLLOW_UP)
        due = f.deadline_after("follow_up", workflow.now(), self.inp.policy.windows.after_sales_node)
        done = lambda: self.follow is not None  # noqa: E731
        if not await f.wait_until(done, due):
            await f.record(Entry.SLA_BREACHED, "system", window="after_sales_node", step="follow_up")
            await workflow.wait_condition(done)
        f.clear_deadline("follow_up")
        follow = self.follow
        assert follow is not None
        await f.record(
            Entry.FOLLOWED_UP,
            follow.by.actor_id,
            solved=follow.solved,
            satisfaction=follow.satisfaction,
            note=follow.note,
        )
        return follow.satisfaction

    async def _keep(
        self,
        outcome: ComplaintOutcome,
        category: str,
        blame: str,
        repeat: bool,
        submissions: int,
        level: Level,
        satisfaction: int | None,
        paid_fen: int,
        opened: datetime,
    ) -> None:
        case = self.inp.case
        await activity_calls.record_complaint_outcome(
            ComplaintRecord(
                case_id=case.case_id,
                customer_id=case.customer_id,
                order_id=case.order.order_id,
                category=category,
                responsibility=blame,
                outcome=outcome.value,
                repeat=repeat,
                submissions=submissions,
                level=level.value,
                first_contact_resolved=(
                    outcome == ComplaintOutcome.RESOLVED
                    and submissions == 1
                    and not repeat
                    and level == Level.FIRST_LINE
                ),
                escalated=level != Level.FIRST_LINE,
                satisfaction=satisfaction,
                compensation_fen=paid_fen,
                opened_at=opened,
                closed_at=workflow.now(),
            )
        )

    @workflow.update(name=UpdateName.REPLY_TO_ANSWER)
    async def reply_to_answer(self, reply: CustomerReply) -> CaseStatus:
        self.reply = reply
        return self.file.status()

    @reply_to_answer.validator
    def _validate_reply(self, reply: CustomerReply) -> None:
        problem = (
            Problem(Code.ALREADY_DONE, "the customer already replied to this answer")
            if self.reply is not None
            else reply_problem(reply, self.file.state, self.inp.case.customer_id)
        )
        refuse(problem)

    @workflow.update(name=UpdateName.FOLLOW_UP)
    async def follow_up(self, follow: FollowUp) -> CaseStatus:
        self.follow = follow
        return self.file.status()

    @follow_up.validator
    def _validate_follow_up(self, follow: FollowUp) -> None:
        problem = (
            Problem(Code.ALREADY_DONE, "the follow-up was already recorded")
            if self.follow is not None
            else follow_up_problem(follow, self.file.state)
        )
        refuse(problem)


def max_level(answers: list[Answer]) -> Level:
    order = [Level.FIRST_LINE, Level.SECOND_LINE, Level.PLATFORM]
    return max((a.level for a in answers), key=order.index)
