"""Complaint and agent-record writes and reads in our own store (§4.12, §5)."""

from __future__ import annotations

import asyncio

from temporalio import activity

from activities.conduct import step_logger
from domain.agent_complaints import AgentRecord, PenaltyEntry, RecordQuery
from domain.complaints import ComplaintRecord, PriorQuery
from store import CaseStore
from store.complaints import ComplaintRecords


class ComplaintActivities:
    def __init__(self, store: CaseStore):
        self.records = ComplaintRecords(store)

    @activity.defn
    async def find_prior_complaints(self, query: PriorQuery) -> list[str]:
        found = await asyncio.to_thread(self.records.prior_complaints, query)
        step_logger(query.case_id).info("prior complaints", count=len(found))
        return found

    @activity.defn
    async def record_complaint_outcome(self, record: ComplaintRecord) -> bool:
        stored = await asyncio.to_thread(self.records.record_complaint, record)
        step_logger(record.case_id).info(
            "complaint outcome", outcome=record.outcome, level=record.level, duplicate=not stored
        )
        return stored

    @activity.defn
    async def read_agent_record(self, query: RecordQuery) -> AgentRecord:
        record = await asyncio.to_thread(self.records.agent_record, query.agent_id, excluding=query.case_id)
        step_logger(query.case_id).info("agent record", agent_id=query.agent_id, records=len(record.records))
        return record

    @activity.defn
    async def record_penalty(self, entry: PenaltyEntry) -> bool:
        stored = await asyncio.to_thread(self.records.record_penalty, entry)
        step_logger(entry.case_id).info(
            "penalty recorded",
            agent_id=entry.agent_id,
            level=entry.penalty.level.value,
            effects=list(entry.effects),
            duplicate=not stored,
        )
        return stored
