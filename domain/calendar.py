"""Working-day calendar and deadline arithmetic. Pure: callers pass the start time
(workflow.now() inside workflows), so the same input always gives the same deadline."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from domain.windows import Window


class WorkingCalendar(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    utc_offset_hours: int = Field(default=8, ge=-12, le=14, description="shop's local time")
    holidays: frozenset[date] = frozenset()
    makeup_workdays: frozenset[date] = Field(
        default=frozenset(), description="weekend days worked in exchange for a holiday"
    )

    @field_serializer("holidays", "makeup_workdays")
    def _sorted(self, days: frozenset[date]) -> list[date]:
        # a set's order varies between processes; a snapshot should read the same everywhere
        return sorted(days)

    @property
    def tz(self) -> timezone:
        return timezone(timedelta(hours=self.utc_offset_hours))

    def local_date(self, at: datetime) -> date:
        return _aware(at).astimezone(self.tz).date()

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (day itself does not count)."""
        if n < 0:
            raise ValueError("n must not be negative")
        current = day
        while n:
            current += timedelta(days=1)
            if self.is_working_day(current):
                n -= 1
        return current

    def end_of_day(self, day: date) -> datetime:
        """The first instant after `day` in the shop's local time, in UTC."""
        return datetime.combine(day + timedelta(days=1), time(0), self.tz).astimezone(timezone.utc)

    def at_local(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), self.tz).astimezone(timezone.utc)

    def deadline(self, start: datetime, window: Window) -> datetime:
        start = _aware(start)
        if window.is_plain:
            return start + window.plain
        day = self.local_date(start)
        if window.unit == "d":
            return self.end_of_day(day + timedelta(days=window.amount))
        return self.end_of_day(self.add_working_days(day, window.amount))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after start up to and including end."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("deadline arithmetic needs timezone-aware datetimes")
    return at
