"""QA round 95: the official reports reconcile from one period to the next.

Fixed: 03/GQKN and 04/GQTC counted, as "carried over", every letter received by the
period's end on a matter carried over, so a letter received in the period was carried over
too and Q3's pending letters were not Q4's carried ones. 02/XLD carried over, and counted
handled a second time, a letter filed in Q3 and urged on in Q4.

Q3/2026 = 15/06 – 14/09/2026, Q4/2026 = 15/09 – 14/12/2026 (Circular 01/2024: cut-off on
the 14th). Units: province P (root), departments D and E, reception desk DESK. TODAY is
01/12/2026 (fixed_clock).
"""

from __future__ import annotations

from datetime import date

import pytest

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.services import intake, reports, urging, workflow
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


# --- 02/XLD: an urging in a later period than the letter's receipt -----------------------


def _xld(period):
    return _rows("02/XLD", period)["TOTAL"]


def test_urging_after_the_period_does_not_carry_over_a_letter_filed_in_it(world):
    """A complaint routed to D on 02/07; a later letter on it received and joined on 01/08
    (filed, column 13, handled in Q3). On 01/10 the desk urges D on that letter. Q3 is
    unchanged and Q4 carries over what Q3 left pending (none): the letter is not carried
    over nor handled a second time (was: Q4 column 2 = 1 and column 33 = 1)."""
    a = world["new"]("complaint", date(2026, 7, 1))
    workflow.route(a, "D", None, NOW, TODAY, decided_on=date(2026, 7, 2))
    later = intake.add_petition(a, _letter(date(2026, 8, 1)), world["r"], NOW, TODAY)
    db.session.commit()
    q3 = _xld(Q3)
    urging.urge_holder(a, later.id, "Đề nghị giải quyết", world["r"], NOW, TODAY,
                       decided_on=date(2026, 10, 1))
    db.session.commit()
    assert _xld(Q3) == q3
    assert (q3["3"], q3["6"], q3["13"], q3["15"]) == (2, 2, 1, 0)
    q4 = _xld(Q4)
    assert (q4["1"], q4["2"], q4["6"], q4["33"], q4["15"]) == (0, 0, 0, 0, 0)
    assert q4["2"] == q3["15"]


def test_urging_in_the_period_of_receipt_is_still_counted_urged(world):
    """The same letter urged within Q3, the quarter it was received in, is counted urged
    there (column 33), as before; a period that holds both days (the nine months
    15/12/2025 – 14/09/2026) counts it so too."""
    a = world["new"]("complaint", date(2026, 7, 1))
    workflow.route(a, "D", None, NOW, TODAY, decided_on=date(2026, 7, 2))
    later = intake.add_petition(a, _letter(date(2026, 8, 1)), world["r"], NOW, TODAY)
    urging.urge_holder(a, later.id, "Đề nghị giải quyết", world["r"], NOW, TODAY,
                       decided_on=date(2026, 9, 1))
    db.session.commit()
    for period in (Q3, forms.cumulative_period(2026, "nine_months")):
        row = _xld(period)
        assert (row["6"], row["13"], row["33"], row["15"]) == (2, 0, 1, 0)
    assert _xld(Q4)["2"] == 0


def test_02_xld_pending_at_the_end_of_q3_is_what_q4_carries_over(world):
    """02/XLD over the two quarters: a letter received in Q3 and still pending at its
    cut-off (routed on 20/09), one joined in Q3 and urged on in Q4, one handled in Q3."""
    pending = world["new"]("complaint", date(2026, 9, 10))
    workflow.route(pending, "D", None, NOW, TODAY, decided_on=date(2026, 9, 20))
    a = world["new"]("denunciation", date(2026, 7, 1))
    workflow.route(a, "D", None, NOW, TODAY, decided_on=date(2026, 7, 2))
    later = intake.add_petition(a, _letter(date(2026, 8, 1)), world["r"], NOW, TODAY)
    urging.urge_holder(a, later.id, "Đề nghị giải quyết", world["r"], NOW, TODAY,
                       decided_on=date(2026, 10, 1))
    db.session.commit()
    q3, q4 = _xld(Q3), _xld(Q4)
    assert (q3["1"], q3["6"], q3["15"]) == (3, 2, 1)
    assert (q4["1"], q4["2"], q4["3"], q4["6"], q4["15"]) == (1, 1, 0, 1, 0)
    assert q4["2"] == q3["15"]
