"""Reporting periods on the 15th–14th rule (Circular 01/2024) and form layouts as data."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.domain import reports as r


@pytest.mark.parametrize(("period", "start", "end"), [
    (r.quarter_period(2026, 1), date(2025, 12, 15), date(2026, 3, 14)),
    (r.quarter_period(2026, 2), date(2026, 3, 15), date(2026, 6, 14)),
    (r.quarter_period(2026, 3), date(2026, 6, 15), date(2026, 9, 14)),
    (r.quarter_period(2026, 4), date(2026, 9, 15), date(2026, 12, 14)),
    (r.month_period(2026, 1), date(2025, 12, 15), date(2026, 1, 14)),
    (r.month_period(2026, 7), date(2026, 6, 15), date(2026, 7, 14)),
    (r.cumulative_period(2026, "half"), date(2025, 12, 15), date(2026, 6, 14)),
    (r.cumulative_period(2026, "nine_months"), date(2025, 12, 15), date(2026, 9, 14)),
    (r.cumulative_period(2026, "year"), date(2025, 12, 15), date(2026, 12, 14)),
])
def test_periods(period, start, end):
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(("day", "kind", "expected"), [
    (date(2026, 12, 14), "quarter", (2026, 4)),
    (date(2026, 12, 15), "quarter", (2027, 1)),  # the cut-off moves the day to next year
    (date(2026, 3, 14), "quarter", (2026, 1)),
    (date(2026, 3, 15), "quarter", (2026, 2)),
    (date(2026, 7, 20), "month", (2026, 8)),
    (date(2026, 12, 20), "year", (2027, 0)),
])
def test_period_containing(day, kind, expected):
    period = r.period_containing(day, kind)
    assert (period.year, period.number) == expected
    assert period.start <= day <= period.end


def test_labels_and_bad_input():
    assert r.quarter_period(2026, 1).label() == "Quý 1/2026"
    assert r.month_period(2026, 5).label("en") == "Month 5/2026"
    with pytest.raises(ValueError):
        r.quarter_period(2026, 5)
    with pytest.raises(ValueError):
        r.parse_period("month", 2026, 13)
    with pytest.raises(ValueError):
        r.custom_period(date(2026, 2, 1), date(2026, 1, 1))


def test_formula_parsing_and_evaluation():
    assert r.parse_formula("15=1-6") == ("15", [(1, "1"), (-1, "6")])
    form = r.FORMS["02/XLD"]
    counts = {c.code: 0 for c in form.columns if c.measure}
    counts.update({"2": 1, "3": 5, "7": 1, "8": 1, "11": 1, "13": 2})
    values = r.evaluate(form, counts)
    assert values["1"] == 6 and values["10"] == 3 and values["6"] == 5 and values["15"] == 1


def test_every_form_is_consistent():
    for form in r.FORMS.values():
        codes = [c.code for c in form.columns]
        assert codes == [str(i) for i in range(1, len(codes) + 1)], form.code
        for column in form.columns:
            assert bool(column.measure) != bool(column.formula), (form.code, column.code)
            if column.formula:
                target, terms = r.parse_formula(column.formula)
                assert target == column.code
                assert all(code in codes for _sign, code in terms)
        # Every formula resolves from the counted columns.
        r.evaluate(form, {c.code: 1 for c in form.columns if c.measure})


def test_total_row_sums_and_keeps_formulas():
    form = r.FORMS["03/GQKN"]
    rows = [r.evaluate(form, {c.code: i for c in form.columns if c.measure}) for i in (1, 2)]
    total = r.total_row(form, rows)
    assert total["2"] == 3 and total["1"] == total["2"] + total["3"]
    assert total["15"] == total["1"] - total["4"]


def test_total_row_sums_money_exactly():
    """QA: units reporting 0.1 and 0.2 million made a total of 0.30000000000000004."""
    form = r.FORMS["03/GQKN"]
    rows = [r.evaluate(form, {c.code: 0 for c in form.columns if c.measure} | {"11": m})
            for m in (0.1, 0.2)]
    total = r.total_row(form, rows)
    assert total["11"] == 0.3 and total["4"] == 0 and isinstance(total["4"], int)


@pytest.mark.parametrize("kind", ["half", "nine_months"])
def test_period_containing_refuses_a_day_after_a_cumulative_period(kind):
    """QA: 01/08/2026 in "half" gave 15/12/2025 – 14/06/2026, which does not hold it."""
    with pytest.raises(ValueError):
        r.period_containing(date(2026, 9, 15), kind)
    assert r.period_containing(date(2026, 6, 14), kind).start == date(2025, 12, 15)
    assert r.period_containing(date(2025, 12, 15), kind).year == 2026
    if kind == "half":
        with pytest.raises(ValueError):
            r.period_containing(date(2026, 8, 1), kind)
    else:
        assert r.period_containing(date(2026, 8, 1), kind).end == date(2026, 9, 14)
