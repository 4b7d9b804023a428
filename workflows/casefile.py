"""CaseFile: what every case workflow keeps, whatever its process: the state, the
timeline (mirrored to the store through activities), the next deadline, the outcome.

The timeline reaches the store in batches: record() queues the entry and a writer task
sends everything queued as one local activity (one transaction) as soon as the case's
own code waits for anything: an activity, a timer, an answer, a child. So the store has
every entry before the case waits on the people who read it, at one write per wait
instead of one per entry. close() waits until the last entry is stored."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from temporalio import workflow

from domain.carryover import CarriedWait
from domain.models import CaseEvent, CaseHeader, CaseOpening, CaseStatus, TimelineBatch, TimelineEntry
from domain.policy import Policy
from domain.timeline import Entry
from domain.windows import Window
from workflows import activity_calls, patches


class CaseFile:
    def __init__(self, case: CaseHeader, policy: Policy, state: str):
        self.case, self.policy, self.state = case, policy, state
        self.timeline: list[TimelineEntry] = []
        self.deadlines: dict[str, datetime] = {}
        self.outcome: str | None = None
        self.batched = False  # decided in open(): runs begun before batching replay one write per entry
        self._opening: CaseOpening | None = None
        self._unsent: list[CaseEvent] = []
        self._writer: asyncio.Task[None] | None = None
        self.pushes = 0  # the outside system's pushes (a signal each): a wait looks now, not at its next poll
        # how this kind's next run is started when a long wait continues as new (workflows/carryover.py):
        # the case's input with the carried wait; None where a kind cannot resume a wait
        self.continue_with: Callable[[CarriedWait], Any] | None = None
        self.run = 1  # which run of the case this is (continue-as-new)
        # the run's patch baseline, settled at its start (open) or carried (resume); None in
        # runs begun before it was known there, which keep every path added since
        self.baseline: str | None = None

    async def open(self, **detail: Any) -> None:
        opening = CaseOpening(case=self.case, opened_at=workflow.now(), state=self.state)
        self.batched = patches.patched(activity_calls.TIMELINE_BATCHES)
        self.baseline = patches.run_baseline()  # asked just above: no command of its own
        if self.batched:
            self._opening = opening  # goes with the first batch
        else:
            await activity_calls.open_case(opening)
        await self.record(Entry.OPENED, self.case.opened_by, reason=self.case.reason, **detail)

    def resume(self, carried: CarriedWait) -> None:
        """The next run of a case that continued as new: already open and stored, so
        nothing is opened or recorded again; entries go on from the carried sequence."""
        self.timeline = list(carried.timeline)
        self.state, self.deadlines = carried.state, dict(carried.deadlines)
        self.batched, self.pushes, self.run = carried.batched, carried.pushes, carried.run
        self.baseline = carried.baseline

    async def carry(self, waiting_for: str, since: datetime | None = None) -> CarriedWait:
        """What the next run needs, once everything queued is stored (a run's unsent
        entries would be lost with it)."""
        if self._writer:
            await self._writer
        return CarriedWait(
            waiting_for=waiting_for,
            state=self.state,
            timeline=tuple(self.timeline),
            deadlines=dict(self.deadlines),
            batched=self.batched,
            pushes=self.pushes,
            since=since,
            run=self.run + 1,
            baseline=self.baseline,
        )

    async def record(self, kind: Entry, actor: str, *, state: str | None = None, **detail: Any) -> TimelineEntry:
        if state:
            self.state = state
        entry = TimelineEntry(
            seq=len(self.timeline), at=workflow.now(), kind=kind, actor=actor, state=self.state, detail=detail
        )
        await self._store(CaseEvent(case_id=self.case.case_id, entry=entry))
        return entry

    async def close(self, outcome: str, actor: str, *, state: str = "closed", **detail: Any) -> None:
        self.outcome, self.state = outcome, state
        self.deadlines.clear()
        entry = TimelineEntry(
            seq=len(self.timeline),
            at=workflow.now(),
            kind=Entry.CLOSED,
            actor=actor,
            state=state,
            detail={"outcome": outcome, **detail},
        )
        await self._store(CaseEvent(case_id=self.case.case_id, entry=entry, outcome=outcome))
        if self._writer:
            await self._writer  # the case ends only once its whole timeline is stored

    async def _store(self, event: CaseEvent) -> None:
        self.timeline.append(event.entry)
        if not self.batched:
            await activity_calls.record_case_event(event)
            return
        self._unsent.append(event)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        while self._unsent:
            batch = TimelineBatch(case_id=self.case.case_id, opening=self._opening, events=tuple(self._unsent))
            self._unsent, self._opening = [], None
            await activity_calls.record_timeline(batch)

    def takes(self, patch_id: str) -> bool:
        """Whether the run's baseline implies patch_id, known without asking the server:
        for a patch only runs begun on a baseline take, asked where no marker may go (a
        resumed run's first command is its poll)."""
        return self.baseline is not None and patch_id in patches.IMPLIED[self.baseline]

    def deadline_after(self, name: str, start: datetime, window: Window) -> datetime:
        at = self.policy.calendar.deadline(start, window)
        self.deadlines[name] = at
        return at

    def set_deadline(self, name: str, at: datetime) -> datetime:
        self.deadlines[name] = at
        return at

    def clear_deadline(self, name: str) -> None:
        self.deadlines.pop(name, None)

    async def wait_until(self, condition: Callable[[], bool], until: datetime) -> bool:
        """Wait for condition or the deadline; True if the condition came first. The
        timeout is caught here: uncaught, it would fail the workflow task forever."""
        remaining = (until - workflow.now()).total_seconds()
        if condition():
            return True
        if remaining <= 0:
            return False
        try:
            await workflow.wait_condition(condition, timeout=remaining)
            return True
        except TimeoutError:
            return condition()

    def status(self) -> CaseStatus:
        upcoming = sorted(self.deadlines.items(), key=lambda kv: kv[1])
        name, at = upcoming[0] if upcoming else (None, None)
        return CaseStatus(
            case_id=self.case.case_id,
            kind=self.case.kind,
            state=self.state,
            next_deadline=at,
            next_deadline_name=name,
            outcome=self.outcome,
            policy_version=self.policy.version,
        )
