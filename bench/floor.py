"""The engine floor: a workflow with no logic that runs the same activities as a real
case did, as many regular and as many local ones, each a no-op, with the store's
timeouts and retry policy. What is left when our design is taken away: Temporal, the
SDK, the worker and the converter.

The answered floor (plan with four numbers) also takes as many Updates and signals as
the case did (people's answers, outside systems' pushes), each waking it once, so the
workload's own cost (people answer, systems push) is in the yardstick as well and what
is left between it and ours is our design: deadlines raced against each answer, child
cases, patch markers, polls.

The rulebook floor (plan with five numbers, the fifth 1) also does what the rulebook and
this project's rules require of any case, whatever its design: each answer is awaited
against a deadline (the rulebook gives every question a window: a timer started, and
cancelled when the answer comes first), and the run takes one version marker (a
workflow that has ever been patched records one, and the SDK upserts the
TemporalChangeVersion search attribute beside it). What is left between it and ours is
the design itself: child cases, polls, more workflow tasks."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from temporalio.common import RetryPolicy

    from runtime.activity_timeouts import STEPS

VERSION = "floor-version"  # the one marker the rulebook floor takes, as a patched case does
ANSWER_WINDOW = timedelta(days=1)  # never reached in the bench: the timer is cancelled by the answer


@activity.defn
async def touch(step: int) -> int:
    return step


@workflow.defn
class Floor:
    def __init__(self) -> None:
        self.answers = 0
        self.pushes = 0

    @workflow.run
    async def run(self, plan: list[int]) -> int:
        """plan = [regular, local], [regular, local, updates, signals] or with a fifth
        number 1, the rulebook's: the local ones spread evenly between the regular ones;
        then every answer and push awaited (the rulebook's: each answer first, one at a
        time against its deadline, then the activities)."""
        regular, local, *people = plan
        updates, signals, rulebook = (*people, 0, 0, 0)[:3]
        if rulebook:
            workflow.patched(VERSION)
            for n in range(updates):
                try:
                    await workflow.wait_condition(lambda: self.answers > n, timeout=ANSWER_WINDOW)  # noqa: B023
                except TimeoutError:
                    break
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
        await workflow.wait_condition(lambda: self.answers >= updates and self.pushes >= signals)
        return regular + local

    @workflow.update
    def answer(self) -> int:
        self.answers += 1
        return self.answers

    @workflow.signal
    def pushed(self) -> None:
        self.pushes += 1
