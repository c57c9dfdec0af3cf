"""Unit tests for the working-day calendar (no database, no Flask)."""

from __future__ import annotations

import time
from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.domain.calendar import (
    EXTRA_DAY_OFF,
    WEEKEND,
    WorkingCalendar,
    reason_label,
)

CAL = WorkingCalendar()


def test_ordinary_weekdays_and_weekends():
    assert CAL.is_working_day(date(2027, 3, 10))  # Wednesday
    assert not CAL.is_working_day(date(2027, 3, 13))  # Saturday
    assert CAL.day_off_reason(date(2027, 3, 14)) == WEEKEND
    assert CAL.day_off_reason(date(2027, 3, 10)) is None


def test_tet_2027_concrete_days():
    # Tết 2027: 29 Tết (Thu 4 Feb) to Mùng năm (Wed 10 Feb); back to work Thu 11 Feb.
    for day in range(4, 11):
        assert not CAL.is_working_day(date(2027, 2, day)), day
    assert CAL.is_working_day(date(2027, 2, 3))
    assert CAL.is_working_day(date(2027, 2, 11))
    assert CAL.day_off_reason(date(2027, 2, 6)) == "Tết Nguyên Đán"
    # A holiday on a Sunday is named, not just "weekend".
    assert CAL.day_off_reason(date(2027, 2, 7)) == "Mùng hai Tết Nguyên Đán"
    assert CAL.next_working_day(date(2027, 2, 4)) == date(2027, 2, 11)


def test_tet_2027_matches_the_package():
    package = holidays.country_holidays("VN", years=2027, observed=True)
    tet = [d for d in package if d.month == 2]
    assert tet, "the package must know Tết 2027"
    for d in tet:
        assert not CAL.is_working_day(d)
        assert CAL.day_off_reason(d) is not None


def test_observed_labour_day_2027():
    # 1 May 2027 is a Saturday: the day off moves to Monday 3 May.
    assert not CAL.is_working_day(date(2027, 5, 3))
    assert "nghỉ bù" in CAL.day_off_reason(date(2027, 5, 3))
    assert CAL.is_working_day(date(2027, 5, 4))
    assert not CAL.is_working_day(date(2027, 4, 30))  # Reunification Day, Friday


def test_makeup_saturday_override():
    saturday = date(2027, 1, 9)
    cal = WorkingCalendar(makeup_working_days=[saturday])
    assert not CAL.is_working_day(saturday)
    assert cal.is_working_day(saturday)
    assert cal.day_off_reason(saturday) is None
    # Friday 8 Jan + 1 working day is the make-up Saturday.
    assert cal.add_working_days(date(2027, 1, 8), 1) == saturday
    assert CAL.add_working_days(date(2027, 1, 8), 1) == date(2027, 1, 11)


def test_extra_day_off_override_with_and_without_name():
    day = date(2027, 2, 12)  # Friday after Tết: a typical government swap
    named = WorkingCalendar(extra_days_off=[day], day_off_names={day: "Nghỉ bù Tết"})
    unnamed = WorkingCalendar(extra_days_off=[day])
    assert CAL.is_working_day(day)
    assert not named.is_working_day(day)
    assert named.day_off_reason(day) == "Nghỉ bù Tết"
    assert unnamed.day_off_reason(day) == EXTRA_DAY_OFF
    assert named.next_working_day(day) == date(2027, 2, 15)


def test_override_clash_is_rejected():
    day = date(2027, 1, 9)
    with pytest.raises(ValueError):
        WorkingCalendar(extra_days_off=[day], makeup_working_days=[day])


def test_add_working_days_does_not_count_start():
    monday = date(2027, 3, 8)
    assert CAL.add_working_days(monday, 0) == monday
    assert CAL.add_working_days(monday, 1) == date(2027, 3, 9)
    assert CAL.add_working_days(monday, 5) == date(2027, 3, 15)
    # From a Saturday, day 1 is Monday.
    assert CAL.add_working_days(date(2027, 3, 13), 1) == date(2027, 3, 15)
    with pytest.raises(ValueError):
        CAL.add_working_days(monday, -1)


def test_add_working_days_across_tet_and_years():
    # Tue 2 Feb 2027 + 2 working days: Wed 3 Feb, then Tết, then Thu 11 Feb.
    assert CAL.add_working_days(date(2027, 2, 2), 2) == date(2027, 2, 11)
    # Across New Year 2027 (Fri 1 Jan off): Thu 31 Dec 2026 + 1 = Mon 4 Jan.
    assert CAL.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    # Far ahead: loads more years on demand.
    far = CAL.add_working_days(date(2027, 1, 4), 1000)
    assert CAL.working_days_between(date(2027, 1, 4), far) == 1000


