"""AgentComplaint: a complaint against an agent (rulebook §5, S0).

Verdict notice → the agent contacts the handler within 48 h or the verdict is final →
an appeal within 2 working days of the notice → the appeal reviewed through the shared
approval → the penalty from the agent's record in the store → its effects recorded."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.agent_complaints import (
        APPEAL_REVIEW_ROLES,
        AgentComplaintInput,
        AgentComplaintResult,
        AgentContact,
        AgentOutcome,
        AgentState,
        Appeal,
        PenaltyEntry,
        RecordQuery,
        appeal_problem,
        contact_problem,
    )
    from domain.approvals import Subject
    from domain.handlers import UpdateName
    from domain.models import CaseStatus
    from domain.penalties import Penalty, penalty_for
    from domain.problems import Code, Problem
    from domain.timeline import Entry
    from workflows import activity_calls
    from workflows.case_workflow import CaseWorkflow
    from workflows.casefile import CaseFile
    from workflows.refusals import refuse


@workflow.defn
class AgentComplaint(CaseWorkflow):
    @workflow.init
    def __init__(self, inp: AgentComplaintInput) -> None:
        self.inp = inp
        super().__init__(CaseFile(inp.case, inp.policy, AgentState.AWAITING_CONTACT))
        self.contact: AgentContact | None = None
        self.appeal: Appeal | None = None
        self.contact_due: datetime | None = None
        self.appeal_due: datetime | None = None

    @workflow.run
    async def run(self, inp: AgentComplaintInput) -> AgentComplaintResult:
        f, policy = self.file, inp.policy
        await f.open(agent_id=inp.agent_id, upheld=inp.upheld, violation=inp.violation, handler=inp.handler.actor_id)
        result = AgentComplaintResult(case_id=inp.case.case_id, agent_id=inp.agent_id, outcome=AgentOutcome.PENALISED)
        if not inp.upheld:
            penalty = await self._penalise(None)
            await f.close(AgentOutcome.REMINDED, "system", level=penalty.level.value)
            return result.model_copy(update=dict(outcome=AgentOutcome.REMINDED, penalty=penalty))

        notice_at = workflow.now()
        self.contact_due = f.deadline_after("agent_contact", notice_at, policy.windows.agent_contact)
        self.appeal_due = f.deadline_after("agent_appeal", notice_at, policy.windows.agent_appeal)
        await f.record(
            Entry.VERDICT_NOTICE,
            inp.handler.actor_id,
            violation=inp.violation,
            finding=inp.finding,
            contact_due=self.contact_due.isoformat(),
            appeal_due=self.appeal_due.isoformat(),
        )

        contacted = await f.wait_until(lambda: self.contact is not None or self.appeal is not None, self.contact_due)
        f.clear_deadline("agent_contact")
        if not contacted:
            f.clear_deadline("agent_appeal")
            await f.record(
                Entry.VERDICT_FINAL,
                "system",
                why="the agent did not contact the handler within the contact window",
                window="agent_contact",
            )
            return await self._stand(result)
        first = self.contact or self.appeal
        assert first is not None
        await f.record(
            Entry.AGENT_CONTACTED,
            first.agent.actor_id,
            state=AgentState.AWAITING_APPEAL,
            note=getattr(first, "note", "") or "by appeal",
        )

        appealed = await f.wait_until(lambda: self.appeal is not None, self.appeal_due)
        f.clear_deadline("agent_appeal")
        if not appealed:
            await f.record(
                Entry.VERDICT_FINAL, "system", why="no appeal within the appeal window", window="agent_appeal"
            )
            return await self._stand(result.model_copy(update=dict(contacted=True)))
        appeal = self.appeal
        assert appeal is not None
        await f.record(Entry.APPEALED, appeal.agent.actor_id, state=AgentState.APPEAL_REVIEW, grounds=appeal.grounds)
        decision = await self.seek_approval(
            "appeal-review",
            Subject.APPEAL_REVIEW,
            APPEAL_REVIEW_ROLES,
            "agent_appeal",
            summary=f"{inp.agent_id} appeals violation {inp.violation}: {appeal.grounds}",
            not_by=(inp.handler.actor_id, inp.agent_id),
            not_by_reason="the verdict's handler and the agent do not review its appeal",
        )
        assert decision is not None  # no `until`: the review is waited for
        result = result.model_copy(update=dict(contacted=True, appealed=True, appeal_granted=decision.approve))
        if decision.approve:
            await f.close(AgentOutcome.OVERTURNED, decision.approver.actor_id, note=decision.note)
            return result.model_copy(update=dict(outcome=AgentOutcome.OVERTURNED))
        return await self._stand(result)

    async def _stand(self, result: AgentComplaintResult) -> AgentComplaintResult:
        penalty = await self._penalise(self.inp.violation)
        await self.file.close(AgentOutcome.PENALISED, "system", level=penalty.level.value, effects=penalty.effects)
        return result.model_copy(update=dict(outcome=AgentOutcome.PENALISED, penalty=penalty))

    async def _penalise(self, violation: int | None) -> Penalty:
        f, inp = self.file, self.inp
        record = await activity_calls.read_agent_record(RecordQuery(agent_id=inp.agent_id, case_id=inp.case.case_id))
        penalty = penalty_for(violation, record.records)
        await f.record(
            Entry.PENALTY_DECIDED,
            "system",
            state=AgentState.PENALISING,
            level=penalty.level.value,
            reason=penalty.reason,
            earlier_records=len(record.records),
        )
        await activity_calls.record_penalty(
            PenaltyEntry(
                case_id=inp.case.case_id,
                agent_id=inp.agent_id,
                penalty=penalty,
                effects=tuple(penalty.effects),
                decided_at=workflow.now(),
            )
        )
        await f.record(Entry.EFFECTS_RECORDED, "system", effects=penalty.effects, notice=penalty.notice)
        return penalty

    @workflow.update(name=UpdateName.CONTACT_HANDLER)
    async def contact_handler(self, contact: AgentContact) -> CaseStatus:
        self.contact = contact
        return self.file.status()

    @contact_handler.validator
    def _validate_contact(self, contact: AgentContact) -> None:
        problem = contact_problem(contact, self.file.state, self.inp.agent_id)
        if problem is None and (self.contact is not None or self.appeal is not None):
            problem = Problem(Code.ALREADY_DONE, "the agent has already contacted the handler")
        if problem is None and self.contact_due is not None and workflow.now() >= self.contact_due:
            problem = Problem(Code.WRONG_STATE, "the contact window is over: the verdict is final")
        refuse(problem)

    @workflow.update(name=UpdateName.APPEAL_VERDICT)
    async def appeal_verdict(self, appeal: Appeal) -> CaseStatus:
        self.appeal = appeal
        return self.file.status()

    @appeal_verdict.validator
    def _validate_appeal(self, appeal: Appeal) -> None:
        problem = appeal_problem(appeal, self.file.state, self.inp.agent_id)
        if problem is None and self.appeal is not None:
            problem = Problem(Code.ALREADY_DONE, "the verdict was already appealed")
        if (
            problem is None
            and self.file.state == AgentState.AWAITING_CONTACT
            and self.contact_due is not None
            and workflow.now() >= self.contact_due
        ):
            problem = Problem(Code.WRONG_STATE, "the contact window is over: the verdict is final")
        if problem is None and self.appeal_due is not None and workflow.now() >= self.appeal_due:
            problem = Problem(Code.WRONG_STATE, "the appeal window is over: the verdict stands")
        refuse(problem)
