"""MissingItem (§4.3): split → chase; short-shipped or neither → reship or refund the
missing lines (customer_answer window: just before the choice counts, just after the
refund default applies); the 10 yuan coupon only when asked."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.simulators import Scenario, SimulatorConfig
from domain.child_cases import CaseResult
from domain.findings import ShipmentCheck
from domain.manual_refund import Payee
from domain.missing_item import (
    MissingFinding,
    MissingItemInput,
    MissingOutcome,
    Remedy,
    RemedyChoice,
    classify,
    lines_to_remedy,
)
from domain.models import CaseKind, LineQuantity
from domain.timeline import Entry
from tests.factories import CUSTOMER, DEFAULT_POLICY, FIRST_LINE, OTHER_CUSTOMER, header, order
from tests.replay_support import keep_history
from tests.support import advance, approve_manual_refund, deadline, kinds, refused, running_worker, timeline
from workflows.missing_item import MissingItem

RICE = (LineQuantity(sku="RICE-5KG", quantity=1),)
MILK_2 = (LineQuantity(sku="MILK-1L", quantity=2),)
PAYEE = Payee(payment_account="alipay:13812345678", account_id="tb_cust1", real_name="张三")


def missing(lines=RICE, **kw) -> MissingItemInput:
    return MissingItemInput(case=header(CaseKind.MISSING_ITEM, order()), policy=DEFAULT_POLICY, missing=lines, **kw)


def scripted(inp, **scenario) -> SimulatorConfig:
    return SimulatorConfig(scenarios={inp.case.order.order_id: Scenario(**scenario)})


async def start(env, tq, inp):
    return await env.client.start_workflow(
        "MissingItem", inp, id=inp.case.workflow_id, task_queue=tq, result_type=CaseResult
    )


def test_classify_and_lines():
    assert classify(ShipmentCheck(order_id="o", split=True)) == MissingFinding.SPLIT
    short = ShipmentCheck(order_id="o", split=True, short_lines=MILK_2)
    assert classify(short) == MissingFinding.SHORT_SHIPPED
    assert lines_to_remedy(MissingFinding.SHORT_SHIPPED, short, RICE) == MILK_2
    nothing = ShipmentCheck(order_id="o")
    assert classify(nothing) == MissingFinding.NEITHER
    assert lines_to_remedy(MissingFinding.NEITHER, nothing, RICE) == RICE


def test_reported_lines_must_be_on_the_order():
    with pytest.raises(ValidationError, match="no line"):
        missing((LineQuantity(sku="TV-55", quantity=1),))
    with pytest.raises(ValidationError, match="ordered"):
        missing((LineQuantity(sku="RICE-5KG", quantity=3),))
    with pytest.raises(ValidationError):
        missing(())


async def test_split_shipment_chases_the_courier(env, store):
    inp = missing()
    async with running_worker(env, store, scripted(inp, split_shipment=True)) as (tq, outside):
        h = await start(env, tq, inp)
        assert (await h.result()).outcome == MissingOutcome.COURIER_CHASED
        assert [n.kind for n in outside.courier.notices.values()] == ["chase"]
        assert outside.payment.ledger == []
        await keep_history(h, "missing_item_split_chased")


async def test_short_shipped_reship_with_coupon_chosen_just_before_the_window(env, store):
    inp = missing()
    async with running_worker(env, store, scripted(inp, short_lines=RICE)) as (tq, outside):
        h = await start(env, tq, inp)
        due = await deadline(h, "customer_choice")
        await advance(env, to=due, offset_s=-60)
        await h.execute_update(
            MissingItem.choose_remedy, RemedyChoice(by=CUSTOMER, remedy=Remedy.RESHIP, wants_compensation=True)
        )
        result = await h.result()
        assert result.outcome == MissingOutcome.RESHIPPED and result.compensation_fen == 1000
        assert result.children == (f"case-{inp.case.case_id}-reship",)
        assert [(p.kind, p.amount_fen) for p in outside.payment.ledger] == [("coupon", 1000)]
        assert Entry.CHOICE_DEFAULTED not in kinds(await timeline(h))
        await keep_history(h, "missing_item_short_reshipped_coupon")


async def test_no_answer_after_the_window_refunds_the_missing_line_without_coupon(env, store):
    inp = missing()
    async with running_worker(env, store, scripted(inp, short_lines=RICE)) as (tq, outside):
        h = await start(env, tq, inp)
        due = await deadline(h, "customer_choice")
        await advance(env, to=due, offset_s=+60)
        result = await h.result()
        assert result.outcome == MissingOutcome.REFUNDED and result.compensation_fen == 0
        rice_share = inp.case.order.paid_fen * 6990 // inp.case.order.lines_total_fen
        assert [(p.kind, p.amount_fen) for p in outside.payment.ledger] == [("refund", rice_share)]
        assert store.get_case(f"{inp.case.case_id}-refund")["kind"] == "return_refund"


async def test_neither_split_nor_short_believes_the_customer(env, store):
    inp = missing()
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, inp)
        await deadline(h, "customer_choice")
        await h.execute_update(MissingItem.choose_remedy, RemedyChoice(by=CUSTOMER, remedy=Remedy.REFUND))
        result = await h.result()
        assert result.outcome == MissingOutcome.REFUNDED and result.refund_fen > 0
        checked = next(e for e in store.timeline(inp.case.case_id) if e.kind == Entry.WAREHOUSE_CHECKED)
        assert checked.detail["finding"] == "neither"
        assert [p.kind for p in outside.payment.ledger] == ["refund"]
        await keep_history(h, "missing_item_neither_refunded")


async def test_part_of_a_line_missing_is_a_manual_refund(env, store):
    inp = missing(MILK_2, payee=PAYEE)
    async with running_worker(env, store) as (tq, outside):
        h = await start(env, tq, inp)
        await deadline(h, "customer_choice")
        await h.execute_update(
            MissingItem.choose_remedy, RemedyChoice(by=CUSTOMER, remedy=Remedy.REFUND, wants_compensation=True)
        )
        await approve_manual_refund(env, f"case-{inp.case.case_id}-refund")
        result = await h.result()
        assert result.outcome == MissingOutcome.REFUNDED
        assert store.get_case(f"{inp.case.case_id}-refund")["kind"] == "manual_refund"
        assert sorted(p.kind for p in outside.payment.ledger) == ["coupon", "refund"]


async def test_bad_choices_are_rejected(env, store):
    inp = missing()
    async with running_worker(env, store) as (tq, _):
        h = await start(env, tq, inp)
        await deadline(h, "customer_choice")
        assert "not the customer" in await refused(
            h.execute_update(MissingItem.choose_remedy, RemedyChoice(by=OTHER_CUSTOMER, remedy=Remedy.REFUND))
        )
        assert "only the customer" in await refused(
            h.execute_update(MissingItem.choose_remedy, RemedyChoice(by=FIRST_LINE, remedy=Remedy.RESHIP))
        )
        await h.execute_update(MissingItem.choose_remedy, RemedyChoice(by=CUSTOMER, remedy=Remedy.REFUND))
        await h.result()
