"""The daily rhythm (rulebook §2): the 09:00 shipment-tracking export, the 17:00 oversold
export and the 10:00 completion-rate report. Which orders an export covers and which
case ids it opens are pure functions of the run time, so a sweep that runs twice (or
is retried) opens no duplicate case."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import Field

from domain.models import CaseHeader, CaseKind, Contract
from domain.policy import Policy


class SweepKind(StrEnum):
    SHIPMENT_TRACKING = "shipment_tracking"  # 09:00
    OVERSOLD = "oversold"  # 17:00


# local hour of each daily job (S4 daily rhythm)
SWEEP_HOURS: dict[str, int] = {"shipment_tracking": 9, "completion_report": 10, "oversold": 17}
CASE_KIND = {SweepKind.SHIPMENT_TRACKING: CaseKind.SHIPMENT_TRACKING, SweepKind.OVERSOLD: CaseKind.OVERSOLD}
ID_PREFIX = {SweepKind.SHIPMENT_TRACKING: "ST", SweepKind.OVERSOLD: "OS"}


class SweepInput(Contract):
    kind: SweepKind
    policy: Policy
    as_of: datetime | None = Field(default=None, description="the export's time; default: when the run starts")


class SweepResult(Contract):
    kind: SweepKind
    export_date: date
    placed_from: datetime
    placed_until: datetime
    found: int
    opened: tuple[str, ...] = ()
    already_open: tuple[str, ...] = ()


class SweepCase(Contract):
    """One case a sweep opens: started by an activity with a deterministic workflow id."""

    kind: SweepKind
    case: CaseHeader
    policy: Policy
    export_date: date


class ReportInput(Contract):
    policy: Policy
    as_of: datetime | None = None


class CompletionQuery(Contract):
    report_date: date
    tracked_from: datetime
    tracked_until: datetime
    as_of: datetime


class CompletionReport(Contract):
    report_date: date
    kind: str = CaseKind.SHIPMENT_TRACKING.value
    tracked: int = Field(ge=0)
    completed: int = Field(ge=0)
    rate_permille: int = Field(ge=0, le=1000, description="completed per thousand tracked; 1000 when none tracked")
    by_outcome: dict[str, int] = Field(default_factory=dict)
    created_at: datetime


def export_window(policy: Policy, kind: SweepKind, as_of: datetime) -> tuple[date, datetime, datetime]:
    """(export date, placed from, placed until) in shop time.
    09:00 tracking export: orders placed between 20:00 two days ago and 20:00 yesterday.
    17:00 oversold export: orders placed in the 24 h before today's 17:00."""
    cal = policy.calendar
    today = cal.local_date(as_of)
    if kind == SweepKind.SHIPMENT_TRACKING:
        cutoff = policy.reship_cutoff_hour  # the same 20:00 line the rulebook uses for the day's orders
        return today, cal.at_local(today - timedelta(days=2), cutoff), cal.at_local(today - timedelta(days=1), cutoff)
    until = cal.at_local(today, SWEEP_HOURS["oversold"])
    return today, until - timedelta(days=1), until


def sweep_case_id(kind: SweepKind, order_id: str, export_date: date) -> str:
    """case-ST-<order>-<date>: one case per order and export, whoever runs the sweep."""
    return f"{ID_PREFIX[kind]}-{order_id}-{export_date:%Y%m%d}"


def completion_window(policy: Policy, as_of: datetime) -> tuple[date, datetime, datetime]:
    """The 10:00 report covers the tracking cases opened by yesterday's export: opened
    during yesterday (shop time)."""
    cal = policy.calendar
    yesterday = cal.local_date(as_of) - timedelta(days=1)
    return yesterday, cal.at_local(yesterday, 0), cal.at_local(yesterday + timedelta(days=1), 0)


def completion_rate(tracked: int, completed: int) -> int:
    return 1000 if tracked == 0 else completed * 1000 // tracked


def schedule_utc_hour(policy: Policy, local_hour: int) -> int:
    """Schedules run on explicit UTC hours derived from the shop's offset, so the spec
    needs no time-zone database and follows the policy's calendar."""
    return (local_hour - policy.calendar.utc_offset_hours) % 24
