"""The daily reports written to our own store."""

from __future__ import annotations

import asyncio

from temporalio import activity

from activities.conduct import step_logger
from domain.sweeps import CompletionQuery, CompletionReport
from store import CaseStore
from store.reports import write_completion_report


class ReportActivities:
    def __init__(self, store: CaseStore):
        self.store = store

    @activity.defn(name="write_completion_report")
    async def write_completion_report(self, query: CompletionQuery) -> CompletionReport:
        report = await asyncio.to_thread(write_completion_report, self.store, query)
        step_logger(f"report-{query.report_date}").info(
            "completion report", tracked=report.tracked, completed=report.completed, rate_permille=report.rate_permille
        )
        return report
