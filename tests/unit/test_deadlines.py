"""Unit tests for deadline computation (no database, no Flask; dates passed explicitly)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.domain.calendar import WEEKEND, WorkingCalendar
from complaints.domain.deadlines import (
    CALENDAR,
    WORKING,
    badge,
    compute_deadline,
    compute_due,
    days_left,
    is_overdue,
    resume_due,
)

CAL = WorkingCalendar()


def test_calendar_unit_due_on_holiday_moves_to_next_working_day():
    # 2 Dec 2026 + 30 days = Fri 1 Jan 2027 (New Year) -> Mon 4 Jan 2027.
    assert compute_due(CAL, date(2026, 12, 2), 30, CALENDAR) == date(2027, 1, 4)


def test_calendar_unit_due_on_weekend_moves_to_monday():
    # Mon 1 Mar 2027 + 5 days = Sat 6 Mar -> Mon 8 Mar.
    assert compute_due(CAL, date(2027, 3, 1), 5, CALENDAR) == date(2027, 3, 8)
    # Landing on a working day: no move.
    assert compute_due(CAL, date(2027, 3, 1), 4, CALENDAR) == date(2027, 3, 5)


def test_calendar_unit_due_in_tet_moves_past_it():
    # Tue 26 Jan 2027 + 10 days = Fri 5 Feb (Giao thừa) -> Thu 11 Feb.
    assert compute_due(CAL, date(2027, 1, 26), 10, CALENDAR) == date(2027, 2, 11)


def test_trigger_day_not_counted():
    monday = date(2027, 3, 8)
    assert compute_due(CAL, monday, 1, WORKING) == date(2027, 3, 9)
    assert compute_due(CAL, monday, 1, CALENDAR) == date(2027, 3, 9)
    # Received on a Saturday: working day 1 is Monday.
    assert compute_due(CAL, date(2027, 3, 6), 1, WORKING) == monday


def test_working_unit_over_tet():
    # Received Mon 1 Feb 2027; 7 working days: 2, 3, 11, 12, 15, 16, 17 Feb.
    assert compute_due(CAL, date(2027, 2, 1), 7, WORKING) == date(2027, 2, 17)


def test_makeup_saturday_and_extra_day_off_change_due_dates():
    cal = WorkingCalendar(
        extra_days_off=[date(2027, 2, 12)],
        makeup_working_days=[date(2027, 2, 20)],
        day_off_names={date(2027, 2, 12): "Nghỉ bù Tết (hoán đổi)"},
    )
    # 2, 3, 11, 15, 16, 17, 18 Feb (12th off) -> 7th working day is Thu 18 Feb.
    assert compute_due(cal, date(2027, 2, 1), 7, WORKING) == date(2027, 2, 18)
    # Fri 19 Feb + 1 working day = make-up Saturday 20 Feb.
    assert compute_due(cal, date(2027, 2, 19), 1, WORKING) == date(2027, 2, 20)
    # Calendar unit landing on the extra day off moves to Monday.
    assert compute_due(cal, date(2027, 2, 2), 10, CALENDAR) == date(2027, 2, 15)


def test_bad_arguments():
    with pytest.raises(ValueError):
        compute_due(CAL, date(2027, 3, 1), 5, "weeks")
    with pytest.raises(ValueError):
        compute_due(CAL, date(2027, 3, 1), -1, WORKING)
    with pytest.raises(ValueError):
        compute_deadline(CAL, "appeal", date(2027, 3, 1), 5, WORKING, "x")


def test_compute_deadline_with_extension():
    d = compute_deadline(
        CAL,
        "resolution",
        date(2027, 3, 1),
        30,
        CALENDAR,
        "Luật Tố cáo",
        extended_days=30,
    )
    assert d.total_days == 60
    # 1 Mar + 60 = Fri 30 Apr (holiday), Sat, Sun, Mon 3 May (observed) -> Tue 4 May.
    assert d.due_on == date(2027, 5, 4)
    assert [day for day, _ in d.skipped] == [
        date(2027, 4, 30),
        date(2027, 5, 1),
        date(2027, 5, 2),
        date(2027, 5, 3),
    ]


def test_calendar_skipped_only_when_due_moved():
    d = compute_deadline(CAL, "resolution", date(2027, 3, 1), 4, CALENDAR, "x")
    assert d.due_on == date(2027, 3, 5)
    assert d.skipped == ()


def test_explain_vi_and_en():
    d = compute_deadline(
        CAL,
        "resolution",
        date(2026, 12, 2),
        30,
        CALENDAR,
        "Luật Khiếu nại Điều 28",
        source_en="Law on Complaints Art. 28",
    )
    assert d.explain("vi") == (
        "30 ngày (theo ngày) kể từ ngày 02/12/2026 (Luật Khiếu nại Điều 28) → hạn 04/01/2027; "
        "bỏ qua: 01/01/2027 Tết Dương lịch, 02/01/2027 cuối tuần, 03/01/2027 cuối tuần"
    )
    assert d.explain("en") == (
        "30 calendar days from 02/12/2026 (Law on Complaints Art. 28) → due 04/01/2027; "
        "skipped: 01/01/2027 New Year's Day, 02/01/2027 weekend, 03/01/2027 weekend"
    )
    assert d.explain() == d.explain("vi")


def test_explain_working_unit_summarises_weekends():
    d = compute_deadline(CAL, "handling", date(2027, 2, 1), 7, WORKING, "Luật Tố cáo")
    vi = d.explain("vi")
    assert vi.startswith(
        "7 ngày làm việc kể từ ngày 01/02/2027 (Luật Tố cáo) → hạn 17/02/2027"
    )
    assert "2 ngày cuối tuần" in vi  # 6-7 Feb are named as Tết days
    assert "06/02/2027 Tết Nguyên Đán" in vi
    en = d.explain("en")
    assert en.startswith(
        "7 working days from 01/02/2027 (Luật Tố cáo) → due 17/02/2027"
    )
    assert "2 weekend days" in en and "06/02/2027 Lunar New Year" in en
    extended = compute_deadline(
        CAL, "handling", date(2027, 3, 1), 7, WORKING, "x", extended_days=3
    )
    assert "7 ngày làm việc + 3 ngày gia hạn" in extended.explain("vi")
    assert "7 working days + 3 days' extension" in extended.explain("en")


def test_explain_without_skipped_days():
    d = compute_deadline(CAL, "handling", date(2027, 3, 8), 2, WORKING, "x")
    assert d.explain("en") == "2 working days from 08/03/2027 (x) → due 10/03/2027"


def test_days_left_sign_convention():
    due = date(2027, 3, 10)  # Wednesday
    assert days_left(CAL, due, date(2027, 3, 8)) == 2
    assert days_left(CAL, due, due) == 0
    assert days_left(CAL, due, date(2027, 3, 11)) == -1  # the day after due
    assert days_left(CAL, due, date(2027, 3, 17)) == -5
    assert not is_overdue(due, due)
    assert is_overdue(due, due + timedelta(days=1))


def test_days_left_overdue_over_a_weekend():
    friday = date(2027, 3, 12)
    # Saturday after a Friday due date: overdue though no working day has passed.
    assert days_left(CAL, friday, date(2027, 3, 13)) == -1
    # Monday: one working day late.
    assert days_left(CAL, friday, date(2027, 3, 15)) == -1
    assert days_left(CAL, friday, date(2027, 3, 16)) == -2
    # Before the due date, weekends do not count.
    assert days_left(CAL, date(2027, 3, 15), friday) == 1


def test_badge():
    assert badge(10) == "ok"
    assert badge(4) == "ok"
    assert badge(3) == "amber"
    assert badge(0) == "amber"
    assert badge(-1) == "red"
    assert badge(5, amber_from=5) == "amber"


def _resume(due_on, unit, suspended_on, resumed_on):
    """resume_due for a period found back from its (unshifted) due date."""
    start = date(2027, 1, 1)
    days = (due_on - start).days if unit == CALENDAR else CAL.working_days_between(start,
                                                                                   due_on)
    assert compute_due(CAL, start, days, unit) == due_on
    return resume_due(CAL, start, days, unit, [(suspended_on, resumed_on)])


def test_resume_due_working_unit():
    # Due Fri 19 Mar 2027, suspended Mon 8 Mar: 9 working days remain (9..19 Mar).
    due = date(2027, 3, 19)
    new = _resume(due, WORKING, date(2027, 3, 8), date(2027, 3, 22))
    assert new == CAL.add_working_days(date(2027, 3, 22), 9) == date(2027, 4, 2)


def test_resume_due_calendar_unit():
    # Due 31 Mar 2027, suspended 21 Mar: 10 days remain; resumed 1 Apr -> 11 Apr (Sun) -> 12 Apr.
    new = _resume(date(2027, 3, 31), CALENDAR, date(2027, 3, 21), date(2027, 4, 1))
    assert new == date(2027, 4, 12)


def test_resume_due_same_day_and_overdue():
    due = date(2027, 3, 10)
    assert _resume(due, WORKING, due, date(2027, 3, 15)) == date(2027, 3, 15)
    # Already overdue when suspended: the missed date stays.
    assert _resume(due, WORKING, date(2027, 3, 12), date(2027, 3, 20)) == due
    with pytest.raises(ValueError):
        _resume(due, WORKING, date(2027, 3, 9), date(2027, 3, 8))


def test_resume_due_calendar_unit_gives_back_no_weekend_shift():
    # Found by a QA pass: 30 days from Thu 8 Oct 2026 end on Sat 7 Nov, due Mon 9 Nov
    # (Civil Code Art. 148(5)). Suspended Mon 2 Nov, 5 days of the period were left, not 7.
    start, periods = date(2026, 10, 8), [(date(2026, 11, 2), date(2026, 11, 18))]
    assert compute_due(CAL, start, 30, CALENDAR) == date(2026, 11, 9)
    assert resume_due(CAL, start, 30, CALENDAR, periods) == date(2026, 11, 23)
    # Suspended on the Sunday the shift added: the period's own end has passed, none left.
    assert resume_due(CAL, start, 30, CALENDAR,
                      [(date(2026, 11, 8), date(2026, 11, 18))]) == date(2026, 11, 18)
    # A second suspension counts to the end the first one gave (18/11 + 5 = Mon 23/11):
    # suspended Fri 20/11, 3 days left; resumed 25/11, they end Sat 28/11 -> Mon 30/11.
    two = [*periods, (date(2026, 11, 20), date(2026, 11, 25))]
    assert resume_due(CAL, start, 30, CALENDAR, two) == date(2026, 11, 30)


def test_resume_due_on_a_day_off_with_no_time_left_is_a_working_day():
    # Found by a QA pass: suspended on its due date (Thu 29 Oct 2026) and resumed on a
    # Saturday, the case was due that Saturday.
    start = date(2026, 10, 8)
    assert compute_due(CAL, start, 15, WORKING) == date(2026, 10, 29)
    periods = [(date(2026, 10, 29), date(2026, 10, 31))]
    assert resume_due(CAL, start, 15, WORKING, periods) == date(2026, 11, 2)
    # The calendar unit likewise (30 days from 29 Sep 2026 end on Thu 29 Oct).
    assert resume_due(CAL, date(2026, 9, 29), 30, CALENDAR, periods) == date(2026, 11, 2)


def test_resume_due_working_unit_suspended_on_a_day_off():
    # Due Thu 29 Oct 2026. Suspended Sat 24 Oct: the Saturday uses no working day, so
    # Mon 26..Thu 29 (4) remain, as when suspended on Fri 23 (the Friday itself was used).
    start = date(2026, 10, 8)
    for suspended in (date(2026, 10, 23), date(2026, 10, 24), date(2026, 10, 25)):
        due = resume_due(CAL, start, 15, WORKING, [(suspended, date(2026, 11, 2))])
        assert due == date(2026, 11, 6)  # 4 working days after Mon 2 Nov


dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2060, 12, 31))


@settings(max_examples=200, deadline=None, database=None)
@given(start=dates, days=st.integers(0, 120), unit=st.sampled_from([WORKING, CALENDAR]))
def test_property_due_is_working_and_not_early(start, days, unit):
    due = compute_due(CAL, start, days, unit)
    assert due >= start + timedelta(days=days)
    if days:
        assert CAL.is_working_day(due)
    assert days_left(CAL, due, due) == 0
    assert days_left(CAL, due, due + timedelta(days=1)) == -1


@settings(max_examples=200, deadline=None, database=None)
@given(start=dates, days=st.integers(1, 90), pause=st.integers(0, 60))
def test_property_suspension_with_no_pause_changes_nothing(start, days, pause):
    due = compute_due(CAL, start, days, WORKING)
    suspended = CAL.add_working_days(start, days // 2)
    assert resume_due(CAL, start, days, WORKING, [(suspended, suspended)]) == due
    resumed = CAL.add_working_days(suspended, pause)
    later = resume_due(CAL, start, days, WORKING, [(suspended, resumed)])
    assert CAL.working_days_between(due, later) == pause


@settings(max_examples=200, deadline=None, database=None)
@given(start=dates, days=st.integers(1, 90), at=st.integers(0, 95), pause=st.integers(0, 60))
def test_property_calendar_suspension_shifts_the_own_end_by_the_pause(start, days, at,
                                                                       pause):
    # The period's own end moves by exactly the pause (when suspended by then); only that
    # end is then moved off a day off, and the due date is always a working day.
    suspended = start + timedelta(days=min(at, days))
    resumed = suspended + timedelta(days=pause)
    due = resume_due(CAL, start, days, CALENDAR, [(suspended, resumed)])
    assert due == CAL.next_working_day(start + timedelta(days=days + pause))
    assert CAL.is_working_day(due)


def test_skipped_reasons_are_codes_or_names():
    d = compute_deadline(CAL, "acceptance", date(2026, 12, 30), 3, WORKING, "x")
    assert (date(2027, 1, 2), WEEKEND) in d.skipped


def test_a_stored_explanation_is_worded_again_in_english():
    # Found by a QA pass: English pages showed "10 ngày làm việc kể từ ngày …".
    from complaints.domain.deadlines import explain_stored, suspension_note

    deadline = compute_deadline(CAL, "resolution", date(2026, 11, 2), 15, "working",
                                "Luật Khiếu nại 2011, Điều 28", source_en="Complaints Law")
    # Suspended 05/11–20/11: the stored due date moved by the suspension's working days.
    due_on = date(2026, 12, 10)
    stored = deadline.explain("vi") + suspension_note(date(2026, 11, 5), date(2026, 11, 20))
    assert explain_stored(CAL, "resolution", date(2026, 11, 2), due_on, 15, "working", 0,
                          "Luật Khiếu nại 2011, Điều 28", "Complaints Law", stored,
                          "vi") == stored
    english = explain_stored(CAL, "resolution", date(2026, 11, 2), due_on, 15, "working", 0,
                             "Luật Khiếu nại 2011, Điều 28", "Complaints Law", stored, "en")
    # As the stored text: the period's own due date, then the suspension and the date it
    # gave (found by a QA pass: the English explained the shifted date with the period's
    # skipped days, and the Vietnamese ended on the stale date).
    assert english.startswith("15 working days from 02/11/2026 (Complaints Law) → due "
                              "23/11/2026; skipped: ")
    assert english.endswith(" · suspended 05/11/2026–20/11/2026 → new due date 10/12/2026")
    assert "ngày" not in english and "tạm" not in english


def test_a_suspended_calendar_period_lists_no_weekend_after_its_own_due_date():
    from complaints.domain.deadlines import explain_stored, resume_due, suspension_note

    start = date(2026, 9, 2)
    deadline = compute_deadline(CAL, "resolution", start, 30, "calendar", "Luật Khiếu nại 2011")
    suspended, resumed = date(2026, 9, 10), date(2026, 9, 20)
    due_on = resume_due(CAL, start, 30, "calendar", [(suspended, resumed)])
    stored = deadline.explain("vi") + suspension_note(suspended, resumed, due_on)
    assert stored.endswith(f"→ hạn mới {due_on:%d/%m/%Y}")
    english = explain_stored(CAL, "resolution", start, due_on, 30, "calendar", 0,
                             "Luật Khiếu nại 2011", "Complaints Law", stored, "en")
    assert f"→ due {deadline.due_on:%d/%m/%Y}" in english
    assert deadline.due_on == date(2026, 10, 2)  # a Friday: no day off moved it
    assert "weekend" not in english and "03/10/2026" not in english
    assert english.endswith(f"→ new due date {due_on:%d/%m/%Y}")


def test_a_suspension_after_the_due_date_notes_the_date_unchanged():
    # QA 106 J3: suspended late, the due date stands; "new due date 26/10" after a
    # suspension of 20/11 read oddly.
    from complaints.domain.deadlines import explain_stored, resume_due, suspension_note

    start = date(2026, 10, 5)
    deadline = compute_deadline(CAL, "resolution", start, 15, "working", "Luật Tiếp công dân")
    suspended, resumed = date(2026, 11, 20), date(2026, 11, 27)
    due_on = resume_due(CAL, start, 15, "working", [(suspended, resumed)])
    assert due_on == deadline.due_on == date(2026, 10, 26)
    stored = deadline.explain("vi") + suspension_note(suspended, resumed, due_on)
    assert stored.endswith("tạm đình chỉ 20/11/2026–27/11/2026 → hạn không đổi "
                           "(đã quá hạn khi tạm đình chỉ)")
    english = explain_stored(CAL, "resolution", start, due_on, 15, "working", 0,
                             "Luật Tiếp công dân", "Law on Citizen Reception", stored, "en")
    assert english.endswith("suspended 20/11/2026–27/11/2026 → due date unchanged "
                            "(already overdue when suspended)")
