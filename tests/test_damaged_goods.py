"""DamagedGoods (§4.4): photos required (evidence_reminder and evidence windows both
sides), pickup unless scrapped on site, refund by line and quantity through
ReturnRefund or ManualRefund."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.approvals import ApprovalDecision
from domain.child_cases import CaseResult, RefundRoute, refund_route
from domain.damaged_goods import (
    SCRAP_ON_SITE,
    DamageCondition,
    DamagedGoodsInput,
    DamagedLine,
    DamagedOutcome,
    pickup_needed,
)
from domain.manual_refund import Payee
from domain.models import CaseKind, EvidenceRef, LineQuantity
from domain.replies import EvidenceUpload
from domain.timeline import Entry
from tests.factories import CUSTOMER, DEFAULT_POLICY, FIRST_LINE, OTHER_CUSTOMER, SECOND_LINE, header, order
from tests.replay_support import keep_history
from tests.support import advance, approve_manual_refund, deadline, kinds, refused, running_worker, timeline
from workflows.case_workflow import CaseWorkflow
from workflows.damaged_goods import DamagedGoods

PHOTOS = EvidenceUpload(by=CUSTOMER, items=(EvidenceRef(kind="photo", uri="mail://scww/1.jpg"),))
PAYEE = Payee(payment_account="alipay:13812345678", account_id="tb_cust1", real_name="张三")
RICE_BROKEN = DamagedLine(sku="RICE-5KG", quantity=1, condition=DamageCondition.BROKEN_FOOD_PACKAGE)
RICE_CRUSHED = DamagedLine(sku="RICE-5KG", quantity=1, condition=DamageCondition.PHYSICAL_DAMAGE)
MILK_LEAKED = DamagedLine(sku="MILK-1L", quantity=2, condition=DamageCondition.LEAKED_LIQUID)


def damaged(*lines: DamagedLine, completed=False, payee=None) -> DamagedGoodsInput:
    case = header(CaseKind.DAMAGED_GOODS, order(trade_completed=completed))
    return DamagedGoodsInput(case=case, policy=DEFAULT_POLICY, damaged=lines, payee=payee)


async def start(env, tq, inp):
    return await env.client.start_workflow(
        "DamagedGoods", inp, id=inp.case.workflow_id, task_queue=tq, result_type=CaseResult
    )


def test_scrap_on_site_list_and_pickup():
    assert {c.value for c in SCRAP_ON_SITE} == {
        "broken_food_package",
        "broken_glass",
        "opened_food_quality",
        "spoiled_food",
        "leaked_liquid",
        "rotten_fruit",
    }
    assert not pickup_needed((RICE_BROKEN, MILK_LEAKED))
    assert pickup_needed((RICE_CRUSHED, MILK_LEAKED))


def test_refund_route_by_trade_and_quantity():
    o = order()
    assert refund_route(o, (LineQuantity(sku="RICE-5KG", quantity=1),)) == RefundRoute.RETURN_REFUND
    assert refund_route(o, (LineQuantity(sku="MILK-1L", quantity=2),)) == RefundRoute.MANUAL_REFUND
    assert (
        refund_route(order(trade_completed=True), (LineQuantity(sku="RICE-5KG", quantity=1),))
        == RefundRoute.MANUAL_REFUND
    )


def test_bad_damage_reports_are_refused():
    with pytest.raises(ValidationError, match="no line"):
        damaged(DamagedLine(sku="TV", quantity=1, condition=DamageCondition.BROKEN_GLASS))
    with pytest.raises(ValidationError, match="ordered"):
        damaged(DamagedLine(sku="MILK-1L", quantity=9, condition=DamageCondition.LEAKED_LIQUID))
    with pytest.raises(ValidationError, match="once"):
        damaged(RICE_BROKEN, RICE_CRUSHED)
    with pytest.raises(ValidationError, match="condition"):
        DamagedLine(sku="RICE-5KG", quantity=1, condition="scratched")


async def test_photos_just_before_the_reminder_scrapped_on_site_refunded_without_pickup(env, store):
    inp = damaged(RICE_BROKEN)
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, inp)
        remind_at = await deadline(h, "evidence_reminder")
        await advance(env, to=remind_at, offset_s=-60)
        await h.execute_update(DamagedGoods.submit_evidence, PHOTOS)
        result = await h.result()
        assert result.outcome == DamagedOutcome.REFUNDED
        assert Entry.EVIDENCE_REMINDER_SENT not in kinds(await timeline(h))
        child = store.get_case(f"{inp.case.case_id}-refund")
        assert child["kind"] == "return_refund" and child["outcome"] == "advance_compensated"
        assert [p.kind for p in outside.payment.ledger] == ["refund"]
        await keep_history(h, "damaged_goods_scrapped_on_site")


async def test_reminder_after_a_day_then_photos_just_before_the_evidence_window_pickup(env, store):
    inp = damaged(RICE_CRUSHED)
    async with running_worker(env, store) as (tq, _outside):
        h = await start(env, tq, inp)
        remind_at = await deadline(h, "evidence_reminder")
        await advance(env, to=remind_at, offset_s=+60)
        due = await deadline(h, "evidence")
        assert Entry.EVIDENCE_REMINDER_SENT in kinds(await timeline(h))
        await advance(env, to=due, offset_s=-60)
        await h.execute_update(DamagedGoods.submit_evidence, PHOTOS)
        result = await h.result()
        assert result.outcome == DamagedOutcome.REFUNDED
        assert store.get_case(f"{inp.case.case_id}-refund")["outcome"] == "refunded"  # goods came back first
        assert [e.kind for e in store.timeline(f"{inp.case.case_id}-refund")].count(Entry.PICKUP_BOOKED) == 1
        await keep_history(h, "damaged_goods_pickup_refunded")


async def test_no_photos_after_the_evidence_window_closes_without_refund(env, store):
    inp = damaged(RICE_BROKEN)
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, inp)
        await advance(env, to=await deadline(h, "evidence_reminder"), offset_s=+60)
        await advance(env, to=await deadline(h, "evidence"), offset_s=+60)
        assert (await h.result()).outcome == DamagedOutcome.NO_EVIDENCE
        assert outside.payment.ledger == []


async def test_part_of_a_line_is_a_manual_refund_without_pickup(env, store):
    inp = damaged(MILK_LEAKED, payee=PAYEE)
    async with running_worker(env, store) as (tq, _outside):
        h = await start(env, tq, inp)
        await deadline(h, "evidence_reminder")
        await h.execute_update(DamagedGoods.submit_evidence, PHOTOS)
        await approve_manual_refund(env, f"case-{inp.case.case_id}-refund")
        result = await h.result()
        two_milk = inp.case.order.paid_fen * 2 * 1590 // inp.case.order.lines_total_fen
        assert result.outcome == DamagedOutcome.REFUNDED and result.refund_fen == two_milk
        assert store.get_case(f"{inp.case.case_id}-refund")["kind"] == "manual_refund"
        await keep_history(h, "damaged_goods_partial_manual_refund")


async def test_completed_trade_is_a_manual_refund(env, store):
    inp = damaged(RICE_CRUSHED, completed=True, payee=PAYEE)
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, inp)
        await deadline(h, "evidence_reminder")
        await h.execute_update(DamagedGoods.submit_evidence, PHOTOS)
        await approve_manual_refund(env, f"case-{inp.case.case_id}-refund", skip=3600)  # goods back first
        assert (await h.result()).outcome == DamagedOutcome.REFUNDED
        assert store.get_case(f"{inp.case.case_id}-refund")["kind"] == "manual_refund"
        assert Entry.PICKUP_BOOKED in [e.kind for e in store.timeline(f"{inp.case.case_id}-refund")]
        assert len(outside.payment.ledger) == 1


async def test_bad_evidence_is_rejected(env, store):
    inp = damaged(RICE_BROKEN)
    async with running_worker(env, store) as (tq, _):
        h = await start(env, tq, inp)
        await deadline(h, "evidence_reminder")
        barcode = EvidenceUpload(
            by=CUSTOMER, items=(EvidenceRef(kind="barcode_photo", uri="x://1"),), barcode="6901234567892"
        )
        assert "not accepted" in await refused(h.execute_update(DamagedGoods.submit_evidence, barcode))
        assert "not the customer" in await refused(
            h.execute_update(DamagedGoods.submit_evidence, PHOTOS.model_copy(update={"by": OTHER_CUSTOMER}))
        )
        assert "only the customer" in await refused(
            h.execute_update(DamagedGoods.submit_evidence, PHOTOS.model_copy(update={"by": FIRST_LINE}))
        )
        with pytest.raises(ValidationError):
            EvidenceUpload(by=CUSTOMER, items=())
        await h.execute_update(DamagedGoods.submit_evidence, PHOTOS)
        assert (await h.result()).outcome == DamagedOutcome.REFUNDED


async def test_compensation_asked_for_needs_the_second_line(env, store):
    inp = damaged(RICE_BROKEN).model_copy(update={"wants_compensation": True})
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, inp)
        await deadline(h, "evidence_reminder")
        await h.execute_update(DamagedGoods.submit_evidence, PHOTOS)
        await deadline(h, "approval:damaged-goods-coupon")
        assert "needs second_line" in await refused(
            h.execute_update(
                CaseWorkflow.decide,
                ApprovalDecision(approval_id="damaged-goods-coupon", approver=FIRST_LINE, approve=True),
            )
        )
        await h.execute_update(
            CaseWorkflow.decide,
            ApprovalDecision(approval_id="damaged-goods-coupon", approver=SECOND_LINE, approve=True, amount_fen=1000),
        )
        result = await h.result()
        assert result.outcome == DamagedOutcome.REFUNDED and result.compensation_fen == 1000
        assert sorted(p.kind for p in outside.payment.ledger) == ["coupon", "refund"]
