"""Refusal (§4.14): refused parcel → advance-compensated refund; courier return → courier
fault, reship if the customer still wants the goods; the customer_answer window."""

from __future__ import annotations

from datetime import timedelta

from domain.actors import ActorRef, Role
from domain.models import CaseKind
from domain.refusal import GoodsAnswer, RefusalHow, RefusalInput, RefusalOutcome, RefusalResult, settlement
from domain.timeline import Entry
from tests.factories import DEFAULT_POLICY, header, order
from tests.replay_support import keep_history
from tests.support import advance, details, in_state, kinds, refused, running_worker
from workflows.refusal import Refusal

CUSTOMER = ActorRef(actor_id="cust-1", role=Role.CUSTOMER)


def refusal(how: RefusalHow, o=None) -> RefusalInput:  # type: ignore[no-untyped-def]
    return RefusalInput(case=header(CaseKind.REFUSAL, o or order()), policy=DEFAULT_POLICY, how=how)


async def start(env, tq, inp):  # type: ignore[no-untyped-def]
    h = await env.client.start_workflow(
        "Refusal", inp, id=inp.case.workflow_id, task_queue=tq, result_type=RefusalResult
    )
    return h, (await h.describe()).start_time


def test_settlement():
    assert settlement(RefusalHow.CUSTOMER_REFUSED, None, True) == RefusalOutcome.REFUNDED
    assert settlement(RefusalHow.COURIER_RETURNED, True, True) == RefusalOutcome.RESHIPPED
    assert settlement(RefusalHow.COURIER_RETURNED, False, True) == RefusalOutcome.REFUNDED
    assert settlement(RefusalHow.COURIER_RETURNED, True, False) == RefusalOutcome.CANCELLED


async def test_refused_parcel_is_refunded_with_advance_compensation_without_a_request(env, store):
    inp = refusal(RefusalHow.CUSTOMER_REFUSED)
    async with running_worker(env, store) as (tq, _outside):
        h, _ = await start(env, tq, inp)
        result = await h.result()
    assert result.outcome == RefusalOutcome.REFUNDED and not result.courier_fault
    assert result.child_outcome == "advance_compensated"
    child = f"{inp.case.case_id}-refund"
    assert [p["amount_fen"] for p in store.payments(child)] == [inp.case.order.paid_fen]
    assert details(store.timeline(child), Entry.OPENED)[0]["origin"] == "parcel_refused"
    await keep_history(h, "refusal_parcel_refused_refunded")


async def test_courier_return_and_a_customer_who_wants_the_goods_gets_a_reship(env, store):
    inp = refusal(RefusalHow.COURIER_RETURNED)
    async with running_worker(env, store) as (tq, _outside):
        h, t0 = await start(env, tq, inp)
        await in_state(h, "awaiting_customer")
        await refused(
            h.execute_update(
                Refusal.still_wants_goods,
                GoodsAnswer(customer=ActorRef(actor_id="cust-1", role=Role.COURIER), wants_goods=True),
            ),
            "only the customer",
        )
        await advance(env, to=t0 + timedelta(hours=24), offset_s=-60)  # just before the customer_answer window closes
        await h.execute_update(Refusal.still_wants_goods, GoodsAnswer(customer=CUSTOMER, wants_goods=True))
        await refused(
            h.execute_update(Refusal.still_wants_goods, GoodsAnswer(customer=CUSTOMER, wants_goods=False)),
            "already answered",
        )
        result = await h.result()
    assert result.outcome == RefusalOutcome.RESHIPPED and result.courier_fault and result.child_outcome == "reshipped"
    assert Entry.CUSTOMER_ANSWER_DEFAULTED not in kinds(store.timeline(inp.case.case_id))
    assert store.payments(f"{inp.case.case_id}-refund") == []
    await keep_history(h, "refusal_courier_returned_reshipped")


async def test_courier_return_and_silence_past_the_window_means_refund(env, store):
    inp = refusal(RefusalHow.COURIER_RETURNED)
    async with running_worker(env, store) as (tq, _outside):
        h, t0 = await start(env, tq, inp)
        await advance(env, to=t0 + timedelta(hours=24), offset_s=60)
        result = await h.result()
    assert result.outcome == RefusalOutcome.REFUNDED and result.wants_goods is False
    assert details(store.timeline(inp.case.case_id), Entry.CUSTOMER_ANSWER_DEFAULTED) == [
        {"window": "customer_answer", "wants_goods": False}
    ]


async def test_courier_return_and_a_customer_who_declines_is_refunded(env, store):
    inp = refusal(RefusalHow.COURIER_RETURNED)
    async with running_worker(env, store) as (tq, _outside):
        h, _ = await start(env, tq, inp)
        await in_state(h, "awaiting_customer")
        await h.execute_update(Refusal.still_wants_goods, GoodsAnswer(customer=CUSTOMER, wants_goods=False))
        result = await h.result()
    assert result.outcome == RefusalOutcome.REFUNDED and result.child_outcome == "advance_compensated"


async def test_unpaid_refused_parcel_is_cancelled_without_refund_or_reship(env, store):
    inp = refusal(RefusalHow.COURIER_RETURNED, order(paid=False))
    async with running_worker(env, store) as (tq, _outside):
        h, _ = await start(env, tq, inp)
        result = await h.result()
    assert result.outcome == RefusalOutcome.CANCELLED
    assert Entry.REFUND_STARTED not in kinds(store.timeline(inp.case.case_id)) and Entry.RESHIP_STARTED not in kinds(
        store.timeline(inp.case.case_id)
    )


async def test_a_child_case_started_on_the_baseline_writes_no_version_marker_of_its_own(env, store):
    """Issue 14: the parent's baseline marker covers its child (memo), so the child's
    history has no patch marker and no TemporalChangeVersion upsert: two events fewer."""
    from temporalio.api.enums.v1 import EventType

    from workflows import patches

    inp = refusal(RefusalHow.CUSTOMER_REFUSED)
    async with running_worker(env, store) as (tq, _outside):
        h, _ = await start(env, tq, inp)
        await h.result()
        child = env.client.get_workflow_handle(f"case-{inp.case.case_id}-refund")
        parent_events, child_events = (await h.fetch_history()).events, (await child.fetch_history()).events

    def versioning(events):  # type: ignore[no-untyped-def]
        return [
            e.event_type
            for e in events
            if e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
            or (
                e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
                and e.marker_recorded_event_attributes.marker_name == "core_patch"
            )
        ]

    assert len(versioning(parent_events)) == 2 and versioning(child_events) == []
    memo = child_events[0].workflow_execution_started_event_attributes.memo.fields
    assert patches.INHERITED in memo  # the baseline's name (children of the first baseline carry True)
    # the child still took the baseline's path: its timeline went to the store in batches, the case was refunded
    assert details(store.timeline(f"{inp.case.case_id}-refund"), Entry.OPENED)[0]["origin"] == "parcel_refused"
    await keep_history(child, "return_refund_child_on_parents_baseline", patch="baseline-2026-12")
    await keep_history(child, "return_refund_child_on_parents_baseline", patch=patches.BASELINE)
