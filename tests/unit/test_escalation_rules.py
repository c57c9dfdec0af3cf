"""Escalation rules without a database: ladder dates, evasion, supervisors, repeat, mass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from complaints.domain import escalation as rules
from complaints.domain.calendar import WorkingCalendar


@dataclass
class S:
    level: int
    code: str
    offset_days: int
    unit: str


LADDER = [S(0, "reminder", -3, "working"), S(1, "overdue", 1, "calendar"),
          S(2, "urged", 5, "working"), S(3, "inspection", 10, "working")]
CAL = WorkingCalendar()
DUE = date(2026, 11, 20)  # a Friday


def test_step_dates_count_working_days_around_the_due_date():
    dates = rules.step_dates(CAL, DUE, LADDER)
    # 3 working days before Fri 20/11: Tue 17/11; overdue Sat 21/11 (the day after);
    # 24/11 is Vietnamese Culture Day (a holiday): 5 working days overdue is Mon 30/11,
    # 10 is Mon 07/12.
    assert dates == [date(2026, 11, 17), date(2026, 11, 21), date(2026, 11, 30),
                     date(2026, 12, 7)]


@pytest.mark.parametrize("as_of, reached, expected", [
    (date(2026, 11, 16), -1, None),
    (date(2026, 11, 17), -1, 0),
    (date(2026, 11, 18), 0, None),
    (date(2026, 11, 21), 0, 1),
    (date(2026, 11, 27), 1, None),
    (date(2026, 11, 30), 1, 2),
    (date(2026, 12, 7), 2, 3),
    (date(2026, 12, 30), 3, None),
])
def test_due_step_walks_the_ladder(as_of, reached, expected):
    dates = rules.step_dates(CAL, DUE, LADDER)
    step = rules.due_step(dates, LADDER, as_of, reached)
    assert (step.level if step else None) == expected


def test_skipped_levels_give_only_the_level_due_now():
    dates = rules.step_dates(CAL, DUE, LADDER)
    step = rules.due_step(dates, LADDER, date(2026, 12, 10), -1)
    assert step.level == 3


def test_next_attention_is_the_next_step_above_the_level_reached():
    dates = rules.step_dates(CAL, DUE, LADDER)
    assert rules.next_attention(dates, LADDER, -1) == date(2026, 11, 17)
    assert rules.next_attention(dates, LADDER, 1) == date(2026, 11, 30)
    assert rules.next_attention(dates, LADDER, 3) is None


def test_reminder_skips_a_holiday():
    # Due Wed 03/09/2025 after National Day (01–02/09 off): the day with 3 working days
    # left (28/08, 29/08, 03/09) is Wed 27/08.
    assert rules.step_date(CAL, date(2025, 9, 3), -3, "working") == date(2025, 8, 27)


PARENTS = {1: None, 2: 1, 3: 1, 4: 2, 5: 2, 6: 3, 9: 1}


@pytest.mark.parametrize("agencies, expected", [
    ([4, 5], 2),  # siblings under 2
    ([4, 6], 1),  # cousins: the province
    ([2, 4], 1),  # 2 supervises 4 but bounced it itself: its own supervisor
    ([1, 2], None),  # nobody above the province
])
def test_lowest_common_supervisor(agencies, expected):
    assert rules.lowest_common_supervisor(agencies, PARENTS) == expected


def test_nearest_inspectorate_and_root():
    assert rules.nearest_inspectorate(4, PARENTS, [9]) == 9
    assert rules.nearest_inspectorate(4, PARENTS, []) is None
    assert rules.root_of(6, PARENTS) == 1


def test_evasion_second_return_or_transfer():
    moves = [rules.Move("route", None, 4), rules.Move("return", 4, None),
             rules.Move("route", None, 5)]
    assert rules.detect_evasion(moves) is None
    moves.append(rules.Move("transfer", 5, 6))
    found = rules.detect_evasion(moves)
    assert found.why == "returned_or_transferred_twice" and found.agencies == (4, 5, 6)


def test_evasion_back_to_an_agency_that_had_it():
    moves = [rules.Move("route", None, 4), rules.Move("transfer", 4, 5),
             rules.Move("transfer", 5, 4)]
    found = rules.detect_evasion(moves)
    assert found is not None and set(found.agencies) == {4, 5}


def test_designated_lead_ends_evasion():
    moves = [rules.Move("route", None, 4), rules.Move("transfer", 4, 5),
             rules.Move("transfer", 5, 4), rules.Move("designate_lead", 4, 4)]
    assert rules.detect_evasion(moves) is None


def test_repeated_after_decision_and_three_in_a_year():
    p = rules.PetitionFacts
    assert not rules.is_repeated([p(date(2026, 1, 5), frozenset({1}))], None)
    assert rules.is_repeated([p(date(2026, 1, 5), frozenset({1})),
                              p(date(2026, 3, 5), frozenset({1, 2}))], date(2026, 2, 1))
    assert not rules.is_repeated([p(date(2026, 1, 5), frozenset({1})),
                                  p(date(2026, 3, 5), frozenset({2}))], date(2026, 2, 1))
    three = [p(date(2026, 1, 5), frozenset({1})), p(date(2026, 6, 5), frozenset({2})),
             p(date(2026, 12, 30), frozenset({3}))]
    assert rules.is_repeated(three, None)
    three[2] = p(date(2027, 2, 1), frozenset({3}))
    assert not rules.is_repeated(three, None)


def test_mass_and_similar_subjects_ignore_accents():
    assert rules.is_mass([1, 2, 3, 4, 5]) and not rules.is_mass([1, 1, 2, 3, 4])
    a = rules.fold_subject("Tranh chấp đất đai ở thôn 3")
    b = rules.fold_subject("tranh chap dat dai thon 3")
    assert rules.similar_subjects(a, b)
    assert not rules.similar_subjects(a, rules.fold_subject("Ô nhiễm môi trường khu công nghiệp"))


def test_limits_on_takes_each_thresholds_latest_version_up_to_the_date():
    versions = [("mass_petitioners", 5, date(2020, 1, 1)),
                ("mass_petitioners", 3, date(2027, 1, 1)),
                ("repeat_petitions", 4, date(2026, 6, 1)), ("unknown", 9, date(2020, 1, 1))]
    assert rules.limits_on([], date(2026, 12, 1)) == rules.DEFAULT_LIMITS
    on_dec = rules.limits_on(versions, date(2026, 12, 1))
    assert (on_dec.mass_petitioners, on_dec.repeat_petitions) == (5, 4)
    assert on_dec.similar_subject == rules.DEFAULT_LIMITS.similar_subject  # no version: default
    assert rules.limits_on(versions, date(2027, 1, 1)).mass_petitioners == 3


def test_repeated_and_mass_follow_the_limits_given():
    two = [rules.PetitionFacts(date(2026, 1, 1), frozenset({1})),
           rules.PetitionFacts(date(2026, 3, 1), frozenset({2}))]
    assert not rules.is_repeated(two, None)  # three petitions by default
    assert rules.is_repeated(two, None, rules.PatternLimits(repeat_petitions=2))
    narrow = rules.PatternLimits(repeat_petitions=2, repeat_window_months=1)
    assert not rules.is_repeated(two, None, narrow)  # two months apart
    assert not rules.is_mass({1, 2, 3}) and rules.is_mass({1, 2, 3}, minimum=3)


def _one(cases):
    """Cases of one letter each, as mass_members reads them."""
    return [[letter] for letter in cases]


def test_mass_counts_the_people_of_one_30_day_window_holding_the_new_case():
    # Found by QA: five people spread over 60 days around the new case were counted as one
    # mass petition (its window was ±30 days).
    sep1, oct1, oct31 = date(2026, 9, 1), date(2026, 10, 1), date(2026, 10, 31)
    spread = [(oct1, {"b"}), (sep1, {"a1", "a2"}), (oct31, {"c1", "c2"})]
    assert rules.mass_members(_one(spread), 0) == frozenset()
    # 1 … 31 Oct holds five people with the new case: those three cases, not 3 Sep's.
    closer = [(oct1, {"b"}), (date(2026, 9, 3), {"a1", "a2"}), (date(2026, 10, 2), {"d"}),
              (oct31, {"c1", "c2", "c3"})]
    assert rules.mass_members(_one(closer), 0) == {0, 2, 3}
    # A window holding five people but not the new case does not make it mass.
    later = [(date(2026, 12, 1), {"n"}), (oct1, {"1", "2", "3", "4", "5"})]
    assert rules.mass_members(_one(later), 0) == frozenset()
    # Windows on both sides: the cases of each are clustered; one person counts once.
    both = [(oct1, {"b"}), (sep1, {"a1", "a2", "a3", "a4"}), (oct31, {"c1", "c2", "c3", "b"}),
            (date(2026, 10, 15), set())]  # everyone withdrew: nobody behind it
    assert rules.mass_members(_one(both), 0) == {0, 1}
    both[2] = (oct31, {"c1", "c2", "c3", "c4"})
    assert rules.mass_members(_one(both), 0) == {0, 1, 2}
    # The window's length is the limit in force; exactly 30 days apart is within it.
    assert rules.mass_members(_one([(oct31, {"x"}), (oct1, {"1", "2", "3", "4"})]), 0) == {0, 1}
    assert not rules.mass_members(_one([(oct31, {"x"}), (oct1, {"1", "2", "3", "4"})]), 0,
                                  rules.PatternLimits(mass_window_days=29))
    assert rules.mass_members(_one([(oct1, {"1", "2", "3", "4", "5"})]), 0) == {0}


def test_mass_dates_each_letter_on_its_own_day():
    # QA round 28: a later letter joined to a case counted on the case's first day.
    oct1, nov20, nov25, dec1 = (date(2026, 10, 1), date(2026, 11, 20), date(2026, 11, 25),
                                date(2026, 12, 1))
    # A, B, C write on 01/10 and again on 25/11; D, E on 20/11: 5 people within 30 days.
    again = [[(oct1, {"a", "b", "c"}), (nov25, {"a", "b", "c"})], [(nov20, {"d", "e"})]]
    assert rules.mass_members(again, 0) == {0, 1}
    assert rules.mass_members(again, 1) == {0, 1}
    # A on 01/10, D and E on 10/10, B and C join A's case on 01/12: no 30 days hold five.
    late = [[(oct1, {"a"}), (dec1, {"b", "c"})], [(date(2026, 10, 10), {"d", "e"})]]
    assert rules.mass_members(late, 0) == frozenset()
    # Five people on one case are mass whatever their letters' days, and the case is
    # clustered with those within 30 days of any of its letters.
    one = [[(oct1, {"a", "b", "c", "d"}), (dec1, {"e"})], [(date(2026, 12, 20), {"x"})],
           [(date(2026, 6, 1), {"y"})]]
    assert rules.mass_members(one, 0) == {0, 1}


BASE = date(2000, 1, 1)
VERSIONED = rules.Ladder([rules.Rung(s.level, s.code, s.offset_days, s.unit, BASE)
                          for s in LADDER])


def _with(*rungs: rules.Rung) -> rules.Ladder:
    return rules.Ladder([r for level in VERSIONED.levels for r in level] + list(rungs))


def test_a_ladder_with_one_version_per_rung_gives_the_plain_dates():
    assert VERSIONED.dates(CAL, DUE) == rules.step_dates(CAL, DUE, LADDER)
    assert [s.level for s in VERSIONED] == [0, 1, 2, 3]


def test_a_version_from_a_later_date_waits_for_it():
    # Urging after 2 working days instead of 5, from Mon 30/11: a stage due Fri 20/11
    # reached 2 working days overdue on Wed 25/11 (24/11 is a holiday), when the old
    # rung still applied; the new one applies from its date, not before.
    ladder = _with(rules.Rung(2, "urged", 2, "working", date(2026, 11, 27)))
    assert ladder.dates(CAL, DUE)[2] == date(2026, 11, 27)
    # From a date after the old rung's own day (Mon 30/11), the old one came first.
    ladder = _with(rules.Rung(2, "urged", 2, "working", date(2026, 12, 1)))
    assert ladder.dates(CAL, DUE)[2] == date(2026, 11, 30)
    # A later rung from a date after its old day does not take it back.
    ladder = _with(rules.Rung(2, "urged", 8, "working", date(2026, 11, 26)))
    assert ladder.dates(CAL, DUE)[2] == date(2026, 12, 3)
    ladder = _with(rules.Rung(2, "urged", 8, "working", date(2026, 12, 1)))
    assert ladder.dates(CAL, DUE)[2] == date(2026, 11, 30)


def test_the_ladder_on_a_day_and_its_order():
    later = rules.Rung(3, "inspection", 4, "working", date(2027, 1, 1))
    ladder = _with(later)
    assert [r.offset_days for r in ladder.on(date(2026, 12, 31))] == [-3, 1, 5, 10]
    assert [r.offset_days for r in ladder.on(date(2027, 1, 1))] == [-3, 1, 5, 4]
    assert [r.level for r in ladder.on(date(1999, 12, 31))] == []
    # Inspection after 4 working days comes before urging after 5: out of order from the
    # version's date, and fine before it.
    assert rules.out_of_order_on(ladder, date(2026, 12, 1)) == date(2027, 1, 1)
    assert rules.out_of_order_on(VERSIONED, date(2026, 12, 1)) is None


def test_next_step_is_the_highest_step_reached_on_the_next_day():
    dates = rules.step_dates(CAL, DUE, LADDER)
    before = date(2026, 11, 1)
    assert rules.next_step(dates, LADDER, -1, before) == (date(2026, 11, 17), LADDER[0])
    assert rules.next_step(dates, LADDER, 1, before) == (date(2026, 11, 30), LADDER[2])
    assert rules.next_step(dates, LADDER, 3, before) is None
    # Not swept for weeks: the next sweep raises the highest step already reached.
    assert rules.next_step(dates, LADDER, -1, date(2026, 12, 2)) == (date(2026, 11, 30),
                                                                     LADDER[2])
    # Two rungs on one day: the sweep raises the higher.
    same_day = [LADDER[0], S(1, "overdue", 1, "calendar"), S(2, "urged", 1, "calendar")]
    found = rules.next_step(rules.step_dates(CAL, DUE, same_day), same_day, 0, before)
    assert found[1].level == 2


def test_a_ladder_step_is_superseded_only_when_its_stage_instance_is_gone():
    """QA round 8: a transfer or return left the old holder's overdue open for good."""
    ladder_superseded = rules.ladder_superseded
    started, again = date(2026, 10, 2), date(2026, 10, 15)
    # Completed (met) keeps its start: the addressee still acknowledges it.
    assert not ladder_superseded("acceptance", started, {"acceptance": started})
    # Started again elsewhere, or dropped (a return): moot.
    assert ladder_superseded("acceptance", started, {"acceptance": again})
    assert ladder_superseded("resolution", started, {"handling": started})
    # Patterns stay with their addressees whatever the deadlines.
    assert not ladder_superseded(rules.CASE_STAGE, date.min, {})


