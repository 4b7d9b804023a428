"""Reads and writes for complaints, agents' penalty records and privacy refusals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from domain.agent_complaints import AgentRecord, PenaltyEntry
from domain.complaints import ComplaintRecord, PriorQuery
from domain.models import CaseKind, Order
from domain.penalties import Level, PastRecord
from domain.privacy import ContactAction, ContactRequest, account_digest, contact_problem
from store.case_store import CaseStore
from store.complaints_schema import ComplaintRow, PenaltyRow, PrivacyRefusalRow
from store.schema import CaseRow


class PrivacyRefused(PermissionError):
    pass


class ComplaintRecords:
    def __init__(self, store: CaseStore, pseudonym_secret: bytes = b""):
        self.store = store
        self.pseudonym_secret = pseudonym_secret  # for refusals' account digests

    # customer complaints --------------------------------------------------------
    def prior_complaints(self, q: PriorQuery) -> list[str]:
        """Earlier complaint cases by the same customer about the same order (§4.12 repeat)."""
        stmt = (
            select(CaseRow.case_id)
            .where(
                CaseRow.kind == CaseKind.COMPLAINT.value,
                CaseRow.customer_id == q.customer_id,
                CaseRow.order_id == q.order_id,
                CaseRow.case_id != q.case_id,
                # a complaint refused at intake is not on the record
                or_(CaseRow.outcome.is_(None), CaseRow.outcome != "not_accepted"),
            )
            .order_by(CaseRow.opened_at)
        )
        with self.store._session() as s:
            return list(s.scalars(stmt))

    def record_complaint(self, r: ComplaintRecord) -> bool:
        with self.store._session() as s:
            return self.store._insert_ignore(s, ComplaintRow, r.model_dump(), ["case_id"])

    def complaints(self) -> list[dict[str, Any]]:
        with self.store._session() as s:
            return [
                {c.name: getattr(row, c.name) for c in ComplaintRow.__table__.columns}
                for row in s.scalars(select(ComplaintRow).order_by(ComplaintRow.closed_at))
            ]

    # agents ---------------------------------------------------------------------
    def agent_record(self, agent_id: str, *, excluding: str = "") -> AgentRecord:
        stmt = (
            select(PenaltyRow)
            .where(PenaltyRow.agent_id == agent_id, PenaltyRow.case_id != excluding, PenaltyRow.violation.is_not(None))
            .order_by(PenaltyRow.decided_at, PenaltyRow.id)
        )
        with self.store._session() as s:
            rows = list(s.scalars(stmt))
        return AgentRecord(
            agent_id=agent_id,
            records=tuple(
                PastRecord(violation=r.violation or 0, level=Level(r.level), case_id=r.case_id, at=r.decided_at)
                for r in rows
            ),
        )

    def record_penalty(self, entry: PenaltyEntry) -> bool:
        p = entry.penalty
        with self.store._session() as s:
            return self.store._insert_ignore(
                s,
                PenaltyRow,
                dict(
                    case_id=entry.case_id,
                    agent_id=entry.agent_id,
                    violation=p.violation,
                    level=p.level.value,
                    effects={"effects": list(entry.effects), "penalty": p.model_dump(mode="json")},
                    decided_at=entry.decided_at,
                ),
                ["case_id"],
            )

    def penalties(self, agent_id: str | None = None) -> list[dict[str, Any]]:
        stmt = select(PenaltyRow).order_by(PenaltyRow.decided_at, PenaltyRow.id)
        if agent_id:
            stmt = stmt.where(PenaltyRow.agent_id == agent_id)
        with self.store._session() as s:
            return [
                dict(
                    case_id=r.case_id,
                    agent_id=r.agent_id,
                    violation=r.violation,
                    level=r.level,
                    effects=r.effects.get("effects", []),
                    decided_at=r.decided_at,
                )
                for r in s.scalars(stmt)
            ]

    # privacy (§6) -----------------------------------------------------------------
    def order_contact(self, request: ContactRequest, now: datetime) -> Order:
        """The order, if the asking account paid for it; otherwise the refusal is
        recorded and PrivacyRefused raised. Unknown orders raise LookupError."""
        order = self.store.get_order(request.order_id)
        if order is None:
            raise LookupError(f"unknown order {request.order_id!r}")
        problem = contact_problem(order, request)
        if problem:
            if not self.pseudonym_secret:
                raise ValueError("recording a refusal needs the pseudonym secret (ComplaintRecords(store, secret))")
            with self.store._session() as s:
                s.add(
                    PrivacyRefusalRow(
                        order_id=order.order_id,
                        action=request.action.value,
                        account_digest=account_digest(request.account, self.pseudonym_secret),
                        reason=problem.message[:300],
                        at=now,
                    )
                )
            raise PrivacyRefused(problem.message)
        return order

    def change_contact(
        self, request: ContactRequest, now: datetime, *, address: str | None = None, phone: str | None = None
    ) -> Order:
        if request.action == ContactAction.READ:
            raise ValueError("a read request changes nothing")
        order = self.order_contact(request, now)
        changes: dict[str, Any] = {}
        if address is not None:
            changes["address"] = address
        if phone is not None:
            changes["phone"] = phone
        if not changes:
            raise ValueError("give the new address or phone")
        updated = Order.model_validate({**order.model_dump(), **changes})
        self.store.save_order(updated)
        return updated

    def privacy_refusals(self, order_id: str | None = None) -> list[dict[str, Any]]:
        stmt = select(PrivacyRefusalRow).order_by(PrivacyRefusalRow.id)
        if order_id:
            stmt = stmt.where(PrivacyRefusalRow.order_id == order_id)
        with self.store._session() as s:
            return [
                dict(order_id=r.order_id, action=r.action, account_digest=r.account_digest, reason=r.reason, at=r.at)
                for r in s.scalars(stmt)
            ]
