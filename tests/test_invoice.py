"""Invoice (§4.2): every kind of request, the content and amount rules, the VAT
documents, and each window just before and just after."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError
from temporalio.client import WorkflowUpdateFailedError

from domain.approvals import ApprovalDecision
from domain.child_cases import CaseResult, PayeeDetails
from domain.invoice import (
    POSTAGE_REFUND_FEN,
    InvoiceArrival,
    InvoiceDelivered,
    InvoiceInput,
    InvoiceOutcome,
    InvoiceProblem,
    InvoiceState,
    VatDetails,
    arrival_problem,
    delivery_window,
    postage_paid_by,
)
from domain.manual_refund import Payee
from domain.models import CaseKind, EvidenceRef
from domain.timeline import Entry
from tests.factories import (
    CUSTOMER,
    DEFAULT_POLICY,
    FIRST_LINE,
    INVOICE_SPECIALIST,
    OTHER_CUSTOMER,
    REFUND_SPECIALIST,
    SUPERVISOR,
    header,
    order,
)
from tests.replay_support import keep_history
from tests.support import advance, deadline, in_state, kinds, pending, running_worker, timeline
from workflows.case_workflow import CaseWorkflow
from workflows.invoice import Invoice
from workflows.remedies import RemedyCase

VAT = VatDetails(
    taxpayer_certificate=EvidenceRef(kind="document", uri="fax://62898155/1"),
    company_name="上海某某贸易有限公司",
    tax_number="91310000MA1FL4XX2B",
    bank="招商银行上海分行",
    bank_account="6225880212345678",
    company_address="上海市延安中路841号",
)


def invoice_input(problem: InvoiceProblem, **kw) -> InvoiceInput:
    case = header(CaseKind.INVOICE, kw.pop("the_order", None) or order())
    fields = dict(
        case=case, policy=DEFAULT_POLICY, problem=problem, title="个人", content="food", amount_fen=case.order.paid_fen
    )
    if problem == InvoiceProblem.VAT:
        fields["vat"] = VAT
    if problem == InvoiceProblem.WRONG:
        fields["wrong_invoice_no"] = "INV-OLD-1"
        fields["payee"] = PAYEE
    fields.update(kw)
    return InvoiceInput(**fields)


# -- the rules, without Temporal --


def test_content_must_be_an_allowed_category():
    with pytest.raises(ValidationError, match="content"):
        invoice_input(InvoiceProblem.MISSING, content="electronics")
    assert invoice_input(InvoiceProblem.MISSING, content="home goods").content.value == "home goods"


def test_amount_must_equal_the_paid_amount():
    with pytest.raises(ValidationError, match="must equal the paid amount"):
        invoice_input(InvoiceProblem.NOT_TICKED, amount_fen=100)


def test_vat_needs_every_company_document():
    with pytest.raises(ValidationError, match="VAT invoice needs"):
        invoice_input(InvoiceProblem.VAT, vat=None)
    with pytest.raises(ValidationError, match="tax_number"):
        VatDetails(**{**VAT.model_dump(), "tax_number": "12345"})
    with pytest.raises(ValidationError, match="company_name"):
        VatDetails(**{**VAT.model_dump(), "company_name": ""})
    with pytest.raises(ValidationError, match="bank_account"):
        VatDetails(**{**VAT.model_dump(), "bank_account": "not-a-number"})
    with pytest.raises(ValidationError, match="company_address"):
        VatDetails(**{k: v for k, v in VAT.model_dump().items() if k != "company_address"})
    with pytest.raises(ValidationError, match="certificate must be sent as a document"):
        VatDetails(**{**VAT.model_dump(), "taxpayer_certificate": {"kind": "photo", "uri": "x://1"}})
    with pytest.raises(ValidationError, match="VAT invoice request only"):
        invoice_input(InvoiceProblem.MISSING, vat=VAT)


def test_a_wrong_invoice_is_named():
    with pytest.raises(ValidationError, match="named by its number"):
        invoice_input(InvoiceProblem.WRONG, wrong_invoice_no=None)


def test_who_pays_postage_and_which_window():
    assert [postage_paid_by(p) for p in InvoiceProblem] == ["merchant", "warehouse", "customer", "merchant"]
    assert [delivery_window(p) for p in InvoiceProblem] == [
        "missing_invoice",
        "missing_invoice",
        "wrong_invoice",
        "vat_invoice",
    ]
    assert POSTAGE_REFUND_FEN == 500


def test_only_the_invoice_specialist_logs_a_returned_invoice():
    assert "invoice specialist" in arrival_problem(InvoiceArrival(by=CUSTOMER), "awaiting_return").message
    assert "not awaiting" in arrival_problem(InvoiceArrival(by=INVOICE_SPECIALIST), "awaiting_delivery").message
    assert arrival_problem(InvoiceArrival(by=INVOICE_SPECIALIST), "awaiting_return") is None


PAYEE = Payee(payment_account="alipay", account_id="13900002222", real_name="李四")


# -- the workflow --


async def check_postage(env, inp: InvoiceInput, *, reviewer=SUPERVISOR, second=REFUND_SPECIALIST):
    """§4.9: the 5 yuan postage goes through the manual refund's two-person check."""
    child = env.client.get_workflow_handle(f"{inp.case.workflow_id}-postage")
    await pending(child, "review")
    await child.execute_update(
        CaseWorkflow.decide, ApprovalDecision(approval_id="review", approver=reviewer, approve=True)
    )
    await pending(child, "second-check")
    await child.execute_update(
        CaseWorkflow.decide, ApprovalDecision(approval_id="second-check", approver=second, approve=True)
    )
    return child


