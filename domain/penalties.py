"""Complaints against agents (rulebook §5, S0): the fifteen violations, the penalty
levels and the pure penalty function that reads the agent's record.

Counts are cumulative over the record the store holds for the agent (S0 says 累计 and
names no period), and include the complaint being decided."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import IntEnum, StrEnum

from pydantic import Field

from domain.models import Contract


class Violation(IntEnum):
    SLOW_REPLY = 1  # no reply for more than 3 minutes
    WRONG_ANSWER = 2
    SHIRKING = 3
    CLOSING_OR_BOUNCING = 4
    INVITING_COMPLAINT = 5
    ATTITUDE = 6
    BROKEN_PROMISE = 7
    ACCOUNT_LENDING = 8
    INSULT_OR_CHEAT = 9
    SELLING_OWN_PRODUCTS = 10
    UNRELATED_INFORMATION = 11
    MISUSING_CUSTOMER_DATA = 12
    LEAKING_DATA = 13
    CRIME = 14
    HARMFUL_FAULT = 15


LEVEL_1_ITEMS = frozenset(range(1, 6))
RED_LINE_ITEMS = frozenset(range(8, 16))


class Level(StrEnum):
    REMINDER = "reminder"
    LEVEL_1 = "level_1"
    LEVEL_2 = "level_2"
    LEVEL_2_SERIOUS = "level_2_serious"
    LEVEL_3 = "level_3"
    LEVEL_4 = "level_4"


class PastRecord(Contract):
    """One earlier upheld complaint on the agent's record."""

    violation: int = Field(ge=1, le=15)
    level: Level
    case_id: str = ""
    at: datetime | None = None


class Penalty(Contract):
    level: Level
    violation: int | None = Field(default=None, ge=1, le=15, description="None: not upheld, a fault seen")
    reminder: bool = False
    written_warning: bool = False
    month_failed: bool = False
    pay_percent: int = Field(default=100, description="share of the month's pay")
    suspension_months: int | None = Field(default=None, description="None: no suspension")
    permanent_suspension: bool = False
    public_notice: bool = False
    notice: str = Field(description="how the agent is told: phone/chat, email, email + group notice")
    reason: str

    @property
    def effects(self) -> list[str]:
        out = []
        if self.reminder:
            out.append("reminder")
        if self.written_warning:
            out.append("written_warning")
        if self.month_failed:
            out.append(f"month_failed_pay_{self.pay_percent}_percent")
        if self.suspension_months:
            out.append(f"suspended_{self.suspension_months}_months")
        if self.permanent_suspension:
            out.append("permanent_suspension")
        if self.public_notice:
            out.append("public_notice")
        return out


def _penalty(level: Level, violation: int | None, reason: str) -> Penalty:
    failed = level in (Level.LEVEL_2, Level.LEVEL_2_SERIOUS, Level.LEVEL_3, Level.LEVEL_4)
    suspension = {Level.LEVEL_2_SERIOUS: 1, Level.LEVEL_3: 3}.get(level)
    return Penalty(
        level=level,
        violation=violation,
        reminder=level == Level.REMINDER,
        written_warning=level == Level.LEVEL_1,
        month_failed=failed,
        pay_percent=70 if failed else 100,
        suspension_months=suspension,
        permanent_suspension=level == Level.LEVEL_4,
        public_notice=level == Level.LEVEL_4,
        notice={Level.REMINDER: "phone or chat", Level.LEVEL_4: "email + group notice"}.get(level, "email"),
        reason=reason,
    )


def penalty_for(violation: int | None, record: Sequence[PastRecord]) -> Penalty:
    """The penalty for this complaint given the agent's earlier record (S0 table).
    `violation` None: the complaint is not upheld but a fault was seen."""
    if violation is None:
        return _penalty(Level.REMINDER, None, "complaint not upheld, but a fault was seen")
    if not 1 <= violation <= 15:
        raise ValueError(f"violation {violation} is not one of 1–15")
    if violation in RED_LINE_ITEMS:
        return _penalty(Level.LEVEL_4, violation, f"violation {violation} is a red line (8–15)")
    if violation == Violation.BROKEN_PROMISE:
        return _penalty(Level.LEVEL_3, violation, "violation 7 upheld once")

    same_item = 1 + sum(1 for r in record if r.violation == violation)
    level_1_records = 1 + sum(1 for r in record if r.violation in LEVEL_1_ITEMS)
    if violation == Violation.ATTITUDE:
        level, why = (
            (Level.LEVEL_2_SERIOUS, f"violation 6 upheld {same_item} times (≥ 4)")
            if same_item >= 4
            else (Level.LEVEL_2, "violation 6 upheld")
        )
    elif same_item >= 3:
        level, why = Level.LEVEL_2_SERIOUS, f"level-1 item {violation} upheld {same_item} times (≥ 3)"
    elif level_1_records >= 3:
        level, why = Level.LEVEL_2, f"{level_1_records} level-1 records (≥ 3)"
    else:
        level, why = Level.LEVEL_1, f"violation {violation} (1–5) upheld"

    if level == Level.LEVEL_2_SERIOUS:
        serious = 1 + sum(1 for r in record if r.level == Level.LEVEL_2_SERIOUS)
        if serious >= 2:
            return _penalty(Level.LEVEL_3, violation, f"level-2 serious {serious} times (≥ 2): {why}")
    return _penalty(level, violation, why)
