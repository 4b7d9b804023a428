"""ManualRefund (§4.9): pure checks, the two-person check, payment once, every window
just before and just after."""

from __future__ import annotations

import pytest

from domain.actors import ActorRef, Role
from domain.approvals import ApprovalDecision
from domain.manual_refund import (
    Assessment,
    ManualRefundInput,
    ManualRefundOutcome,
    ManualRefundReason,
    ManualRefundResult,
    Payee,
    needs_assessment,
    summary,
)
from domain.models import CaseKind, LineQuantity
from domain.timeline import Entry
from tests.factories import DEFAULT_POLICY, header, order
from tests.replay_support import keep_history
from tests.support import advance, details, in_state, kinds, pending, refused, running_worker
from workflows.case_workflow import CaseWorkflow
from workflows.manual_refund import ManualRefund
from workflows.patches import BASELINE
from workflows.waits import POLL_BY_RETRY

PAYEE = Payee(payment_account="alipay", account_id="13900001111", real_name="王小明")
SUPERVISOR = ActorRef(actor_id="qian.ops", role=Role.OPERATIONS_SUPERVISOR)
SUPERVISOR_2 = ActorRef(actor_id="sun.ops", role=Role.OPERATIONS_SUPERVISOR)
REFUNDS = ActorRef(actor_id="li.refunds", role=Role.REFUND_SPECIALIST)
RETURNS = ActorRef(actor_id="zhao.returns", role=Role.RETURN_SPECIALIST)


def mr_input(
    reason: ManualRefundReason = ManualRefundReason.SHIPPING_FEE,
    amount: int = 1000,
    *,
    lines: tuple[LineQuantity, ...] = (),
    pickup: bool | None = None,
    completed: bool = False,
) -> ManualRefundInput:
    return ManualRefundInput(
        case=header(CaseKind.MANUAL_REFUND, order(trade_completed=completed)),
        policy=DEFAULT_POLICY,
        reason_kind=reason,
        amount_fen=amount,
        lines=lines,
        payee=PAYEE,
        pickup=pickup,
    )


# -- pure --------------------------------------------------------------------------


def test_partial_quantity_needs_lines_and_fits_their_value():
    with pytest.raises(ValueError, match="names the lines"):
        mr_input(ManualRefundReason.PARTIAL_QUANTITY, 500)
    with pytest.raises(ValueError, match="more than the 1590 fen"):
        mr_input(ManualRefundReason.PARTIAL_QUANTITY, 1591, lines=(LineQuantity(sku="MILK-1L", quantity=1),))
    ok = mr_input(ManualRefundReason.PARTIAL_QUANTITY, 1590, lines=(LineQuantity(sku="MILK-1L", quantity=1),))
    assert needs_assessment(ok)


def test_postage_and_payouts_are_not_line_based_and_take_no_goods_back():
    with pytest.raises(ValueError, match="not line-based"):
        mr_input(ManualRefundReason.INVOICE_POSTAGE, 500, lines=(LineQuantity(sku="MILK-1L", quantity=1),))
    with pytest.raises(ValueError, match="takes no goods back"):
        mr_input(ManualRefundReason.COMPENSATION_PAYOUT, 500, pickup=True)
    assert not needs_assessment(mr_input(ManualRefundReason.INVOICE_POSTAGE, 500))
    assert not needs_assessment(mr_input(ManualRefundReason.COMPLETED_TRADE, 500, pickup=False, completed=True))


def test_payee_never_shows_in_the_clear():
    inp = mr_input()
    text = summary(inp, False) + repr(inp) + str(PAYEE.masked())
    for secret in ("13900001111", "王小明"):
        assert secret not in text
    assert PAYEE.masked()["account_id"].endswith("1111")


# -- workflow ----------------------------------------------------------------------


async def start(env, tq, inp: ManualRefundInput):
    return await env.client.start_workflow(
        "ManualRefund", inp, id=inp.case.workflow_id, task_queue=tq, result_type=ManualRefundResult
    )


def decision(approval_id: str, who: ActorRef, approve: bool = True, note: str = "", amount: int | None = None):
    return ApprovalDecision(approval_id=approval_id, approver=who, approve=approve, note=note, amount_fen=amount)


