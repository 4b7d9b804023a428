"""What the tests do to a running case, once: wait for something (`until`), move the
time-skipping clock (`advance`), read what the case did (`timeline`, `kinds`, `details`,
`entry`, `scheduled_activities`), see an Update refused (`refused`), and run a worker (`running_worker`).

Waiting is in real time: queries do not move the test server's clock, and the server does
not skip while a client awaits an Update's result. Moving the clock is `advance` only."""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

import worker
from adapters.simulators import SimulatorConfig
from domain.approvals import ApprovalDecision, ApprovalRequest
from domain.models import CaseStatus, TimelineEntry
from domain.timeline import Entry
from store import CaseStore
from tests.factories import REFUND_SPECIALIST, SUPERVISOR
from workflows.case_workflow import CaseWorkflow

T = TypeVar("T")

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")


# -- waiting ------------------------------------------------------------------------
async def until(
    probe: Callable[[], T | Awaitable[T]],
    what: str = "the condition",
    *,
    within: float = 30.0,
    interval: float = 0.05,
    env: WorkflowEnvironment | None = None,
    skip: float = 0,
) -> T:
    """The first truthy value of probe() (plain or async), polled in real time; fails the
    test after `within` seconds. A probe that raises RPCError (a case or child not started
    yet) counts as not yet. With env and skip, the clock moves `skip` seconds between
    polls instead (for things that happen on the case's own clock)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    last: Any = None
    while True:
        try:
            last = probe()
            if inspect.isawaitable(last):
                last = await last
        except RPCError:
            last = None
        if last:
            return last
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what} (last: {last!r})")
        await (advance(env, by=skip) if env is not None and skip else asyncio.sleep(interval))


async def reached(handle: WorkflowHandle, kind: Entry, *, within: float = 30.0) -> list[TimelineEntry]:
    """The case's timeline once it shows `kind`."""

    async def probe() -> list[TimelineEntry] | None:
        entries = await timeline(handle)
        return entries if kind in kinds(entries) else None

    return await until(probe, f"{kind} in the timeline", within=within)


async def pending(
    handle: WorkflowHandle, approval_id: str | None = None, *, env: WorkflowEnvironment | None = None, skip: float = 0
) -> ApprovalRequest:
    """The pending approval (the first one, or the one named)."""

    async def probe() -> ApprovalRequest | None:
        found = await handle.query(CaseWorkflow.pending_approvals)
        return next((r for r in found if approval_id is None or r.approval_id == approval_id), None)

    return await until(probe, f"pending approval {approval_id or ''}", env=env, skip=skip)


async def in_state(handle: WorkflowHandle, state: str) -> CaseStatus:
    async def probe() -> CaseStatus | None:
        status = await handle.query(CaseWorkflow.status)
        return status if status.state == state else None

    return await until(probe, f"state {state}")


async def deadline(
    handle: WorkflowHandle, name: str, *, env: WorkflowEnvironment | None = None, skip: float = 0
) -> datetime:
    """The named deadline once the case has set it."""

    async def probe() -> datetime | None:
        status = await handle.query(CaseWorkflow.status)
        return status.next_deadline if status.next_deadline_name == name else None

    return await until(probe, f"the deadline {name!r}", env=env, skip=skip)


# -- the clock ----------------------------------------------------------------------
async def advance(
    env: WorkflowEnvironment | None, *, to: datetime | None = None, by: float | timedelta = 0, offset_s: float = 0.0
) -> None:
    """Move the time-skipping clock `by` a duration, or `to` a moment + offset_s (negative:
    just before it). Moving to a moment already past fails: the test meant something else."""
    assert env is not None
    if to is not None:
        now = await env.get_current_time()
        gap = (to - now).total_seconds() + offset_s
        assert gap > 0, f"{to} + {offset_s}s is already past ({now})"
        await env.sleep(gap)
        return
    await env.sleep(by)


async def wait_closed(env: WorkflowEnvironment, case_id: str) -> None:
    """Move the clock until the case closes (a handle the CLI or the API started does not
    unlock time skipping by itself)."""
    handle = env.client.get_workflow_handle(f"case-{case_id}")

    async def closed() -> bool:
        if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
            return True
        await advance(env, by=timedelta(hours=2))
        return False

    await until(closed, f"{case_id} to close", within=120)


# -- what the case did --------------------------------------------------------------
async def timeline(handle: WorkflowHandle) -> list[TimelineEntry]:
    return await handle.query(CaseWorkflow.timeline)


def kinds(entries: list[TimelineEntry]) -> list[str]:
    return [e.kind for e in entries]


def scheduled_activities(events: Sequence[HistoryEvent]) -> list[str]:
    """The activity types a history scheduled, in order (local activities are markers, not here)."""
    return [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]


def details(entries: list[TimelineEntry], kind: Entry) -> list[dict[str, Any]]:
    return [e.detail for e in entries if e.kind == kind]


def entry(entries: list[TimelineEntry], kind: Entry) -> TimelineEntry:
    """The one entry of `kind`."""
    found = [e for e in entries if e.kind == kind]
    assert len(found) == 1, f"{kind}: {kinds(entries)}"
    return found[0]


async def refused(update: Awaitable[Any], match: str = "") -> str:
    """The Update's validator refused it; its reason (containing `match`, or matching it
    as a pattern)."""
    try:
        await update
    except WorkflowUpdateFailedError as e:
        reason = str(e.cause)
        assert match in reason or re.search(match, reason), reason
        return reason
    raise AssertionError("the update was accepted")


# -- people and workers -------------------------------------------------------------
async def approve_manual_refund(env: WorkflowEnvironment, workflow_id: str, *, skip: float = 0) -> None:
    """The operations supervisor's review and a different person's second check on a
    ManualRefund child. skip > 0 moves the clock while waiting (goods coming back first)."""
    child = env.client.get_workflow_handle(workflow_id)
    for approval_id, who in (("review", SUPERVISOR), ("second-check", REFUND_SPECIALIST)):
        await pending(child, approval_id, env=env, skip=skip)
        await child.execute_update(
            CaseWorkflow.decide, ApprovalDecision(approval_id=approval_id, approver=who, approve=True)
        )


@asynccontextmanager
async def running_worker(
    env: WorkflowEnvironment, store: CaseStore, config: SimulatorConfig | None = None, **overrides: object
) -> AsyncIterator[tuple[str, worker.Outside]]:
    """A worker on a fresh task queue with fresh simulators; yields (task_queue, outside)."""
    outside = worker.Outside.simulated(config)
    task_queue = f"tq-{uuid.uuid4().hex[:8]}"
    async with worker.build_worker(env.client, store, outside, task_queue=task_queue, **overrides):
        yield task_queue, outside
