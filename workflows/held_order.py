"""HeldOrder (扣单), rulebook §4.1. The warehouse is asked for backfill; stock within
24 h ships in the next batch. Otherwise the customer gets an apology, compensation
(through the calculator's tiers) and the choice to wait or be refunded. At 48 h still
unshipped: refund, or reship for a customer who refuses cancellation (never for an
unpaid order, never while the original can still ship: Reship checks that)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.compensation import CompensationOffer
    from domain.fulfilment import BackfillRequest, BackfillTicket, DispatchRequest, StockQuery, StockStatus
    from domain.handlers import SignalName, UpdateName
    from domain.held_order import (
        DEFAULT_CHOICE,
        CustomerChoice,
        HeldOrderAnswer,
        HeldOrderInput,
        HeldOrderResult,
        HeldOutcome,
        HeldState,
        choice_problem,
        compensation_offer,
        settle_at_48h,
    )
    from domain.models import CaseStatus
    from domain.reship import ReshipCause, ReshipOutcome
    from domain.timeline import Entry
    from workflows import activity_calls, patches, remedies, waits
    from workflows.casefile import CaseFile
    from workflows.refusals import refuse
    from workflows.remedies import RemedyCase


@workflow.defn
class HeldOrder(RemedyCase):
    @workflow.init
    def __init__(self, inp: HeldOrderInput) -> None:
        self.inp = inp
        super().__init__(CaseFile(inp.case, inp.policy, HeldState.AWAITING_BACKFILL))
        self.choice: CustomerChoice | None = None
        self.answered = False
        self.last_answer: HeldOrderAnswer | None = None
        self.compensation_fen = 0
        self._granting: asyncio.Task[None] | None = None
        self.polls_by_retry = False

    @workflow.run
    async def run(self, inp: HeldOrderInput) -> HeldOrderResult:
        f, w = self.file, inp.policy.windows
        held_at = workflow.now()
        await f.open(cause=inp.cause.value, lines=[lq.model_dump() for lq in inp.lines])
        backfill_due = f.deadline_after("backfill", held_at, w.backfill)
        held_due = f.deadline_after("held_unshipped", held_at, w.held_unshipped)
        ticket = await activity_calls.request_backfill(
            BackfillRequest(
                case_id=inp.case.case_id, order_id=inp.case.order.order_id, lines=inp.lines, requested_at=held_at
            )
        )
        await f.record(Entry.BACKFILL_REQUESTED, "system", ticket_id=ticket.ticket_id)
        if await self._stock_by(ticket, backfill_due):
            return await self._ship("stock arrived within the backfill window")
        f.clear_deadline("backfill")
        await f.record(Entry.BACKFILL_MISSED, "system", window="backfill")

        await f.record(Entry.APOLOGISED, "first_line", state=HeldState.AWAITING_CHOICE, offered_refund=True)
        offer = compensation_offer(inp.policy, inp)
        compensation = self._compensate(offer)
        if patches.patched(remedies.COMPENSATION_ALONGSIDE):
            # the customer's choice and the 48 h rule never wait on a compensation approval
            self._granting = asyncio.create_task(compensation)
        else:
            await compensation
        answer_due = f.deadline_after("customer_answer", workflow.now(), w.customer_answer)
        poll = inp.policy.polling.outside_status.plain
        recorded: HeldOrderAnswer | None = None
        looked: datetime | None = None  # the deadline a poll's last look was as of
        while True:
            if self.last_answer is not recorded and self.last_answer is not None:
                recorded = a = self.last_answer
                await f.record(
                    Entry.CUSTOMER_CHOSE,
                    a.customer.actor_id,
                    state=HeldState.WAITING_FOR_STOCK,
                    choice=a.choice.value,
                    note=a.note,
                )
            if self.choice == CustomerChoice.REFUND:
                return await self._settle(
                    HeldOutcome.REFUNDED if inp.case.order.paid else HeldOutcome.CANCELLED,
                    "the customer chose a refund",
                )
            if not self.polls_by_retry and (await self._stock(ticket)).available:
                return await self._ship("stock arrived while the customer waited")
            now = workflow.now()
            if now >= held_due:
                # the poll's last look was as of held_due (POLL_TO_DEADLINE); else ask as of it
                if self.polls_by_retry and looked != held_due and (await self._stock(ticket, as_of=held_due)).available:
                    return await self._ship("stock arrived while the customer waited")
                await f.record(Entry.HELD_UNSHIPPED, "system", window="held_unshipped")
                return await self._settle(settle_at_48h(self.choice, inp.case.order.paid), "still unshipped at 48 h")
            if not self.answered and now >= answer_due:
                self.choice, self.answered = DEFAULT_CHOICE, True
                f.clear_deadline("customer_answer")
                await f.record(
                    Entry.CUSTOMER_ANSWER_DEFAULTED,
                    "system",
                    state=HeldState.WAITING_FOR_STOCK,
                    window="customer_answer",
                    choice=DEFAULT_CHOICE.value,
                )
            seen, pushes = self.last_answer, f.pushes
            if self.polls_by_retry:
                # the poll is raced against the customer's answer, the answer window and the warehouse's push
                wake = held_due if self.answered else min(held_due, answer_due)
                status = await self._poll_stock(
                    ticket,
                    wake,
                    lambda: self.last_answer is not seen or f.pushes != pushes,  # noqa: B023 - awaited in this iteration
                )
                if status is not None and status.available:
                    return await self._ship("stock arrived while the customer waited")
                if status is not None:  # no stock as of wake: the poll's last look
                    looked = wake
                continue
            wake = min(held_due, now + poll, *([answer_due] if not self.answered else []))
            await f.wait_until(lambda: self.last_answer is not seen, wake)  # noqa: B023 - awaited in this iteration

    async def _poll_stock(
        self, ticket: BackfillTicket, until: datetime, woken: Callable[[], bool]
    ) -> StockStatus | None:
        return await waits.poll(
            "poll_stock",
            "warehouse",
            StockQuery(ticket=ticket, as_of=workflow.now()),
            StockStatus,
            every=self.inp.policy.polling.outside_status.plain,
            until=until,
            file=self.file,
            woken=woken,
        )

    async def _compensate(self, offer: CompensationOffer) -> None:
        self.compensation_fen = await self.remedies.compensate(
            offer,
            basis_fen=self.inp.case.order.paid_fen,
            step="compensation",
            why=f"held order: {self.inp.cause.value}",
        )

    async def _stock(self, ticket: BackfillTicket, as_of: datetime | None = None) -> StockStatus:
        return await activity_calls.check_stock(StockQuery(ticket=ticket, as_of=as_of or workflow.now()))

    async def _stock_by(self, ticket: BackfillTicket, until: datetime) -> bool:
        poll = self.inp.policy.polling.outside_status.plain
        self.polls_by_retry = patches.patched(waits.POLL_BY_RETRY)
        if self.polls_by_retry:
            status = await waits.answer_by(
                "poll_stock",
                "check_stock",
                "warehouse",
                lambda at: StockQuery(ticket=ticket, as_of=at),
                StockStatus,
                every=poll,
                until=until,
                file=self.file,
            )
            return status.available
        while True:
            if (await self._stock(ticket)).available:
                return True
            if workflow.now() >= until:
                return False
            await workflow.sleep(min(poll, until - workflow.now()))

    async def _ship(self, why: str) -> HeldOrderResult:
        f, inp = self.file, self.inp
        sent = await activity_calls.dispatch_order(
            DispatchRequest(
                case_id=inp.case.case_id,
                order_id=inp.case.order.order_id,
                lines=inp.lines,
                as_of=workflow.now(),
                batch="next",
            )
        )
        await f.record(Entry.DISPATCHED, "warehouse", dispatch_id=sent.dispatch_id, batch="next")
        return await self._close(HeldOutcome.SHIPPED, why)

    async def _settle(self, outcome: HeldOutcome, why: str) -> HeldOrderResult:
        f, inp = self.file, self.inp
        await f.record(Entry.SETTLING, "system", state=HeldState.SETTLING, outcome=outcome.value, why=why)
        child = None
        if outcome == HeldOutcome.REFUNDED:
            child = await self.remedies.refund(inp.lines, pickup=False, reason=f"held order: {why}")
        elif outcome == HeldOutcome.RESHIPPED:
            child = await self.remedies.reship(inp.lines, cause=ReshipCause.HELD_ORDER_UNSHIPPED, note=why)
            if child == ReshipOutcome.REFUNDED_INSTEAD:  # the original is closed: the customer got the money
                return await self._close(HeldOutcome.REFUNDED, f"{why}; the reship failed, refunded instead", child)
            if child != "reshipped":  # the original can still ship after all: send it, never both
                return await self._ship("reship refused: the original can still ship")
        return await self._close(outcome, why, child)

    async def _close(self, outcome: HeldOutcome, why: str, child: str | None = None) -> HeldOrderResult:
        if self._granting is not None:
            await self._granting  # the case closes once its compensation is decided too
        await self.file.close(outcome, "system", why=why, choice=self.choice.value if self.choice else None)
        return HeldOrderResult(
            case_id=self.inp.case.case_id,
            outcome=outcome,
            choice=self.choice,
            compensation_fen=self.compensation_fen,
            child_outcome=child,
            reason=why,
        )

    @workflow.signal(name=SignalName.STOCK_REPORTED)
    def stock_reported(self) -> None:
        """The warehouse's push (a backfill arrived): look now, not at the next poll."""
        self.file.pushes += 1

    @workflow.update(name=UpdateName.CHOOSE)
    async def choose(self, answer: HeldOrderAnswer) -> CaseStatus:
        self.choice, self.answered, self.last_answer = answer.choice, True, answer  # the run records it
        self.file.clear_deadline("customer_answer")
        return self.file.status()

    @choose.validator
    def _validate_choose(self, answer: HeldOrderAnswer) -> None:
        problem = choice_problem(answer, self.file.state, self.inp.case)
        refuse(problem)
