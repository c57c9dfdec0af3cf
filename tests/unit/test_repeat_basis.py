"""What made petitions repeated (kéo dài, nhiều lần): the rule and the petitions meeting it."""

from __future__ import annotations

from datetime import date

from complaints.domain import escalation as rules

P = rules.PetitionFacts


def test_three_petitions_in_a_year_name_every_petition_of_the_window():
    # Given out of order: the indexes are the caller's, earliest first.
    petitions = [P(date(2026, 11, 20), frozenset({1, 2})), P(date(2026, 11, 2), frozenset({1, 2})),
                 P(date(2026, 11, 10), frozenset({1, 2})), P(date(2028, 1, 1), frozenset({1}))]
    basis = rules.repeat_basis(petitions, None)
    assert basis == rules.RepeatBasis(rules.REPEAT_MANY, (1, 2, 0), 3, 12)
    assert rules.is_repeated(petitions, None)
    four = [*petitions[:3], P(date(2026, 12, 1), frozenset({3}))]
    assert rules.repeat_basis(four, None).petitions == (1, 2, 0, 3)


def test_the_petitions_back_after_the_decision_are_the_basis():
    petitions = [P(date(2026, 10, 1), frozenset({1})), P(date(2026, 11, 10), frozenset({1, 5})),
                 P(date(2026, 11, 12), frozenset({7}))]
    basis = rules.repeat_basis(petitions, date(2026, 10, 20))
    assert basis == rules.RepeatBasis(rules.REPEAT_AFTER_DECISION, (1,))


def test_no_basis_where_nothing_repeats():
    petitions = [P(date(2026, 10, 1), frozenset({1})), P(date(2026, 11, 10), frozenset({2}))]
    assert rules.repeat_basis(petitions, date(2026, 10, 20)) is None
    assert not rules.is_repeated(petitions, date(2026, 10, 20))
    assert rules.repeat_basis([], None) is None


def test_the_window_is_twelve_calendar_months():
    """domain.md and the law speak of 12 months, not 365 days. Counted as the Civil Code
    counts a period (from the next day, Art. 147(1); ending with the same day of the month,
    Art. 148(3)), a petition on the same day 12 months after the first is inside the window
    and the next day is outside (365 days was one day short across a 29 February)."""
    first, middle = P(date(2027, 3, 15), frozenset({1})), P(date(2027, 9, 1), frozenset({1}))
    assert not rules.is_repeated([first, middle, P(date(2028, 3, 16), frozenset({1}))], None)
    basis = rules.repeat_basis([first, middle, P(date(2028, 3, 15), frozenset({1}))], None)
    assert basis == rules.RepeatBasis(rules.REPEAT_MANY, (0, 1, 2), 3, 12)


def test_a_window_from_29_february_or_a_months_end_ends_with_the_month():
    leap, middle = P(date(2024, 2, 29), frozenset({1})), P(date(2024, 8, 1), frozenset({1}))
    assert not rules.is_repeated([leap, middle, P(date(2025, 3, 1), frozenset({1}))], None)
    assert rules.is_repeated([leap, middle, P(date(2025, 2, 28), frozenset({1}))], None)
    # An administrator's window of one month from 31 January ends with February.
    one = rules.PatternLimits(repeat_petitions=2, repeat_window_months=1)
    jan31 = P(date(2027, 1, 31), frozenset({1}))
    assert rules.is_repeated([jan31, P(date(2027, 2, 28), frozenset({1}))], None, one)
    assert not rules.is_repeated([jan31, P(date(2027, 3, 1), frozenset({1}))], None, one)
    assert rules.months_after(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert rules.months_after(date(2027, 3, 31), 11) == date(2028, 2, 29)
    assert rules.months_after(date(2026, 12, 15), 14) == date(2028, 2, 15)


def test_linked_cases_letters_count_with_the_cases_own():
    """QA 107 D3: letters the desk logged as cases linked to the first count as letters on
    the one matter; the basis names the case's own letters of the window."""
    linked = [date(2026, 11, 2), date(2026, 11, 16)]
    basis = rules.repeat_across([date(2026, 11, 30)], linked)
    assert basis == rules.RepeatBasis(rules.REPEAT_LINKED, (0,), 3, 12, letters=3,
                                      first_on=date(2026, 11, 2), last_on=date(2026, 11, 30))
    # Two letters on the matter are not three; nor three that are all another case's.
    assert rules.repeat_across([date(2026, 11, 30)], linked[:1]) is None
    assert rules.repeat_across([date(2028, 1, 1)], [*linked, date(2026, 12, 1)]) is None


def test_a_linked_window_counts_only_when_it_holds_an_own_letter():
    # The other cases' three letters of 2024 are a window, but not this case's: its own
    # letter of 2026 makes one with the two letters before it within 12 months.
    linked = [date(2024, 1, 5), date(2024, 2, 5), date(2024, 3, 5), date(2026, 1, 10)]
    basis = rules.repeat_across([date(2026, 2, 20), date(2026, 3, 1)], linked)
    assert basis.petitions == (0, 1) and basis.letters == 3
    assert (basis.first_on, basis.last_on) == (date(2026, 1, 10), date(2026, 3, 1))
