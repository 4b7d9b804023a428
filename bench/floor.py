"""The engine floor: a workflow with no logic that runs the same activities as a real
case did, as many regular and as many local ones, each a no-op, with the store's
timeouts and retry policy. What is left when our design is taken away: Temporal, the
SDK, the worker and the converter."""

from __future__ import annotations

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from temporalio.common import RetryPolicy

    from runtime.activity_timeouts import STEPS


@activity.defn
async def touch(step: int) -> int:
    return step


@workflow.defn
class Floor:
    @workflow.run
    async def run(self, plan: list[int]) -> int:
        """plan = [regular, local]: the local ones spread evenly between the regular ones."""
        regular, local = plan
        s = STEPS["store"]
        retry = RetryPolicy(
            initial_interval=s.initial_interval,
            backoff_coefficient=s.backoff,
            maximum_interval=s.maximum_interval,
            maximum_attempts=s.maximum_attempts,
        )
        done = 0
        for step in range(regular + 1):
            while done * (regular + 1) < local * (step + 1):
                await workflow.execute_local_activity(
                    touch, done, start_to_close_timeout=s.start_to_close, retry_policy=retry
                )
                done += 1
            if step < regular:
                await workflow.execute_activity(
                    touch, step, start_to_close_timeout=s.start_to_close, retry_policy=retry
                )
        return regular + local
