"""ShippedNotSigned (§4.6): chase in normal transit; nobody home → agreed time and a
second delivery; lost/damaged (or still in transit at 96 h) → refund offer, refused →
second line → reship. Windows: sign_target, customer_answer (appointment and offer),
second_line_callback, each just before and just after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from adapters.simulators import Scenario, SimulatorConfig
from domain.actors import ActorRef, Role
from domain.approvals import ApprovalDecision
from domain.child_cases import CaseResult
from domain.findings import DeliveryState
from domain.models import CaseKind
from domain.shipped_not_signed import (
    CourierReport,
    DeliveryAppointment,
    NextStep,
    NotSignedOutcome,
    OfferAnswer,
    ShippedNotSignedInput,
    next_step,
)
from domain.timeline import Entry
from tests.factories import CUSTOMER, DEFAULT_POLICY, FIRST_LINE, OTHER_CUSTOMER, SECOND_LINE, header, order
from tests.replay_support import keep_history
from tests.support import advance, deadline, kinds, refused, running_worker, timeline
from workflows.case_workflow import CaseWorkflow
from workflows.shipped_not_signed import ShippedNotSigned

COURIER = ActorRef(actor_id="sf.express", role=Role.COURIER)


async def not_signed(env, **scenario) -> tuple[ShippedNotSignedInput, SimulatorConfig]:
    """Shipped 72 h ago: tracking starts now, signature due in 24 h."""
    shipped = (await env.get_current_time()) - timedelta(hours=72)
    the_order = order().model_copy(update={"shipped_at": shipped})
    inp = ShippedNotSignedInput(case=header(CaseKind.SHIPPED_NOT_SIGNED, the_order), policy=DEFAULT_POLICY)
    return inp, SimulatorConfig(scenarios={the_order.order_id: Scenario(**scenario)})


async def start(env, tq, inp):
    return await env.client.start_workflow(
        "ShippedNotSigned", inp, id=inp.case.workflow_id, task_queue=tq, result_type=CaseResult
    )


def test_next_step_per_courier_status():
    assert next_step(DeliveryState.SIGNED, True) == NextStep.CLOSE_SIGNED
    assert next_step(DeliveryState.IN_TRANSIT, False) == NextStep.CHASE
    assert next_step(DeliveryState.IN_TRANSIT, True) == NextStep.OFFER_REFUND
    assert next_step(DeliveryState.NOBODY_HOME, False) == NextStep.SECOND_DELIVERY
    assert next_step(DeliveryState.LOST, False) == next_step(DeliveryState.DAMAGED, False) == NextStep.OFFER_REFUND


def test_an_unshipped_order_is_refused():
    with pytest.raises(ValidationError, match="has not shipped"):
        ShippedNotSignedInput(case=header(CaseKind.SHIPPED_NOT_SIGNED), policy=DEFAULT_POLICY)


async def test_in_transit_chased_and_signed_just_before_96h(env, store):
    inp, config = await not_signed(env, signed_after="95h")
    async with running_worker(env, store, config) as (tq, outside):
        h = await start(env, tq, inp)
        due = await deadline(h, "sign_target")
        assert due == inp.case.order.shipped_at + timedelta(hours=96)
        await advance(env, to=due, offset_s=-60)
        await h.execute_update(ShippedNotSigned.delivery_reported, CourierReport(by=COURIER))
        assert (await h.result()).outcome == NotSignedOutcome.SIGNED
        assert store.timeline(inp.case.case_id)[-1].at < due  # closed on the report, not at the deadline
        got = kinds(await timeline(h))
        assert Entry.COURIER_CHASED in got and Entry.SLA_BREACHED not in got
        assert [n.kind for n in outside.courier.notices.values()] == ["chase"]
        await keep_history(h, "shipped_not_signed_chased_signed")


async def test_still_in_transit_after_96h_is_treated_as_lost_and_refunded_by_default(env, store):
    inp, config = await not_signed(env)
    async with running_worker(env, store, config) as (tq, outside):
        h = await start(env, tq, inp)
        due = await deadline(h, "sign_target")
        await advance(env, to=due, offset_s=+60)
        offer_due = await deadline(h, "offer_answer")
        await advance(env, to=offer_due, offset_s=+60)  # customer_answer passes: the default is the refund
        result = await h.result()
        assert result.outcome == NotSignedOutcome.REFUNDED
        got = kinds(await timeline(h))
        assert Entry.SLA_BREACHED in got and Entry.OFFER_DEFAULTED in got
        assert [(p.kind, p.amount_fen) for p in outside.payment.ledger] == [("refund", inp.case.order.paid_fen)]


async def test_nobody_home_time_agreed_just_before_the_answer_window(env, store):
    inp, config = await not_signed(env, delivery=DeliveryState.NOBODY_HOME)
    async with running_worker(env, store, config) as (tq, outside):
        h = await start(env, tq, inp)
        due = await deadline(h, "appointment")
        await advance(env, to=due, offset_s=-60)
        at = (await env.get_current_time()) + timedelta(hours=20)
        assert "future" in await refused(
            h.execute_update(
                ShippedNotSigned.agree_delivery_time,
                DeliveryAppointment(by=CUSTOMER, deliver_at=at - timedelta(days=2)),
            )
        )
        assert "not the customer" in await refused(
            h.execute_update(
                ShippedNotSigned.agree_delivery_time, DeliveryAppointment(by=OTHER_CUSTOMER, deliver_at=at)
            )
        )
        await h.execute_update(ShippedNotSigned.agree_delivery_time, DeliveryAppointment(by=CUSTOMER, deliver_at=at))
        assert (await h.result()).outcome == NotSignedOutcome.SECOND_DELIVERY
        notice = outside.courier.notices[f"{inp.case.case_id}:second_delivery"]
        assert notice.deliver_at == at
        await keep_history(h, "shipped_not_signed_second_delivery")


async def test_nobody_home_no_answer_courier_redelivers_on_its_next_round(env, store):
    inp, config = await not_signed(env, delivery=DeliveryState.NOBODY_HOME)
    async with running_worker(env, store, config) as (tq, outside):
        h = await start(env, tq, inp)
        due = await deadline(h, "appointment")
        await advance(env, to=due, offset_s=+60)
        assert (await h.result()).outcome == NotSignedOutcome.SECOND_DELIVERY
        assert outside.courier.notices[f"{inp.case.case_id}:second_delivery"].deliver_at is None


async def test_lost_parcel_refund_accepted(env, store):
    inp, config = await not_signed(env, delivery=DeliveryState.LOST)
    async with running_worker(env, store, config) as (tq, outside):
        h = await start(env, tq, inp)
        await deadline(h, "offer_answer")
        await h.execute_update(ShippedNotSigned.answer_offer, OfferAnswer(by=CUSTOMER, accept_refund=True))
        result = await h.result()
        assert result.outcome == NotSignedOutcome.REFUNDED and result.refund_fen == inp.case.order.paid_fen
        assert result.children == (f"case-{inp.case.case_id}-refund",)
        assert len(outside.payment.ledger) == 1
        await keep_history(h, "shipped_not_signed_lost_refunded")


async def test_damaged_refused_just_before_the_answer_window_second_line_reships(env, store):
    inp, config = await not_signed(env, delivery=DeliveryState.DAMAGED)
    async with running_worker(env, store, config) as (tq, outside):
        h = await start(env, tq, inp)
        offer_due = await deadline(h, "offer_answer")
        await advance(env, to=offer_due, offset_s=-60)
        await h.execute_update(ShippedNotSigned.answer_offer, OfferAnswer(by=CUSTOMER, accept_refund=False))
        approval_due = await deadline(h, "approval:reship")
        assert "needs second_line" in await refused(
            h.execute_update(
                CaseWorkflow.decide, ApprovalDecision(approval_id="reship", approver=FIRST_LINE, approve=True)
            )
        )
        await advance(env, to=approval_due, offset_s=-60)
        await h.execute_update(
            CaseWorkflow.decide, ApprovalDecision(approval_id="reship", approver=SECOND_LINE, approve=True)
        )
        result = await h.result()
        assert result.outcome == NotSignedOutcome.RESHIPPED
        assert result.children == (f"case-{inp.case.case_id}-reship",)
        assert outside.payment.ledger == []
        got = kinds(await timeline(h))
        assert Entry.SLA_BREACHED not in got and Entry.OFFER_DEFAULTED not in got
        await keep_history(h, "shipped_not_signed_damaged_reshipped")


async def test_second_line_late_is_recorded_and_a_refusal_means_refund(env, store):
    inp, config = await not_signed(env, delivery=DeliveryState.LOST)
    async with running_worker(env, store, config) as (tq, outside):
        h = await start(env, tq, inp)
        await deadline(h, "offer_answer")
        await h.execute_update(ShippedNotSigned.answer_offer, OfferAnswer(by=CUSTOMER, accept_refund=False))
        approval_due = await deadline(h, "approval:reship")
        await advance(env, to=approval_due, offset_s=+60)
        assert Entry.SLA_BREACHED in kinds(await timeline(h))
        await h.execute_update(
            CaseWorkflow.decide,
            ApprovalDecision(
                approval_id="reship",
                approver=SECOND_LINE,
                approve=False,
                note="customer accepted the refund on the call",
            ),
        )
        assert (await h.result()).outcome == NotSignedOutcome.REFUNDED
        assert len(outside.payment.ledger) == 1


async def test_bad_answers_are_rejected(env, store):
    inp, config = await not_signed(env)
    async with running_worker(env, store, config) as (tq, _):
        h = await start(env, tq, inp)
        await deadline(h, "sign_target")
        assert "only the courier" in await refused(
            h.execute_update(ShippedNotSigned.delivery_reported, CourierReport(by=CUSTOMER))
        )
        assert "no refund offer" in await refused(
            h.execute_update(ShippedNotSigned.answer_offer, OfferAnswer(by=CUSTOMER, accept_refund=True))
        )
        at = (await env.get_current_time()) + timedelta(hours=5)
        assert "no second delivery" in await refused(
            h.execute_update(ShippedNotSigned.agree_delivery_time, DeliveryAppointment(by=CUSTOMER, deliver_at=at))
        )
        assert "only the customer" in await refused(
            h.execute_update(ShippedNotSigned.answer_offer, OfferAnswer(by=FIRST_LINE, accept_refund=True))
        )
        await h.terminate("test over")


async def test_compensation_asked_for_is_the_first_line_delivery_delay_coupon(env, store):
    inp, config = await not_signed(env, delivery=DeliveryState.LOST)
    async with running_worker(env, store, config) as (tq, outside):
        h = await start(env, tq, inp)
        await deadline(h, "offer_answer")
        await h.execute_update(
            ShippedNotSigned.answer_offer, OfferAnswer(by=CUSTOMER, accept_refund=True, wants_compensation=True)
        )
        result = await h.result()
        ten_percent = min(inp.case.order.paid_fen // 10, 20000)
        assert result.outcome == NotSignedOutcome.REFUNDED and result.compensation_fen == ten_percent
        assert sorted((p.kind, p.amount_fen) for p in outside.payment.ledger) == sorted(
            [("refund", inp.case.order.paid_fen), ("coupon", ten_percent)]
        )
        assert Entry.APPROVAL_REQUESTED not in kinds(await timeline(h))  # within first-line authority
