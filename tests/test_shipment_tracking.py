"""ShipmentTracking (§4.13): the 48 h ship target and the 72 h platform rule, each just
before and just after; the 30 % cap-500 coupon needs second-line approval."""

from __future__ import annotations

from adapters.simulators import Scenario, SimulatorConfig
from domain.actors import ActorRef, Role
from domain.approvals import ApprovalDecision
from domain.models import CaseKind, OrderLine
from domain.policy import Tier
from domain.shipment_tracking import (
    ShipmentTrackingInput,
    ShipmentTrackingResult,
    TrackingOutcome,
    platform_offer,
)
from domain.timeline import Entry
from domain.windows import Window
from tests.factories import DEFAULT_POLICY, header, order
from tests.replay_support import keep_history
from tests.support import advance, kinds, pending, refused, running_worker
from workflows.case_workflow import CaseWorkflow
from workflows.patches import BASELINE
from workflows.waits import POLL_BY_RETRY


def test_platform_rule_is_30_percent_coupon_capped_at_500_yuan_and_second_line():
    offer = platform_offer(DEFAULT_POLICY, 10_000)
    assert (offer.kind, offer.amount_fen, offer.tier) == ("coupon", 3_000, Tier.SECOND_LINE)
    assert platform_offer(DEFAULT_POLICY, 1_000_000).amount_fen == 50_000


async def track(env, store, ship_after: str | None, o=None, approve: bool = True):  # type: ignore[no-untyped-def]
    o = o or order()
    placed = await env.get_current_time()
    inp = ShipmentTrackingInput(case=header(CaseKind.SHIPMENT_TRACKING, o), policy=DEFAULT_POLICY, placed_at=placed)
    config = SimulatorConfig(
        scenarios={o.order_id: Scenario(ship_after=Window.model_validate(ship_after) if ship_after else None)}
    )
    async with running_worker(env, store, config) as (tq, _outside):
        h = await env.client.start_workflow(
            "ShipmentTracking", inp, id=inp.case.workflow_id, task_queue=tq, result_type=ShipmentTrackingResult
        )
        if ship_after is None:
            await advance(env, by=72 * 3600 + 60)
            req = await pending(h, "platform-72h")
            assert req.money and req.money.tier == Tier.SECOND_LINE
            await refused(
                h.execute_update(
                    CaseWorkflow.decide,
                    ApprovalDecision(
                        approval_id="platform-72h",
                        approver=ActorRef(actor_id="ma.l1", role=Role.FIRST_LINE),
                        approve=True,
                    ),
                ),
                "needs second_line",
            )
            await h.execute_update(
                CaseWorkflow.decide,
                ApprovalDecision(
                    approval_id="platform-72h",
                    approver=ActorRef(actor_id="wu.l2", role=Role.SECOND_LINE),
                    approve=approve,
                    note="" if approve else "customer declined",
                ),
            )
        return h, inp, await h.result()


async def test_shipped_just_before_48h_is_on_time(env, store):
    h, inp, result = await track(env, store, "2879m")
    assert result.outcome == TrackingOutcome.SHIPPED_ON_TIME
    assert Entry.TRACKING_CALL not in kinds(store.timeline(inp.case.case_id))
    await keep_history(h, "shipment_tracking_on_time")
    await keep_history(h, "shipment_tracking_on_time", patch=POLL_BY_RETRY)
    await keep_history(h, "shipment_tracking_on_time", patch=BASELINE)


async def test_shipped_just_after_48h_gets_a_tracking_call_and_apology(env, store):
    _h, inp, result = await track(env, store, "2881m")
    assert result.outcome == TrackingOutcome.SHIPPED_LATE
    assert Entry.TRACKING_CALL in kinds(store.timeline(inp.case.case_id)) and Entry.PLATFORM_RULE not in kinds(
        store.timeline(inp.case.case_id)
    )


async def test_shipped_just_before_72h_escapes_the_platform_rule(env, store):
    _h, inp, result = await track(env, store, "4319m")
    assert result.outcome == TrackingOutcome.SHIPPED_LATE and result.compensation_fen == 0
    assert store.payments(inp.case.case_id) == []


async def test_unshipped_at_72h_gets_the_platform_compensation_after_second_line_approval(env, store):
    o = order(lines=(OrderLine(sku="TV", name="Television", unit_price_fen=300_000, quantity=1),))
    h, inp, result = await track(env, store, None, o)
    assert result.outcome == TrackingOutcome.PLATFORM_COMPENSATED and result.compensation_fen == 50_000  # cap 500 yuan
    assert [(p["kind"], p["amount_fen"]) for p in store.payments(inp.case.case_id)] == [("coupon", 50_000)]
    got = kinds(store.timeline(inp.case.case_id))
    assert got.index(Entry.TRACKING_CALL) < got.index(Entry.PLATFORM_RULE) < got.index(Entry.COMPENSATION_GRANTED)
    await keep_history(h, "shipment_tracking_platform_72h_compensated")
    await keep_history(h, "shipment_tracking_platform_72h_compensated", patch=POLL_BY_RETRY)
    await keep_history(h, "shipment_tracking_platform_72h_compensated", patch=BASELINE)
