"""Complaint (§4.12): first line, repeat detection from the store, the three levels,
resubmission, timer escalation, refusals, follow-up and the stored outcome."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from domain.actors import ActorRef, Role
from domain.approvals import ApprovalDecision, ApprovalRequest
from domain.complaints import (
    Category,
    ComplaintInput,
    ComplaintOutcome,
    ComplaintResult,
    CustomerReply,
    Emotion,
    FollowUp,
    Intake,
    Level,
    Target,
)
from domain.models import CaseKind, Order
from domain.timeline import Entry
from store.complaints import ComplaintRecords
from tests.factories import DEFAULT_POLICY, header, order
from tests.replay_support import keep_history
from tests.support import advance, in_state, kinds, pending, refused, running_worker
from workflows.case_workflow import CaseWorkflow
from workflows.complaint import Complaint

LI = ActorRef(actor_id="li.first", role=Role.FIRST_LINE)
WANG = ActorRef(actor_id="wang.second", role=Role.SECOND_LINE)
PLATFORM = ActorRef(actor_id="platform", role=Role.PLATFORM)
ZHOU = ActorRef(actor_id="zhou.complaints", role=Role.COMPLAINT_SPECIALIST)
PAID = 13350  # the factory order: 4 × 15.90 + 69.90


def customer(o: Order) -> ActorRef:
    return ActorRef(actor_id=o.customer_id, role=Role.CUSTOMER)


def intake(o: Order, **kw) -> Intake:
    base = dict(
        customer_id=o.customer_id,
        order_id=o.order_id,
        occurred_at=datetime(2026, 11, 21, 10, tzinfo=timezone.utc),
        reason="the parcel is three days late",
        demand="a coupon for the delay",
        emotion=Emotion.UPSET,
    )
    return Intake(**{**base, **kw})


async def start(env, tq, o: Order, the_intake: Intake, policy=DEFAULT_POLICY) -> WorkflowHandle:
    case = header(CaseKind.COMPLAINT, o, opened_by="li.first", reason=the_intake.reason)
    return await env.client.start_workflow(
        "Complaint",
        ComplaintInput(case=case, policy=policy, intake=the_intake),
        id=case.workflow_id,
        task_queue=tq,
        result_type=ComplaintResult,
    )


async def decide(
    h, request: ApprovalRequest, who: ActorRef, approve: bool = True, note: str = "", amount: int | None = None
):
    return await h.execute_update(
        CaseWorkflow.decide,
        ApprovalDecision(
            approval_id=request.approval_id,
            approver=who,
            approve=approve,
            note=note or ("ok" if approve else "no"),
            amount_fen=amount,
        ),
    )


async def reply(h, o: Order, accept: bool, note: str = "") -> None:
    await in_state(h, "awaiting_customer")
    await h.execute_update(
        Complaint.reply_to_answer,
        CustomerReply(customer=customer(o), accept=accept, note=note or ("" if accept else "not enough")),
    )


async def follow_up(h, score: int = 4) -> None:
    await in_state(h, "awaiting_follow_up")
    await h.execute_update(Complaint.follow_up, FollowUp(by=LI, solved=True, satisfaction=score))


async def test_first_complaint_is_answered_by_first_line_and_counts_as_first_contact_resolution(env, store):
    async with running_worker(env, store) as (tq, _outside):
        o = order()
        h = await start(env, tq, o, intake(o, category=Category.LOGISTICS, demand_fen=1335))
        req = await pending(h)
        assert req.roles == (Role.FIRST_LINE, Role.COMPLAINT_SPECIALIST) and req.sla_window == "after_sales_node"
        await decide(h, req, LI)
        await reply(h, o, accept=True)
        await follow_up(h, 5)
        result = await h.result()
        assert (result.outcome, result.level, result.submissions, result.repeat) == (
            ComplaintOutcome.RESOLVED,
            Level.FIRST_LINE,
            1,
            False,
        )
        assert result.compensation_fen == 1335 and result.satisfaction == 5
        assert [(p["kind"], p["amount_fen"]) for p in store.payments(h.id.removeprefix("case-"))] == [("coupon", 1335)]
        row = next(r for r in ComplaintRecords(store).complaints() if r["case_id"] == result.case_id)
        assert row["first_contact_resolved"] and not row["escalated"] and row["category"] == "logistics"
        await keep_history(h, "complaint_first_line_resolved")


async def test_repeat_complaint_is_detected_from_the_store_and_goes_to_the_level_of_its_demand(env, store):
    async with running_worker(env, store) as (tq, _):
        o = order()
        first = await start(env, tq, o, intake(o, reason="the milk arrived spoiled", category=Category.PRODUCT_QUALITY))
        await decide(first, await pending(first), LI, note="apologised, explained")
        await reply(first, o, accept=True)
        await follow_up(first, 3)
        assert (await first.result()).repeat is False

        # The same customer and order again, asking 20 yuan: goods faults are second line's (§3).
        again = await start(
            env, tq, o, intake(o, reason="the milk arrived spoiled", category=Category.PRODUCT_QUALITY, demand_fen=2000)
        )
        req = await pending(again)
        assert req.roles == (Role.SECOND_LINE,) and req.sla_window == "second_line_callback"
        await refused(decide(again, req, LI), "needs second_line")
        await decide(again, req, WANG)
        await reply(again, o, accept=True)
        await follow_up(again)
        result = await again.result()
        assert result.repeat and result.level == Level.SECOND_LINE and result.compensation_fen == 2000
        timeline = await again.query(CaseWorkflow.timeline)
        assert Entry.REPEAT_DETECTED in kinds(timeline)
        assert [e.detail["earlier"] for e in timeline if e.kind == Entry.REPEAT_DETECTED] == [
            [first.id.removeprefix("case-")]
        ]


async def test_repeat_complaint_within_first_line_authority_stays_with_first_line(env, store):
    async with running_worker(env, store) as (tq, _):
        o = order()
        first = await start(env, tq, o, intake(o, category=Category.LOGISTICS))
        await decide(first, await pending(first), LI)
        await reply(first, o, accept=True)
        await follow_up(first)
        await first.result()
        again = await start(env, tq, o, intake(o, category=Category.LOGISTICS, demand_fen=1000))
        req = await pending(again)
        assert Role.FIRST_LINE in req.roles
        await decide(again, req, LI)
        await reply(again, o, accept=True)
        await follow_up(again)
        result = await again.result()
        assert result.repeat and result.level == Level.FIRST_LINE and result.compensation_fen == 1000
        row = next(r for r in ComplaintRecords(store).complaints() if r["case_id"] == result.case_id)
        assert row["repeat"] and not row["first_contact_resolved"]


async def test_rejections_climb_first_line_second_line_platform_and_the_platform_pays(env, store):
    async with running_worker(env, store) as (tq, outside):
        o = order()
        h = await start(
            env, tq, o, intake(o, reason="the rice bag was torn", category=Category.PRODUCT_QUALITY, demand_fen=2670)
        )
        first = await pending(h, "answer-1-first_line")
        # first line has no authority for goods-fault money
        await refused(decide(h, first, LI), "beyond first_line authority")
        await decide(h, first, LI, approve=False, note="apologised; compensation is not ours to give")
        await reply(h, o, accept=False, note="I want the 26.70 coupon")

        second = await pending(h, "answer-2-second_line")
        await refused(decide(h, second, WANG, amount=3000), "more than the 2670 fen asked")
        await decide(h, second, WANG, amount=2000, note="20 yuan coupon")
        await reply(h, o, accept=False, note="still not enough")

        platform = await pending(h, "answer-3-platform")
        assert platform.roles == (Role.PLATFORM,) and platform.sla_window == "platform_answer"
        await decide(h, platform, PLATFORM, note="full coupon")
        await reply(h, o, accept=True)
        await follow_up(h, 4)
        result = await h.result()
        assert result.outcome == ComplaintOutcome.RESOLVED and result.submissions == 3
        assert [a.level for a in result.answers] == [Level.FIRST_LINE, Level.SECOND_LINE, Level.PLATFORM]
        assert [a.amount_fen for a in result.answers] == [0, 2000, 2670]
        assert [p["amount_fen"] for p in store.payments(result.case_id)] == [2670]
        assert len(outside.payment.ledger) == 1
        timeline = await h.query(CaseWorkflow.timeline)
        assert kinds(timeline).count(Entry.RESUBMITTED) == 2
        decided = [(e.actor, e.detail["approve"]) for e in timeline if e.kind == Entry.APPROVAL_DECIDED]
        assert decided == [("li.first", False), ("wang.second", True), ("platform", True)]
        await keep_history(h, "complaint_climbs_to_platform")


async def test_a_rejected_platform_answer_is_final(env, store):
    async with running_worker(env, store) as (tq, _):
        o = order()
        h = await start(
            env,
            tq,
            o,
            intake(
                o,
                category=Category.ATTITUDE,
                reason="the agent was rude",
                target=Target.AGENT,
                named_agent="chen.agent",
                demand_fen=50000,
            ),
        )
        await decide(h, await pending(h), LI, approve=False, note="apologised")
        await reply(h, o, accept=False)
        req = await pending(h, "answer-2-platform")  # 500 yuan is beyond second-line authority
        await decide(h, req, PLATFORM, approve=False, note="an apology is the remedy here")
        await reply(h, o, accept=False)
        await follow_up(h, 1)
        result = await h.result()
        assert result.outcome == ComplaintOutcome.PLATFORM_FINAL and result.compensation_fen == 0
        assert store.payments(result.case_id) == []


async def test_first_line_silence_escalates_to_second_line_and_second_line_silence_to_the_platform(env, store):
    async with running_worker(env, store) as (tq, _):
        o = order()
        h = await start(env, tq, o, intake(o, category=Category.AFTER_SALES, demand_fen=2000))
        first = await pending(h, "answer-1-first_line")
        await advance(env, by=(first.due_at - await env.get_current_time()).total_seconds() + 60)
        second = await pending(h, "answer-1-second_line")
        assert second.due_at == DEFAULT_POLICY.calendar.deadline(
            second.requested_at, DEFAULT_POLICY.windows.second_line_callback
        )
        await advance(env, by=(second.due_at - await env.get_current_time()).total_seconds() + 60)
        platform = await pending(h, "answer-1-platform")
        await decide(h, platform, PLATFORM)
        await reply(h, o, accept=True)
        await follow_up(h)
        result = await h.result()
        assert result.level == Level.PLATFORM and result.submissions == 1
        timeline = await h.query(CaseWorkflow.timeline)
        assert [e.detail["window"] for e in timeline if e.kind == Entry.SLA_BREACHED] == [
            "after_sales_node",
            "second_line_callback",
        ]
        assert [(e.detail["from_level"], e.detail["to_level"]) for e in timeline if e.kind == Entry.ESCALATED] == [
            ("first_line", "second_line"),
            ("second_line", "platform"),
        ]
        await keep_history(h, "complaint_escalated_by_timers")


async def test_an_answer_just_before_the_second_line_window_keeps_it_there(env, store):
    async with running_worker(env, store) as (tq, _):
        o = order()
        h = await start(env, tq, o, intake(o, category=Category.AFTER_SALES, demand_fen=2000))
        first = await pending(h, "answer-1-first_line")
        await advance(env, by=(first.due_at - await env.get_current_time()).total_seconds() - 60)
        await decide(h, first, LI, approve=False, note="not ours to pay")  # just in time: no escalation
        await reply(h, o, accept=False)
        second = await pending(h, "answer-2-second_line")
        await advance(env, by=(second.due_at - await env.get_current_time()).total_seconds() - 60)
        await decide(h, second, WANG)
        await reply(h, o, accept=True)
        await follow_up(h)
        result = await h.result()
        assert result.level == Level.SECOND_LINE
        timeline = await h.query(CaseWorkflow.timeline)
        assert Entry.ESCALATED not in kinds(timeline) and Entry.SLA_BREACHED not in kinds(timeline)


async def test_customer_silence_is_taken_as_acceptance(env, store):
    async with running_worker(env, store) as (tq, _):
        o = order()
        h = await start(env, tq, o, intake(o, category=Category.LOGISTICS))
        await decide(h, await pending(h), LI)
        await in_state(h, "awaiting_customer")
        await advance(env, by=DEFAULT_POLICY.windows.customer_answer.plain.total_seconds() + 1)
        await follow_up(h)
        result = await h.result()
        assert result.outcome == ComplaintOutcome.RESOLVED
        assert Entry.CUSTOMER_SILENT in kinds(await h.query(CaseWorkflow.timeline))


async def test_only_the_complaining_customer_may_reply_and_only_staff_follow_up(env, store):
    async with running_worker(env, store) as (tq, _):
        o = order()
        h = await start(env, tq, o, intake(o, category=Category.LOGISTICS))
        await refused(
            h.execute_update(Complaint.reply_to_answer, CustomerReply(customer=customer(o), accept=True)),
            "not waiting for the customer",
        )
        await decide(h, await pending(h), LI)
        await in_state(h, "awaiting_customer")
        stranger = ActorRef(actor_id="cust-999", role=Role.CUSTOMER)
        await refused(
            h.execute_update(Complaint.reply_to_answer, CustomerReply(customer=stranger, accept=True)),
            "only the complaining customer",
        )
        await reply(h, o, accept=True)
        await in_state(h, "awaiting_follow_up")
        await refused(
            h.execute_update(Complaint.follow_up, FollowUp(by=customer(o), solved=True, satisfaction=5)),
            "follow-up is done by",
        )
        await follow_up(h, 2)
        await h.result()
        history = await h.fetch_history()
        accepted = [
            e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
        ]
        assert len(accepted) == 3  # decide, reply, follow-up: the refused ones left nothing


@pytest.mark.parametrize(
    "kw,reason",
    [
        (dict(target=Target.CAMPAIGN_OR_SOFTWARE), "campaign or a piece of software"),
        (dict(target=Target.SYSTEM_ACTION), "system action"),
        (dict(target=Target.PLATFORM_RULE), "platform's rules"),
        (dict(target=Target.AGENT, business_problem=True), "no agent is named"),
        (dict(emotion=None, demand=""), "lacks required elements: demand, emotion"),
    ],
)
async def test_complaints_the_rulebook_does_not_accept_are_refused_with_the_handling(env, store, kw, reason):
    async with running_worker(env, store) as (tq, _):
        o = order()
        h = await start(env, tq, o, intake(o, **kw))
        result = await h.result()
        assert result.outcome == ComplaintOutcome.NOT_ACCEPTED
        assert reason in result.refusal.reason and result.refusal.handling
        assert (await h.query(CaseWorkflow.timeline))[1].detail["handling"] == result.refusal.handling


async def test_the_approval_validator_refuses_unknown_and_repeated_decisions(env, store):
    async with running_worker(env, store) as (tq, _):
        o = order()
        h = await start(env, tq, o, intake(o, category=Category.LOGISTICS, demand_fen=1000))
        req = await pending(h)
        await refused(
            h.execute_update(CaseWorkflow.decide, ApprovalDecision(approval_id="answer-9", approver=LI, approve=True)),
            "no pending approval 'answer-9'",
        )
        await refused(decide(h, req, PLATFORM), "needs first_line, complaint_specialist")
        await refused(decide(h, req, ZHOU, amount=1001), "more than the 1000 fen asked")
        await decide(h, req, ZHOU, amount=800)
        await refused(decide(h, req, LI), "already decided by zhou.complaints|no pending approval")
        await reply(h, o, accept=True)
        await follow_up(h)
        assert (await h.result()).compensation_fen == 800


async def test_a_late_follow_up_is_a_breach_but_still_closes_the_complaint(env, store):
    async with running_worker(env, store) as (tq, _):
        o = order()
        h = await start(env, tq, o, intake(o, category=Category.LOGISTICS))
        await decide(h, await pending(h), LI)
        await reply(h, o, accept=True)
        await in_state(h, "awaiting_follow_up")
        status = await h.query(CaseWorkflow.status)
        assert status.next_deadline_name == "follow_up"
        await advance(env, by=(status.next_deadline - await env.get_current_time()).total_seconds() + 60)
        await follow_up(h, 2)
        result = await h.result()
        assert result.outcome == ComplaintOutcome.RESOLVED and result.satisfaction == 2
        breaches = [e.detail for e in await h.query(CaseWorkflow.timeline) if e.kind == Entry.SLA_BREACHED]
        assert breaches == [{"window": "after_sales_node", "step": "follow_up"}]


async def test_the_platform_past_its_working_day_is_recorded_and_still_owes_the_answer(env, store):
    async with running_worker(env, store) as (tq, _):
        o = order()
        h = await start(env, tq, o, intake(o, category=Category.PRODUCT_QUALITY, demand_fen=9000))
        await decide(h, await pending(h), LI, approve=False, note="beyond us")
        await reply(h, o, accept=False)
        req = await pending(h, "answer-2-platform")  # 90 yuan is beyond second line's 20 %
        assert req.due_at == DEFAULT_POLICY.calendar.deadline(req.requested_at, DEFAULT_POLICY.windows.platform_answer)
        await advance(env, by=(req.due_at - await env.get_current_time()).total_seconds() + 3600)
        still = await pending(h, "answer-2-platform")
        assert still.approval_id == req.approval_id
        timeline = await h.query(CaseWorkflow.timeline)
        assert [e.detail["window"] for e in timeline if e.kind == Entry.SLA_BREACHED] == ["platform_answer"]
        await decide(h, still, PLATFORM, amount=5000, note="50 yuan")
        await reply(h, o, accept=True)
        await follow_up(h)
        result = await h.result()
        assert result.level == Level.PLATFORM and result.compensation_fen == 5000


async def test_a_complaint_refused_at_intake_does_not_make_the_next_one_a_repeat(env, store):
    async with running_worker(env, store) as (tq, _):
        o = order()
        refused_one = await start(env, tq, o, intake(o, target=Target.PLATFORM_RULE))
        assert (await refused_one.result()).outcome == ComplaintOutcome.NOT_ACCEPTED
        h = await start(env, tq, o, intake(o, category=Category.LOGISTICS))
        req = await pending(h)
        assert req.approval_id == "answer-1-first_line"
        await decide(h, req, LI)
        await reply(h, o, accept=True)
        await follow_up(h)
        assert (await h.result()).repeat is False
