"""Polling by activity retry (workflows/waits.py) on the time-skipping server: attempts
are retried at the poll interval without history, and each attempt's start time follows
the skipped clock, which is what the simulators are asked "as of". And which runs end a
wait on its own poll's last attempt (poll-to-deadline)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.worker import Worker

from domain.carryover import CarriedWait
from domain.models import CaseKind, TimelineEntry
from domain.timeline import Entry
from tests.factories import DEFAULT_POLICY, header, order
from workflows import patches
from workflows.casefile import CaseFile
from workflows.waits import POLL_TO_DEADLINE

SEEN: list[tuple[datetime, datetime]] = []


@activity.defn
async def not_before_three_attempts() -> int:
    info = activity.info()
    SEEN.append((info.started_time, info.current_attempt_scheduled_time))
    if info.attempt < 4:
        raise ApplicationError("not yet", type="NotYet")
    return info.attempt


@workflow.defn(sandboxed=False)
class HourlyPoll:
    @workflow.run
    async def run(self, hours: int) -> int:
        try:
            return await workflow.execute_activity(
                not_before_three_attempts,
                start_to_close_timeout=timedelta(seconds=10),
                schedule_to_close_timeout=timedelta(hours=hours),
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(hours=1), backoff_coefficient=1.0, maximum_interval=timedelta(hours=1)
                ),
            )
        except ActivityError:
            return 0


async def test_attempts_start_an_interval_apart_on_the_skipped_clock_and_write_no_history(env):
    SEEN.clear()
    tq = f"tq-{uuid.uuid4().hex[:8]}"
    async with Worker(env.client, task_queue=tq, workflows=[HourlyPoll], activities=[not_before_three_attempts]):
        h = await env.client.start_workflow(HourlyPoll.run, 48, id=f"poll-{tq}", task_queue=tq)
        assert await h.result() == 4
        events = (await h.fetch_history()).events
    started = [s for s, _ in SEEN]
    assert [round((s - started[0]).total_seconds() / 3600) for s in started] == [0, 1, 2, 3]
    # the test server stamps current_attempt_scheduled_time when it decides the retry, one
    # interval before the attempt runs: the poll asks as of started_time instead
    assert round((SEEN[-1][1] - started[0]).total_seconds() / 3600) == 2
    assert len(events) < 15  # four attempts, one scheduled / started / completed


async def test_no_attempt_fits_before_the_deadline_the_poll_gives_up_before_it(env):
    SEEN.clear()
    tq = f"tq-{uuid.uuid4().hex[:8]}"
    async with Worker(env.client, task_queue=tq, workflows=[HourlyPoll], activities=[not_before_three_attempts]):
        assert await env.client.execute_workflow(HourlyPoll.run, 2, id=f"poll-{tq}", task_queue=tq) == 0
    assert len(SEEN) == 2  # at 0 h and 1 h: waits.poll sleeps out the rest and checks as of the deadline


def test_a_resumed_run_takes_poll_to_deadline_only_where_its_case_began_on_the_new_baseline():
    """A next run (continue-as-new) knows its baseline from the carried wait, since its first
    command is its poll and no marker may be asked before it; runs carried from the first
    baseline, or before the baseline was carried, keep the timer-and-check tail."""
    opened = TimelineEntry(seq=0, at=datetime(2026, 12, 3), kind=Entry.OPENED, actor="system", state="open")

    def resumed(baseline: str | None) -> CaseFile:
        f = CaseFile(header(CaseKind.SHIPMENT_TRACKING, order()), DEFAULT_POLICY, "open")
        f.resume(
            CarriedWait(waiting_for="ship_target", state="open", timeline=(opened,), batched=True, baseline=baseline)
        )
        return f

    assert resumed(patches.BASELINE).takes(POLL_TO_DEADLINE)
    assert not resumed(patches.FIRST_BASELINE).takes(POLL_TO_DEADLINE)
    assert not resumed(None).takes(POLL_TO_DEADLINE)  # carried by a run of the code before
    assert patches.IMPLIED[patches.FIRST_BASELINE] < patches.IMPLIED[patches.BASELINE]  # never loses an id
