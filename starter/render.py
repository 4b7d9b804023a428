"""How cases look on a terminal: money in yuan, timelines, a case's page, an answer's
outcome. One module, so the CLI's commands all print alike."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import cache
from typing import Any

from domain.calendar import WorkingCalendar
from domain.models import CaseStatus, TimelineEntry
from domain.policy import named_policy
from runtime.settings import Settings


@cache
def _shop_calendar() -> WorkingCalendar:
    return named_policy(Settings().policy).calendar


def shop_time(at: datetime | str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A stored (UTC) time as the shop's clock shows it, the zone named: the rulebook's days are shop days."""
    when = datetime.fromisoformat(at) if isinstance(at, str) else at
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    calendar = _shop_calendar()
    return f"{when.astimezone(calendar.tz):{fmt}} UTC{calendar.utc_offset_hours:+d}"


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _detail_text(detail: dict[str, Any]) -> str:
    parts = []
    for key, value in detail.items():
        if value in (None, "", [], {}):
            continue
        if key.endswith("_fen") and isinstance(value, int):
            parts.append(f"{key.removesuffix('_fen')}={yuan(value)}")
        else:
            parts.append(f"{key}={value}")
    return ", ".join(parts)


def timeline_lines(entries: list[TimelineEntry], tz: Any = None) -> list[str]:
    out = []
    start = entries[0].at if entries else None
    for e in entries:
        offset = (e.at - start).total_seconds() if start else 0.0
        out.append(f"  {e.seq:>2}  +{offset:7.1f}s  {e.kind:<18} {e.actor:<14} {e.state:<16} {_detail_text(e.detail)}")
    return out


def jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v)))


def describe_case(view: dict[str, Any]) -> list[str]:
    row, status = view["case"], view["status"]
    case_id = row["case_id"] if row else (status.case_id if status else "?")
    lines = [f"{case_id}  {view['kind']} ({view['workflow']})  workflow {view['workflow_id']}"]
    if row:
        lines.append(
            f"  order {row['order_id']}  customer {row['customer_id']}  opened by {row['opened_by']}  "
            f"at {shop_time(row['opened_at'])}"
        )
    state = status.state if status else (row["state"] if row else "?")
    outcome = (status.outcome if status else None) or (row["outcome"] if row else None)
    lines.append(
        f"  state {state}" + (f"  outcome {outcome}" if outcome else "") + ("" if view["running"] else "  (finished)")
    )
    if view.get("worker"):
        lines.append(f"  live state unavailable: {view['worker']}")
    if status and status.next_deadline:
        lines.append(f"  next deadline: {status.next_deadline_name} at {shop_time(status.next_deadline)}")
    lines.append("  timeline:")
    lines.extend(timeline_lines(view["timeline"]) or ["    (nothing recorded yet)"])
    if view.get("children"):
        lines.append(f"  children: {', '.join(view['children'])}")
    for p in view["payments"]:
        lines.append(f"  payment {p['payment_id']}: {p['kind']} {yuan(p['amount_fen'])} (key {p['idempotency_key']})")
    return lines


def status_line(case_id: str, name: str, status: CaseStatus | None) -> str:
    if status is None:
        return f"{case_id}: {name} sent"
    nxt = (
        f"; next deadline {status.next_deadline_name} at {shop_time(status.next_deadline)}"
        if status.next_deadline
        else ""
    )
    return f"{case_id}: {name} accepted; state {status.state}{nxt}"


def view_from_json(view: dict[str, Any]) -> dict[str, Any]:
    """A case as the API sends it, typed again for describe_case."""
    row = dict(view["case"]) if view.get("case") else None
    if row and isinstance(row.get("opened_at"), str):
        row["opened_at"] = datetime.fromisoformat(row["opened_at"])
    return {
        **view,
        "case": row,
        "status": CaseStatus.model_validate(view["status"]) if view.get("status") else None,
        "timeline": [TimelineEntry.model_validate(e) for e in view.get("timeline", [])],
    }