async def posted(h) -> datetime:
    """The new invoice's delivery deadline, once the invoice is issued: the deadline is set
    just before the issuing call, and the customer can confirm only after it."""
    due = await deadline(h, "invoice_delivered")
    await in_state(h, InvoiceState.AWAITING_DELIVERY)
    return due


async def start(env, tq, inp: InvoiceInput):
    return await env.client.start_workflow(
        "Invoice", inp, id=inp.case.workflow_id, task_queue=tq, result_type=CaseResult
    )


async def test_not_ticked_reissued_merchant_pays_and_delivered(env, store):
    async with running_worker(env, store) as (tq, _):
        inp = invoice_input(InvoiceProblem.NOT_TICKED)
        h = await start(env, tq, inp)
        await posted(h)
        await h.execute_update(Invoice.invoice_delivered, InvoiceDelivered(by=CUSTOMER))
        result = await h.result()
        assert result.outcome == InvoiceOutcome.DELIVERED
        issued = [e for e in store.timeline(inp.case.case_id) if e.kind == Entry.INVOICE_ISSUED]
        assert issued[0].detail["postage_paid_by"] == "merchant"
        assert store.payments(inp.case.case_id) == []
        await keep_history(h, "invoice_not_ticked_delivered")


async def test_missing_invoice_confirmed_just_before_5_working_days(env, store):
    async with running_worker(env, store) as (tq, _):
        h = await start(env, tq, invoice_input(InvoiceProblem.MISSING))
        due = await posted(h)
        await advance(env, to=due, offset_s=-60)
        await h.execute_update(Invoice.invoice_delivered, InvoiceDelivered(by=CUSTOMER))
        assert (await h.result()).outcome == InvoiceOutcome.DELIVERED
        assert Entry.SLA_BREACHED not in kinds(await timeline(h))


async def test_missing_invoice_unconfirmed_just_after_5_working_days(env, store):
    async with running_worker(env, store) as (tq, _):
        inp = invoice_input(InvoiceProblem.MISSING)
        h = await start(env, tq, inp)
        due = await posted(h)
        await advance(env, to=due, offset_s=+60)
        result = await h.result()
        assert result.outcome == InvoiceOutcome.DELIVERY_UNCONFIRMED
        issued = [e for e in store.timeline(inp.case.case_id) if e.kind == Entry.INVOICE_ISSUED]
        assert issued[0].detail["postage_paid_by"] == "warehouse"
        assert Entry.SLA_BREACHED in kinds(await timeline(h))


