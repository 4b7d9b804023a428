"""Waiting on an outside system without writing history per poll.

A poll is one activity whose retry policy is the poll interval (backoff 1.0) and whose
schedule-to-close is the wait's deadline: the activity raises a retryable "not yet"
(activities/conduct.py) until its condition holds, and the server retries it without
adding an event per attempt. A wait costs one activity and the workflow tasks around
it (runs begun before patch POLL_WITHOUT_TIMER also start a timer for the deadline,
which the activity's schedule-to-close already enforces), where a timer-and-activity
loop wrote ~10 events per poll (a held order's 48 h of hourly polls: ~500). The wait is
raced against whatever else may wake the case (a push signal, a customer's answer); the deadline's own check
stays with the caller, as of the deadline, so "just before / just after" keeps its
meaning whatever the poll interval.

Where the system pushes (policy `polling.pushed`), the push wakes the wait and the poll is
only a safety net against a lost push, at `polling.safety_net`: a retried attempt is out of
the history but still a task the server dispatches and the worker runs (issue 14: polls at
the full rate beside the pushes cost a quarter of the bench's engine CPU). The interval is
an attribute of the scheduled activity, not a command, so no patch is involved.

The wait's last look is an attempt too (patch POLL_TO_DEADLINE): the interval is shortened
so a whole number of them ends on the deadline (Polling.to_deadline), the query carries the
deadline (`last_look`), and the attempt at or after it answers as of the deadline whatever
the answer. Before, the server gave up at the last attempt that fitted, and the case slept
out the rest on a timer and asked again in an activity of its own: 11 events more per wait
that reached its deadline (a held order's backfill, its 48 h, the platform's 72 h).

Runs begun before this change replay their timer-and-activity loops (patch
POLL_BY_RETRY, asked by each workflow where its first poll would be)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, CancelledError, RetryState

from runtime.activity_timeouts import STEPS
from workflows import activity_calls, carryover, patches
from workflows.activity_calls import NON_RETRYABLE
from workflows.casefile import CaseFile

T = TypeVar("T")

POLL_BY_RETRY = "poll-by-retry"
POLL_WITHOUT_TIMER = "poll-without-deadline-timer"
POLL_TO_DEADLINE = "poll-to-deadline"

# a retry scheduled for the deadline itself is not needed: the caller checks as of the deadline
_GIVEN_UP = (RetryState.TIMEOUT, RetryState.MAXIMUM_ATTEMPTS_REACHED, RetryState.CANCEL_REQUESTED)


async def poll(
    activity: str,
    system: str,
    query: Any,
    result_type: type[T],
    *,
    every: timedelta,
    until: datetime,
    file: CaseFile,
    woken: Callable[[], bool] = lambda: False,
) -> T | None:
    """The activity's answer once its condition holds before `until`, or its answer as of
    `until` (the last look, patch POLL_TO_DEADLINE: the condition may not hold); None when
    woken() turns true first or no attempt could look at `until` (the caller looks at
    which, and asks as of `until` itself). A failure for good (unknown order, bad answer)
    is raised like any step's."""
    remaining = until - workflow.now()
    if remaining <= timedelta(0) or woken():
        return None
    s = STEPS[system]
    polling = file.policy.polling
    every = polling.every(system, every)  # slower where the system pushes
    bound = remaining
    if file.takes(POLL_TO_DEADLINE):
        # an attempt lands on the deadline and answers as of it: no timer, no second activity
        every = polling.to_deadline(remaining, every)
        query = query.model_copy(update={"last_look": until})
        bound = remaining + s.start_to_close  # room for the last attempt, started a little late
    handle = workflow.start_activity(
        activity,
        query,
        result_type=result_type,
        start_to_close_timeout=s.start_to_close,
        schedule_to_close_timeout=bound,
        retry_policy=RetryPolicy(
            initial_interval=every,
            backoff_coefficient=1.0,
            maximum_interval=every,
            non_retryable_error_types=NON_RETRYABLE,
        ),
    )
    if patches.patched(POLL_WITHOUT_TIMER):
        # the activity's schedule-to-close is the deadline: it ends by then on its own
        await workflow.wait_condition(lambda: handle.done() or woken())
    else:  # runs begun before: a deadline timer beside each poll (two events more)
        await file.wait_until(lambda: handle.done() or woken(), until)
    cancelled = not handle.done()
    if cancelled:
        handle.cancel()
    try:
        return await handle
    except ActivityError as e:
        if e.retry_state not in _GIVEN_UP and not isinstance(e.cause, CancelledError):
            raise
    except asyncio.CancelledError:
        # cancelled before its command went out (woken in the same activation): the
        # handle's task never ran, so it raises the bare cancellation; only ours is swallowed
        if not cancelled:
            raise
    # No attempt fits between the last one and the deadline: the server gives up early.
    # Sleep out the rest, so the caller's deadline check runs at the deadline.
    await file.wait_until(woken, until)
    return None


async def answer_by(
    poll_activity: str,
    check_activity: str,
    system: str,
    query: Callable[[datetime], Any],
    result_type: type[T],
    *,
    every: timedelta,
    until: datetime,
    file: CaseFile,
    waiting_for: str = "",
    since: datetime | None = None,
) -> T:
    """The outside system's answer once its condition holds (polled by retry, looked at
    at once when the system pushes: file.pushes), else its answer as of `until`.
    `waiting_for` names the wait (its deadline) for a kind that resumes it in a next
    run: woken again and again, the run continues as new (workflows/carryover.py),
    carrying `since` (when the question was put) where the query needs it."""
    while True:
        if waiting_for:  # before each look, where nothing is in flight
            await carryover.continue_if_long(file, waiting_for, since)
        pushes = file.pushes
        got = await poll(
            poll_activity,
            system,
            query(workflow.now()),
            result_type,
            every=every,
            until=until,
            file=file,
            woken=lambda: file.pushes != pushes,  # noqa: B023 - awaited in this iteration
        )
        if got is not None:
            return got
        if workflow.now() >= until:  # the last look is as of the deadline itself
            return await activity_calls.call(check_activity, system, query(until), result_type)
