"""The worker's sandbox (runtime/sandbox.py) is cheaper than the SDK's default but still a
sandbox: workflow code that is not deterministic is stopped, and every run gets its own
copy of its workflow module."""
from __future__ import annotations

import uuid

from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from runtime.sandbox import sandbox_runner
from tests.sandbox_workflows import CountsRuns, ReadsTheWallClock
from tests.support import until


def worker(env: WorkflowEnvironment, task_queue: str) -> Worker:
    return Worker(env.client, task_queue=task_queue, workflows=[ReadsTheWallClock, CountsRuns],
                  workflow_runner=sandbox_runner())


async def test_a_workflow_reading_the_wall_clock_is_stopped_by_the_sandbox(env: WorkflowEnvironment):
    tq = f"sandbox-{uuid.uuid4()}"
    async with worker(env, tq):
        h = await env.client.start_workflow(ReadsTheWallClock.run, id=f"wall-clock-{uuid.uuid4()}", task_queue=tq)

        async def task_failure() -> str:
            return next((e.workflow_task_failed_event_attributes.failure.message for e in (await h.fetch_history()).events
                         if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED), "")
        failure = await until(task_failure, "the workflow task to fail", within=10)
        await h.terminate("test over")
    assert "Cannot access datetime.datetime.now" in failure and "from inside a workflow" in failure, failure


async def test_every_run_starts_from_a_fresh_copy_of_its_workflow_module(env: WorkflowEnvironment):
    tq = f"sandbox-{uuid.uuid4()}"
    async with worker(env, tq):
        counts = [await env.client.execute_workflow(CountsRuns.run, id=f"count-{uuid.uuid4()}", task_queue=tq)
                  for _ in range(3)]
    assert counts == [1, 1, 1]
