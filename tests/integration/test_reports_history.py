"""A closed period's official forms do not change when a case moves after it.

A report is run, then later decisions (dated after its period) move cases: a transfer,
a return or a lead designation after acceptance (03/GQKN, 04/GQTC), a return after
routing (02/XLD). Run again, the old period gives the same figures, every form and every
cell; the new period shows the new state. Q3/2026 = 15/06 – 14/09, Q4 = 15/09 – 14/12;
months run from the 15th to the 14th. TODAY is 01/12/2026.
Units: province P (root), department D, commune C, reception desk DESK.
"""

from __future__ import annotations

from datetime import date

import pytest

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.services import inspector_actions, reports, workflow
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY (01/12)

Q3, Q4 = forms.quarter_period(2026, 3), forms.quarter_period(2026, 4)
AUG, SEP, OCT = (forms.month_period(2026, m) for m in (8, 9, 10))  # 15/07–14/08, …


@pytest.fixture
def world(make_agency, make_user, make_case):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    make_agency(code="D", parent=p, level="department", name="Sở")
    make_agency(code="C", parent=p, level="commune", name="Xã")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban TCD",
                       is_reception_desk=True)
    r = make_user("reception", agency=desk)

    def new(kind="complaint", received=date(2026, 7, 1)):
        return make_case(r, kind=kind, received_on=received)

    return {"new": new, "inspector": make_user("inspector")}


def _snapshot(period) -> dict:
    """Every official form of the period over P: each unit's row and the total row."""
    out = {}
    for code in forms.FORMS:
        report = reports.build_report(code, "P", period)
        out[code] = ({u.code: row for u, row in zip(report.units, report.rows, strict=True)},
                     report.total)
    return out


def _row(form, period, unit):
    report = reports.build_report(form, "P", period)
    return next(row for u, row in zip(report.units, report.rows, strict=True)
                if u.code == unit)


def _pick(row, *codes):
    return tuple(row[c] for c in codes)


def _route(case, code, on):
    workflow.route(case, code, None, NOW, TODAY, decided_on=on)


def _accept(case, on):
    workflow.accept(case, None, NOW, TODAY, decided_on=on)


def _transfer(case, code, on):
    workflow.transfer(case, code, "Không thuộc thẩm quyền", None, NOW, TODAY, decided_on=on)


def _return(case, on):
    workflow.return_case(case, "Không thuộc thẩm quyền", "C", None, NOW, TODAY,
                         decided_on=on)


# --- 03/GQKN, 04/GQTC: a matter accepted, then moved after the period -------------------


def test_a_transfer_after_acceptance_leaves_the_closed_period_alone(world):
    a = world["new"]()
    _route(a, "D", date(2026, 7, 2))
    _accept(a, date(2026, 7, 3))
    carried = world["new"](received=date(2026, 5, 4))  # accepted in Q2: carried into Q3
    _route(carried, "D", date(2026, 5, 5))
    _accept(carried, date(2026, 5, 6))
    db.session.commit()
    before = _snapshot(Q3)
    # D held both at the end of Q3: one carried over, one accepted, both pending.
    assert _pick(before["03/GQKN"][0]["D"], "1", "2", "3", "4", "15") == (2, 1, 1, 0, 2)

    _transfer(a, "C", date(2026, 10, 1))
    _transfer(carried, "C", date(2026, 10, 2))
    _accept(a, date(2026, 10, 5))
    db.session.commit()
    assert _snapshot(Q3) == before
    # Q4: D holds neither at the end; C accepted one and has not accepted the other yet.
    assert _pick(_row("03/GQKN", Q4, "D"), "1", "2", "3", "15") == (0, 0, 0, 0)
    assert _pick(_row("03/GQKN", Q4, "C"), "1", "2", "3", "15") == (1, 0, 1, 1)


def test_a_return_after_acceptance_leaves_the_closed_period_alone(world):
    h = world["new"]("denunciation")
    _route(h, "D", date(2026, 7, 2))
    _accept(h, date(2026, 7, 3))
    db.session.commit()
    before = _snapshot(Q3)
    assert _pick(before["04/GQTC"][0]["D"], "1", "3", "14") == (1, 1, 1)

    _return(h, date(2026, 10, 1))
    db.session.commit()
    assert _snapshot(Q3) == before
    assert _pick(_row("04/GQTC", Q4, "D"), "1", "2", "3", "14") == (0, 0, 0, 0)
    # The petition, routed in Q3 and back at the desk in Q4, is pending there again.
    assert _pick(_row("02/XLD", Q4, "DESK"), "1", "2", "6", "15") == (1, 1, 0, 1)


