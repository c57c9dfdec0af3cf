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
    assert basis == rules.RepeatBasis(rules.REPEAT_MANY, (1, 2, 0), 3, 365)
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
