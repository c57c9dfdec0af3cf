"""QA round 95: the official reports reconcile from one period to the next.

Fixed: 03/GQKN and 04/GQTC counted, as "carried over", every letter received by the
period's end on a matter carried over, so a letter received in the period was carried over
too and Q3's pending letters were not Q4's carried ones.

Q3/2026 = 15/06 – 14/09/2026, Q4/2026 = 15/09 – 14/12/2026 (Circular 01/2024: cut-off on
the 14th). Units: province P (root), departments D and E, reception desk DESK. TODAY is
01/12/2026 (fixed_clock).
"""

from __future__ import annotations

from datetime import date

import pytest

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.services import intake, reports, workflow
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")

Q2, Q3, Q4 = (forms.quarter_period(2026, q) for q in (2, 3, 4))

# Per form: (matters carried, matters pending, letters total, carried, new, resolved,
# pending) — the column numbers.
COLUMNS = {"03/GQKN": ("2", "15", "25", "26", "27", "28", "29"),
           "04/GQTC": ("2", "14", "22", "23", "24", "25", "26")}
KINDS = [("03/GQKN", "complaint", "right"), ("04/GQTC", "denunciation", "denunciation_right")]


@pytest.fixture
def world(make_agency, make_user, make_case):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    make_agency(code="D", parent=p, level="department", name="Sở D")
    make_agency(code="E", parent=p, level="department", name="Sở E")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban TCD",
                       is_reception_desk=True)
    r = make_user("reception", agency=desk)

    def new(kind, received):
        return make_case(r, kind=kind, received_on=received)

    return {"r": r, "new": new}


def _rows(form, period):
    report = reports.build_report(form, "P", period)
    out = {u.code: row for u, row in zip(report.units, report.rows, strict=True)}
    out["TOTAL"] = report.total
    return out


def _figures(form, period, unit="D"):
    """{name: value} of the matters' and letters' columns of `unit`."""
    row = _rows(form, period)[unit]
    names = ("matters_carried", "matters_pending", "letters", "letters_carried",
             "letters_new", "letters_resolved", "letters_pending")
    return {name: row[code] for name, code in zip(names, COLUMNS[form], strict=True)}


def _letter(on, name="Trần Thị Bình", id_number="031288888888"):
    return intake.PetitionData(channel="mail", received_on=on, petitioners=[
        intake.PetitionerData(full_name=name, id_number=id_number, address="Số 9 Lê Lợi")])


def _accepted(world, kind, received, routed, accepted):
    case = world["new"](kind, received)
    workflow.route(case, "D", None, NOW, TODAY, decided_on=routed)
    workflow.accept(case, None, NOW, TODAY, decided_on=accepted)
    return case


def _add_letter(world, case, on):
    intake.add_petition(case, _letter(on), world["r"], NOW, TODAY)


def _resolve(case, outcome, on):
    workflow.resolve(case, outcome, "QĐ", "Kết quả", None, NOW, TODAY, decided_on=on)


@pytest.mark.parametrize("form,kind,_outcome", KINDS)
def test_letter_received_in_the_period_on_a_carried_matter_is_new_not_carried(
        world, form, kind, _outcome):
    """A matter accepted by D in Q3 with its one letter; a second letter on 01/10 (Q4).
    Q4 carries over the matter and its one letter (Q3's pending), and counts the letter of
    01/10 as new in Q4 (column 27 / 24), so Q4's total letters are still both (was: both
    carried over, none new)."""
    a = _accepted(world, kind, date(2026, 7, 20), date(2026, 7, 21), date(2026, 8, 1))
    _add_letter(world, a, date(2026, 10, 1))
    db.session.commit()
    q3, q4 = _figures(form, Q3), _figures(form, Q4)
    assert (q3["matters_pending"], q3["letters_pending"]) == (1, 1)
    assert q4 == {"matters_carried": 1, "matters_pending": 1, "letters": 2,
                  "letters_carried": 1, "letters_new": 1, "letters_resolved": 0,
                  "letters_pending": 2}


@pytest.mark.parametrize("form,kind,_outcome", KINDS)
def test_moved_matter_counts_only_letters_received_before_the_period_as_carried(
        world, form, kind, _outcome):
    """The history path (a matter D held at Q3's end, transferred to E after it): accepted
    in Q2 with one letter, a second letter on 01/08 (Q3), transferred on 01/10. D's Q3 row
    carries over the matter and one letter; the letter of 01/08 is new in Q3."""
    a = _accepted(world, kind, date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 10))
    _add_letter(world, a, date(2026, 8, 1))
    workflow.transfer(a, "E", "Không thuộc thẩm quyền", None, NOW, TODAY,
                      decided_on=date(2026, 10, 1))
    db.session.commit()
    assert _figures(form, Q3) == {"matters_carried": 1, "matters_pending": 1, "letters": 2,
                                  "letters_carried": 1, "letters_new": 1,
                                  "letters_resolved": 0, "letters_pending": 2}


@pytest.mark.parametrize("form,kind,outcome", KINDS)
def test_pending_at_the_end_of_q3_is_what_q4_carries_over(world, form, kind, outcome):
    """A small world over two quarters; matters and letters pending at Q3's cut-off are
    those carried into Q4, and in each quarter resolved + pending = total (letters and
    matters) with every letter of the matters counted once.

    - A: accepted in Q3, a second letter in Q4, pending at Q4's end;
    - B: accepted and resolved in Q3 (carried nowhere);
    - C: accepted in Q3, a second letter in Q3, resolved in Q4 (two letters resolved);
    - F: received in Q3, accepted in Q4 (its letter is new in Q4 with the matter)."""
    a = _accepted(world, kind, date(2026, 7, 1), date(2026, 7, 2), date(2026, 7, 10))
    _add_letter(world, a, date(2026, 10, 5))
    b = _accepted(world, kind, date(2026, 7, 3), date(2026, 7, 4), date(2026, 7, 12))
    _resolve(b, outcome, date(2026, 8, 1))
    c = _accepted(world, kind, date(2026, 7, 5), date(2026, 7, 6), date(2026, 7, 14))
    _add_letter(world, c, date(2026, 8, 20))
    _resolve(c, outcome, date(2026, 10, 20))
    _accepted(world, kind, date(2026, 9, 10), date(2026, 9, 12), date(2026, 9, 20))
    db.session.commit()
    q3, q4 = _figures(form, Q3), _figures(form, Q4)
    # Q3: A, B, C accepted (4 letters); B resolved (1); A and C pending (3 letters).
    assert q3 == {"matters_carried": 0, "matters_pending": 2, "letters": 4,
                  "letters_carried": 0, "letters_new": 4, "letters_resolved": 1,
                  "letters_pending": 3}
    # Q4: A and C carried (3 letters); A's letter of 05/10 and F's new (2); C resolved
    # (2 letters); A and F pending (A's 2 letters, F's 1).
    assert q4 == {"matters_carried": 2, "matters_pending": 2, "letters": 5,
                  "letters_carried": 3, "letters_new": 2, "letters_resolved": 2,
                  "letters_pending": 3}
    assert (q4["matters_carried"], q4["letters_carried"]) == (q3["matters_pending"],
                                                              q3["letters_pending"])
    # D is the only unit with figures: the total row is its row.
    for period in (Q3, Q4):
        rows = _rows(form, period)
        assert rows["TOTAL"] == rows["D"]