def test_a_lead_designated_after_acceptance_leaves_the_closed_period_alone(world):
    a = world["new"]()
    _route(a, "D", date(2026, 7, 2))
    _accept(a, date(2026, 7, 3))
    db.session.commit()
    before = _snapshot(Q3)
    inspector_actions.set_lead(a, "C", "Giao xã chủ trì", world["inspector"], NOW, TODAY)
    _accept(a, TODAY)
    db.session.commit()
    assert _snapshot(Q3) == before
    assert _pick(_row("03/GQKN", Q4, "D"), "1", "2", "3") == (0, 0, 0)
    assert _pick(_row("03/GQKN", Q4, "C"), "1", "2", "3") == (1, 0, 1)


def test_every_holder_keeps_its_month_through_a_chain_of_transfers(world):
    a = world["new"]()
    _route(a, "D", date(2026, 7, 2))
    _accept(a, date(2026, 7, 20))  # August: D
    db.session.commit()
    august = _snapshot(AUG)
    _transfer(a, "C", date(2026, 8, 20))
    _accept(a, date(2026, 8, 25))  # September: C
    db.session.commit()
    september = _snapshot(SEP)
    _transfer(a, "P", date(2026, 9, 20))
    _accept(a, date(2026, 9, 25))  # October: P
    workflow.resolve(a, "right", "QĐ", "Kết quả", None, NOW, TODAY,
                     decided_on=date(2026, 10, 20))  # November
    db.session.commit()
    assert _snapshot(AUG) == august and _snapshot(SEP) == september
    held = {period.number: {unit: _pick(_row("03/GQKN", period, unit), "2", "3", "4", "15")
                            for unit in ("D", "C", "P")}
            for period in (AUG, SEP, OCT, forms.month_period(2026, 11))}
    assert held == {
        8: {"D": (0, 1, 0, 1), "C": (0, 0, 0, 0), "P": (0, 0, 0, 0)},
        9: {"D": (0, 0, 0, 0), "C": (0, 1, 0, 1), "P": (0, 0, 0, 0)},
        10: {"D": (0, 0, 0, 0), "C": (0, 0, 0, 0), "P": (0, 1, 0, 1)},
        11: {"D": (0, 0, 0, 0), "C": (0, 0, 0, 0), "P": (1, 0, 1, 0)},
    }


# --- 02/XLD: a petition routed, then returned after the period --------------------------


def test_a_return_after_routing_leaves_the_closed_period_alone(world):
    a, b = world["new"](), world["new"]()
    _route(a, "D", date(2026, 7, 2))
    _route(b, "D", date(2026, 7, 2))
    db.session.commit()
    before = _snapshot(Q3)
    desk = before["02/XLD"][0]["DESK"]
    assert _pick(desk, "1", "3", "6", "7", "15") == (2, 2, 2, 2, 0)

    _return(a, date(2026, 10, 1))
    _return(b, date(2026, 10, 1))
    db.session.commit()
    assert _snapshot(Q3) == before
    # Q4: both are back at the desk, pending (carried over: received before the period).
    assert _pick(_row("02/XLD", Q4, "DESK"), "1", "2", "6", "15") == (2, 2, 0, 2)

    _route(a, "C", date(2026, 10, 5))
    workflow.forward(b, "Tòa án nhân dân", None, NOW, TODAY, decided_on=date(2026, 10, 6))
    db.session.commit()
    assert _snapshot(Q3) == before
    # Q4 counts the desk's new decisions: one routed within competence, one forwarded.
    assert _pick(_row("02/XLD", Q4, "DESK"), "1", "2", "6", "7", "12", "15") == (
        2, 2, 2, 1, 1, 0)



# --- 02/XLD column 5: filed as ineligible after the period -----------------------------


def test_a_later_filing_as_anonymous_does_not_reach_back_to_column_5(world):
    """The desk ticked the letter eligible when it came in (Q3) and filed it as anonymous
    in Q4: Q3's column 5 keeps it, Q4 reports it filed; the API and the desk's page say
    it is not eligible now. Filing used to overwrite what the desk ticked."""
    case = world["new"](kind="denunciation", received=date(2026, 8, 1))
    db.session.commit()
    before = _snapshot(Q3)
    assert _row("02/XLD", Q3, "DESK")["5"] == 1
    workflow.file_away(case, "anonymous", None, NOW, TODAY, decided_on=date(2026, 10, 1))
    db.session.commit()
    assert _snapshot(Q3) == before
    petition = case.petitions[0]
    assert petition.eligible and not petition.eligible_now
