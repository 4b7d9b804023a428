"""HeldOrder (§4.1): every branch, the backfill (24 h), customer-answer and held (48 h)
windows just before and just after, and bad answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from adapters.simulators import Scenario, SimulatorConfig
from domain.actors import ActorRef, Role
from domain.approvals import ApprovalDecision
from domain.held_order import (
    CustomerChoice,
    HeldOrderAnswer,
    HeldOrderInput,
    HeldOrderResult,
    HeldOutcome,
    HoldCause,
    compensation_offer,
    settle_at_48h,
)
from domain.models import CaseKind
from domain.policy import Policy, Tier
from domain.timeline import Entry
from domain.windows import Window
from tests.factories import DEFAULT_POLICY, header, order
from tests.replay_support import keep_history
from tests.support import advance, details, in_state, kinds, pending, refused, running_worker, scheduled_activities
from workflows.case_workflow import CaseWorkflow
from workflows.held_order import HeldOrder
from workflows.patches import BASELINE
from workflows.waits import POLL_BY_RETRY

H = 3600
CUSTOMER = ActorRef(actor_id="cust-1", role=Role.CUSTOMER)
SECOND_LINE = ActorRef(actor_id="wu.l2", role=Role.SECOND_LINE)


def held(o=None, policy=DEFAULT_POLICY, **kw) -> HeldOrderInput:  # type: ignore[no-untyped-def]
    return HeldOrderInput(case=header(CaseKind.HELD_ORDER, o or order()), policy=policy, cause=HoldCause.NO_STOCK, **kw)


def stock_after(o, window: str | None, **more) -> SimulatorConfig:  # type: ignore[no-untyped-def]
    return SimulatorConfig(
        scenarios={o.order_id: Scenario(backfill_after=Window.model_validate(window) if window else None, **more)}
    )


def polling(**changes: object) -> Policy:
    """The default policy with some of its polling settings changed."""
    return DEFAULT_POLICY.model_copy(update={"polling": DEFAULT_POLICY.polling.model_copy(update=changes)})


def answer(choice: CustomerChoice, who: ActorRef = CUSTOMER) -> HeldOrderAnswer:
    return HeldOrderAnswer(customer=who, choice=choice)


async def start(env, tq, inp):  # type: ignore[no-untyped-def]
    h = await env.client.start_workflow(
        "HeldOrder", inp, id=inp.case.workflow_id, task_queue=tq, result_type=HeldOrderResult
    )
    return h, (await h.describe()).start_time


# -- pure --------------------------------------------------------------------------


def test_first_line_offer_is_a_10_percent_coupon_capped_at_200_yuan():
    offer = compensation_offer(DEFAULT_POLICY, held(order()))
    assert (offer.kind, offer.percent, offer.tier) == ("coupon", 10, Tier.FIRST_LINE)
    assert offer.amount_fen == order().paid_fen // 10
    from domain.models import OrderLine

    rich = order(lines=(OrderLine(sku="WINE", name="Wine case", unit_price_fen=400_000, quantity=1),))
    assert compensation_offer(DEFAULT_POLICY, held(rich)).amount_fen == 20_000
    assert (
        compensation_offer(DEFAULT_POLICY, held(order(), offer_kind="cash", offer_percent=15)).tier == Tier.SECOND_LINE
    )


def test_at_48h_refund_reship_or_cancel():
    assert settle_at_48h(None, True) == HeldOutcome.REFUNDED
    assert settle_at_48h(CustomerChoice.WAIT, True) == HeldOutcome.REFUNDED
    assert settle_at_48h(CustomerChoice.INSIST, True) == HeldOutcome.RESHIPPED
    assert settle_at_48h(CustomerChoice.INSIST, False) == HeldOutcome.CANCELLED


# -- backfill window (24 h) ----------------------------------------------------------


async def test_stock_arriving_just_before_24h_ships_in_the_next_batch_without_apology(env, store):
    o = order()
    inp = held(o)
    async with running_worker(env, store, stock_after(o, "1439m")) as (tq, _outside):
        h, _ = await start(env, tq, inp)
        result = await h.result()
    assert result.outcome == HeldOutcome.SHIPPED and result.compensation_fen == 0
    got = kinds(store.timeline(inp.case.case_id))
    assert Entry.DISPATCHED in got and Entry.APOLOGISED not in got and Entry.BACKFILL_MISSED not in got
    await keep_history(h, "held_order_backfilled_shipped")
    await keep_history(h, "held_order_backfilled_shipped", patch=POLL_BY_RETRY)
    await keep_history(h, "held_order_backfilled_shipped", patch=BASELINE)


async def test_stock_just_after_24h_means_apology_and_coupon_then_ships(env, store):
    o = order()
    inp = held(o)
    async with running_worker(env, store, stock_after(o, "1441m")) as (tq, _outside):
        h, _ = await start(env, tq, inp)
        result = await h.result()
    assert result.outcome == HeldOutcome.SHIPPED and result.compensation_fen == o.paid_fen // 10
    got = kinds(store.timeline(inp.case.case_id))
    assert (
        got.index(Entry.BACKFILL_MISSED)
        < got.index(Entry.APOLOGISED)
        < got.index(Entry.COMPENSATION_GRANTED)
        < got.index(Entry.DISPATCHED)
    )
    assert [p["kind"] for p in store.payments(inp.case.case_id)] == ["coupon"]


async def history_to_end(env, store, *, stock_arrives: str) -> tuple[HeldOutcome, Sequence[HistoryEvent]]:
    """A held order of a fresh order whose stock arrives `stock_arrives` after the hold, run to
    its end nobody answering: its outcome and its history."""
    o = order()
    async with running_worker(env, store, stock_after(o, stock_arrives)) as (tq, _outside):
        h, _ = await start(env, tq, held(o))
        outcome = (await h.result()).outcome
        return outcome, (await h.fetch_history()).events


async def test_the_backfill_wait_ends_on_its_own_poll_looking_as_of_24h(env, store):
    """Issue 14 (poll-to-deadline): the hourly poll's 25th attempt lands on the deadline and
    answers as of it, so the wait is one activity: no deadline timer, no check_stock of its
    own (before: the server gave up at 23 h and the case slept out the hour, then asked)."""
    outcome, events = await history_to_end(env, store, stock_arrives="1439m")
    assert outcome == HeldOutcome.SHIPPED
    assert scheduled_activities(events) == ["request_backfill", "poll_stock", "dispatch_order"]
    assert not [e for e in events if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED]
    poll_id = next(
        e.event_id
        for e in events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name == "poll_stock"
    )
    started = next(
        e.activity_task_started_event_attributes
        for e in events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
        and e.activity_task_started_event_attributes.scheduled_event_id == poll_id
    )
    assert started.attempt == 25  # at 0 h, 1 h, ..., 24 h


# -- the customer's choice -----------------------------------------------------------


async def test_customer_chooses_refund_and_a_return_refund_child_pays_it(env, store):
    o = order()
    inp = held(o)
    async with running_worker(env, store, stock_after(o, None)) as (tq, _outside):
        h, t0 = await start(env, tq, inp)
        await refused(h.execute_update(HeldOrder.choose, answer(CustomerChoice.REFUND)), "not being asked")
        await advance(env, to=t0 + timedelta(hours=24), offset_s=60)
        await in_state(h, "awaiting_choice")
        await refused(
            h.execute_update(
                HeldOrder.choose, answer(CustomerChoice.REFUND, ActorRef(actor_id="cust-2", role=Role.CUSTOMER))
            ),
            "only the customer who placed the order",
        )
        await refused(
            h.execute_update(
                HeldOrder.choose, answer(CustomerChoice.REFUND, ActorRef(actor_id="cust-1", role=Role.FIRST_LINE))
            ),
            "only the customer",
        )
        await h.execute_update(HeldOrder.choose, answer(CustomerChoice.REFUND))
        result = await h.result()
    assert result.outcome == HeldOutcome.REFUNDED and result.child_outcome == "advance_compensated"
    refunds = store.payments(f"{inp.case.case_id}-refund")
    assert [p["amount_fen"] for p in refunds] == [o.paid_fen]
    await keep_history(h, "held_order_customer_refund")
    await keep_history(h, "held_order_customer_refund", patch=POLL_BY_RETRY)
    await keep_history(h, "held_order_customer_refund", patch=BASELINE)


async def test_insisting_customer_gets_a_reship_at_48h(env, store):
    o = order()
    inp = held(o)
    async with running_worker(env, store, stock_after(o, None)) as (tq, _outside):
        h, t0 = await start(env, tq, inp)
        await advance(env, to=t0 + timedelta(hours=25))
        await h.execute_update(HeldOrder.choose, answer(CustomerChoice.INSIST))
        result = await h.result()
    assert result.outcome == HeldOutcome.RESHIPPED and result.child_outcome == "reshipped"
    assert Entry.RESHIP_FINISHED in kinds(store.timeline(inp.case.case_id))
    assert store.payments(f"{inp.case.case_id}-refund") == []
    await keep_history(h, "held_order_insist_reshipped")
    await keep_history(h, "held_order_insist_reshipped", patch=POLL_BY_RETRY)
    await keep_history(h, "held_order_insist_reshipped", patch=BASELINE)
    # 48 h of hourly stock polls: 577 events as a timer-and-activity loop (the recorded
    # timeline-batches history), one retried activity per wait now
    assert len((await h.fetch_history()).events) < 120


async def test_insist_when_the_original_can_still_ship_sends_the_original_not_a_reship(env, store):
    o = order()
    inp = held(o)
    async with running_worker(env, store, stock_after(o, None, original_can_ship=True)) as (tq, _outside):
        h, t0 = await start(env, tq, inp)
        await advance(env, to=t0 + timedelta(hours=25))
        await h.execute_update(HeldOrder.choose, answer(CustomerChoice.INSIST))
        result = await h.result()
    assert result.outcome == HeldOutcome.SHIPPED and "original can still ship" in result.reason
    assert [d["outcome"] for d in details(store.timeline(inp.case.case_id), "reship_finished")] == ["refused"]


async def test_unpaid_order_cannot_insist_and_is_cancelled_at_48h(env, store):
    o = order(paid=False)
    inp = held(o)
    async with running_worker(env, store, stock_after(o, None)) as (tq, _outside):
        h, t0 = await start(env, tq, inp)
        await advance(env, to=t0 + timedelta(hours=25))
        await refused(h.execute_update(HeldOrder.choose, answer(CustomerChoice.INSIST)), "never reshipped")
        result = await h.result()
    assert result.outcome == HeldOutcome.CANCELLED
    assert Entry.RESHIP_STARTED not in kinds(store.timeline(inp.case.case_id)) and Entry.REFUND_STARTED not in kinds(
        store.timeline(inp.case.case_id)
    )


# -- customer answer window -----------------------------------------------------------

SHORT_ANSWER = DEFAULT_POLICY.model_copy(
    update={"windows": DEFAULT_POLICY.windows.model_copy(update={"customer_answer": Window.model_validate("12h")})}
)


async def test_answer_just_before_the_customer_answer_window_is_taken(env, store):
    o = order()
    inp = held(o, SHORT_ANSWER)
    async with running_worker(env, store, stock_after(o, None)) as (tq, _outside):
        h, t0 = await start(env, tq, inp)
        await in_state(h, "awaiting_backfill")
        await advance(env, to=t0 + timedelta(hours=36), offset_s=-60)
        await h.execute_update(HeldOrder.choose, answer(CustomerChoice.INSIST))
        result = await h.result()
    assert result.choice == CustomerChoice.INSIST and result.outcome == HeldOutcome.RESHIPPED
    assert Entry.CUSTOMER_ANSWER_DEFAULTED not in kinds(store.timeline(inp.case.case_id))


async def test_silence_past_the_customer_answer_window_defaults_to_wait_then_refund_at_48h(env, store):
    o = order()
    inp = held(o, SHORT_ANSWER)
    async with running_worker(env, store, stock_after(o, None)) as (tq, _outside):
        h, t0 = await start(env, tq, inp)
        await advance(env, to=t0 + timedelta(hours=36), offset_s=60)
        await refused(
            h.execute_update(
                HeldOrder.choose, answer(CustomerChoice.INSIST, ActorRef(actor_id="cust-9", role=Role.CUSTOMER))
            ),
            "only the customer",
        )
        result = await h.result()
    assert result.choice == CustomerChoice.WAIT and result.outcome == HeldOutcome.REFUNDED
    got = kinds(store.timeline(inp.case.case_id))
    assert (
        got.index(Entry.CUSTOMER_ANSWER_DEFAULTED) < got.index(Entry.HELD_UNSHIPPED) < got.index(Entry.REFUND_STARTED)
    )


# -- held-unshipped window (48 h) -----------------------------------------------------


async def test_stock_just_before_48h_ships_for_a_waiting_customer(env, store):
    o = order()
    inp = held(o)
    async with running_worker(env, store, stock_after(o, "2879m")) as (tq, _outside):
        h, _ = await start(env, tq, inp)
        result = await h.result()
    assert result.outcome == HeldOutcome.SHIPPED
    assert Entry.HELD_UNSHIPPED not in kinds(store.timeline(inp.case.case_id))


async def test_stock_just_after_48h_is_too_late_the_order_is_refunded(env, store):
    o = order()
    inp = held(o)
    async with running_worker(env, store, stock_after(o, "2881m")) as (tq, _outside):
        h, _ = await start(env, tq, inp)
        result = await h.result()
    assert result.outcome == HeldOutcome.REFUNDED
    assert Entry.DISPATCHED not in kinds(store.timeline(inp.case.case_id))
    assert [p["amount_fen"] for p in store.payments(f"{inp.case.case_id}-refund")] == [o.paid_fen]


async def test_the_48h_wait_ends_on_its_polls_look_as_of_48h_and_asks_no_more(env, store):
    """Issue 14 (poll-to-deadline): the poll's last look was as of held_due, so the case settles
    on it without a check_stock of its own (runs before the patch asked again)."""
    outcome, events = await history_to_end(env, store, stock_arrives="2881m")
    assert outcome == HeldOutcome.REFUNDED
    asked = scheduled_activities(events)
    assert "poll_stock" in asked and "check_stock" not in asked


# -- compensation above first line -------------------------------------------------------


async def test_cash_compensation_waits_for_second_line_approval(env, store):
    o = order()
    inp = held(o, offer_kind="cash", offer_percent=15)
    async with running_worker(env, store, stock_after(o, "30h")) as (tq, _outside):
        h, t0 = await start(env, tq, inp)
        await advance(env, to=t0 + timedelta(hours=24), offset_s=60)
        req = await pending(h, "compensation")
        assert req.money and req.money.amount_fen == o.paid_fen * 15 // 100
        await refused(
            h.execute_update(
                CaseWorkflow.decide,
                ApprovalDecision(
                    approval_id="compensation", approver=ActorRef(actor_id="ma.l1", role=Role.FIRST_LINE), approve=True
                ),
            ),
            "needs second_line",
        )
        await h.execute_update(
            CaseWorkflow.decide, ApprovalDecision(approval_id="compensation", approver=SECOND_LINE, approve=True)
        )
        result = await h.result()
    assert result.compensation_fen == o.paid_fen * 15 // 100
    assert [p["kind"] for p in store.payments(inp.case.case_id)] == ["cash_compensation"]


# -- the warehouse's push -------------------------------------------------------------


async def test_a_warehouse_push_is_looked_at_now_not_at_the_next_poll(env, store):
    o = order()
    inp = held(o, polling(outside_status=Window.model_validate("6h")))
    async with running_worker(env, store, stock_after(o, "2h")) as (tq, _outside):
        h, t0 = await start(env, tq, inp)
        await advance(env, to=t0 + timedelta(hours=3))
        await h.signal(HeldOrder.stock_reported)
        result = await h.result()
    assert result.outcome == HeldOutcome.SHIPPED
    dispatched = next(e for e in store.timeline(inp.case.case_id) if e.kind == Entry.DISPATCHED)
    opened = store.timeline(inp.case.case_id)[0]
    assert timedelta(hours=3) <= dispatched.at - opened.at < timedelta(hours=4)  # not at the 6 h poll
    await keep_history(h, "held_order_pushed_shipped", patch=POLL_BY_RETRY)
    await keep_history(h, "held_order_pushed_shipped", patch=BASELINE)


async def test_without_a_push_the_stock_is_seen_at_the_next_poll(env, store):
    o = order()
    inp = held(o, polling(outside_status=Window.model_validate("6h")))
    async with running_worker(env, store, stock_after(o, "2h")) as (tq, _outside):
        h, _ = await start(env, tq, inp)
        result = await h.result()
    assert result.outcome == HeldOutcome.SHIPPED
    dispatched = next(e for e in store.timeline(inp.case.case_id) if e.kind == Entry.DISPATCHED)
    opened = store.timeline(inp.case.case_id)[0]
    assert timedelta(hours=6) <= dispatched.at - opened.at < timedelta(hours=7)


def pushing_warehouse() -> Policy:
    """Hourly polls, but the warehouse pushes: its waits ask it only every 6 h (safety net)."""
    return polling(pushed=("warehouse",), safety_net=Window.model_validate("6h"))


async def test_where_the_warehouse_pushes_its_push_wakes_the_case_and_the_hourly_poll_is_not_made(env, store):
    o = order()
    inp = held(o, pushing_warehouse())
    async with running_worker(env, store, stock_after(o, "2h")) as (tq, _outside):
        h, t0 = await start(env, tq, inp)
        await advance(env, to=t0 + timedelta(hours=3, minutes=30))
        assert not any(e.kind == Entry.DISPATCHED for e in store.timeline(inp.case.case_id))  # no hourly poll saw it
        await h.signal(HeldOrder.stock_reported)
        result = await h.result()
    assert result.outcome == HeldOutcome.SHIPPED
    dispatched = next(e for e in store.timeline(inp.case.case_id) if e.kind == Entry.DISPATCHED)
    assert timedelta(hours=3, minutes=30) <= dispatched.at - store.timeline(inp.case.case_id)[0].at < timedelta(hours=4)


async def test_where_the_warehouse_pushes_a_lost_push_is_caught_by_the_safety_net(env, store):
    o = order()
    inp = held(o, pushing_warehouse())
    async with running_worker(env, store, stock_after(o, "2h")) as (tq, _outside):
        h, _ = await start(env, tq, inp)
        result = await h.result()  # nobody pushes
    assert result.outcome == HeldOutcome.SHIPPED
    dispatched = next(e for e in store.timeline(inp.case.case_id) if e.kind == Entry.DISPATCHED)
    opened = store.timeline(inp.case.case_id)[0]
    assert timedelta(hours=6) <= dispatched.at - opened.at < timedelta(hours=7)  # the 6 h safety net, not the 1 h poll
