"""PriceDispute (§4.7): explained findings, the platform escalation (platform_answer
window) and its callback: price difference on a paid order, a second-line coupon on
an unpaid one (second_line_callback window)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.approvals import ApprovalDecision
from domain.child_cases import CaseResult
from domain.models import CaseKind, OrderLine
from domain.price_dispute import PriceDisputeInput, PriceFinding, PriceOutcome, classify, price_difference
from domain.timeline import Entry
from tests.factories import DEFAULT_POLICY, FIRST_LINE, PLATFORM, SECOND_LINE, header, order
from tests.replay_support import keep_history
from tests.support import advance, deadline, kinds, refused, running_worker, timeline
from workflows.case_workflow import CaseWorkflow

LINES = (
    OrderLine(sku="OIL-5L", name="Peanut oil 5L", unit_price_fen=9990, quantity=1),
    OrderLine(sku="EGGS-30", name="Eggs x30", unit_price_fen=2990, quantity=3),
)


def dispute(sku="OIL-5L", promo=6990, limit=1, before=False, paid=True) -> PriceDisputeInput:
    case = header(CaseKind.PRICE_DISPUTE, order(lines=LINES, paid=paid))
    return PriceDisputeInput(
        case=case,
        policy=DEFAULT_POLICY,
        sku=sku,
        promo_unit_price_fen=promo,
        promo_limit=limit,
        bought_promo_before=before,
    )


def test_classification():
    assert classify(dispute(sku="EGGS-30", promo=1990, limit=2)) == PriceFinding.PURCHASE_LIMIT
    assert classify(dispute(before=True)) == PriceFinding.ONE_PER_ACCOUNT
    assert classify(dispute()) == PriceFinding.SYSTEM_ERROR
    assert price_difference(dispute()) == 3000
    assert price_difference(dispute(sku="EGGS-30", promo=1990, limit=5)) == 3000  # 3 units x 10 yuan


def test_bad_disputes_are_refused():
    with pytest.raises(ValidationError, match="no line"):
        dispute(sku="NOPE")
    with pytest.raises(ValidationError, match="below the price"):
        dispute(promo=9990)
    with pytest.raises(ValidationError, match="promo_limit"):
        dispute(limit=0)


async def start(env, tq, inp):
    return await env.client.start_workflow(
        "PriceDispute", inp, id=inp.case.workflow_id, task_queue=tq, result_type=CaseResult
    )


@pytest.mark.parametrize(
    "inp",
    [dispute(sku="EGGS-30", promo=1990, limit=2), dispute(before=True)],
    ids=["purchase_limit", "one_per_account"],
)
async def test_promo_rules_are_explained_and_closed(env, store, inp):
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, inp)
        assert (await h.result()).outcome == PriceOutcome.EXPLAINED
        closed = store.timeline(inp.case.case_id)[-1]
        assert closed.detail["explained"] and outside.payment.ledger == []


async def test_system_error_platform_answers_just_before_1_working_day_paid_gets_difference(env, store):
    async with running_worker(env, store) as (tq, outside):
        inp = dispute()
        h = await start(env, tq, inp)
        due = await deadline(h, "approval:platform")
        await advance(env, to=due, offset_s=-60)
        await h.execute_update(
            CaseWorkflow.decide,
            ApprovalDecision(approval_id="platform", approver=PLATFORM, approve=True, note="system error confirmed"),
        )
        result = await h.result()
        assert result.outcome == PriceOutcome.DIFFERENCE_REFUNDED and result.refund_fen == 3000
        assert [(p.kind, p.amount_fen) for p in outside.payment.ledger] == [("price_difference", 3000)]
        got = kinds(await timeline(h))
        assert Entry.SLA_BREACHED not in got and Entry.CALLED_BACK in got
        await keep_history(h, "price_dispute_platform_difference_refunded")


async def test_platform_answer_late_is_a_recorded_breach_and_still_called_back(env, store):
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, dispute())
        due = await deadline(h, "approval:platform")
        await advance(env, to=due, offset_s=+60)
        assert Entry.SLA_BREACHED in kinds(await timeline(h))
        await h.execute_update(
            CaseWorkflow.decide,
            ApprovalDecision(
                approval_id="platform", approver=PLATFORM, approve=False, note="price was correct: promo had ended"
            ),
        )
        assert (await h.result()).outcome == PriceOutcome.PLATFORM_DECLINED
        assert outside.payment.ledger == []


async def test_unpaid_order_gets_a_second_line_coupon_just_before_the_callback_window(env, store):
    async with running_worker(env, store) as (tq, outside):
        inp = dispute(paid=False)
        h = await start(env, tq, inp)
        await deadline(h, "approval:platform")
        await h.execute_update(
            CaseWorkflow.decide,
            ApprovalDecision(approval_id="platform", approver=PLATFORM, approve=True, note="system error"),
        )
        due = await deadline(h, "approval:price-compensation")
        # first line has no authority for a promo coupon on an unpaid order
        assert "needs second_line" in await refused(
            h.execute_update(
                CaseWorkflow.decide,
                ApprovalDecision(approval_id="price-compensation", approver=FIRST_LINE, approve=True),
            )
        )
        assert "more than" in await refused(
            h.execute_update(
                CaseWorkflow.decide,
                ApprovalDecision(
                    approval_id="price-compensation", approver=SECOND_LINE, approve=True, amount_fen=10**6
                ),
            )
        )
        await advance(env, to=due, offset_s=-60)
        await h.execute_update(
            CaseWorkflow.decide, ApprovalDecision(approval_id="price-compensation", approver=SECOND_LINE, approve=True)
        )
        result = await h.result()
        ten_percent = inp.case.order.paid_fen // 10
        assert result.outcome == PriceOutcome.COUPON_GRANTED and result.compensation_fen == ten_percent
        assert [(p.kind, p.amount_fen) for p in outside.payment.ledger] == [("coupon", ten_percent)]
        assert Entry.SLA_BREACHED not in kinds(await timeline(h))
        await keep_history(h, "price_dispute_unpaid_coupon")


async def test_coupon_refused_after_the_callback_window(env, store):
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, dispute(paid=False))
        await deadline(h, "approval:platform")
        await h.execute_update(
            CaseWorkflow.decide,
            ApprovalDecision(approval_id="platform", approver=PLATFORM, approve=True, note="system error"),
        )
        due = await deadline(h, "approval:price-compensation")
        await advance(env, to=due, offset_s=+60)
        assert (kinds(await timeline(h))).count(Entry.SLA_BREACHED) == 1
        await h.execute_update(
            CaseWorkflow.decide,
            ApprovalDecision(
                approval_id="price-compensation", approver=SECOND_LINE, approve=False, note="customer declined a coupon"
            ),
        )
        assert (await h.result()).outcome == PriceOutcome.COUPON_REFUSED
        assert outside.payment.ledger == []


async def test_platform_decision_only_by_the_platform(env, store):
    async with running_worker(env, store) as (tq, _):
        h = await start(env, tq, dispute())
        await deadline(h, "approval:platform")
        for decision, reason in [
            (ApprovalDecision(approval_id="platform", approver=SECOND_LINE, approve=True), "needs platform"),
            (ApprovalDecision(approval_id="nope", approver=PLATFORM, approve=True), "no pending approval"),
        ]:
            assert reason in await refused(h.execute_update(CaseWorkflow.decide, decision))
        await h.execute_update(
            CaseWorkflow.decide, ApprovalDecision(approval_id="platform", approver=PLATFORM, approve=True)
        )
        assert (await h.result()).outcome == PriceOutcome.DIFFERENCE_REFUNDED