def test_working_days_between_is_half_open_and_symmetric():
    monday, friday = date(2027, 3, 8), date(2027, 3, 12)
    assert CAL.working_days_between(monday, friday) == 4  # (Mon, Fri]
    assert CAL.working_days_between(friday, monday) == -4
    assert CAL.working_days_between(monday, monday) == 0
    assert CAL.working_days_between(date(2027, 2, 3), date(2027, 2, 11)) == 1


def test_days_off_between_lists_reasons():
    found = CAL.days_off_between(date(2026, 12, 31), date(2027, 1, 4))
    assert found == [
        (date(2027, 1, 1), "Tết Dương lịch"),
        (date(2027, 1, 2), WEEKEND),
        (date(2027, 1, 3), WEEKEND),
    ]
    assert CAL.days_off_between(date(2027, 1, 4), date(2027, 1, 1)) == []


def test_reason_label_translates():
    assert reason_label(date(2027, 1, 2), WEEKEND, "vi") == "cuối tuần"
    assert reason_label(date(2027, 1, 2), WEEKEND, "en") == "weekend"
    assert reason_label(date(2027, 1, 1), "Tết Dương lịch", "en") == "New Year's Day"
    assert reason_label(date(2027, 1, 1), "New Year's Day", "vi") == "Tết Dương lịch"
    assert reason_label(date(2027, 2, 12), "Nghỉ bù Tết", "en") == "Nghỉ bù Tết"


def test_fast_enough():
    cal = WorkingCalendar()
    start = date(2026, 1, 1)
    began = time.perf_counter()
    for i in range(100_000):
        cal.add_working_days(start + timedelta(days=i % 730), 60)
    assert time.perf_counter() - began < 3


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@settings(max_examples=300, deadline=None, database=None)
@given(start=dates, n=st.integers(min_value=0, max_value=400))
def test_property_add_then_count(start, n):
    due = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, due) == n
    if n > 0:
        assert CAL.is_working_day(due)
        assert due > start
        # It is the first such day: the day before has one working day fewer.
        assert CAL.working_days_between(start, due - timedelta(days=1)) == n - 1


@settings(max_examples=300, deadline=None, database=None)
@given(a=dates, b=dates)
def test_property_between_is_antisymmetric_and_matches_a_day_by_day_count(a, b):
    assert CAL.working_days_between(a, b) == -CAL.working_days_between(b, a)
    lo, hi = min(a, b), max(a, b)
    if (hi - lo).days <= 120:
        slow = sum(
            CAL.is_working_day(lo + timedelta(days=k))
            for k in range(1, (hi - lo).days + 1)
        )
        assert CAL.working_days_between(lo, hi) == slow
        assert len(CAL.days_off_between(lo, hi)) == (hi - lo).days - slow


@settings(max_examples=200, deadline=None, database=None)
@given(d=dates)
def test_property_next_working_day(d):
    nxt = CAL.next_working_day(d)
    assert nxt >= d
    assert CAL.is_working_day(nxt)
    assert all(
        not CAL.is_working_day(d + timedelta(days=k)) for k in range((nxt - d).days)
    )


def test_a_swap_the_package_records_works_its_saturday():
    # Found by a QA pass: Mon 31/08/2026 was off "substituted from 22/08/2026", but the
    # Saturday it was swapped with stayed a weekend, so the swap took a day away.
    cal = WorkingCalendar()
    assert not cal.is_working_day(date(2026, 8, 31))
    assert cal.is_working_day(date(2026, 8, 22))
    assert cal.is_working_day(date(2025, 4, 26))  # the 2025 swap for Fri 02/05/2025
    assert not cal.is_working_day(date(2026, 8, 29))  # any other Saturday rests
    # An administrator may still give the Saturday off again.
    assert not WorkingCalendar(extra_days_off=[date(2026, 8, 22)]).is_working_day(
        date(2026, 8, 22))


def test_a_swap_reads_its_date_day_first_in_english():
    cal = WorkingCalendar()
    label = reason_label(date(2026, 8, 31), cal.day_off_reason(date(2026, 8, 31)), "en")
    assert label == "Day off (substituted from 22/08/2026)"
