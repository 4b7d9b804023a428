"""Moving the time-skipping clock to just before or just after a case's deadline, and
reading what the case did. For the processes-a tests."""
from __future__ import annotations

import asyncio
from datetime import datetime

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.approvals import ApprovalRequest
from domain.models import CaseStatus
from workflows.case_workflow import CaseWorkflow


async def wait_closed(env: WorkflowEnvironment, case_id: str) -> None:
    """Move the skipped clock until the case closes (a handle the CLI or the API started
    does not unlock time skipping by itself)."""
    from datetime import timedelta

    from temporalio.client import WorkflowExecutionStatus
    handle = env.client.get_workflow_handle(f"case-{case_id}")
    for _ in range(100):
        if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
            return
        await env.sleep(timedelta(hours=2))
    raise AssertionError(f"{case_id} did not close within 200 skipped hours")


async def sleep_until(env: WorkflowEnvironment, at: datetime, offset_s: float = 0.0) -> None:
    """Skip to `at` + offset (negative: just before it)."""
    now = await env.get_current_time()
    seconds = (at - now).total_seconds() + offset_s
    if seconds > 0:
        await env.sleep(seconds)


async def until(probe, what: str, *, attempts: int = 200):  # type: ignore[no-untyped-def]
    """Poll a query in real time until it returns something truthy."""
    for _ in range(attempts):
        value = await probe()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def pending(handle: WorkflowHandle, approval_id: str) -> ApprovalRequest:
    async def probe() -> ApprovalRequest | None:
        found = await handle.query(CaseWorkflow.pending_approvals)
        return next((r for r in found if r.approval_id == approval_id), None)
    return await until(probe, f"approval {approval_id}")


async def in_state(handle: WorkflowHandle, state: str) -> None:
    async def probe() -> bool:
        status = await handle.query(CaseWorkflow.status)
        return status.state == state
    await until(probe, f"state {state}")


def kinds(store, case_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.kind for e in store.timeline(case_id)]


def entries(store, case_id: str, kind: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [e.detail for e in store.timeline(case_id) if e.kind == kind]


async def refused(update, match: str) -> str:  # type: ignore[no-untyped-def]
    """The Update was rejected by its validator, with a reason containing `match`."""
    from temporalio.client import WorkflowUpdateFailedError
    try:
        await update
    except WorkflowUpdateFailedError as e:
        reason = str(e.cause)
        assert match in reason, reason
        return reason
    raise AssertionError("the update was accepted")
