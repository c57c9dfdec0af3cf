"""QA round 89: the official periodic reports counted right. Fixed: a matter two units
received letters on is once in the total row; a later filing as anonymous does not reach
back into a closed period.

Q3/2026 = 15/06 – 14/09/2026, Q4/2026 = 15/09 – 14/12/2026 (Circular 01/2024: cut-off on
the 14th). Units: province P (root), departments D and E, commune C, reception desk DESK.
Each test builds a small world through the services and checks the figures reasoned from
the shared reports brief (reports.md).
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.services import intake, reception_sessions, reports, workflow
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY (01/12)

Q3, Q4 = forms.quarter_period(2026, 3), forms.quarter_period(2026, 4)


@pytest.fixture
def world(make_agency, make_user, make_case):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    d = make_agency(code="D", parent=p, level="department", name="Sở D")
    e = make_agency(code="E", parent=p, level="department", name="Sở E")
    c = make_agency(code="C", parent=p, level="commune", name="Xã C")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban TCD",
                       is_reception_desk=True)
    r = make_user("reception", agency=desk)

    def new(kind="complaint", received=date(2026, 7, 1), **kw):
        return make_case(r, kind=kind, received_on=received, **kw)

    return {"P": p, "D": d, "E": e, "C": c, "DESK": desk, "r": r, "new": new,
            "inspector": make_user("inspector")}


def _rows(form, period, root="P"):
    report = reports.build_report(form, root, period)
    out = {u.code: row for u, row in zip(report.units, report.rows, strict=True)}
    out["TOTAL"] = report.total
    return out


def _letter(on, name="Trần Thị Bình", id_number="031288888888"):
    return intake.PetitionData(channel="mail", received_on=on, petitioners=[
        intake.PetitionerData(full_name=name, id_number=id_number, address="Số 9 Lê Lợi")])


def _route(case, code, on):
    workflow.route(case, code, None, NOW, TODAY, decided_on=on)


# --- 1. 02/XLD column 4: one matter counted twice in the total row -------------------------


@pytest.fixture
def one_matter_two_units(world, make_user):
    """One complaint (one matter): its first letter logged by the desk on 01/07 and routed
    to department D on 02/07; on 10/07 the complainant hands in a second letter on the same
    matter at D's head's reception session, where D's head joins it to the case D holds
    (reception_sessions.record_session_with_petitions, JoinedPetition)."""
    a = world["new"]("complaint", date(2026, 7, 1))
    _route(a, "D", date(2026, 7, 2))
    head = make_user("agency_head", agency=world["D"])
    reception_sessions.record_session_with_petitions(reception_sessions.SessionData(
        held_on=date(2026, 7, 10), kind="head", leader_name="Giám đốc Sở",
        petitions=[reception_sessions.JoinedPetition(a.tracking_code,
                                                     _letter(date(2026, 7, 10)))]),
        head, NOW, TODAY)
    db.session.commit()
    return a


def test_02_xld_total_row_counts_a_matter_once_when_two_units_received_its_letters(
        one_matter_two_units):
    rows = _rows("02/XLD", Q3)
    # Each unit received a letter on the matter: one matter in each row…
    assert (rows["DESK"]["3"], rows["DESK"]["4"]) == (1, 1)
    assert (rows["D"]["3"], rows["D"]["4"]) == (1, 1)
    # …but the province received 2 petitions on 1 matter (reports.md: "several petitions …
    # can concern one matter"; the forms count số đơn and số vụ việc separately).
    assert rows["TOTAL"]["3"] == 2
    assert rows["TOTAL"]["4"] == 1


def test_02_xld_exported_total_row_counts_a_matter_once(one_matter_two_units, client, login,
                                                          world):
    login(world["inspector"])
    response = client.get("/inspection/reports?form=02/XLD&agency=P&period=quarter&year=2026"
                          "&number=3&export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    total = next(v for v in values if v[1] == "Tổng cộng")
    codes = [c.code for c in forms.FORMS["02/XLD"].columns]
    assert total[2 + codes.index("3")] == 2
    assert total[2 + codes.index("4")] == 1


# --- 2. 02/XLD: a later filing as anonymous reaches back into a closed period --------------


def test_02_xld_a_later_anonymous_filing_does_not_move_a_closed_periods_denunciation(world):
    """A named denunciation received 20/07 and routed to D on 22/07 (handled within
    competence in Q3, column 8). In Q4 D returns it (20/09) and the desk then files it away
    as anonymous / false identity (25/09). Q3 is closed: what was done in it (a routing to
    the competent agency) does not change, as column 5 already does not (QA round 57)."""
    a = world["new"]("denunciation", date(2026, 7, 20))
    _route(a, "D", date(2026, 7, 22))
    db.session.commit()
    before = _rows("02/XLD", Q3)["DESK"]
    assert (before["8"], before["12"]) == (1, 0)
    workflow.return_case(a, "Không thuộc thẩm quyền", "C", None, NOW, TODAY,
                         decided_on=date(2026, 9, 20))
    workflow.file_away(a, "anonymous", None, NOW, TODAY, decided_on=date(2026, 9, 25))
    db.session.commit()
    after = _rows("02/XLD", Q3)["DESK"]
    assert after["5"] == before["5"] == 1  # column 5 already reads eligibility as of then
    assert (after["8"], after["12"]) == (1, 0)  # still a denunciation within competence
    assert after == before
