"""Reads and writes of the front door's audit log. Appended to, never updated."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from domain.audit import AuditEntry
from store.audit_schema import AuditRow
from store.case_store import CaseStore

COLUMNS = list(AuditEntry.model_fields)


class AuditLog:
    def __init__(self, store: CaseStore):
        self.store = store

    def record(self, entry: AuditEntry) -> None:
        values = entry.model_dump(mode="python")
        with self.store.engine.begin() as conn:
            conn.execute(insert(AuditRow).values(**values))

    def entries(
        self, *, limit: int = 100, actor_id: str | None = None, outcome: str | None = None, case_id: str | None = None
    ) -> list[AuditEntry]:
        """Newest first."""
        stmt = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if actor_id:
            stmt = stmt.where(AuditRow.actor_id == actor_id)
        if outcome:
            stmt = stmt.where(AuditRow.outcome == outcome)
        if case_id:
            stmt = stmt.where(AuditRow.case_id == case_id)
        with self.store._session() as s:
            return [AuditEntry.model_validate({c: getattr(row, c) for c in COLUMNS}) for row in s.scalars(stmt)]

    def count(self) -> int:
        with self.store._session() as s:
            return int(s.scalar(select(func.count(AuditRow.id))) or 0)
