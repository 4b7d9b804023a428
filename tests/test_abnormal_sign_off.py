"""AbnormalSignOff (§4.8): signer known → closed; unknown or unproven → refund
(ReturnRefund while the trade is open, ManualRefund once completed); the 3-working-day
answer window and the payee window both sides."""

from __future__ import annotations

from adapters.simulators import Scenario, SimulatorConfig
from domain.abnormal_sign_off import AbnormalSignOffInput, SignerAnswer, SignOffOutcome, masked_name
from domain.child_cases import CaseResult, PayeeDetails
from domain.manual_refund import Payee
from domain.models import CaseKind
from domain.timeline import Entry
from tests.factories import CUSTOMER, DEFAULT_POLICY, FIRST_LINE, OTHER_CUSTOMER, header, order
from tests.replay_support import keep_history
from tests.support import advance, approve_manual_refund, deadline, in_state, kinds, refused, running_worker, timeline
from workflows.abnormal_sign_off import AbnormalSignOff
from workflows.remedies import RemedyCase

PAYEE = Payee(payment_account="alipay:13812345678", account_id="tb_cust1", real_name="张三")


def sign_off(*, completed=False, payee=None):
    case = header(CaseKind.ABNORMAL_SIGN_OFF, order(trade_completed=completed))
    return AbnormalSignOffInput(case=case, policy=DEFAULT_POLICY, payee=payee)


def signed_by(inp, name="李四", slip=False) -> SimulatorConfig:
    return SimulatorConfig(scenarios={inp.case.order.order_id: Scenario(signer_name=name, signer_slip_photo=slip)})


async def start(env, tq, inp):
    return await env.client.start_workflow(
        "AbnormalSignOff", inp, id=inp.case.workflow_id, task_queue=tq, result_type=CaseResult
    )


def test_signer_name_is_masked():
    assert masked_name("李四") == "李*" and masked_name(None) is None


async def asked(h) -> None:
    """Until the case asks the customer: the deadline is set before the courier's proof
    is in, and an answer before the question is refused."""
    await in_state(h, "awaiting_customer")


async def test_customer_knows_the_signer_just_before_3_working_days(env, store):
    inp = sign_off()
    async with running_worker(env, store, signed_by(inp)) as (tq, outside):
        h = await start(env, tq, inp)
        due = await deadline(h, "answer_due")
        await asked(h)
        await advance(env, to=due, offset_s=-60)
        await h.execute_update(AbnormalSignOff.confirm_signer, SignerAnswer(by=CUSTOMER, knows_signer=True))
        assert (await h.result()).outcome == SignOffOutcome.SIGNER_KNOWN
        assert outside.payment.ledger == []
        proof = next(e for e in store.timeline(inp.case.case_id) if e.kind == Entry.SIGNER_PROOF)
        assert proof.detail["signer"] == "李*"
        await keep_history(h, "abnormal_sign_off_signer_known")


async def test_no_answer_after_3_working_days_closes(env, store):
    inp = sign_off()
    async with running_worker(env, store, signed_by(inp)) as (tq, outside):
        h = await start(env, tq, inp)
        due = await deadline(h, "answer_due")
        await advance(env, to=due, offset_s=+60)
        assert (await h.result()).outcome == SignOffOutcome.NO_REPLY
        assert outside.payment.ledger == []


async def test_unknown_signer_open_trade_refunded_by_return(env, store):
    inp = sign_off()
    async with running_worker(env, store, signed_by(inp, slip=True)) as (tq, outside):
        h = await start(env, tq, inp)
        await asked(h)
        await h.execute_update(AbnormalSignOff.confirm_signer, SignerAnswer(by=CUSTOMER, knows_signer=False))
        result = await h.result()
        assert result.outcome == SignOffOutcome.REFUNDED
        assert result.children == (f"case-{inp.case.case_id}-refund",)
        assert [(p.kind, p.amount_fen) for p in outside.payment.ledger] == [("refund", inp.case.order.paid_fen)]
        child = store.get_case(f"{inp.case.case_id}-refund")
        assert child["kind"] == "return_refund" and child["outcome"] == "advance_compensated"
        await keep_history(h, "abnormal_sign_off_unknown_signer_return_refund")


async def test_no_proof_from_the_courier_is_refunded_without_asking(env, store):
    inp = sign_off()
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, inp)
        result = await h.result()
        assert result.outcome == SignOffOutcome.REFUNDED
        assert Entry.CUSTOMER_ASKED not in kinds(await timeline(h))
        assert len(outside.payment.ledger) == 1


async def test_completed_trade_unknown_signer_manual_refund(env, store):
    inp = sign_off(completed=True, payee=PAYEE)
    async with running_worker(env, store, signed_by(inp)) as (tq, outside):
        h = await start(env, tq, inp)
        await asked(h)
        await h.execute_update(AbnormalSignOff.confirm_signer, SignerAnswer(by=CUSTOMER, knows_signer=False))
        await approve_manual_refund(env, f"case-{inp.case.case_id}-refund")
        result = await h.result()
        assert result.outcome == SignOffOutcome.REFUNDED and result.refund_fen == inp.case.order.paid_fen
        assert store.get_case(f"{inp.case.case_id}-refund")["kind"] == "manual_refund"
        assert len(outside.payment.ledger) == 1
        await keep_history(h, "abnormal_sign_off_completed_manual_refund")


async def test_completed_trade_payee_given_just_before_the_answer_window(env, store):
    inp = sign_off(completed=True)
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, inp)
        due = await deadline(h, "payee")
        assert "no payment details" not in await refused(
            h.execute_update(RemedyCase.provide_payee, PayeeDetails(by=OTHER_CUSTOMER, payee=PAYEE))
        )
        await advance(env, to=due, offset_s=-60)
        await h.execute_update(RemedyCase.provide_payee, PayeeDetails(by=CUSTOMER, payee=PAYEE))
        await approve_manual_refund(env, f"case-{inp.case.case_id}-refund")
        assert (await h.result()).outcome == SignOffOutcome.REFUNDED
        assert len(outside.payment.ledger) == 1


async def test_completed_trade_no_payee_after_the_answer_window(env, store):
    inp = sign_off(completed=True)
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, inp)
        due = await deadline(h, "payee")
        await advance(env, to=due, offset_s=+60)
        result = await h.result()
        assert result.outcome == SignOffOutcome.REFUND_INCOMPLETE and result.children == ()
        assert outside.payment.ledger == []


async def test_bad_answers_are_rejected(env, store):
    inp = sign_off()
    async with running_worker(env, store, signed_by(inp)) as (tq, _):
        h = await start(env, tq, inp)
        await asked(h)
        assert "not the customer" in await refused(
            h.execute_update(AbnormalSignOff.confirm_signer, SignerAnswer(by=OTHER_CUSTOMER, knows_signer=False))
        )
        assert "only the customer" in await refused(
            h.execute_update(AbnormalSignOff.confirm_signer, SignerAnswer(by=FIRST_LINE, knows_signer=False))
        )
        assert "no payment details" in await refused(
            h.execute_update(RemedyCase.provide_payee, PayeeDetails(by=CUSTOMER, payee=PAYEE))
        )
        await h.execute_update(AbnormalSignOff.confirm_signer, SignerAnswer(by=CUSTOMER, knows_signer=True))
        assert (await h.result()).outcome == SignOffOutcome.SIGNER_KNOWN
