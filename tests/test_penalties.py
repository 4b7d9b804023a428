"""The §5 penalty table (S0), every row and every cumulative count, without Temporal."""

from __future__ import annotations

import pytest

from domain.penalties import Level, PastRecord, penalty_for


def rec(*items: tuple[int, Level]) -> tuple[PastRecord, ...]:
    return tuple(PastRecord(violation=v, level=lvl, case_id=f"AC-{i}") for i, (v, lvl) in enumerate(items))


L1, L2, L2S, L3, L4 = Level.LEVEL_1, Level.LEVEL_2, Level.LEVEL_2_SERIOUS, Level.LEVEL_3, Level.LEVEL_4

EFFECTS = {
    Level.REMINDER: ["reminder"],
    L1: ["written_warning"],
    L2: ["month_failed_pay_70_percent"],
    L2S: ["month_failed_pay_70_percent", "suspended_1_months"],
    L3: ["month_failed_pay_70_percent", "suspended_3_months"],
    L4: ["month_failed_pay_70_percent", "permanent_suspension", "public_notice"],
}


def test_not_upheld_with_a_fault_is_a_phone_or_chat_reminder():
    p = penalty_for(None, rec((1, L1), (1, L1)))
    assert (p.level, p.effects, p.notice, p.pay_percent) == (Level.REMINDER, ["reminder"], "phone or chat", 100)


@pytest.mark.parametrize("violation", range(1, 6))
def test_level_1_item_upheld_once_is_a_written_warning(violation):
    p = penalty_for(violation, ())
    assert (p.level, p.effects, p.notice, p.pay_percent, p.suspension_months) == (
        L1,
        ["written_warning"],
        "email",
        100,
        None,
    )


@pytest.mark.parametrize("violation", range(1, 6))
def test_level_1_item_upheld_twice_is_still_level_1(violation):
    assert penalty_for(violation, rec((violation, L1))).level == L1


@pytest.mark.parametrize("violation", range(1, 6))
def test_third_level_1_record_of_other_items_is_level_2(violation):
    others = [v for v in range(1, 6) if v != violation][:2]
    p = penalty_for(violation, rec((others[0], L1), (others[1], L1)))
    assert p.level == L2 and p.effects == EFFECTS[L2] and p.pay_percent == 70 and p.month_failed


@pytest.mark.parametrize("violation", range(1, 6))
def test_one_level_1_item_three_times_is_level_2_serious(violation):
    p = penalty_for(violation, rec((violation, L1), (violation, L1)))
    assert p.level == L2S and p.effects == EFFECTS[L2S] and p.suspension_months == 1


@pytest.mark.parametrize("prior_sixes,expected", [(0, L2), (1, L2), (2, L2), (3, L2S), (4, L2S)])
def test_attitude_is_level_2_and_serious_from_the_fourth(prior_sixes, expected):
    assert penalty_for(6, rec(*[(6, L2)] * prior_sixes)).level == expected


def test_attitude_does_not_count_as_a_level_1_record():
    assert penalty_for(1, rec((6, L2), (6, L2))).level == L1


@pytest.mark.parametrize("record", [(), rec((1, L1)), rec((8, L4))])
def test_broken_promise_once_is_level_3(record):
    p = penalty_for(7, record)
    assert p.level == L3 and p.effects == EFFECTS[L3] and p.suspension_months == 3 and p.pay_percent == 70


def test_level_2_serious_twice_is_level_3_via_a_repeated_item():
    p = penalty_for(2, rec((3, L2S), (2, L1), (2, L1)))
    assert p.level == L3 and "level-2 serious 2 times" in p.reason


def test_level_2_serious_twice_is_level_3_via_attitude():
    assert penalty_for(6, rec((1, L2S), (6, L2), (6, L2), (6, L2))).level == L3


def test_level_2_plain_twice_is_not_level_3():
    assert penalty_for(6, rec((6, L2))).level == L2


@pytest.mark.parametrize("violation", range(8, 16))
@pytest.mark.parametrize("record", [(), rec((1, L1), (1, L1), (1, L2S))])
def test_red_line_once_is_level_4(violation, record):
    p = penalty_for(violation, record)
    assert p.level == L4 and p.effects == EFFECTS[L4] and p.permanent_suspension and p.public_notice
    assert p.notice == "email + group notice"


@pytest.mark.parametrize("level,expected", list(EFFECTS.items()))
def test_each_level_has_exactly_its_effects(level, expected):
    sample = {
        Level.REMINDER: (None, ()),
        L1: (1, ()),
        L2: (6, ()),
        L2S: (6, rec(*[(6, L2)] * 3)),
        L3: (7, ()),
        L4: (13, ()),
    }
    violation, record = sample[level]
    assert penalty_for(violation, record).effects == expected


@pytest.mark.parametrize("violation", [0, 16, -1])
def test_unknown_violation_is_refused(violation):
    with pytest.raises(ValueError, match="not one of 1–15"):
        penalty_for(violation, ())
