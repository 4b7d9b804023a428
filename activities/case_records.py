"""Writes to our own case store. Idempotent: a retried write is stored once."""

from __future__ import annotations

import asyncio

from temporalio import activity

from activities.conduct import step_logger
from domain.models import CaseEvent, CaseOpening, TimelineBatch
from store import CaseStore


class CaseRecordActivities:
    def __init__(self, store: CaseStore):
        self.store = store

    @activity.defn
    async def open_case(self, opening: CaseOpening) -> bool:
        created = await asyncio.to_thread(self.store.open_case, opening)
        step_logger(opening.case.case_id).info(
            "case opened" if created else "case already open", kind=opening.case.kind.value
        )
        return created

    @activity.defn
    async def record_case_event(self, event: CaseEvent) -> bool:
        stored = await asyncio.to_thread(self.store.record_event, event)
        step_logger(event.case_id).info(
            "timeline", entry=event.entry.kind, state=event.entry.state, seq=event.entry.seq, duplicate=not stored
        )
        return stored

    @activity.defn
    async def record_timeline(self, batch: TimelineBatch) -> int:
        stored = await asyncio.to_thread(self.store.record_timeline, batch)
        step_logger(batch.case_id).info(
            "timeline",
            entries=[e.entry.kind for e in batch.events],
            seq=batch.events[0].entry.seq,
            state=batch.events[-1].entry.state,
            opened=batch.opening is not None,
            duplicates=len(batch.events) - stored,
        )
        return stored
