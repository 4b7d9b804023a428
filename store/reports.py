"""The daily completion-rate report (rulebook §2 daily rhythm, §7): how many of the
orders yesterday's 09:00 export put under tracking are done. One row per day and kind;
writing a day again replaces it (the 10:00 run may be retried or re-run)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from domain.models import CaseKind
from domain.sweeps import CompletionQuery, CompletionReport, completion_rate
from store.case_store import CaseStore
from store.schema import Base, CaseRow, UtcDateTime


class CompletionReportRow(Base):
    __tablename__ = "completion_reports"
    __table_args__ = (UniqueConstraint("report_date", "kind", name="uq_completion_report_day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(40))
    tracked: Mapped[int]
    completed: Mapped[int]
    rate_permille: Mapped[int]
    by_outcome: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


def write_completion_report(store: CaseStore, q: CompletionQuery) -> CompletionReport:
    kind = CaseKind.SHIPMENT_TRACKING.value
    with store._session() as s:
        rows = s.execute(
            select(CaseRow.outcome).where(
                CaseRow.kind == kind, CaseRow.opened_at >= q.tracked_from, CaseRow.opened_at < q.tracked_until
            )
        ).all()
        outcomes = Counter(r.outcome or "open" for r in rows)
        completed = sum(n for o, n in outcomes.items() if o != "open")
        report = CompletionReport(
            report_date=q.report_date,
            kind=kind,
            tracked=len(rows),
            completed=completed,
            rate_permille=completion_rate(len(rows), completed),
            by_outcome=dict(outcomes),
            created_at=q.as_of,
        )
        s.execute(
            delete(CompletionReportRow).where(
                CompletionReportRow.report_date == q.report_date, CompletionReportRow.kind == kind
            )
        )
        s.add(CompletionReportRow(**report.model_dump()))
    return report


def completion_reports(store: CaseStore, limit: int = 14) -> list[CompletionReport]:
    with store._session() as s:
        rows = s.scalars(select(CompletionReportRow).order_by(CompletionReportRow.report_date.desc()).limit(limit))
        return [
            CompletionReport(
                report_date=r.report_date,
                kind=r.kind,
                tracked=r.tracked,
                completed=r.completed,
                rate_permille=r.rate_permille,
                by_outcome=r.by_outcome,
                created_at=r.created_at,
            )
            for r in rows
        ]
