"""CaseWorkflow: the handlers every case process shares. Subclasses set self.file in
their @workflow.init and call seek_approval() where the rulebook needs a decision."""
from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.actors import Role
    from domain.approvals import ApprovalDecision, ApprovalRequest, MoneyAtStake, Subject, approval_problem
    from domain.models import CaseStatus, TimelineEntry
    from workflows.casefile import CaseFile


class CaseWorkflow:
    file: CaseFile

    def _approvals(self) -> tuple[dict[str, ApprovalRequest], dict[str, ApprovalDecision]]:
        if not hasattr(self, "_pending"):
            self._pending: dict[str, ApprovalRequest] = {}
            self._decided: dict[str, ApprovalDecision] = {}
        return self._pending, self._decided

    async def seek_approval(
        self,
        approval_id: str,
        subject: Subject,
        roles: tuple[Role, ...],
        sla_window: str,
        *,
        summary: str = "",
        money: MoneyAtStake | None = None,
        not_by: tuple[str, ...] = (),
        not_by_reason: str = "",
        until: datetime | None = None,
    ) -> ApprovalDecision | None:
        """Ask, record the request, and wait for the decision. Returns None if `until`
        passes first. Passing the SLA is recorded as a breach; the wait goes on."""
        pending, decided = self._approvals()
        f = self.file
        window = getattr(f.policy.windows, sla_window)
        now = workflow.now()
        request = ApprovalRequest(
            approval_id=approval_id, case_id=f.case.case_id, subject=subject, roles=roles, summary=summary,
            money=money, not_by=not_by, not_by_reason=not_by_reason, requested_at=now, sla_window=sla_window,
            due_at=f.policy.calendar.deadline(now, window),
        )
        pending[approval_id] = request
        f.set_deadline(f"approval:{approval_id}", request.due_at)
        await f.record("approval_requested", "system", approval_id=approval_id, subject=subject.value,
                       roles=[r.value for r in roles], due_at=request.due_at.isoformat(), sla_window=sla_window,
                       amount_fen=money.amount_fen if money else None, summary=summary)
        done = lambda: approval_id in decided  # noqa: E731
        first_stop = request.due_at if until is None else min(request.due_at, until)
        if not await f.wait_until(done, first_stop):
            if workflow.now() >= request.due_at:
                await f.record("sla_breached", "system", window=sla_window, approval_id=approval_id)
            if until is None:
                await workflow.wait_condition(done)
            else:
                await f.wait_until(done, until)
        f.clear_deadline(f"approval:{approval_id}")
        pending.pop(approval_id, None)
        decision = decided.get(approval_id)
        if decision is None:
            await f.record("approval_expired", "system", approval_id=approval_id)
            return None
        await f.record("approval_decided", decision.approver.actor_id, approval_id=approval_id, subject=subject.value,
                       approve=decision.approve, note=decision.note, role=decision.approver.role.value,
                       amount_fen=(decision.amount_fen or (money.amount_fen if money else None)) if decision.approve else None)
        return decision

    @workflow.update
    async def decide(self, decision: ApprovalDecision) -> CaseStatus:
        self._approvals()[1][decision.approval_id] = decision
        return self.file.status()

    @decide.validator
    def _validate_decide(self, decision: ApprovalDecision) -> None:
        pending, decided = self._approvals()
        problem = approval_problem(pending, decision, self.file.policy, decided)
        if problem:
            raise ValueError(problem)

    @workflow.query
    def pending_approvals(self) -> list[ApprovalRequest]:
        return list(self._approvals()[0].values())

    @workflow.query
    def status(self) -> CaseStatus:
        return self.file.status()

    @workflow.query
    def timeline(self) -> list[TimelineEntry]:
        return list(self.file.timeline)
