"""AgentComplaint (§5, S0): the 48 h contact window and the 2-working-day appeal window
(just before and just after each, a holiday inside), the appeal review through the
shared approval, and the penalty read from the agent's record in the store."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError

from domain.actors import ActorRef, Role
from domain.agent_complaints import (
    AgentComplaintInput,
    AgentComplaintResult,
    AgentContact,
    AgentOutcome,
    Appeal,
    PenaltyEntry,
)
from domain.approvals import ApprovalDecision
from domain.models import CaseKind, CaseOpening, TimelineEntry
from domain.penalties import Level, penalty_for
from domain.policy import Policy
from domain.timeline import Entry
from store.complaints import ComplaintRecords
from tests.factories import DEFAULT_POLICY, header, order
from tests.replay_support import keep_history
from tests.support import advance, entry, kinds, pending, reached, refused, running_worker, timeline
from workflows.agent_complaint import AgentComplaint
from workflows.case_workflow import CaseWorkflow

ZHOU = ActorRef(actor_id="zhou.complaints", role=Role.COMPLAINT_SPECIALIST)
FENG = ActorRef(actor_id="feng.complaints", role=Role.COMPLAINT_SPECIALIST)
WU = ActorRef(actor_id="wu.ops", role=Role.OPERATIONS_SUPERVISOR)
LI = ActorRef(actor_id="li.first", role=Role.FIRST_LINE)
CONTACT_S = DEFAULT_POLICY.windows.agent_contact.plain.total_seconds()


def agent(agent_id: str) -> ActorRef:
    return ActorRef(actor_id=agent_id, role=Role.AGENT)


def new_agent() -> str:
    return f"agent-{uuid.uuid4().hex[:6]}"


async def start(env, tq, agent_id: str, violation: int | None = 2, policy: Policy = DEFAULT_POLICY) -> WorkflowHandle:
    case = header(
        CaseKind.AGENT_COMPLAINT, order(), opened_by="zhou.complaints", reason="customer complained about the agent"
    )
    inp = AgentComplaintInput(
        case=case,
        policy=policy,
        agent_id=agent_id,
        handler=ZHOU,
        upheld=violation is not None,
        violation=violation,
        finding="answered the wrong question twice",
    )
    return await env.client.start_workflow(
        "AgentComplaint", inp, id=case.workflow_id, task_queue=tq, result_type=AgentComplaintResult
    )


async def notice(h: WorkflowHandle) -> TimelineEntry:
    return entry(await reached(h, Entry.VERDICT_NOTICE), Entry.VERDICT_NOTICE)


async def too_late(call) -> None:
    """Past the window the case has moved on (or already closed): the Update cannot land."""
    with pytest.raises((WorkflowUpdateFailedError, RPCError)):
        await call


async def test_no_contact_within_48h_makes_the_verdict_final(env, store):
    async with running_worker(env, store) as (tq, _):
        who = new_agent()
        h = await start(env, tq, who)
        n = await notice(h)
        await advance(env, to=n.at, offset_s=CONTACT_S + 1)
        result = await h.result()
        await too_late(h.execute_update(AgentComplaint.contact_handler, AgentContact(agent=agent(who))))
        assert (
            result.outcome == AgentOutcome.PENALISED and not result.contacted and result.penalty.level == Level.LEVEL_1
        )
        final = [e for e in await h.query(CaseWorkflow.timeline) if e.kind == Entry.VERDICT_FINAL]
        assert final[0].detail["window"] == "agent_contact"
        contact_due = datetime.fromisoformat(n.detail["contact_due"])
        assert contact_due - n.at == timedelta(seconds=CONTACT_S)
        assert contact_due <= final[0].at < contact_due + timedelta(seconds=5)
        assert [p["level"] for p in ComplaintRecords(store).penalties(who)] == ["level_1"]


async def test_contact_just_before_48h_keeps_the_appeal_open_until_2_working_days(env, store):
    async with running_worker(env, store) as (tq, _):
        who = new_agent()
        h = await start(env, tq, who)
        n = await notice(h)
        appeal_due = datetime.fromisoformat(n.detail["appeal_due"])
        assert appeal_due == DEFAULT_POLICY.calendar.deadline(n.at, DEFAULT_POLICY.windows.agent_appeal)
        await advance(env, to=n.at, offset_s=CONTACT_S - 60)
        await refused(
            h.execute_update(AgentComplaint.contact_handler, AgentContact(agent=agent("chen.agent"))),
            "only the agent complained about",
        )
        await h.execute_update(
            AgentComplaint.contact_handler, AgentContact(agent=agent(who), note="I'd like to discuss")
        )
        status = await h.query(CaseWorkflow.status)
        assert status.next_deadline == appeal_due
        await advance(env, to=appeal_due, offset_s=-60)
        await h.execute_update(
            AgentComplaint.appeal_verdict, Appeal(agent=agent(who), grounds="the customer asked two questions at once")
        )
        req = await pending(h)
        assert req.subject == "appeal_review" and req.not_by == ("zhou.complaints", who)
        await refused(
            h.execute_update(
                CaseWorkflow.decide,
                ApprovalDecision(approval_id=req.approval_id, approver=ZHOU, approve=True, note="fine"),
            ),
            "may not decide this: the verdict's handler",
        )
        await refused(
            h.execute_update(
                CaseWorkflow.decide,
                ApprovalDecision(approval_id=req.approval_id, approver=LI, approve=True, note="fine"),
            ),
            "needs operations_supervisor",
        )
        await h.execute_update(
            CaseWorkflow.decide,
            ApprovalDecision(
                approval_id=req.approval_id, approver=WU, approve=False, note="the transcript shows the wrong answer"
            ),
        )
        result = await h.result()
        assert (result.contacted, result.appealed, result.appeal_granted) == (True, True, False)
        assert result.outcome == AgentOutcome.PENALISED and result.penalty.level == Level.LEVEL_1
        await keep_history(h, "agent_complaint_appeal_rejected")


async def test_no_appeal_within_2_working_days_lets_the_verdict_stand(env, store):
    async with running_worker(env, store) as (tq, _):
        who = new_agent()
        h = await start(env, tq, who)
        n = await notice(h)
        appeal_due = datetime.fromisoformat(n.detail["appeal_due"])
        await h.execute_update(AgentComplaint.contact_handler, AgentContact(agent=agent(who)))
        await advance(env, to=appeal_due, offset_s=1)
        result = await h.result()
        await too_late(h.execute_update(AgentComplaint.appeal_verdict, Appeal(agent=agent(who), grounds="too late")))
        assert result.contacted and not result.appealed and result.outcome == AgentOutcome.PENALISED
        final = [e for e in await h.query(CaseWorkflow.timeline) if e.kind == Entry.VERDICT_FINAL]
        assert final[0].detail["window"] == "agent_appeal" and appeal_due <= final[0].at < appeal_due + timedelta(
            seconds=5
        )


async def test_a_holiday_inside_the_appeal_window_extends_it(env, store):
    now = await env.get_current_time()
    cal = DEFAULT_POLICY.calendar
    today = cal.local_date(now)
    plain_due = cal.deadline(now, DEFAULT_POLICY.windows.agent_appeal)
    # Declare the next working day a holiday: the window must end one working day later.
    holiday = cal.add_working_days(today, 1)
    policy = DEFAULT_POLICY.model_copy(
        update={"calendar": cal.model_copy(update={"holidays": cal.holidays | {holiday}})}
    )
    async with running_worker(env, store) as (tq, _):
        who = new_agent()
        h = await start(env, tq, who, policy=policy)
        n = await notice(h)
        appeal_due = datetime.fromisoformat(n.detail["appeal_due"])
        assert cal.local_date(n.at) == today, "the test must not straddle local midnight"
        assert appeal_due == policy.calendar.end_of_day(cal.add_working_days(holiday, 2))
        assert appeal_due > plain_due
        await h.execute_update(AgentComplaint.contact_handler, AgentContact(agent=agent(who)))
        await advance(env, to=plain_due, offset_s=60)  # past the window without the holiday: still open
        await h.execute_update(
            AgentComplaint.appeal_verdict, Appeal(agent=agent(who), grounds="the holiday counts for nothing")
        )
        req = await pending(h)
        await h.execute_update(
            CaseWorkflow.decide,
            ApprovalDecision(
                approval_id=req.approval_id, approver=FENG, approve=True, note="the customer's question was ambiguous"
            ),
        )
        result = await h.result()
        assert result.outcome == AgentOutcome.OVERTURNED and result.appeal_granted and result.penalty is None
        assert ComplaintRecords(store).penalties(who) == []
        await keep_history(h, "agent_complaint_appeal_granted")


async def test_the_penalty_follows_from_the_agents_record_in_the_store(env, store):
    who = new_agent()
    records = ComplaintRecords(store)
    now = await env.get_current_time()
    for i in range(2):  # two earlier level-1 records of the same item (violation 2)
        case = header(CaseKind.AGENT_COMPLAINT, order())
        store.open_case(CaseOpening(case=case, opened_at=now, state="closed"))
        records.record_penalty(
            PenaltyEntry(
                case_id=case.case_id,
                agent_id=who,
                penalty=penalty_for(2, ()),
                effects=("written_warning",),
                decided_at=now + timedelta(seconds=i),
            )
        )
    async with running_worker(env, store) as (tq, _):
        h = await start(env, tq, who, violation=2)
        n = await notice(h)
        await advance(env, to=n.at, offset_s=CONTACT_S + 1)
        result = await h.result()
        assert result.penalty.level == Level.LEVEL_2_SERIOUS
        assert result.penalty.effects == ["month_failed_pay_70_percent", "suspended_1_months"]
        stored = records.penalties(who)
        assert [p["level"] for p in stored] == ["level_1", "level_1", "level_2_serious"]
        assert stored[-1]["effects"] == ["month_failed_pay_70_percent", "suspended_1_months"]
        await keep_history(h, "agent_complaint_no_contact_level_2_serious")


async def test_a_red_line_is_level_4_and_a_complaint_not_upheld_is_a_reminder(env, store):
    async with running_worker(env, store) as (tq, _):
        who = new_agent()
        h = await start(env, tq, who, violation=None)
        result = await h.result()
        assert result.outcome == AgentOutcome.REMINDED and result.penalty.effects == ["reminder"]
        h = await start(env, tq, who, violation=13)
        await advance(env, to=(await notice(h)).at, offset_s=CONTACT_S + 1)
        result = await h.result()
        assert result.penalty.level == Level.LEVEL_4
        assert result.penalty.permanent_suspension and result.penalty.public_notice
        # A reminder is not a violation record: the red line was judged against an empty record.
        assert [p["level"] for p in ComplaintRecords(store).penalties(who)] == ["reminder", "level_4"]


async def test_an_appeal_inside_the_contact_window_is_the_contact(env, store):
    async with running_worker(env, store) as (tq, _):
        who = new_agent()
        h = await start(env, tq, who, violation=6)
        await notice(h)
        await h.execute_update(
            AgentComplaint.appeal_verdict, Appeal(agent=agent(who), grounds="I was polite throughout")
        )
        await refused(
            h.execute_update(AgentComplaint.appeal_verdict, Appeal(agent=agent(who), grounds="again")),
            "already appealed|no appeal is possible",
        )
        req = await pending(h)
        await h.execute_update(
            CaseWorkflow.decide,
            ApprovalDecision(approval_id=req.approval_id, approver=WU, approve=False, note="the chat shows sarcasm"),
        )
        result = await h.result()
        assert result.contacted and result.appealed and result.penalty.level == Level.LEVEL_2
        got = kinds(await timeline(h))
        assert got.index(Entry.AGENT_CONTACTED) < got.index(Entry.APPEALED) < got.index(Entry.PENALTY_DECIDED)
