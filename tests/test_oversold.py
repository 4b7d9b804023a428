"""Oversold (§4.1, S4 2.2): the platform's answer within the oversold_check window (just
before / just after), ship late or compensate and refund; paid vs unpaid compensation."""

from __future__ import annotations

import math

from adapters.simulators import Scenario, SimulatorConfig
from domain.actors import ActorRef, Role
from domain.approvals import ApprovalDecision
from domain.models import CaseKind
from domain.oversold import OversoldInput, OversoldOutcome, OversoldResult, can_ship, oversold_offer
from domain.policy import Tier
from domain.timeline import Entry
from domain.windows import Window
from tests.factories import DEFAULT_POLICY, header, order
from tests.replay_support import keep_history
from tests.support import advance, details, kinds, pending, running_worker
from workflows.case_workflow import CaseWorkflow
from workflows.patches import BASELINE
from workflows.waits import POLL_BY_RETRY

SECOND_LINE = ActorRef(actor_id="wu.l2", role=Role.SECOND_LINE)


def test_offers_paid_cash_unpaid_coupon_both_second_line():
    paid = oversold_offer(DEFAULT_POLICY, order())
    unpaid = oversold_offer(DEFAULT_POLICY, order(paid=False))
    assert (paid.kind, paid.tier, paid.percent) == ("cash", Tier.SECOND_LINE, 10)
    assert (unpaid.kind, unpaid.tier, unpaid.percent) == ("coupon", Tier.SECOND_LINE, 10)
    assert not can_ship(False, None) and not can_ship(True, False) and can_ship(True, True)


async def run_oversold(env, store, o, *, answer_after: str | None, ships: bool, compensated: bool | None = None):  # type: ignore[no-untyped-def]
    inp = OversoldInput(case=header(CaseKind.OVERSOLD, o), policy=DEFAULT_POLICY)
    after = Window.model_validate(answer_after) if answer_after else None
    config = SimulatorConfig(scenarios={o.order_id: Scenario(platform_answer_after=after, can_ship=ships)})
    async with running_worker(env, store, config) as (tq, _outside):
        h = await env.client.start_workflow(
            "Oversold", inp, id=inp.case.workflow_id, task_queue=tq, result_type=OversoldResult
        )
        if compensated if compensated is not None else not ships:
            check_due = DEFAULT_POLICY.calendar.deadline(
                (await h.describe()).start_time, DEFAULT_POLICY.windows.oversold_check
            )
            await advance(env, by=((check_due - await env.get_current_time()).total_seconds()) + 120)
            await pending(h, "compensation")
            await h.execute_update(
                CaseWorkflow.decide, ApprovalDecision(approval_id="compensation", approver=SECOND_LINE, approve=True)
            )
        return h, inp, await h.result()


async def minutes_to_check_due(env) -> float:  # type: ignore[no-untyped-def]
    now = await env.get_current_time()
    return (DEFAULT_POLICY.calendar.deadline(now, DEFAULT_POLICY.windows.oversold_check) - now).total_seconds() / 60


async def test_platform_says_can_ship_so_it_ships_late_with_an_apology(env, store):
    h, inp, result = await run_oversold(env, store, order(), answer_after="4h", ships=True)
    assert result.outcome == OversoldOutcome.SHIPPED_LATE and result.can_ship
    got = kinds(store.timeline(inp.case.case_id))
    assert got.index(Entry.APOLOGISED) < got.index(Entry.DISPATCHED) and store.payments(inp.case.case_id) == []
    await keep_history(h, "oversold_can_ship_late")
    await keep_history(h, "oversold_can_ship_late", patch=POLL_BY_RETRY)
    await keep_history(h, "oversold_can_ship_late", patch=BASELINE)


async def test_paid_cannot_ship_gets_cash_after_second_line_and_a_refund(env, store):
    o = order()
    h, inp, result = await run_oversold(env, store, o, answer_after="4h", ships=False)
    assert result.outcome == OversoldOutcome.REFUNDED and result.compensation_fen == o.paid_fen // 10
    assert [p["kind"] for p in store.payments(inp.case.case_id)] == ["cash_compensation"]
    assert [p["amount_fen"] for p in store.payments(f"{inp.case.case_id}-refund")] == [o.paid_fen]
    await keep_history(h, "oversold_paid_refunded_cash")
    await keep_history(h, "oversold_paid_refunded_cash", patch=POLL_BY_RETRY)
    await keep_history(h, "oversold_paid_refunded_cash", patch=BASELINE)


async def test_unpaid_cannot_ship_gets_a_coupon_and_is_cancelled(env, store):
    o = order(paid=False)
    _h, inp, result = await run_oversold(env, store, o, answer_after="4h", ships=False)
    assert result.outcome == OversoldOutcome.CANCELLED
    assert [p["kind"] for p in store.payments(inp.case.case_id)] == ["coupon"]
    assert Entry.REFUND_STARTED not in kinds(store.timeline(inp.case.case_id))


async def test_answer_just_before_the_oversold_check_window_is_used(env, store):
    minutes = math.floor(await minutes_to_check_due(env)) - 2
    _h, inp, result = await run_oversold(env, store, order(), answer_after=f"{minutes}m", ships=True)
    assert result.outcome == OversoldOutcome.SHIPPED_LATE
    assert Entry.SLA_BREACHED not in kinds(store.timeline(inp.case.case_id))


async def test_no_answer_by_the_oversold_check_window_is_treated_as_cannot_ship(env, store):
    minutes = math.ceil(await minutes_to_check_due(env)) + 2
    _h, inp, result = await run_oversold(env, store, order(), answer_after=f"{minutes}m", ships=True, compensated=True)
    assert result.outcome == OversoldOutcome.REFUNDED and result.can_ship is False
    assert details(store.timeline(inp.case.case_id), Entry.SLA_BREACHED) == [
        {"window": "oversold_check", "treated_as": "cannot_ship"}
    ]
