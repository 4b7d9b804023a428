"""The engine floor: a workflow with no logic that runs the same number of activities
as a real case, each a no-op, with the store's timeouts and retry policy. What is
left when our design is taken away: Temporal, the SDK, the worker and the converter."""
from __future__ import annotations

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from domain.steps import STEPS
    from temporalio.common import RetryPolicy


@activity.defn
async def touch(step: int) -> int:
    return step


@workflow.defn
class Floor:
    @workflow.run
    async def run(self, activities: int) -> int:
        s = STEPS["store"]
        retry = RetryPolicy(initial_interval=s.initial_interval, backoff_coefficient=s.backoff,
                            maximum_interval=s.maximum_interval, maximum_attempts=s.maximum_attempts)
        for step in range(activities):
            await workflow.execute_activity(touch, step, start_to_close_timeout=s.start_to_close, retry_policy=retry)
        return activities
