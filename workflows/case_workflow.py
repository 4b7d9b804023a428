"""CaseWorkflow: the handlers every case process shares. Every case's @workflow.init
calls CaseWorkflow.__init__ with its CaseFile; seek_approval() is where the rulebook
needs a decision, wait_past_sla() wherever a person is waited for past an SLA."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from domain.actors import Role
    from domain.approvals import ApprovalDecision, ApprovalRequest, MoneyAtStake, Subject, approval_problem
    from domain.handlers import QueryName, UpdateName
    from domain.models import CaseStatus, TimelineEntry
    from domain.timeline import Entry
    from workflows.casefile import CaseFile
    from workflows.refusals import refuse


FAILED = "failed"


class SeekApproval(Protocol):
    async def __call__(
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
    ) -> ApprovalDecision | None: ...


async def wait_past_sla(
    file: CaseFile,
    done: Callable[[], bool],
    sla: datetime,
    on_breach: Callable[[], Awaitable[None]],
    *,
    until: datetime | None = None,
) -> bool:
    """Wait for done(); if `sla` passes first, on_breach() records the breach (and
    whatever escalation goes with it) and the wait goes on, to `until` or for good.
    True when done() came, False when `until` passed first."""
    if await file.wait_until(done, sla if until is None else min(sla, until)):
        return True
    if workflow.now() >= sla:
        await on_breach()
    if until is None:
        await workflow.wait_condition(done)
        return True
    return await file.wait_until(done, until)


def failure_step(error: BaseException) -> tuple[str, str]:
    """Which step failed and why, in words a supervisor can act on."""
    if isinstance(error, ActivityError):
        cause = error.cause
        why = cause.message if isinstance(cause, ApplicationError) else str(cause or error)
        kind = f" ({cause.type})" if isinstance(cause, ApplicationError) and cause.type else ""
        return error.activity_type or "activity", f"{why}{kind}"
    if isinstance(error, ChildWorkflowError):
        cause = error.cause
        return f"child {error.workflow_type} {error.workflow_id}", str(
            getattr(cause, "message", None) or cause or error
        )
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return "workflow", f"bad data for {error.title}: {where + ': ' if where else ''}{first['msg']}"
    return "workflow", str(error).splitlines()[0] if str(error) else type(error).__name__


def closes_visibly(run: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """A case whose step fails for good (an outside system's non-retryable error, a failed
    child, bad data that fails validation) ends visibly: the store gets outcome `failed`
    with the step and the reason, every queued entry is written, and the workflow fails
    with a non-retryable error instead of retrying its task forever."""

    @functools.wraps(run)
    async def wrapped(self: CaseWorkflow, *args: Any) -> Any:
        try:
            return await run(self, *args)
        except (ActivityError, ChildWorkflowError, ValidationError) as e:
            step, why = failure_step(e)
            f = self.file
            if f.outcome is None:
                await f.close(FAILED, "system", state=FAILED, step=step, reason=why[:500])
            raise ApplicationError(f"case failed at {step}: {why}", type="CaseFailed", non_retryable=True) from e

    wrapped.__closes_visibly__ = True  # type: ignore[attr-defined]
    return wrapped


class CaseWorkflow:
    def __init__(self, file: CaseFile) -> None:
        self.file = file
        self.pending: dict[str, ApprovalRequest] = {}
        self.decided: dict[str, ApprovalDecision] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Every case kind's run gets the same visible failure, so a new kind cannot forget it.
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get("run")
        if run is not None and not getattr(run, "__closes_visibly__", False):
            cls.run = closes_visibly(run)  # type: ignore[attr-defined]

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
        pending, decided = self.pending, self.decided
        f = self.file
        window = getattr(f.policy.windows, sla_window)
        now = workflow.now()
        request = ApprovalRequest(
            approval_id=approval_id,
            case_id=f.case.case_id,
            subject=subject,
            roles=roles,
            summary=summary,
            money=money,
            not_by=not_by,
            not_by_reason=not_by_reason,
            requested_at=now,
            sla_window=sla_window,
            due_at=f.policy.calendar.deadline(now, window),
        )
        pending[approval_id] = request
        f.set_deadline(f"approval:{approval_id}", request.due_at)
        await f.record(
            Entry.APPROVAL_REQUESTED,
            "system",
            approval_id=approval_id,
            subject=subject.value,
            roles=[r.value for r in roles],
            due_at=request.due_at.isoformat(),
            sla_window=sla_window,
            amount_fen=money.amount_fen if money else None,
            summary=summary,
        )

        async def breached() -> None:
            await f.record(Entry.SLA_BREACHED, "system", window=sla_window, approval_id=approval_id)

        await wait_past_sla(f, lambda: approval_id in decided, request.due_at, breached, until=until)
        f.clear_deadline(f"approval:{approval_id}")
        pending.pop(approval_id, None)
        decision = decided.get(approval_id)
        if decision is None:
            await f.record(Entry.APPROVAL_EXPIRED, "system", approval_id=approval_id)
            return None
        await f.record(
            Entry.APPROVAL_DECIDED,
            decision.approver.actor_id,
            approval_id=approval_id,
            subject=subject.value,
            approve=decision.approve,
            note=decision.note,
            role=decision.approver.role.value,
            amount_fen=(decision.amount_fen or (money.amount_fen if money else None)) if decision.approve else None,
        )
        return decision

    @workflow.update(name=UpdateName.DECIDE)
    async def decide(self, decision: ApprovalDecision) -> CaseStatus:
        self.decided[decision.approval_id] = decision
        return self.file.status()

    @decide.validator
    def _validate_decide(self, decision: ApprovalDecision) -> None:
        problem = approval_problem(self.pending, decision, self.file.policy, self.decided)
        refuse(problem)

    @workflow.query(name=QueryName.PENDING_APPROVALS)
    def pending_approvals(self) -> list[ApprovalRequest]:
        return list(self.pending.values())

    @workflow.query(name=QueryName.STATUS)
    def status(self) -> CaseStatus:
        return self.file.status()

    @workflow.query(name=QueryName.TIMELINE)
    def timeline(self) -> list[TimelineEntry]:
        return list(self.file.timeline)