async def test_wrong_invoice_returned_postage_refunded_once_new_one_just_before_window(env, store):
    async with running_worker(env, store) as (tq, outside):
        inp = invoice_input(InvoiceProblem.WRONG)
        h = await start(env, tq, inp)
        back_by = await deadline(h, "wrong_invoice_back")
        await advance(env, to=back_by, offset_s=-60)
        await h.execute_update(Invoice.wrong_invoice_returned, InvoiceArrival(by=INVOICE_SPECIALIST))
        due = await posted(h)
        assert outside.payment.ledger == []  # nothing is paid before the two-person check
        await check_postage(env, inp)
        await advance(env, to=due, offset_s=-60)
        await h.execute_update(Invoice.invoice_delivered, InvoiceDelivered(by=CUSTOMER))
        result = await h.result()
        assert result.outcome == InvoiceOutcome.DELIVERED and result.refund_fen == 500
        postage = store.payments(f"{inp.case.case_id}-postage")
        assert [(p["kind"], p["amount_fen"]) for p in postage] == [("postage_reimbursement", 500)]
        assert store.payments(inp.case.case_id) == []
        assert [r.kind for r in outside.payment.ledger] == ["postage_reimbursement"]
        await keep_history(h, "invoice_wrong_returned_postage_checked_delivered")


async def test_wrong_invoice_postage_needs_two_people_neither_of_them_the_opener(env, store):
    async with running_worker(env, store) as (tq, outside):
        inp = invoice_input(InvoiceProblem.WRONG)
        h = await start(env, tq, inp)
        await deadline(h, "wrong_invoice_back")
        await h.execute_update(Invoice.wrong_invoice_returned, InvoiceArrival(by=INVOICE_SPECIALIST))
        child = env.client.get_workflow_handle(f"{inp.case.workflow_id}-postage")
        await pending(child, "review")
        await child.execute_update(
            CaseWorkflow.decide, ApprovalDecision(approval_id="review", approver=SUPERVISOR, approve=True)
        )
        await pending(child, "second-check")
        with pytest.raises(WorkflowUpdateFailedError) as e:
            await child.execute_update(
                CaseWorkflow.decide, ApprovalDecision(approval_id="second-check", approver=SUPERVISOR, approve=True)
            )
        assert "different person" in str(e.value.cause)
        assert outside.payment.ledger == []
        await child.execute_update(
            CaseWorkflow.decide, ApprovalDecision(approval_id="second-check", approver=REFUND_SPECIALIST, approve=True)
        )
        await h.execute_update(Invoice.invoice_delivered, InvoiceDelivered(by=CUSTOMER))
        assert (await h.result()).refund_fen == 500


async def test_wrong_invoice_without_payee_asks_for_it(env, store):
    async with running_worker(env, store) as (tq, outside):
        inp = invoice_input(InvoiceProblem.WRONG, payee=None)
        h = await start(env, tq, inp)
        await deadline(h, "wrong_invoice_back")
        await h.execute_update(Invoice.wrong_invoice_returned, InvoiceArrival(by=INVOICE_SPECIALIST))
        await deadline(h, "payee")
        await h.execute_update(RemedyCase.provide_payee, PayeeDetails(by=CUSTOMER, payee=PAYEE))
        await check_postage(env, inp)
        await posted(h)
        await h.execute_update(Invoice.invoice_delivered, InvoiceDelivered(by=CUSTOMER))
        result = await h.result()
        assert result.refund_fen == 500 and [r.amount_fen for r in outside.payment.ledger] == [500]


