"""The working-day calendar and deadline arithmetic (rulebook §2: working days skip
weekends and configured holidays; hours are wall-clock hours). Shop time is UTC+8."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import WorkingCalendar
from domain.policy import named_policy
from domain.windows import Window

UTC = timezone.utc
CST = timezone(timedelta(hours=8))
CAL = named_policy("default").calendar


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CST)


def w(spec: str) -> Window:
    return Window.model_validate(spec)


def end_of_local_day(y: int, mo: int, d: int) -> datetime:
    return local(y, mo, d) + timedelta(days=1)


# -- which days are working days --------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 20), True),  # Friday
        (date(2026, 11, 21), False),  # Saturday
        (date(2026, 11, 22), False),  # Sunday
        (date(2026, 11, 23), True),  # Monday
        (date(2026, 10, 1), False),  # National Day, Thursday
        (date(2026, 10, 7), False),  # National Day holiday, Wednesday
        (date(2026, 10, 8), True),  # first working day after it
        (date(2026, 10, 10), True),  # Saturday worked in exchange (makeup day)
        (date(2026, 9, 20), True),  # Sunday makeup day
        (date(2026, 9, 25), False),  # Mid-Autumn, Friday
        (date(2026, 2, 16), False),  # Spring Festival, Monday
        (date(2026, 2, 14), True),  # Saturday makeup day
        (date(2026, 1, 1), False),  # New Year
    ],
)
def test_working_days(day: date, working: bool):
    assert CAL.is_working_day(day) is working


def test_a_calendar_without_holidays_only_skips_weekends():
    plain = WorkingCalendar()
    assert plain.is_working_day(date(2026, 10, 1))
    assert not plain.is_working_day(date(2026, 10, 10))


def test_local_date_uses_the_shops_time_zone():
    assert CAL.local_date(datetime(2026, 11, 20, 15, 59, tzinfo=UTC)) == date(2026, 11, 20)
    assert CAL.local_date(datetime(2026, 11, 20, 16, 0, tzinfo=UTC)) == date(2026, 11, 21)


# -- add_working_days / working_days_between --------------------------------------


def test_add_working_days_over_a_weekend():
    assert CAL.add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)
    assert CAL.add_working_days(date(2026, 11, 20), 2) == date(2026, 11, 24)
    assert CAL.add_working_days(date(2026, 11, 21), 1) == date(2026, 11, 23)  # from a Saturday


def test_add_working_days_over_national_day_counts_the_makeup_saturday():
    # Oct 1-7 off (Oct 3/4 weekend), Oct 8 Thu, Oct 9 Fri, Oct 10 Sat makeup
    assert CAL.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert CAL.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert CAL.add_working_days(date(2026, 9, 30), 4) == date(2026, 10, 12)


def test_add_zero_working_days_is_the_same_day_and_negative_is_refused():
    assert CAL.add_working_days(date(2026, 10, 1), 0) == date(2026, 10, 1)
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 10, 1), -1)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (date(2026, 11, 20), date(2026, 11, 20), 0),
        (date(2026, 11, 20), date(2026, 11, 23), 1),  # Sat, Sun, Mon
        (date(2026, 11, 16), date(2026, 11, 22), 4),  # Tue..Fri
        (date(2026, 9, 30), date(2026, 10, 10), 3),  # National Day week
        (date(2026, 9, 18), date(2026, 9, 20), 1),  # only the Sunday makeup day
        (date(2026, 11, 23), date(2026, 11, 20), 0),  # end before start
    ],
)
def test_working_days_between(start: date, end: date, count: int):
    assert CAL.working_days_between(start, end) == count


# -- deadlines --------------------------------------------------------------------


def test_hour_windows_are_wall_clock_hours_across_midnight_and_weekends():
    start = local(2026, 11, 20, 23, 30)  # Friday night
    assert CAL.deadline(start, w("24h")) == local(2026, 11, 21, 23, 30)
    assert CAL.deadline(start, w("72h")) == local(2026, 11, 23, 23, 30)
    assert CAL.deadline(start, w("90s")) == start + timedelta(seconds=90)
    assert CAL.deadline(start, w("5m")) == start + timedelta(minutes=5)


def test_day_window_counts_from_the_day_after_and_ends_at_local_midnight():
    # created Friday 10:00 → day 1 is Saturday, day 5 is Wednesday; refund due by its end
    assert CAL.deadline(local(2026, 11, 20, 10), w("5d")) == end_of_local_day(2026, 11, 25)


def test_day_window_late_evening_local_time_edges():
    # 23:59 local is still the 20th; 00:01 local is the 21st although UTC still says the 20th
    before = local(2026, 11, 20, 23, 59)
    after = local(2026, 11, 21, 0, 1)
    assert after.astimezone(UTC).date() == date(2026, 11, 20)
    assert CAL.deadline(before, w("5d")) == end_of_local_day(2026, 11, 25)
    assert CAL.deadline(after, w("5d")) == end_of_local_day(2026, 11, 26)
    # the same instant given in UTC gives the same deadline
    assert CAL.deadline(after.astimezone(UTC), w("5d")) == CAL.deadline(after, w("5d"))


def test_day_windows_do_not_skip_holidays():
    assert CAL.deadline(local(2026, 9, 30, 9), w("5d")) == end_of_local_day(2026, 10, 5)
    assert CAL.deadline(local(2026, 11, 20, 9), w("14d")) == end_of_local_day(2026, 12, 4)


def test_working_day_window_skips_the_weekend():
    # Friday 22:00 local, 2 working days → Mon, Tue; due end of Tuesday
    assert CAL.deadline(local(2026, 11, 20, 22), w("2wd")) == end_of_local_day(2026, 11, 24)
    # Friday 23:30 local given in UTC (15:30 UTC): still Friday in the shop
    assert CAL.deadline(datetime(2026, 11, 20, 15, 30, tzinfo=UTC), w("1wd")) == end_of_local_day(2026, 11, 23)
    # Saturday 00:30 local (Friday 16:30 UTC): counting starts from Saturday, same Monday
    assert CAL.deadline(datetime(2026, 11, 20, 16, 30, tzinfo=UTC), w("1wd")) == end_of_local_day(2026, 11, 23)


def test_working_day_window_with_national_day_inside():
    # abnormal sign-off answered within 3 working days, asked the day before National Day
    assert CAL.deadline(local(2026, 9, 30, 15), w("3wd")) == end_of_local_day(2026, 10, 10)
    # platform answer within 1 working day, asked on the holiday itself
    assert CAL.deadline(local(2026, 10, 3, 11), w("1wd")) == end_of_local_day(2026, 10, 8)


def test_working_day_window_started_on_a_friday_evening_in_utc_terms():
    # Thursday 20:00 UTC is Friday 04:00 local: the day counted is Friday
    start = datetime(2026, 11, 19, 20, 0, tzinfo=UTC)
    assert CAL.deadline(start, w("1wd")) == end_of_local_day(2026, 11, 23)


def test_deadlines_are_aware_utc_datetimes():
    due = CAL.deadline(local(2026, 11, 20, 10), w("2wd"))
    assert due.tzinfo is not None and due.utcoffset() == timedelta(0)
    assert CAL.end_of_day(date(2026, 11, 20)) == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    assert CAL.at_local(date(2026, 11, 20), 20) == datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_naive_datetimes_are_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.deadline(datetime(2026, 11, 20, 10), w("24h"))
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.deadline(datetime(2026, 11, 20, 10), w("2wd"))
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.local_date(datetime(2026, 11, 20, 10))


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20), timezones=st.just(UTC)),
    amount=st.integers(min_value=1, max_value=10),
    unit=st.sampled_from(["h", "d", "wd"]),
)
def test_every_deadline_is_later_than_its_start_and_ends_where_it_should(start: datetime, amount: int, unit: str):
    due = CAL.deadline(start, Window(amount=amount, unit=unit))
    assert due > start
    if unit == "h":
        assert due - start == timedelta(hours=amount)
        return
    # d and wd end at a local midnight; wd ends after exactly `amount` working days
    assert due.astimezone(CST).time() == datetime.min.time()
    last_day = due.astimezone(CST).date() - timedelta(days=1)
    if unit == "d":
        assert (last_day - CAL.local_date(start)).days == amount
    else:
        assert CAL.is_working_day(last_day)
        assert CAL.working_days_between(CAL.local_date(start), last_day) == amount
