"""The scorecard's score, ranking and the leaders' reception-frequency rule (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.domain import scoring
from complaints.domain.scoring import Metrics

WEIGHTS = {code: default for code, (_vi, _en, default) in scoring.COMPONENTS.items()}


def test_components_and_score():
    m = Metrics(received=10, accepted=4, accepted_on_time=3, resolved=2, resolved_on_time=2,
                open_now=5, overdue_now=1, evasions=2, reception_held=2,
                reception_required=4, satisfaction_avg=3.0)
    assert scoring.components(m) == {"on_time_acceptance": 0.75, "on_time_resolution": 1.0,
                                     "not_overdue": 0.8, "no_evasion": 0.8,
                                     "reception": 0.5, "satisfaction": 0.5}
    # (20×.75 + 30×1 + 20×.8 + 10×.8 + 10×.5 + 10×.5) / 100
    assert scoring.score(m, WEIGHTS) == 79.0


def test_components_without_data_are_left_out():
    m = Metrics(accepted=2, accepted_on_time=1)
    assert scoring.score(m, WEIGHTS) == 50.0
    assert scoring.score(Metrics(), WEIGHTS) is None
    assert scoring.score(m, dict(WEIGHTS, on_time_acceptance=0)) is None
    # Evasions with nothing received still count against the agency.
    assert scoring.components(Metrics(evasions=1))["no_evasion"] == 0.0


def test_rank_shares_ties_and_puts_unscored_last():
    assert scoring.rank({"a": 50.0, "b": 80.0, "c": None, "d": 50.0}) == [
        ("b", 80.0, 1), ("a", 50.0, 2), ("d", 50.0, 2), ("c", None, None)]


@pytest.mark.parametrize(("level", "start", "end", "required"), [
    ("commune", date(2026, 10, 1), date(2026, 10, 31), 4),  # 4 whole weeks, 3 days left
    ("commune", date(2026, 10, 1), date(2026, 10, 7), 1),
    ("commune", date(2026, 10, 1), date(2026, 10, 6), 0),
    ("department", date(2025, 12, 15), date(2026, 3, 14), 3),  # Q1 on the 15th–14th rule
    ("department", date(2026, 1, 1), date(2026, 1, 31), 1),
    ("department", date(2026, 1, 1), date(2026, 1, 30), 0),
    ("province", date(2025, 12, 15), date(2026, 12, 14), 12),
    ("desk", date(2026, 1, 1), date(2026, 12, 31), 0),  # no rule for this level
])
def test_required_reception_days(level, start, end, required):
    assert scoring.required_reception_days(level, start, end) == required


def test_commune_chair_below_weekly_rule():
    held = [date(2026, 10, 1), date(2026, 10, 3), date(2026, 10, 20)]
    gaps = scoring.reception_gaps("commune", held, date(2026, 10, 1), date(2026, 10, 28))
    assert gaps == [(date(2026, 10, 8), date(2026, 10, 14)),
                    (date(2026, 10, 22), date(2026, 10, 28))]
    # Two days in the same week count once.
    assert scoring.held_in_required("commune", held, date(2026, 10, 1),
                                    date(2026, 10, 28)) == 2


def test_department_head_monthly_rule():
    start, end = date(2025, 12, 15), date(2026, 3, 14)
    held = [date(2026, 1, 10), date(2026, 3, 1)]  # in blocks 1 and 3, none in block 2
    assert scoring.reception_gaps("department", held, start, end) == [
        (date(2026, 1, 15), date(2026, 2, 14))]
    assert scoring.held_in_required("department", held, start, end) == 2


def test_blocks_not_over_are_not_required_yet():
    # Quarter 4 on the 15th–14th rule, looked at on 01/12: 11 weeks and 2 months are over.
    start, end, today = date(2026, 9, 15), date(2026, 12, 14), date(2026, 12, 1)
    assert scoring.required_reception_days("commune", start, end) == 13
    assert scoring.required_reception_days("commune", start, end, today) == 11
    assert scoring.required_reception_days("department", start, end, today) == 2
    held = [date(2026, 11, 30)]  # the last block over by today
    assert scoring.held_in_required("commune", held, start, end, today) == 1
    assert len(scoring.reception_gaps("commune", held, start, end, today)) == 10
    # A day in the block still running neither counts nor is missing yet.
    assert scoring.held_in_required("commune", [date(2026, 12, 1)], start, end, today) == 0
    # A period already over is unaffected.
    assert scoring.required_reception_days("commune", start, end, date(2027, 1, 1)) == 13


def test_an_agency_with_nothing_in_the_period_has_no_score():
    # Found by a QA pass: the year 2020 scored every agency 66.7 (nothing overdue now, no
    # reception day held of those the law asks) and 2030 100.0, all ranked first.
    for quiet in (Metrics(), Metrics(open_now=5, overdue_now=0, reception_required=12),
                  Metrics(open_now=3, overdue_now=3)):
        assert not scoring.has_data(quiet)
        assert scoring.score(quiet, WEIGHTS) is None
    for name, value in (("received", 1), ("accepted", 1), ("resolved", 1), ("evasions", 1),
                        ("repeated", 1), ("mass", 1), ("satisfaction_count", 1),
                        ("reception_held", 1), ("escalations", {2: 1})):
        assert scoring.has_data(Metrics(**{name: value})), name
    assert not scoring.has_data(Metrics(escalations={1: 0}))
    # With something in the period, the figures of "now" and the reception duty count.
    assert scoring.score(Metrics(received=1, open_now=2, overdue_now=1,
                                 reception_required=2), WEIGHTS) == pytest.approx(
        100 * (20 * 0.5 + 10 * 1.0 + 10 * 0.0) / 40, abs=0.05)
    ranked = scoring.rank({"busy": scoring.score(Metrics(accepted=1, accepted_on_time=1),
                                                 WEIGHTS),
                           "quiet": scoring.score(Metrics(open_now=1), WEIGHTS)})
    assert ranked == [("busy", 100.0, 1), ("quiet", None, None)]
