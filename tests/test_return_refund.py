"""ReturnRefund (rulebook §4.10, §4.4/§4.5 pickups, §4.14 refused parcels) on the
time-skipping server: every clock is moved past and stopped just before.

The refund is due by the end of day 5, counted from the day after the return was
created (shop time, UTC+8); the wait for the goods ends refund_lead before that
(the pickup cutoff) so the refund is still paid in time."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
import pytest_asyncio
from pydantic import ValidationError
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.testing import WorkflowEnvironment

from adapters.simulators import Scenario, SimulatorConfig
from domain.actors import ActorRef, Role
from domain.models import CaseHeader, CaseKind, CaseStatus, TimelineEntry
from domain.returns import ReturnOrigin, ReturnOutcome, ReturnRefundInput, ReturnRefundResult, ReviewDecision
from domain.timeline import Entry
from domain.windows import Window
from runtime.binaries import binary
from runtime.temporal import data_converter
from tests.factories import DEFAULT_POLICY, header
from tests.replay_support import keep_history
from tests.support import advance, entry, kinds, reached, running_worker, scheduled_activities, timeline
from workflows.case_workflow import CaseWorkflow
from workflows.patches import BASELINE
from workflows.return_refund import ReturnRefund
from workflows.waits import POLL_BY_RETRY

CAL = DEFAULT_POLICY.calendar
ZHAO = ActorRef(actor_id="zhao.returns", role=Role.RETURN_SPECIALIST)
HOUR = 3600


def approve(pickup: bool) -> ReviewDecision:
    return ReviewDecision(reviewer=ZHAO, approve=True, pickup=pickup)


def reject(reason: str = "opened food cannot be returned") -> ReviewDecision:
    return ReviewDecision(reviewer=ZHAO, approve=False, reason=reason)


async def start(env: WorkflowEnvironment, tq: str, case: CaseHeader | None = None, **inp: object) -> WorkflowHandle:
    case = case or header(CaseKind.RETURN_REFUND)
    return await env.client.start_workflow(
        "ReturnRefund",
        ReturnRefundInput(case=case, policy=DEFAULT_POLICY, **inp),
        id=case.workflow_id,
        task_queue=tq,
        result_type=ReturnRefundResult,
    )


async def finish(h: WorkflowHandle) -> ReturnRefundResult:
    """The result, skipping time; a case stuck in real time fails the test instead of hanging it."""
    return await asyncio.wait_for(h.result(), timeout=60)


async def status(h: WorkflowHandle) -> CaseStatus:
    return await h.query(CaseWorkflow.status)


def refund_due(created: datetime) -> datetime:
    """Rulebook §4.10 computed here by hand: end of (local creation day + 5 days)."""
    return CAL.end_of_day(CAL.local_date(created) + timedelta(days=5))


def assert_paid_once(store, outside, h_case: str, amount: int) -> None:
    payments = store.payments(h_case)
    assert [(p["idempotency_key"], p["amount_fen"], p["kind"]) for p in payments] == [
        (f"{h_case}:refund", amount, "refund")
    ]
    ledger = [r for r in outside.payment.ledger if r.idempotency_key == f"{h_case}:refund"]
    assert len(ledger) == 1 and ledger[0].amount_fen == amount
    assert payments[0]["payment_id"] == ledger[0].payment_id


async def review_and_book(env: WorkflowEnvironment, h: WorkflowHandle) -> tuple[list[TimelineEntry], CaseStatus]:
    await advance(env, by=60)
    await h.execute_update(ReturnRefund.review, approve(pickup=True))
    entries = await reached(h, Entry.PICKUP_BOOKED)
    return entries, await status(h)


# -- approve with pickup: goods received, refunded ----------------------------------


async def test_approved_with_pickup_goods_received_refunded_once(env, store):
    async with running_worker(env, store) as (tq, outside):
        case = header(CaseKind.RETURN_REFUND)
        h = await start(env, tq, case)
        await advance(env, by=60)
        accepted = await h.execute_update(ReturnRefund.review, approve(pickup=True))
        assert accepted.case_id == case.case_id
        result = await finish(h)
        assert result.outcome == ReturnOutcome.REFUNDED
        assert result.refund_fen == case.order.paid_fen
        assert result.reason == "goods received"
        entries = await timeline(h)
        assert kinds(entries) == [
            "opened",
            "review_requested",
            "reviewed",
            "pickup_requested",
            "pickup_booked",
            "goods_received",
            "refund_started",
            "refund_paid",
            "closed",
        ]
        assert [e.seq for e in entries] == list(range(len(entries)))
        assert entry(entries, Entry.REVIEWED).actor == "zhao.returns"
        assert entry(entries, Entry.REFUND_STARTED).detail["advance_compensation"] is False
        assert entry(entries, Entry.CLOSED).detail["outcome"] == "refunded"
        # default scenario: goods reach the warehouse 48 h after the booking, well inside day 5
        received = entry(entries, Entry.GOODS_RECEIVED).at - entry(entries, Entry.PICKUP_BOOKED).at
        assert timedelta(hours=48) <= received <= timedelta(hours=48 + 4)
        assert entry(entries, Entry.REFUND_PAID).at < refund_due(entries[0].at)
        assert_paid_once(store, outside, case.case_id, case.order.paid_fen)
        assert len(outside.courier.bookings) == 1
        # the store mirrors the workflow's timeline and outcome
        assert kinds(store.timeline(case.case_id)) == kinds(entries)
        stored = store.get_case(case.case_id)
        assert (stored["state"], stored["outcome"]) == ("closed", "refunded")
        s = await status(h)
        assert (s.state, s.outcome, s.next_deadline) == ("closed", "refunded", None)
        # the timeline went in batches, one local activity per wait, opening included
        history = (await h.fetch_history()).events
        writes = [e for e in history if e.marker_recorded_event_attributes.marker_name == "core_local_activity"]
        assert 1 < len(writes) < len(entries), (len(writes), len(entries))
        assert set(scheduled_activities(history)) == {"book_pickup", "poll_return_receipt", "pay_refund"}
        await keep_history(h, "return_refund_pickup_refunded")
        await keep_history(h, "return_refund_pickup_refunded", patch=POLL_BY_RETRY)
        await keep_history(h, "return_refund_pickup_refunded", patch=BASELINE)


async def test_partial_return_refunds_the_lines_share_of_the_paid_amount(env, store):
    from domain.models import LineQuantity
    from tests.factories import order

    the_order = order(paid_fen=10000)  # 4 × 15.90 + 69.90 = 133.50 listed, 100 paid (discount)
    async with running_worker(env, store) as (tq, outside):
        case = header(CaseKind.RETURN_REFUND, the_order)
        h = await start(env, tq, case, lines=(LineQuantity(sku="RICE-5KG", quantity=1),))
        await advance(env, by=60)
        await h.execute_update(ReturnRefund.review, approve(pickup=False))
        result = await finish(h)
        assert result.refund_fen == 10000 * 6990 // 13350
        assert_paid_once(store, outside, case.case_id, result.refund_fen)


# -- day 5: the pickup just in time and just too late -------------------------------


async def test_goods_arriving_just_before_the_cutoff_are_a_normal_refund(env, store):
    config = SimulatorConfig()
    async with running_worker(env, store, config) as (tq, outside):
        case = header(CaseKind.RETURN_REFUND)
        h = await start(env, tq, case)
        entries, s = await review_and_book(env, h)
        created = entries[0].at
        assert s.state == "awaiting_goods" and s.next_deadline_name == "refund_due"
        assert s.next_deadline == refund_due(created)
        cutoff = s.next_deadline - DEFAULT_POLICY.polling.refund_lead.plain
        # the goods reach the warehouse a minute before the cutoff (the booking was at or
        # before pickup_booked was recorded)
        arrive_in = math.floor((cutoff - entry(entries, Entry.PICKUP_BOOKED).at).total_seconds()) - 60
        config.scenarios[case.order.order_id] = Scenario(receive_after=Window(amount=arrive_in, unit="s"))
        result = await finish(h)
        assert result.outcome == ReturnOutcome.REFUNDED
        entries = await timeline(h)
        assert Entry.PICKUP_OVERDUE not in kinds(entries)
        # found by the last check, at the cutoff (recorded once that check returns)
        assert entry(entries, Entry.GOODS_RECEIVED).at - cutoff < timedelta(minutes=1)
        assert entry(entries, Entry.REFUND_PAID).at <= refund_due(created)
        assert_paid_once(store, outside, case.case_id, case.order.paid_fen)


async def test_day_5_with_the_pickup_late_pays_advance_compensation_exactly_once(env, store):
    config = SimulatorConfig()
    async with running_worker(env, store, config) as (tq, outside):
        case = header(CaseKind.RETURN_REFUND)
        h = await start(env, tq, case)
        entries, s = await review_and_book(env, h)
        created, cutoff = entries[0].at, s.next_deadline - DEFAULT_POLICY.polling.refund_lead.plain
        # the goods reach the warehouse a minute after the cutoff (the booking was at or
        # after the review was recorded)
        arrive_in = math.ceil((cutoff - entry(entries, Entry.REVIEWED).at).total_seconds()) + 60
        config.scenarios[case.order.order_id] = Scenario(receive_after=Window(amount=arrive_in, unit="s"))
        result = await finish(h)
        assert result.outcome == ReturnOutcome.ADVANCE_COMPENSATED
        assert result.refund_fen == case.order.paid_fen
        assert "pickup overdue" in result.reason
        entries = await timeline(h)
        assert Entry.GOODS_RECEIVED not in kinds(entries)
        overdue = entry(entries, Entry.PICKUP_OVERDUE)
        assert timedelta(0) <= overdue.at - cutoff < timedelta(minutes=1)
        started = entry(entries, Entry.REFUND_STARTED)
        assert started.detail["advance_compensation"] is True and "pickup overdue" in started.detail["why"]
        paid = entry(entries, Entry.REFUND_PAID)
        assert cutoff <= paid.at <= refund_due(created)
        assert entry(entries, Entry.CLOSED).detail["outcome"] == "advance_compensated"
        assert_paid_once(store, outside, case.case_id, case.order.paid_fen)
        assert store.get_case(case.case_id)["outcome"] == "advance_compensated"


async def test_goods_that_never_arrive_in_time_are_advance_compensated(env, store):
    """The same clock from a scenario fixed up front; this run is the recorded history."""
    config = SimulatorConfig(scenarios={})
    async with running_worker(env, store, config) as (tq, outside):
        case = header(CaseKind.RETURN_REFUND)
        config.scenarios[case.order.order_id] = Scenario(receive_after=Window.model_validate("168h"))
        h = await start(env, tq, case)
        await advance(env, by=60)
        await h.execute_update(ReturnRefund.review, approve(pickup=True))
        result = await finish(h)
        assert result.outcome == ReturnOutcome.ADVANCE_COMPENSATED
        entries = await timeline(h)
        assert entry(entries, Entry.REFUND_PAID).at <= refund_due(entries[0].at)
        assert_paid_once(store, outside, case.case_id, case.order.paid_fen)
        await keep_history(h, "return_refund_advance_compensated")
        await keep_history(h, "return_refund_advance_compensated", patch=POLL_BY_RETRY)
        await keep_history(h, "return_refund_advance_compensated", patch=BASELINE)


async def test_parcel_lost_in_transit_is_advance_compensated(env, store):
    config = SimulatorConfig()
    async with running_worker(env, store, config) as (tq, outside):
        case = header(CaseKind.RETURN_REFUND)
        config.scenarios[case.order.order_id] = Scenario(parcel_lost=True)
        h = await start(env, tq, case)
        await advance(env, by=60)
        await h.execute_update(ReturnRefund.review, approve(pickup=True))
        result = await finish(h)
        assert result.outcome == ReturnOutcome.ADVANCE_COMPENSATED
        entries = await timeline(h)
        assert entry(entries, Entry.PARCEL_LOST).detail["note"] == "parcel lost in transit"
        assert Entry.PICKUP_OVERDUE not in kinds(entries)
        # no waiting for day 5: paid straight after the loss report
        assert entry(entries, Entry.REFUND_PAID).at - entry(entries, Entry.PARCEL_LOST).at < timedelta(minutes=5)
        assert_paid_once(store, outside, case.case_id, case.order.paid_fen)


async def test_goods_reported_received_signal_shortens_the_wait(env, store):
    config = SimulatorConfig()
    async with running_worker(env, store, config) as (tq, _outside):
        case = header(CaseKind.RETURN_REFUND)
        config.scenarios[case.order.order_id] = Scenario(receive_after=Window.model_validate("1h"))
        h = await start(env, tq, case)
        entries, _ = await review_and_book(env, h)
        booked = entry(entries, Entry.PICKUP_BOOKED).at
        await advance(env, by=90 * 60)  # the goods arrived 30 minutes ago; the next poll is 4 h after booking
        await h.signal(ReturnRefund.goods_reported_received)
        result = await finish(h)
        assert result.outcome == ReturnOutcome.REFUNDED
        received = entry(await timeline(h), Entry.GOODS_RECEIVED).at - booked
        assert timedelta(minutes=90) <= received < timedelta(hours=2), received


async def test_without_the_signal_the_goods_are_found_at_the_next_poll(env, store):
    config = SimulatorConfig()
    async with running_worker(env, store, config) as (tq, _outside):
        case = header(CaseKind.RETURN_REFUND)
        config.scenarios[case.order.order_id] = Scenario(receive_after=Window.model_validate("1h"))
        h = await start(env, tq, case)
        await advance(env, by=60)
        await h.execute_update(ReturnRefund.review, approve(pickup=True))
        await finish(h)
        entries = await timeline(h)
        booked = entry(entries, Entry.PICKUP_BOOKED).at
        cutoff = refund_due(entries[0].at) - DEFAULT_POLICY.polling.refund_lead.plain
        # the next poll: polling.return_receipt (4 h) after booking, evened out to end on the cutoff
        every = DEFAULT_POLICY.polling.to_deadline(cutoff - booked, DEFAULT_POLICY.polling.return_receipt.plain)
        assert timedelta(hours=3) < every <= timedelta(hours=4)
        received = entry(entries, Entry.GOODS_RECEIVED).at - booked
        assert every - timedelta(minutes=1) <= received <= every + timedelta(minutes=1)


# -- approve without pickup, reject, refused parcel ---------------------------------


async def test_approved_without_pickup_is_advance_compensated_and_books_no_pickup(env, store):
    async with running_worker(env, store) as (tq, outside):
        case = header(CaseKind.RETURN_REFUND)
        h = await start(env, tq, case)
        await advance(env, by=60)
        await h.execute_update(ReturnRefund.review, approve(pickup=False))
        result = await finish(h)
        assert result.outcome == ReturnOutcome.ADVANCE_COMPENSATED
        assert result.reason == "no pickup needed: advance compensation"
        entries = await timeline(h)
        assert kinds(entries) == [
            Entry.OPENED,
            Entry.REVIEW_REQUESTED,
            Entry.REVIEWED,
            Entry.REFUND_STARTED,
            Entry.REFUND_PAID,
            Entry.CLOSED,
        ]
        assert outside.courier.bookings == {}
        assert outside.courier.faults.attempts == {}
        assert_paid_once(store, outside, case.case_id, case.order.paid_fen)
        await keep_history(h, "return_refund_no_pickup")


def test_a_rejection_needs_a_reason():
    for reason in ("", "   "):
        with pytest.raises(ValidationError, match="a rejection needs a reason"):
            ReviewDecision(reviewer=ZHAO, approve=False, reason=reason)
    with pytest.raises(ValidationError, match="an approval must say whether a pickup is needed"):
        ReviewDecision(reviewer=ZHAO, approve=True)
    with pytest.raises(ValidationError, match="a rejection books no pickup"):
        ReviewDecision(reviewer=ZHAO, approve=False, pickup=True, reason="no")


async def test_rejected_with_a_reason_pays_nothing(env, store):
    async with running_worker(env, store) as (tq, outside):
        case = header(CaseKind.RETURN_REFUND)
        h = await start(env, tq, case)
        await advance(env, by=60)
        await h.execute_update(ReturnRefund.review, reject("opened food cannot be returned"))
        result = await finish(h)
        assert result.outcome == ReturnOutcome.REJECTED
        assert (result.refund_fen, result.payment_id, result.reason) == (0, None, "opened food cannot be returned")
        entries = await timeline(h)
        assert kinds(entries) == [Entry.OPENED, Entry.REVIEW_REQUESTED, Entry.REVIEWED, Entry.CLOSED]
        assert entry(entries, Entry.CLOSED).detail == {
            "outcome": "rejected",
            "reason": "opened food cannot be returned",
        }
        assert store.payments(case.case_id) == []
        assert outside.payment.ledger == [] and outside.courier.bookings == {}
        assert store.get_case(case.case_id)["outcome"] == "rejected"
        await keep_history(h, "return_refund_rejected")


async def test_refused_parcel_needs_no_review_and_is_advance_compensated(env, store):
    async with running_worker(env, store) as (tq, outside):
        case = header(CaseKind.RETURN_REFUND, opened_by="courier-sf", reason="customer refused the parcel")
        h = await start(env, tq, case, origin=ReturnOrigin.PARCEL_REFUSED)
        result = await finish(h)
        assert result.outcome == ReturnOutcome.ADVANCE_COMPENSATED
        entries = await timeline(h)
        assert Entry.REVIEW_REQUESTED not in kinds(entries)
        reviewed = entry(entries, Entry.REVIEWED)
        assert (reviewed.actor, reviewed.detail["role"], reviewed.detail["pickup"]) == ("system", "system", False)
        assert entry(entries, Entry.OPENED).detail["origin"] == "parcel_refused"
        assert outside.courier.bookings == {}
        assert_paid_once(store, outside, case.case_id, case.order.paid_fen)
        await keep_history(h, "return_refund_refused_parcel")


def test_scenario_times_must_be_wall_clock():
    with pytest.raises(ValidationError, match="receive_after = 7d: scenario times are wall-clock"):
        Scenario(receive_after="7d")


def test_a_customers_return_cannot_arrive_pre_decided():
    with pytest.raises(ValidationError, match="reviewed by the return specialist"):
        ReturnRefundInput(case=header(CaseKind.RETURN_REFUND), policy=DEFAULT_POLICY, decided=approve(pickup=False))


# -- outside systems failing --------------------------------------------------------


async def test_payment_failing_twice_then_succeeding_pays_once(env, store):
    config = SimulatorConfig()
    async with running_worker(env, store, config) as (tq, outside):
        case = header(CaseKind.RETURN_REFUND)
        config.scenarios[case.order.order_id] = Scenario(payment_fails=2)
        h = await start(env, tq, case)
        await advance(env, by=60)
        await h.execute_update(ReturnRefund.review, approve(pickup=False))
        result = await finish(h)
        assert result.outcome == ReturnOutcome.ADVANCE_COMPENSATED
        assert outside.payment.faults.attempts[f"pay:{case.case_id}:refund"] == 3
        assert outside.payment.faults.injected["pay"] == 2
        assert_paid_once(store, outside, case.case_id, case.order.paid_fen)
        assert result.payment_id == outside.payment.ledger[0].payment_id


async def test_courier_booking_failing_twice_books_once(env, store):
    config = SimulatorConfig()
    async with running_worker(env, store, config) as (tq, outside):
        case = header(CaseKind.RETURN_REFUND)
        config.scenarios[case.order.order_id] = Scenario(pickup_fails=2)
        h = await start(env, tq, case)
        await advance(env, by=60)
        await h.execute_update(ReturnRefund.review, approve(pickup=True))
        result = await finish(h)
        assert result.outcome == ReturnOutcome.REFUNDED
        assert outside.courier.faults.attempts[f"book_pickup:{case.case_id}"] == 3
        assert list(outside.courier.bookings) == [case.case_id]
        assert kinds(await timeline(h)).count(Entry.PICKUP_BOOKED) == 1
        assert_paid_once(store, outside, case.case_id, case.order.paid_fen)


# -- the after-sales node: a recorded answer within 24 h ----------------------------


async def test_review_just_before_the_24h_node_is_no_breach(env, store):
    async with running_worker(env, store) as (tq, _outside):
        h = await start(env, tq)
        await advance(env, by=24 * HOUR - 60)
        await h.execute_update(ReturnRefund.review, reject())
        await finish(h)
        assert Entry.SLA_BREACHED not in kinds(await timeline(h))


async def test_review_just_after_the_24h_node_is_a_recorded_breach(env, store):
    async with running_worker(env, store) as (tq, outside):
        case = header(CaseKind.RETURN_REFUND)
        h = await start(env, tq, case)
        await advance(env, by=24 * HOUR + 60)
        entries = await timeline(h)
        breach = entry(entries, Entry.SLA_BREACHED)
        assert breach.detail == {"window": "after_sales_node", "escalated_to": "second_line"}
        # 24 h after the workflow began (the opened entry is recorded a moment later)
        assert abs(breach.at - entries[0].at - timedelta(hours=24)) < timedelta(seconds=5)
        # the case still waits for the review and finishes normally
        assert (await status(h)).state == "awaiting_review"
        await h.execute_update(ReturnRefund.review, approve(pickup=False))
        result = await finish(h)
        assert result.outcome == ReturnOutcome.ADVANCE_COMPENSATED
        assert kinds(await timeline(h)).count(Entry.SLA_BREACHED) == 1
        assert_paid_once(store, outside, case.case_id, case.order.paid_fen)
        await keep_history(h, "return_refund_sla_breached")
        await keep_history(h, "return_refund_sla_breached", patch=POLL_BY_RETRY)
        await keep_history(h, "return_refund_sla_breached", patch=BASELINE)


# -- queries and identity -----------------------------------------------------------


async def test_status_and_timeline_queries_while_waiting(env, store):
    async with running_worker(env, store) as (tq, _outside):
        case = header(CaseKind.RETURN_REFUND)
        h = await start(env, tq, case)
        entries = await reached(h, Entry.REVIEW_REQUESTED)
        created = entries[0].at
        s = await status(h)
        assert (s.case_id, s.kind, s.state, s.outcome) == (
            case.case_id,
            CaseKind.RETURN_REFUND,
            "awaiting_review",
            None,
        )
        assert s.policy_version == DEFAULT_POLICY.version
        # the 24 h node comes first while the review is pending
        assert s.next_deadline_name == "review_sla"
        assert abs(s.next_deadline - created - timedelta(hours=24)) < timedelta(seconds=5)
        assert entries[0].detail == {"reason": "", "origin": "customer_request", "refund_fen": case.order.paid_fen}
        # after the review the next deadline is the refund's: the end of day 5
        entries, s = await review_and_book(env, h)
        assert (s.state, s.next_deadline_name) == ("awaiting_goods", "refund_due")
        assert s.next_deadline == refund_due(created)
        await h.terminate("test done")


async def test_starting_the_same_case_twice_is_refused(env, store):
    async with running_worker(env, store) as (tq, _outside):
        case = header(CaseKind.RETURN_REFUND)
        h = await start(env, tq, case)
        with pytest.raises(WorkflowAlreadyStartedError):
            await start(env, tq, case)
        await advance(env, by=60)
        await h.execute_update(ReturnRefund.review, reject())
        await finish(h)
        assert store.count_cases() >= 1
        assert len([c for c in store.list_cases(kind="return_refund", limit=1000) if c["case_id"] == case.case_id]) == 1


# -- Update validators: rejected with a reason, nothing in history ------------------
# On the real (dev) server a rejected Update leaves no trace in the history; the
# time-skipping test server writes workflow-task events for it, so this part runs there.


@pytest_asyncio.fixture(scope="module")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    e = await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"), data_converter=data_converter()
    )
    yield e
    await e.shutdown()


async def history_events(h: WorkflowHandle) -> list[str]:
    return [e.WhichOneof("attributes") for e in (await h.fetch_history()).events]


async def quiet_history(h: WorkflowHandle) -> list[str]:
    """The history once the workflow sits on a timer or a poll and nothing else is moving."""
    for _ in range(200):
        events = await history_events(h)
        # the timeline write of the same task may be recorded after the timer (or the poll
        # activity, which has no deadline timer beside it since poll-without-deadline-timer),
        # in the same or one more workflow task
        if {"timer_started_event_attributes", "activity_task_scheduled_event_attributes"} & set(events[-5:]):
            await asyncio.sleep(0.2)
            if await history_events(h) == events:
                return events
        await asyncio.sleep(0.05)
    raise AssertionError(f"history never settled: {events[-5:]}")


REVIEWER = {"actor_id": "zhao.returns", "role": "return_specialist"}

BAD_REVIEWS = [
    (
        ReviewDecision(reviewer=ActorRef(actor_id="li.first", role=Role.FIRST_LINE), approve=True, pickup=True),
        "li.first is first_line; returns are reviewed by a return specialist",
    ),
    ({"reviewer": REVIEWER, "approve": True}, "an approval must say whether a pickup is needed"),
    ({"reviewer": REVIEWER, "approve": False}, "a rejection needs a reason"),
    ({"approve": True, "pickup": True}, "reviewer\n  Field required"),
    ({"reviewer": REVIEWER, "approve": "maybe", "pickup": True}, "approve\n  Input should be a valid boolean"),
    (
        {"reviewer": {"actor_id": "x", "role": "boss"}, "approve": True, "pickup": True},
        "reviewer.role\n  Input should be",
    ),
    (
        {"reviewer": REVIEWER, "approve": True, "pickup": True, "refund_fen": 1},
        "refund_fen\n  Extra inputs are not permitted",
    ),
    ("approve", "Input should be an object"),
]


def reason_of(err: WorkflowUpdateFailedError) -> str:
    """The innermost cause: the validator's message or the contract's validation error."""
    cause = err.cause
    while getattr(cause, "cause", None) is not None:
        cause = cause.cause
    return getattr(cause, "message", str(cause))


async def test_invalid_reviews_are_rejected_with_a_reason_and_leave_no_history(dev_env, store):
    async with running_worker(dev_env, store) as (tq, _outside):
        case = header(CaseKind.RETURN_REFUND)
        h = await start(dev_env, tq, case)
        await reached(h, Entry.REVIEW_REQUESTED)
        before = await quiet_history(h)
        for bad, reason in BAD_REVIEWS:
            with pytest.raises(WorkflowUpdateFailedError) as err:
                await h.execute_update(ReturnRefund.review, bad)
            assert reason in reason_of(err.value), reason_of(err.value)
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await h.execute_update(
                CaseWorkflow.decide, {"approval_id": "compensation-1", "approver": REVIEWER, "approve": True}
            )
        assert "no pending approval 'compensation-1' (pending: none)" in reason_of(err.value)
        after = await history_events(h)
        assert after == before, f"rejected updates left events: {after[len(before) :]}"
        assert (await status(h)).state == "awaiting_review"

        # a valid review is accepted; a second one is refused and leaves nothing either
        await h.execute_update(ReturnRefund.review, approve(pickup=True))
        entries = await reached(h, Entry.PICKUP_BOOKED)
        assert entry(entries, Entry.REVIEWED).detail["pickup"] is True
        before = await quiet_history(h)
        assert before.count("workflow_execution_update_accepted_event_attributes") == 1
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await h.execute_update(ReturnRefund.review, reject())
        assert reason_of(err.value) == "a review was already given"
        assert await history_events(h) == before
        await h.terminate("test done")


async def test_a_review_arriving_before_the_case_is_opened_is_kept(env, store):
    """The review can reach the worker in the very first workflow task, before run()
    has opened the case; it must not be overwritten by the initial (empty) decision."""
    import uuid

    import worker

    case = header(CaseKind.RETURN_REFUND)
    tq = f"tq-early-{uuid.uuid4().hex[:8]}"
    h = await start(env, tq, case)  # no worker on this queue yet
    update = asyncio.create_task(h.execute_update(ReturnRefund.review, approve(pickup=False)))
    await asyncio.sleep(0.5)
    outside = worker.Outside.simulated()
    async with worker.build_worker(env.client, store, outside, task_queue=tq):
        await asyncio.wait_for(update, timeout=30)
        result = await asyncio.wait_for(h.result(), timeout=30)
        entries = await timeline(h)
        await keep_history(h, "return_refund_review_before_open")
    assert result.outcome == ReturnOutcome.ADVANCE_COMPENSATED
    assert kinds(entries) == [
        Entry.OPENED,
        Entry.REVIEW_REQUESTED,
        Entry.REVIEWED,
        Entry.REFUND_STARTED,
        Entry.REFUND_PAID,
        Entry.CLOSED,
    ]
    assert entry(entries, Entry.REVIEWED).actor == "zhao.returns"
    assert_paid_once(store, outside, case.case_id, case.order.paid_fen)


async def test_the_demo_policy_runs_the_same_process_in_seconds(env, store):
    from domain.policy import named_policy

    demo = named_policy("demo")
    config = SimulatorConfig()
    async with running_worker(env, store, config) as (tq, _outside):
        on_time, late = header(CaseKind.RETURN_REFUND), header(CaseKind.RETURN_REFUND)
        config.scenarios[on_time.order.order_id] = Scenario(receive_after="5s")
        config.scenarios[late.order.order_id] = Scenario(receive_after="60s")
        handles = []
        for case in (on_time, late):
            handles.append(
                await env.client.start_workflow(
                    "ReturnRefund",
                    ReturnRefundInput(case=case, policy=demo),
                    id=case.workflow_id,
                    task_queue=tq,
                    result_type=ReturnRefundResult,
                )
            )
        await advance(env, by=1)
        for h in handles:
            await h.execute_update(ReturnRefund.review, approve(pickup=True))
        results = [await finish(h) for h in handles]
        assert [r.outcome for r in results] == [ReturnOutcome.REFUNDED, ReturnOutcome.ADVANCE_COMPENSATED]
        for h in handles:
            entries = await timeline(h)
            # day 5 compressed to 20 s: paid within it
            assert entry(entries, Entry.REFUND_PAID).at - entries[0].at <= demo.windows.return_refund.plain
            assert (await status(h)).policy_version == demo.version