async def test_completed_trade_is_assessed_picked_up_checked_twice_and_paid_once(env, store):
    inp = mr_input(
        ManualRefundReason.COMPLETED_TRADE, 6990, lines=(LineQuantity(sku="RICE-5KG", quantity=1),), completed=True
    )
    async with running_worker(env, store) as (tq, _outside):
        h = await start(env, tq, inp)
        await in_state(h, "awaiting_assessment")
        await refused(
            h.execute_update(ManualRefund.assess, Assessment(assessor=REFUNDS, pickup=True)), "return specialist"
        )  # only the return specialist decides the pickup
        await h.execute_update(ManualRefund.assess, Assessment(assessor=RETURNS, pickup=True))
        # the simulated goods arrive 48 h after the pickup booking; the poll sees them within
        # its interval (at most polling.return_receipt: poll-to-deadline evens it out to the cutoff)
        await advance(env, by=48 * 3600 + DEFAULT_POLICY.polling.return_receipt.plain.total_seconds() + 3600)
        await pending(h, "review")
        await refused(h.execute_update(CaseWorkflow.decide, decision("review", REFUNDS)), "needs operations_supervisor")
        await h.execute_update(CaseWorkflow.decide, decision("review", SUPERVISOR))
        await pending(h, "second-check")
        await refused(
            h.execute_update(CaseWorkflow.decide, decision("second-check", SUPERVISOR)), "must be a different person"
        )
        await h.execute_update(CaseWorkflow.decide, decision("second-check", REFUNDS))
        result = await h.result()
    assert result.outcome == ManualRefundOutcome.PAID
    assert (result.amount_fen, result.reviewed_by, result.second_checked_by) == (6990, "qian.ops", "li.refunds")
    assert [p["amount_fen"] for p in store.payments(inp.case.case_id)] == [6990]
    assert store.payments(inp.case.case_id)[0]["idempotency_key"] == f"{inp.case.case_id}:manual_refund"
    got = kinds(store.timeline(inp.case.case_id))
    assert (
        got.index(Entry.GOODS_RECEIVED)
        < got.index(Entry.SUMMARISED)
        < got.index(Entry.PAID)
        < got.index(Entry.CONFIRMED)
    )
    assert Entry.SLA_BREACHED not in got
    dumped = str([e.detail for e in store.timeline(inp.case.case_id)])
    assert "13900001111" not in dumped and "王小明" not in dumped
    await keep_history(h, "manual_refund_completed_trade_paid")
    await keep_history(h, "manual_refund_completed_trade_paid", patch=POLL_BY_RETRY)
    await keep_history(h, "manual_refund_completed_trade_paid", patch=BASELINE)


async def test_supervisor_refusal_rejects_without_paying(env, store):
    inp = mr_input(ManualRefundReason.SHIPPING_FEE, 1200)
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, inp)
        await pending(h, "review")
        await refused(
            h.execute_update(
                CaseWorkflow.decide, {"approval_id": "review", "approver": SUPERVISOR.model_dump(), "approve": False}
            ),
            "decoding",
        )  # a refusal without a note is not even a decision
        await h.execute_update(
            CaseWorkflow.decide, decision("review", SUPERVISOR, approve=False, note="fee was free shipping")
        )
        result = await h.result()
    assert result.outcome == ManualRefundOutcome.REJECTED and result.reason == "fee was free shipping"
    assert store.payments(inp.case.case_id) == [] and outside.payment.ledger == []


async def test_second_checker_may_refuse(env, store):
    inp = mr_input(ManualRefundReason.INVOICE_POSTAGE, 500)
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, inp)
        await pending(h, "review")
        await h.execute_update(CaseWorkflow.decide, decision("review", SUPERVISOR))
        await pending(h, "second-check")
        await h.execute_update(
            CaseWorkflow.decide, decision("second-check", SUPERVISOR_2, approve=False, note="postage already refunded")
        )
        result = await h.result()
    assert result.outcome == ManualRefundOutcome.REJECTED and result.second_checked_by == "sun.ops"
    assert outside.payment.ledger == []


async def test_review_and_second_check_just_before_their_windows_breach_nothing(env, store):
    """manual_refund_review (2wd) and manual_refund_payment (5wd): decided a minute early."""
    inp = mr_input(ManualRefundReason.SHIPPING_FEE, 800)
    async with running_worker(env, store) as (tq, _outside):
        h = await start(env, tq, inp)
        review = await pending(h, "review")
        assert review.sla_window == "manual_refund_review"
        await advance(env, to=review.due_at, offset_s=-60)
        await h.execute_update(CaseWorkflow.decide, decision("review", SUPERVISOR))
        check = await pending(h, "second-check")
        assert check.sla_window == "manual_refund_payment" and check.not_by == (
            "qian.ops",
            "cust-1",
        )  # neither the first checker nor the opener
        await advance(env, to=check.due_at, offset_s=-60)
        await h.execute_update(CaseWorkflow.decide, decision("second-check", SUPERVISOR_2))
        result = await h.result()
    assert result.outcome == ManualRefundOutcome.PAID
    assert Entry.SLA_BREACHED not in kinds(store.timeline(inp.case.case_id))


async def test_review_and_second_check_after_their_windows_are_recorded_as_breaches(env, store):
    inp = mr_input(ManualRefundReason.SHIPPING_FEE, 800)
    async with running_worker(env, store) as (tq, _outside):
        h = await start(env, tq, inp)
        review = await pending(h, "review")
        await advance(env, to=review.due_at, offset_s=60)
        await h.execute_update(CaseWorkflow.decide, decision("review", SUPERVISOR))
        check = await pending(h, "second-check")
        await advance(env, to=check.due_at, offset_s=60)
        await h.execute_update(CaseWorkflow.decide, decision("second-check", REFUNDS))
        result = await h.result()
    assert result.outcome == ManualRefundOutcome.PAID  # late, but still paid
    windows = [d["window"] for d in details(store.timeline(inp.case.case_id), Entry.SLA_BREACHED)]
    assert windows == ["manual_refund_review", "manual_refund_payment"]


