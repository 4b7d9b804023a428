"""WrongItem (§4.5): barcode photo (evidence_reminder / evidence windows), warehouse vs
listing error, ≤ 20 yuan refund without pickup, > 20 yuan pickup plus a second-line
coupon (second_line_callback window), a missing gift reclassified by the barcode."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.simulators import Scenario, SimulatorConfig
from domain.approvals import ApprovalDecision
from domain.child_cases import CaseResult
from domain.findings import BarcodeCheck
from domain.missing_item import Remedy, RemedyChoice
from domain.models import CaseKind, EvidenceRef, OrderLine
from domain.replies import EvidenceUpload
from domain.timeline import Entry
from domain.wrong_item import Complaint, Verdict, WrongItemInput, WrongOutcome, pickup_needed, verdict
from tests.factories import CUSTOMER, DEFAULT_POLICY, FIRST_LINE, OTHER_CUSTOMER, SECOND_LINE, header, order
from tests.replay_support import keep_history
from tests.support import advance, deadline, kinds, refused, running_worker, timeline
from workflows.case_workflow import CaseWorkflow
from workflows.missing_item import MissingItem
from workflows.wrong_item import WrongItem

LINES = (
    OrderLine(sku="MILK-1L", name="Whole milk 1L", unit_price_fen=1590, quantity=4),
    OrderLine(sku="RICE-5KG", name="Jasmine rice 5kg", unit_price_fen=6990, quantity=1),
    OrderLine(sku="CUP-GIFT", name="Free cup", unit_price_fen=0, quantity=1, gift=True),
)
BARCODE = EvidenceUpload(
    by=CUSTOMER, items=(EvidenceRef(kind="barcode_photo", uri="mail://scww/bc.jpg"),), barcode="6901234567892"
)


def wrong(sku="MILK-1L", quantity=4, **kw) -> WrongItemInput:
    return WrongItemInput(
        case=header(CaseKind.WRONG_ITEM, order(lines=LINES)), policy=DEFAULT_POLICY, sku=sku, quantity=quantity, **kw
    )


def scripted(inp, **scenario) -> SimulatorConfig:
    return SimulatorConfig(scenarios={inp.case.order.order_id: Scenario(**scenario)})


async def start(env, tq, inp):
    return await env.client.start_workflow(
        "WrongItem", inp, id=inp.case.workflow_id, task_queue=tq, result_type=CaseResult
    )


def test_verdicts_and_the_20_yuan_line():
    def check(matches: bool, gift: bool = False) -> BarcodeCheck:
        return BarcodeCheck(barcode="1", product_sku="x", matches_received=matches, has_gift=gift)

    assert verdict(Complaint.WRONG_GOODS, check(False)) == Verdict.WAREHOUSE_ERROR
    assert verdict(Complaint.WRONG_GOODS, check(True)) == Verdict.LISTING_ERROR
    assert verdict(Complaint.MISSING_GIFT, check(True, gift=True)) == Verdict.MISSING_ITEM
    assert verdict(Complaint.MISSING_GIFT, check(True, gift=False)) == Verdict.LISTING_ERROR
    o = order(
        lines=(
            OrderLine(sku="A", name="a", unit_price_fen=2000, quantity=1),
            OrderLine(sku="B", name="b", unit_price_fen=2001, quantity=1),
        )
    )
    assert not pickup_needed(o, "A") and pickup_needed(o, "B")


def test_bad_wrong_item_reports_are_refused():
    with pytest.raises(ValidationError, match="no line"):
        wrong(sku="TV")
    with pytest.raises(ValidationError, match="names the gift"):
        wrong(complaint=Complaint.MISSING_GIFT)
    with pytest.raises(ValidationError, match="not a gift"):
        wrong(complaint=Complaint.MISSING_GIFT, gift_sku="RICE-5KG")
    with pytest.raises(ValidationError, match="belongs to a missing-gift"):
        wrong(gift_sku="CUP-GIFT")


async def test_warehouse_error_cheap_item_refunded_without_pickup_barcode_just_before_reminder(env, store):
    inp = wrong()
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, inp)
        await advance(env, to=await deadline(h, "evidence_reminder"), offset_s=-60)
        await h.execute_update(WrongItem.submit_evidence, BARCODE)
        result = await h.result()
        assert result.outcome == WrongOutcome.REFUNDED and result.compensation_fen == 0
        got = kinds(await timeline(h))
        assert Entry.EVIDENCE_REMINDER_SENT not in got and Entry.LISTING_FIX_REQUESTED not in got
        assert store.get_case(f"{inp.case.case_id}-refund")["outcome"] == "advance_compensated"
        assert [p.kind for p in outside.payment.ledger] == ["refund"]
        await keep_history(h, "wrong_item_warehouse_error_no_pickup")


async def test_listing_error_dear_item_pickup_and_coupon_approved_just_before_callback(env, store):
    inp = wrong(sku="RICE-5KG", quantity=1)
    async with running_worker(env, store, scripted(inp, barcode_matches_received=True)) as (tq, outside):
        h = await start(env, tq, inp)
        await advance(env, to=await deadline(h, "evidence_reminder"), offset_s=+60)  # reminded, then sends the photo
        await h.execute_update(WrongItem.submit_evidence, BARCODE)
        due = await deadline(h, "approval:wrong-item-coupon", env=env, skip=3600)  # after pickup and refund
        assert "needs second_line" in await refused(
            h.execute_update(
                CaseWorkflow.decide,
                ApprovalDecision(approval_id="wrong-item-coupon", approver=FIRST_LINE, approve=True),
            )
        )
        await advance(env, to=due, offset_s=-60)
        await h.execute_update(
            CaseWorkflow.decide, ApprovalDecision(approval_id="wrong-item-coupon", approver=SECOND_LINE, approve=True)
        )
        result = await h.result()
        assert result.outcome == WrongOutcome.REFUNDED and result.compensation_fen == 699  # 10 % of 69.90
        got = kinds(await timeline(h))
        assert (
            Entry.EVIDENCE_REMINDER_SENT in got and Entry.LISTING_FIX_REQUESTED in got and Entry.SLA_BREACHED not in got
        )
        assert Entry.PICKUP_BOOKED in [e.kind for e in store.timeline(f"{inp.case.case_id}-refund")]
        assert sorted(p.kind for p in outside.payment.ledger) == ["coupon", "refund"]
        await keep_history(h, "wrong_item_listing_error_pickup_coupon")


async def test_coupon_approval_late_is_recorded(env, store):
    inp = wrong(sku="RICE-5KG", quantity=1)
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, inp)
        await deadline(h, "evidence_reminder")
        await h.execute_update(WrongItem.submit_evidence, BARCODE)
        due = await deadline(h, "approval:wrong-item-coupon", env=env, skip=3600)
        await advance(env, to=due, offset_s=+60)
        assert Entry.SLA_BREACHED in kinds(await timeline(h))
        await h.execute_update(
            CaseWorkflow.decide,
            ApprovalDecision(
                approval_id="wrong-item-coupon", approver=SECOND_LINE, approve=False, note="customer declined"
            ),
        )
        result = await h.result()
        assert result.outcome == WrongOutcome.REFUNDED and result.compensation_fen == 0
        assert [p.kind for p in outside.payment.ledger] == ["refund"]


async def test_no_barcode_photo_after_the_evidence_window(env, store):
    inp = wrong()
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, inp)
        await advance(env, to=await deadline(h, "evidence_reminder"), offset_s=+60)
        await advance(env, to=await deadline(h, "evidence"), offset_s=+60)
        assert (await h.result()).outcome == WrongOutcome.NO_EVIDENCE
        assert outside.payment.ledger == []


async def test_barcode_just_before_the_evidence_window(env, store):
    inp = wrong()
    async with running_worker(env, store) as (tq, _):
        h = await start(env, tq, inp)
        await advance(env, to=await deadline(h, "evidence_reminder"), offset_s=+60)
        await advance(env, to=await deadline(h, "evidence"), offset_s=-60)
        await h.execute_update(WrongItem.submit_evidence, BARCODE)
        assert (await h.result()).outcome == WrongOutcome.REFUNDED


async def test_missing_gift_the_product_has_becomes_a_missing_item(env, store):
    inp = wrong(complaint=Complaint.MISSING_GIFT, gift_sku="CUP-GIFT")
    async with running_worker(env, store, scripted(inp, barcode_matches_received=True, barcode_has_gift=True)) as (
        tq,
        outside,
    ):
        h = await start(env, tq, inp)
        await deadline(h, "evidence_reminder")
        await h.execute_update(WrongItem.submit_evidence, BARCODE)
        child = env.client.get_workflow_handle(f"case-{inp.case.case_id}-missing")
        await deadline(child, "customer_choice")
        await child.execute_update(MissingItem.choose_remedy, RemedyChoice(by=CUSTOMER, remedy=Remedy.RESHIP))
        result = await h.result()
        assert result.outcome == WrongOutcome.RECLASSIFIED_MISSING_ITEM
        assert store.get_case(f"{inp.case.case_id}-missing")["outcome"] == "reshipped"
        assert outside.payment.ledger == []
        await keep_history(h, "wrong_item_missing_gift_reclassified")


async def test_missing_gift_the_product_lacks_is_a_listing_error(env, store):
    inp = wrong(complaint=Complaint.MISSING_GIFT, gift_sku="CUP-GIFT")
    async with running_worker(env, store, scripted(inp, barcode_matches_received=True)) as (tq, _outside):
        h = await start(env, tq, inp)
        await deadline(h, "evidence_reminder")
        await h.execute_update(WrongItem.submit_evidence, BARCODE)
        assert (await h.result()).outcome == WrongOutcome.REFUNDED
        assert Entry.LISTING_FIX_REQUESTED in kinds(await timeline(h))


async def test_bad_evidence_is_rejected(env, store):
    inp = wrong()
    async with running_worker(env, store) as (tq, _):
        h = await start(env, tq, inp)
        await deadline(h, "evidence_reminder")
        photo = EvidenceUpload(by=CUSTOMER, items=(EvidenceRef(kind="photo", uri="x://1"),), barcode="6901234567892")
        assert "not accepted" in await refused(h.execute_update(WrongItem.submit_evidence, photo))
        assert "barcode digits" in await refused(
            h.execute_update(WrongItem.submit_evidence, BARCODE.model_copy(update={"barcode": None}))
        )
        assert "not the customer" in await refused(
            h.execute_update(WrongItem.submit_evidence, BARCODE.model_copy(update={"by": OTHER_CUSTOMER}))
        )
        with pytest.raises(ValidationError, match="barcode"):
            EvidenceUpload(by=CUSTOMER, items=BARCODE.items, barcode="12-34")
        await h.execute_update(WrongItem.submit_evidence, BARCODE)
        await h.result()
