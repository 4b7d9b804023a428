"""The operating figures (issue 14, "seen in production"): totals over every case on
record, counted from the rows the workflows wrote. The Prometheus collector
(runtime/metrics.py) and the bench (bench/week.py, bench/run.py) both read them here, so
every process reports the same truth and what the bench measures is what operators see.

Read-only and cheap enough for a scrape: grouped counts, plus the few timeline entries of
kinds that are rare by nature (breaches, refused reservations, approvals on open cases)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from domain.approvals import NEEDS_PERSON_OUTCOMES
from domain.timeline import Entry
from store.case_store import CaseStore
from store.metrics import Metrics
from store.schema import CaseEventRow, CaseRow, PaymentRow

# Timeline entries that say a window passed: the rulebook's SLA nodes, a return's pickup
# that came too late.
BREACH_EVENTS = (Entry.SLA_BREACHED, Entry.PICKUP_OVERDUE)
REFUSED = Entry.REFUND_CAPPED  # workflows/payout.pay(): paid_fen 0 means the ledger refused outright


@dataclass(frozen=True)
class Figures:
    cases_opened: dict[str, int]  # kind -> cases
    cases_closed: dict[tuple[str, str], int]  # (kind, outcome) -> cases
    cases_open: dict[tuple[str, str], int]  # (kind, state) -> cases not closed yet
    breaches: dict[tuple[str, str], int]  # (window, event) -> timeline entries
    payments: dict[str, tuple[int, int]]  # payment kind -> (payments, amount_fen)
    reservations_refused: dict[str, int]  # payment kind -> payments the ledger refused
    reservations_capped: dict[str, int]  # payment kind -> payments cut to what was left
    approvals_pending: dict[str, int]  # role -> approvals waiting on an open case
    needs_person: int  # closed cases only a person can finish


def breaches_by_window(found: dict[tuple[str, str], int]) -> dict[str, int]:
    """The bench's view: an SLA breach by its window, any other entry as `event:window`."""
    out: Counter[str] = Counter()
    for (window, event), n in found.items():
        out[window if event == Entry.SLA_BREACHED else f"{event}:{window}"] += n
    return dict(sorted(out.items()))


def closed_by_kind(closed: dict[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    """kind -> outcome -> cases, as the bench reports them."""
    out: dict[str, dict[str, int]] = {}
    for (kind, outcome), n in sorted(closed.items()):
        out.setdefault(kind, {})[outcome] = n
    return out


def _grouped(store: CaseStore, stmt: Any) -> list[Any]:
    with store.engine.connect() as conn:
        return list(conn.execute(stmt))


def breaches(store: CaseStore) -> dict[tuple[str, str], int]:
    found: Counter[tuple[str, str]] = Counter()
    for event, detail in _grouped(
        store, select(CaseEventRow.kind, CaseEventRow.detail).where(CaseEventRow.kind.in_(BREACH_EVENTS))
    ):
        found[(str((detail or {}).get("window") or "?"), event)] += 1
    return dict(found)


def cases_closed(store: CaseStore) -> dict[tuple[str, str], int]:
    return {
        (kind, outcome): n
        for kind, outcome, n in _grouped(
            store,
            select(CaseRow.kind, CaseRow.outcome, func.count())
            .where(CaseRow.outcome.is_not(None))
            .group_by(CaseRow.kind, CaseRow.outcome),
        )
    }


def cases_open(store: CaseStore) -> dict[tuple[str, str], int]:
    return {
        (kind, state): n
        for kind, state, n in _grouped(
            store,
            select(CaseRow.kind, CaseRow.state, func.count())
            .where(CaseRow.outcome.is_(None))
            .group_by(CaseRow.kind, CaseRow.state),
        )
    }


def read(store: CaseStore, now: datetime) -> Figures:
    """Every figure, as of now (`now` only dates the approvals' ages, which are not exported)."""
    opened = {
        str(kind): int(n) for kind, n in _grouped(store, select(CaseRow.kind, func.count()).group_by(CaseRow.kind))
    }
    payments = {
        kind: (n, int(total or 0))
        for kind, n, total in _grouped(
            store, select(PaymentRow.kind, func.count(), func.sum(PaymentRow.amount_fen)).group_by(PaymentRow.kind)
        )
    }
    refused: Counter[str] = Counter()
    capped: Counter[str] = Counter()
    for (detail,) in _grouped(store, select(CaseEventRow.detail).where(CaseEventRow.kind == REFUSED)):
        detail = detail or {}
        (capped if detail.get("paid_fen") else refused)[str(detail.get("payment_kind") or "?")] += 1
    pending: Counter[str] = Counter()
    for approval in Metrics(store).pending_approvals(now):
        for role in approval["roles"] or ["?"]:
            pending[str(role)] += 1
    needs_person = _grouped(
        store, select(func.count()).select_from(CaseRow).where(CaseRow.outcome.in_(NEEDS_PERSON_OUTCOMES))
    )[0][0]
    return Figures(
        cases_opened=opened,
        cases_closed=cases_closed(store),
        cases_open=cases_open(store),
        breaches=breaches(store),
        payments=payments,
        reservations_refused=dict(refused),
        reservations_capped=dict(capped),
        approvals_pending=dict(pending),
        needs_person=int(needs_person or 0),
    )