async def test_wrong_invoice_delivery_window_passes_after_arrival(env, store):
    async with running_worker(env, store) as (tq, _):
        inp = invoice_input(InvoiceProblem.WRONG)
        h = await start(env, tq, inp)
        await deadline(h, "wrong_invoice_back")
        await h.execute_update(Invoice.wrong_invoice_returned, InvoiceArrival(by=INVOICE_SPECIALIST))
        due = await posted(h)
        await check_postage(env, inp)
        await advance(env, to=due, offset_s=+60)
        assert (await h.result()).outcome == InvoiceOutcome.DELIVERY_UNCONFIRMED


async def test_wrong_invoice_never_mailed_back_closes_after_the_window(env, store):
    async with running_worker(env, store) as (tq, outside):
        inp = invoice_input(InvoiceProblem.WRONG)
        h = await start(env, tq, inp)
        back_by = await deadline(h, "wrong_invoice_back")
        await advance(env, to=back_by, offset_s=+60)
        assert (await h.result()).outcome == InvoiceOutcome.WRONG_INVOICE_NOT_RETURNED
        assert outside.payment.ledger == []
        assert Entry.INVOICE_ISSUED not in kinds(await timeline(h))


async def test_vat_invoice_delivered_just_before_two_weeks(env, store):
    async with running_worker(env, store) as (tq, _):
        inp = invoice_input(InvoiceProblem.VAT)
        h = await start(env, tq, inp)
        due = await posted(h)
        opened = await env.get_current_time()
        assert (due - opened).days >= 13
        await advance(env, to=due, offset_s=-60)
        await h.execute_update(Invoice.invoice_delivered, InvoiceDelivered(by=CUSTOMER))
        assert (await h.result()).outcome == InvoiceOutcome.DELIVERED
        await keep_history(h, "invoice_vat_delivered")


async def test_vat_invoice_unconfirmed_after_two_weeks(env, store):
    async with running_worker(env, store) as (tq, _):
        h = await start(env, tq, invoice_input(InvoiceProblem.VAT))
        due = await posted(h)
        await advance(env, to=due, offset_s=+60)
        assert (await h.result()).outcome == InvoiceOutcome.DELIVERY_UNCONFIRMED


async def test_bad_answers_are_rejected_and_leave_no_trace(env, store):
    async with running_worker(env, store) as (tq, _):
        inp = invoice_input(InvoiceProblem.WRONG)
        h = await start(env, tq, inp)
        await deadline(h, "wrong_invoice_back")
        before = kinds(await timeline(h))
        for handler, answer, reason in [
            (Invoice.invoice_delivered, InvoiceDelivered(by=CUSTOMER), "no invoice has been posted"),
            (Invoice.wrong_invoice_returned, InvoiceArrival(by=CUSTOMER), "invoice specialist"),
            (Invoice.wrong_invoice_returned, InvoiceArrival(by=FIRST_LINE), "invoice specialist"),
        ]:
            with pytest.raises(WorkflowUpdateFailedError) as e:
                await h.execute_update(handler, answer)
            assert reason in str(e.value.cause)
        await h.execute_update(Invoice.wrong_invoice_returned, InvoiceArrival(by=INVOICE_SPECIALIST))
        with pytest.raises(WorkflowUpdateFailedError):
            await h.execute_update(Invoice.wrong_invoice_returned, InvoiceArrival(by=INVOICE_SPECIALIST))
        await posted(h)
        for by, reason in [(OTHER_CUSTOMER, "not the customer"), (INVOICE_SPECIALIST, "only the customer")]:
            with pytest.raises(WorkflowUpdateFailedError) as e:
                await h.execute_update(Invoice.invoice_delivered, InvoiceDelivered(by=by))
            assert reason in str(e.value.cause)
        history = await h.fetch_history()
        accepted = [ev for ev in history.events if ev.HasField("workflow_execution_update_accepted_event_attributes")]
        assert len(accepted) == 1
        assert (kinds(await timeline(h)))[: len(before)] == before
        await check_postage(env, inp)
        await h.execute_update(Invoice.invoice_delivered, InvoiceDelivered(by=CUSTOMER))
        assert (await h.result()).outcome == InvoiceOutcome.DELIVERED
