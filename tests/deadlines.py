"""Moving the time-skipping clock to either side of a case's deadline, and the actors
the process tests speak as."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.actors import ActorRef, Role
from domain.models import CaseStatus, TimelineEntry
from workflows.case_workflow import CaseWorkflow

CUSTOMER = ActorRef(actor_id="cust-1", role=Role.CUSTOMER)
OTHER_CUSTOMER = ActorRef(actor_id="cust-2", role=Role.CUSTOMER)
FIRST_LINE = ActorRef(actor_id="li.first", role=Role.FIRST_LINE)
SECOND_LINE = ActorRef(actor_id="wang.second", role=Role.SECOND_LINE)
PLATFORM = ActorRef(actor_id="tmall.ops", role=Role.PLATFORM)
INVOICE_SPECIALIST = ActorRef(actor_id="chen.invoice", role=Role.INVOICE_SPECIALIST)
SUPERVISOR = ActorRef(actor_id="zhou.ops", role=Role.OPERATIONS_SUPERVISOR)
REFUND_SPECIALIST = ActorRef(actor_id="sun.refund", role=Role.REFUND_SPECIALIST)


async def deadline(handle: WorkflowHandle, name: str, *, env: WorkflowEnvironment | None = None,
                   skip_s: float = 0) -> datetime:
    """The named deadline the case has set, waiting for it to be set. With env and
    skip_s, the clock moves skip_s at a time while waiting (e.g. for goods coming back)."""
    status: CaseStatus | None = None
    for _ in range(600):  # ~30 s of real time on a loaded machine
        try:
            status = await handle.query(CaseWorkflow.status)
        except RPCError:  # a child that has not started yet
            status = None
        if status and status.next_deadline_name == name and status.next_deadline:
            return status.next_deadline
        await (env.sleep(skip_s) if env and skip_s else asyncio.sleep(0.05))
    raise AssertionError(f"the case never set the deadline {name!r} (last: {status and status.next_deadline_name})")


async def sleep_to(env: WorkflowEnvironment, at: datetime, offset_s: float) -> None:
    """Move the clock to `at` + offset_s (negative: just before it)."""
    now = await env.get_current_time()
    gap = (at - now).total_seconds() + offset_s
    assert gap > 0, f"{at} + {offset_s}s is already past ({now})"
    await env.sleep(gap)


async def entries(handle: WorkflowHandle) -> list[str]:
    timeline = await handle.query(CaseWorkflow.timeline)
    return [e.kind for e in timeline]


async def rejection(handle: WorkflowHandle, update: Callable[..., Any], arg: object) -> str:
    """The validator's reason for refusing this Update (it must refuse)."""
    try:
        await handle.execute_update(update, arg)
    except WorkflowUpdateFailedError as e:
        return str(e.cause)
    raise AssertionError(f"{update} was accepted")


async def approve_manual_refund(env: WorkflowEnvironment, workflow_id: str, *, skip_s: float = 0) -> None:
    """The operations supervisor's review and a different person's second check on a
    ManualRefund child. skip_s > 0 moves the clock while waiting (goods coming back first)."""
    from domain.approvals import ApprovalDecision, ApprovalRequest

    child = env.client.get_workflow_handle(workflow_id)
    for approval_id, who in (("review", SUPERVISOR), ("second-check", REFUND_SPECIALIST)):
        for _ in range(400):
            try:
                pending = await child.query(CaseWorkflow.pending_approvals)
            except Exception:  # noqa: BLE001  (the child may not have started yet)
                pending = []
            if any(p.approval_id == approval_id for p in pending):
                break
            await (env.sleep(skip_s) if skip_s else asyncio.sleep(0.05))
        await child.execute_update(CaseWorkflow.decide, ApprovalDecision(approval_id=approval_id, approver=who, approve=True))