async def test_assessment_after_the_24h_node_is_a_breach_and_before_it_is_not(env, store):
    early = mr_input(ManualRefundReason.COMPLETED_TRADE, 1000, completed=True)
    late = mr_input(ManualRefundReason.COMPLETED_TRADE, 1000, completed=True)
    async with running_worker(env, store) as (tq, _outside):
        for inp, offset in ((early, -60), (late, 60)):
            h = await start(env, tq, inp)
            await in_state(h, "awaiting_assessment")
            started = (await h.describe()).start_time
            await advance(
                env,
                to=DEFAULT_POLICY.calendar.deadline(started, DEFAULT_POLICY.windows.after_sales_node),
                offset_s=offset,
            )
            await h.execute_update(ManualRefund.assess, Assessment(assessor=RETURNS, pickup=False))
            await pending(h, "review")
            await h.terminate("test done")
    assert Entry.SLA_BREACHED not in kinds(store.timeline(early.case.case_id))
    assert details(store.timeline(late.case.case_id), Entry.SLA_BREACHED) == [
        {"window": "after_sales_node", "step": "assessment"}
    ]


async def test_compensation_payout_paid_after_five_working_days_is_a_breach(env, store):
    inp = mr_input(ManualRefundReason.COMPENSATION_PAYOUT, 3000)
    async with running_worker(env, store) as (tq, _outside):
        h = await start(env, tq, inp)
        review = await pending(h, "review")
        payout_due = DEFAULT_POLICY.calendar.deadline(review.requested_at, DEFAULT_POLICY.windows.compensation_payout)
        await h.execute_update(CaseWorkflow.decide, decision("review", SUPERVISOR))
        await pending(h, "second-check")
        await advance(env, to=payout_due, offset_s=60)
        await h.execute_update(CaseWorkflow.decide, decision("second-check", REFUNDS))
        result = await h.result()
    assert result.outcome == ManualRefundOutcome.PAID
    assert [p["kind"] for p in store.payments(inp.case.case_id)] == ["cash_compensation"]
    assert {"window": "compensation_payout"} in details(store.timeline(inp.case.case_id), Entry.SLA_BREACHED)


async def test_compensation_payout_within_five_working_days_is_on_time(env, store):
    inp = mr_input(ManualRefundReason.COMPENSATION_PAYOUT, 3000)
    async with running_worker(env, store) as (tq, _outside):
        h = await start(env, tq, inp)
        review = await pending(h, "review")
        payout_due = DEFAULT_POLICY.calendar.deadline(review.requested_at, DEFAULT_POLICY.windows.compensation_payout)
        await h.execute_update(CaseWorkflow.decide, decision("review", SUPERVISOR))
        await pending(h, "second-check")
        await advance(env, to=payout_due, offset_s=-60)
        await h.execute_update(CaseWorkflow.decide, decision("second-check", REFUNDS))
        result = await h.result()
    assert result.outcome == ManualRefundOutcome.PAID
    assert {"window": "compensation_payout"} not in details(store.timeline(inp.case.case_id), Entry.SLA_BREACHED)


async def _goods_by_day_5(env, store, offset_min: int) -> str:  # type: ignore[no-untyped-def]
    """Goods arrive `offset_min` minutes around the return_refund deadline (day 5)."""
    import math

    from adapters.simulators import Scenario, SimulatorConfig
    from domain.windows import Window

    inp = mr_input(ManualRefundReason.COMPLETED_TRADE, 2000, completed=True, pickup=True)
    now = await env.get_current_time()
    due = DEFAULT_POLICY.calendar.deadline(now, DEFAULT_POLICY.windows.return_refund)
    minutes = (math.floor if offset_min < 0 else math.ceil)((due - now).total_seconds() / 60) + offset_min
    config = SimulatorConfig(
        scenarios={inp.case.order.order_id: Scenario(receive_after=Window.model_validate(f"{minutes}m"))}
    )
    async with running_worker(env, store, config) as (tq, _outside):
        h = await start(env, tq, inp)
        await advance(env, to=due, offset_s=60)
        await pending(h, "review")  # late goods do not hold the refund up
        await h.terminate("test done")
    return inp.case.case_id


async def test_goods_back_just_before_day_5_are_received(env, store):
    case_id = await _goods_by_day_5(env, store, -5)
    got = kinds(store.timeline(case_id))
    assert Entry.GOODS_RECEIVED in got and Entry.PICKUP_OVERDUE not in got


async def test_goods_not_back_by_day_5_are_overdue_and_the_review_goes_ahead(env, store):
    case_id = await _goods_by_day_5(env, store, 5)
    got = kinds(store.timeline(case_id))
    assert Entry.PICKUP_OVERDUE in got and Entry.GOODS_RECEIVED not in got
    assert got.index(Entry.PICKUP_OVERDUE) < got.index(Entry.SUMMARISED)