def test_an_overdue_step_lapses_when_the_new_due_date_has_not_reached_it():
    """QA: an extension entered after the sweep flagged the case overdue left it overdue."""
    dates = rules.step_dates(CAL, DUE, LADDER)  # extended to Fri 20/11: 17/11, 21/11, 27/11, …
    # Recorded on 18/11: not overdue under the new date; the reminder (17/11) stands.
    assert [rules.overdue_lapsed(s.level, dates, LADDER, date(2026, 11, 18))
            for s in LADDER] == [False, True, True, True]
    # Recorded on 23/11 (the extension was too short): overdue still, not urged yet.
    assert [rules.overdue_lapsed(s.level, dates, LADDER, date(2026, 11, 23))
            for s in LADDER] == [False, False, True, True]
    # A due date moved later (reminders=True): the reminder (17/11) lapses too while its
    # new day is still to come, so that it is raised again before the new date.
    assert [rules.overdue_lapsed(s.level, dates, LADDER, date(2026, 11, 16), reminders=True)
            for s in LADDER] == [True, True, True, True]
    assert [rules.overdue_lapsed(s.level, dates, LADDER, date(2026, 11, 18), reminders=True)
            for s in LADDER] == [False, True, True, True]


def test_an_escalation_is_answerable_by_the_desk_or_the_holder_when_raised():
    assert rules.answerable("handling", None, 7) == 7
    assert rules.answerable("handling", 3, 7) == 7  # the desk's deadline, whoever holds it
    assert rules.answerable("acceptance", 3, 7) == 3
    assert rules.answerable("resolution", 3, 7) == 3
    assert rules.answerable(rules.CASE_STAGE, None, 7) is None  # a pattern, not yet routed


def test_evasion_threshold_is_a_limit():
    """PatternLimits.evasion_moves (an administrator's versioned threshold, QA round 37):
    raised to 3, two transfers to new agencies are no longer evasion; a move back still is."""
    moves = [rules.Move("route", None, 4), rules.Move("transfer", 4, 5),
             rules.Move("transfer", 5, 6)]
    assert rules.detect_evasion(moves, limit=3) is None
    assert rules.detect_evasion(moves + [rules.Move("transfer", 6, 7)], limit=3).why == (
        "returned_or_transferred_twice")
    assert rules.detect_evasion(moves + [rules.Move("transfer", 6, 4)], limit=9).why == (
        "sent_back")
