"""What the store answers about quality (rulebook §7) and about approvals waiting
for someone (issue 4). Read-only; every figure comes from rows the workflows wrote."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from domain.approvals import NEEDS_PERSON_OUTCOMES, NEEDS_PERSON_ROLES
from domain.timeline import Entry
from store.case_store import CaseStore
from store.complaints_schema import ComplaintRow
from store.schema import CaseEventRow, CaseRow, PaymentRow


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


class Metrics:
    """Figures over cases opened (events, payments, closings) in [since, until)."""

    def __init__(self, store: CaseStore, since: datetime | None = None, until: datetime | None = None):
        self.store, self.since, self.until = store, since, until

    def _within(self, stmt: Any, column: Any) -> Any:
        if self.since is not None:
            stmt = stmt.where(column >= self.since)
        if self.until is not None:
            stmt = stmt.where(column < self.until)
        return stmt

    def handling_time(self) -> dict[str, Any]:
        """Opened → closed, per case kind, over closed cases (seconds)."""
        stmt = self._within(
            select(CaseRow.kind, CaseRow.opened_at, CaseRow.updated_at).where(CaseRow.outcome.is_not(None)),
            CaseRow.opened_at,
        )
        per_kind: dict[str, list[float]] = defaultdict(list)
        with self.store._session() as s:
            for kind, opened, closed in s.execute(stmt):
                per_kind[kind].append((closed - opened).total_seconds())
        out = {}
        for kind, secs in sorted(per_kind.items()):
            secs.sort()
            out[kind] = dict(
                closed=len(secs), mean_s=round(sum(secs) / len(secs), 1), median_s=secs[len(secs) // 2], max_s=secs[-1]
            )
        return out

    def complaints(self) -> dict[str, Any]:
        with self.store._session() as s:
            rows = list(s.scalars(self._within(select(ComplaintRow), ComplaintRow.opened_at)))
        accepted = [r for r in rows if r.outcome != "not_accepted"]
        scores = [r.satisfaction for r in accepted if r.satisfaction is not None]
        return dict(
            closed=len(rows),
            not_accepted=len(rows) - len(accepted),
            first_contact_resolution=_rate(sum(r.first_contact_resolved for r in accepted), len(accepted)),
            escalation_rate=_rate(sum(r.escalated for r in accepted), len(accepted)),
            # again about the same order: an earlier complaint on record, or an answer rejected and resubmitted
            repeat_rate=_rate(sum(r.repeat or r.submissions > 1 for r in accepted), len(accepted)),
            by_category=dict(sorted(Counter(r.category for r in accepted).items())),
            by_level=dict(sorted(Counter(r.level for r in accepted).items())),
            by_responsibility=dict(sorted(Counter(r.responsibility for r in accepted).items())),
            satisfaction_mean=round(sum(scores) / len(scores), 2) if scores else None,
            compensation_fen=sum(r.compensation_fen for r in accepted),
        )

    def sla_breaches(self) -> dict[str, int]:
        """sla_breached timeline events, per window."""
        window = CaseEventRow.detail["window"].as_string()
        stmt = self._within(
            select(window, func.count()).where(CaseEventRow.kind == Entry.SLA_BREACHED), CaseEventRow.at
        ).group_by(window)
        with self.store._session() as s:
            return {w or "?": n for w, n in sorted(s.execute(stmt).all(), key=lambda t: t[0] or "")}

    def compensation_paid(self) -> dict[str, dict[str, int]]:
        stmt = self._within(select(PaymentRow.kind, func.count(), func.sum(PaymentRow.amount_fen)), PaymentRow.paid_at)
        stmt = stmt.group_by(PaymentRow.kind)
        with self.store._session() as s:
            return {
                kind: dict(payments=n, amount_fen=int(total or 0)) for kind, n, total in sorted(s.execute(stmt).all())
            }

    def report(self) -> dict[str, Any]:
        return dict(
            handling_time=self.handling_time(),
            complaints=self.complaints(),
            sla_breaches=self.sla_breaches(),
            compensation_paid=self.compensation_paid(),
        )

    # approvals ------------------------------------------------------------------
    def needs_person(self, now: datetime) -> list[dict[str, Any]]:
        """Closed cases the engine could not finish (domain.approvals.NEEDS_PERSON_OUTCOMES),
        with the step and reason their closing recorded, oldest first."""
        stmt = (
            select(CaseEventRow, CaseRow.kind, CaseRow.outcome)
            .join(CaseRow, CaseRow.case_id == CaseEventRow.case_id)
            .where(CaseRow.outcome.in_(NEEDS_PERSON_OUTCOMES), CaseEventRow.kind == Entry.CLOSED)
            .order_by(CaseEventRow.at)
        )
        with self.store._session() as s:
            return [
                dict(
                    case_id=ev.case_id,
                    case_kind=kind,
                    approval_id="needs-person",
                    subject=outcome,
                    roles=[r.value for r in NEEDS_PERSON_ROLES],
                    amount_fen=ev.detail.get("asked_fen"),
                    summary=f"{ev.detail.get('step') or ''}: {ev.detail.get('reason') or ev.detail.get('why') or ''}".strip(
                        ": "
                    ),
                    requested_at=ev.at,
                    due_at=None,
                    sla_window=None,
                    age_s=round((now - ev.at).total_seconds(), 1),
                    overdue=True,
                )
                for ev, kind, outcome in s.execute(stmt)
            ]

    def pending_approvals(self, now: datetime) -> list[dict[str, Any]]:
        """Approvals requested on open cases and not yet decided or expired, oldest first."""
        stmt = (
            select(CaseEventRow, CaseRow.kind)
            .join(CaseRow, CaseRow.case_id == CaseEventRow.case_id)
            .where(
                CaseRow.outcome.is_(None),
                CaseEventRow.kind.in_((Entry.APPROVAL_REQUESTED, Entry.APPROVAL_DECIDED, Entry.APPROVAL_EXPIRED)),
            )
            .order_by(CaseEventRow.at, CaseEventRow.seq)
        )
        open_: dict[tuple[str, str], dict[str, Any]] = {}
        with self.store._session() as s:
            for ev, kind in s.execute(stmt):
                key = (ev.case_id, str(ev.detail.get("approval_id")))
                if ev.kind == Entry.APPROVAL_REQUESTED:
                    d = ev.detail
                    due = datetime.fromisoformat(d["due_at"]) if d.get("due_at") else None
                    open_[key] = dict(
                        case_id=ev.case_id,
                        case_kind=kind,
                        approval_id=key[1],
                        subject=d.get("subject"),
                        roles=d.get("roles", []),
                        amount_fen=d.get("amount_fen"),
                        summary=d.get("summary", ""),
                        requested_at=ev.at,
                        due_at=due,
                        sla_window=d.get("sla_window"),
                        age_s=round((now - ev.at).total_seconds(), 1),
                        overdue=bool(due and now > due),
                    )
                else:
                    open_.pop(key, None)
        return list(open_.values())
