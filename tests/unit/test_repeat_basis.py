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
