"""Invoice (rulebook §4.2): a wrong invoice comes back first and its postage is
refunded; then finance issues the invoice and the case waits for the customer to
have it within the window for the kind of request."""

from __future__ import annotations

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.child_cases import CaseResult
    from domain.external import PaymentRequest, idempotency_key
    from domain.findings import InvoiceIssue, InvoiceReceipt
    from domain.handlers import UpdateName
    from domain.invoice import (
        POSTAGE_REFUND_FEN,
        InvoiceArrival,
        InvoiceDelivered,
        InvoiceInput,
        InvoiceOutcome,
        InvoiceProblem,
        InvoiceState,
        arrival_problem,
        delivery_window,
        postage_paid_by,
    )
    from domain.manual_refund import ManualRefundReason
    from domain.models import CaseStatus
    from domain.problems import Code, Problem
    from domain.replies import customer_problem
    from domain.timeline import Entry
    from workflows import activity_calls, patches
    from workflows.casefile import CaseFile
    from workflows.refusals import refuse
    from workflows.remedies import RemedyCase

# §4.9: invoice postage is a manual refund, paid only after its two-person check; runs
# begun before paid the 5 yuan at once.
POSTAGE_TWO_PERSON = "invoice-postage-two-person-check"


@workflow.defn
class Invoice(RemedyCase):
    @workflow.init
    def __init__(self, inp: InvoiceInput) -> None:
        self.inp = inp
        first = InvoiceState.AWAITING_RETURN if inp.problem == InvoiceProblem.WRONG else InvoiceState.ISSUING
        super().__init__(CaseFile(inp.case, inp.policy, first), payee=inp.payee)
        self.arrival: InvoiceArrival | None = None
        self.delivered: InvoiceDelivered | None = None
        self.postage_fen = 0
        self._postage: asyncio.Task[None] | None = None

    @workflow.run
    async def run(self, inp: InvoiceInput) -> CaseResult:
        f, windows = self.file, inp.policy.windows
        await f.open(problem=inp.problem.value, content=inp.content.value, amount_fen=inp.amount_fen)
        start = workflow.now()
        if inp.problem == InvoiceProblem.WRONG:
            back_by = f.deadline_after("wrong_invoice_back", start, windows.invoice_mail_back)
            if not await f.wait_until(lambda: self.arrival is not None, back_by):
                await f.close(InvoiceOutcome.WRONG_INVOICE_NOT_RETURNED, "system", window="invoice_mail_back")
                return CaseResult(case_id=inp.case.case_id, outcome=InvoiceOutcome.WRONG_INVOICE_NOT_RETURNED)
            f.clear_deadline("wrong_invoice_back")
            assert self.arrival is not None
            await f.record(
                Entry.WRONG_INVOICE_RETURNED,
                self.arrival.by.actor_id,
                state=InvoiceState.ISSUING,
                invoice_no=inp.wrong_invoice_no,
            )
            start = workflow.now()
            if patches.patched(POSTAGE_TWO_PERSON):
                # alongside the new invoice, whose 5 working days do not wait on the check
                self._postage = asyncio.create_task(self._postage_manual_refund())
            else:
                await self._refund_postage()

        window = delivery_window(inp.problem)
        due = f.deadline_after("invoice_delivered", start, getattr(windows, window))
        receipt: InvoiceReceipt = await activity_calls.issue_invoice(
            InvoiceIssue(
                case_id=inp.case.case_id,
                order_id=inp.case.order.order_id,
                invoice_type="vat" if inp.problem == InvoiceProblem.VAT else "plain",
                title=inp.title,
                content=inp.content.value,
                amount_fen=inp.amount_fen,
                postage_paid_by=postage_paid_by(inp.problem),
                replaces=inp.wrong_invoice_no,
                requested_at=workflow.now(),
            )
        )
        await f.record(
            Entry.INVOICE_ISSUED,
            "finance",
            state=InvoiceState.AWAITING_DELIVERY,
            invoice_no=receipt.invoice_no,
            postage_paid_by=postage_paid_by(inp.problem),
            due_at=due.isoformat(),
            window=window,
        )
        if await f.wait_until(lambda: self.delivered is not None, due):
            await self._postage_settled()
            await f.close(InvoiceOutcome.DELIVERED, inp.case.customer_id, invoice_no=receipt.invoice_no)
            return CaseResult(case_id=inp.case.case_id, outcome=InvoiceOutcome.DELIVERED, refund_fen=self.postage_fen)
        await f.record(Entry.SLA_BREACHED, "system", window=window)
        await self._postage_settled()
        await f.close(InvoiceOutcome.DELIVERY_UNCONFIRMED, "system", invoice_no=receipt.invoice_no, window=window)
        return CaseResult(
            case_id=inp.case.case_id, outcome=InvoiceOutcome.DELIVERY_UNCONFIRMED, refund_fen=self.postage_fen
        )

    async def _postage_manual_refund(self) -> None:
        outcome = await self.remedies.manual_refund(
            (),
            pickup=False,
            reason="postage advanced for mailing back a wrong invoice",
            step="postage",
            reason_kind=ManualRefundReason.INVOICE_POSTAGE,
            amount_fen=POSTAGE_REFUND_FEN,
        )
        if outcome == "paid":
            self.postage_fen = self.remedies.refunded_fen

    async def _postage_settled(self) -> None:
        """The case closes only once its postage refund has ended, one way or the other."""
        if self._postage is not None:
            await self._postage

    async def _refund_postage(self) -> None:
        f, case = self.file, self.inp.case
        receipt = await activity_calls.pay_refund(
            PaymentRequest(
                idempotency_key=idempotency_key(case.case_id, "postage"),
                case_id=case.case_id,
                order_id=case.order.order_id,
                kind="postage_refund",
                amount_fen=POSTAGE_REFUND_FEN,
                account_ref=case.order.paying_account,
                reason="postage advanced for mailing back a wrong invoice",
            )
        )
        self.postage_fen = receipt.amount_fen
        await f.record(Entry.POSTAGE_REFUNDED, "payment", amount_fen=receipt.amount_fen, payment_id=receipt.payment_id)

    @workflow.update(name=UpdateName.WRONG_INVOICE_RETURNED)
    async def wrong_invoice_returned(self, arrival: InvoiceArrival) -> CaseStatus:
        self.arrival = arrival
        return self.file.status()

    @wrong_invoice_returned.validator
    def _validate_arrival(self, arrival: InvoiceArrival) -> None:
        problem = arrival_problem(arrival, self.file.state) or (
            Problem(Code.ALREADY_DONE, "already logged") if self.arrival else None
        )
        refuse(problem)

    @workflow.update(name=UpdateName.INVOICE_DELIVERED)
    async def invoice_delivered(self, answer: InvoiceDelivered) -> CaseStatus:
        self.delivered = answer
        return self.file.status()

    @invoice_delivered.validator
    def _validate_delivered(self, answer: InvoiceDelivered) -> None:
        problem = customer_problem(answer.by, self.inp.case)
        if not problem and self.file.state != InvoiceState.AWAITING_DELIVERY:
            problem = Problem(Code.WRONG_STATE, f"the case is {self.file.state}; no invoice has been posted yet")
        refuse(problem)
