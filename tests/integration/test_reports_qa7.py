"""QA pass 7 on the official forms: withdrawn, duplicate and returned petitions in 02/XLD,
and agency names in English in the combined workbook. Q3/2026 = 15/06 – 14/09/2026."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.models import Agency
from complaints.services import intake, reports, workbook, workflow
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY (01/12)

Q3, Q4 = forms.quarter_period(2026, 3), forms.quarter_period(2026, 4)


def _rows(report):
    return {u.code: r for u, r in zip(report.units, report.rows, strict=True)}


def _desk(period):
    return _rows(reports.build_report("02/XLD", "P", period))["DESK"]


def _pick(row, *codes):
    return tuple(row[c] for c in codes)


@pytest.fixture
def world(make_agency, make_user):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    make_agency(code="D", parent=p, level="department", name="Sở")
    make_agency(code="C", parent=p, level="commune", name="Xã")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban TCD",
                       is_reception_desk=True)
    return {"r": make_user("reception", agency=desk), "insp": make_user("inspector")}


def _complaint(world, make_case, petitioners=1):
    return make_case(world["r"], kind="complaint", received_on=date(2026, 7, 1),
                     petitioners=petitioners)


# --- 1. withdrawn before handling -------------------------------------------------------


def test_a_case_withdrawn_before_handling_is_no_longer_pending(world, make_case):
    a = _complaint(world, make_case)
    workflow.withdraw(a, "Rút đơn", None, NOW, TODAY, decided_on=date(2026, 7, 3))
    db.session.commit()
    petition = a.petitions[0]
    assert (petition.handling_outcome, petition.handled_on) == ("withdrawn", date(2026, 7, 3))
    q3 = _desk(Q3)
    # Received and filed away (column 13: the form has no column for withdrawals), not
    # pending; nor carried over into the next period.
    assert _pick(q3, "1", "3", "6", "10", "13", "15") == (1, 1, 1, 1, 1, 0)
    q4 = _desk(Q4)
    assert _pick(q4, "1", "2", "15") == (0, 0, 0)


def test_a_withdrawal_after_routing_keeps_the_routing(world, make_case):
    a = _complaint(world, make_case)
    workflow.route(a, "D", None, NOW, TODAY, decided_on=date(2026, 7, 2))
    workflow.withdraw(a, "Rút đơn", None, NOW, TODAY, decided_on=date(2026, 7, 3))
    db.session.commit()
    assert a.petitions[0].handling_outcome == "routed"
    assert _pick(_desk(Q3), "6", "7", "13", "15") == (1, 1, 0, 0)


def test_a_partial_withdrawal_leaves_the_petitions_alone(world, make_case):
    a = _complaint(world, make_case, petitioners=2)
    first = a.petitions[0].signers[0].petitioner_id
    workflow.withdraw(a, "Rút đơn", None, NOW, TODAY, decided_on=date(2026, 7, 3),
                      petitioner_ids=[first])
    db.session.commit()
    assert (a.petitions[0].handling_outcome, a.petitions[0].handled_on) == (None, None)
    assert _pick(_desk(Q3), "13", "15") == (0, 1)


# --- 2. duplicates are not eligible -----------------------------------------------------


def test_a_duplicate_petition_is_not_counted_eligible(world, make_case):
    a = _complaint(world, make_case)
    added = intake.add_petition(a, intake.PetitionData(
        channel="mail", received_on=date(2026, 7, 5),
        petitioners=[intake.PetitionerData(full_name="Lê Văn Tư", address="Số 1")]),
        world["r"], NOW, TODAY)
    db.session.commit()
    assert _pick(_desk(Q3), "3", "4", "5") == (2, 1, 1)
    assert added.eligible  # the letter itself was in order: the flag keeps its meaning


# --- 3. a return re-opens the handling --------------------------------------------------


def _route(case, code, on):
    workflow.route(case, code, None, NOW, TODAY, decided_on=on)


def _return(case, on):
    workflow.return_case(case, "Không thuộc thẩm quyền", "P", None, NOW, TODAY, decided_on=on)


def test_routed_returned_then_forwarded_counts_as_forwarded(world, make_case):
    a = _complaint(world, make_case)
    _route(a, "D", date(2026, 7, 2))
    _return(a, date(2026, 7, 6))
    workflow.forward(a, "Tòa án nhân dân", None, NOW, TODAY, decided_on=date(2026, 7, 8))
    db.session.commit()
    assert (a.petitions[0].handling_outcome, a.petitions[0].handled_on) == (
        "forwarded", date(2026, 7, 8))
    assert _pick(_desk(Q3), "6", "7", "12", "15") == (1, 0, 1, 0)


def test_a_returned_petition_is_pending_until_the_desk_decides_again(world, make_case):
    a = _complaint(world, make_case)
    _route(a, "D", date(2026, 7, 2))
    _return(a, date(2026, 7, 6))
    db.session.commit()
    assert _pick(_desk(Q3), "6", "7", "15") == (0, 0, 1)
    assert _pick(_desk(Q4), "2", "15") == (1, 1)  # carried over, still pending
    _route(a, "C", date(2026, 7, 10))  # routed again in the same quarter: counted once
    db.session.commit()
    assert a.petitions[0].handled_on == date(2026, 7, 10)
    assert _pick(_desk(Q3), "3", "6", "7", "15") == (1, 1, 1, 0)
    assert _pick(_desk(Q4), "2", "15") == (0, 0)


def test_a_lead_designated_after_a_return_routes_the_petitions(world, make_case):
    a = _complaint(world, make_case)
    _route(a, "D", date(2026, 7, 2))
    _return(a, date(2026, 7, 6))
    lead = db.session.query(Agency).filter_by(code="C").one()
    workflow.move_to_lead(a, lead, world["insp"], date(2026, 7, 9), "Chỉ định chủ trì",
                          NOW)
    db.session.commit()
    assert (a.petitions[0].handling_outcome, a.petitions[0].handled_on) == (
        "routed", date(2026, 7, 9))
    assert _pick(_desk(Q3), "7", "15") == (1, 0)


# --- 4. exact totals --------------------------------------------------------------------


def test_money_totals_are_exact(world, make_case, make_user):
    head = {code: make_user("agency_head", agency=db.session.query(Agency).filter_by(
        code=code).one()) for code in ("D", "C")}
    for code, money in (("D", "0.1"), ("C", "0.2")):
        case = _complaint(world, make_case)
        _route(case, code, date(2026, 7, 2))
        workflow.accept(case, head[code], NOW, TODAY, decided_on=date(2026, 7, 3))
        workflow.resolve(case, "right", "QĐ", "Kết quả", head[code], NOW, TODAY,
                         decided_on=date(2026, 7, 20),
                         figures={"money_to_recover": Decimal(money)})
    db.session.commit()
    report = reports.build_report("03/GQKN", "P", Q3)
    assert (_rows(report)["D"]["11"], _rows(report)["C"]["11"]) == (0.1, 0.2)
    assert report.total["11"] == 0.3
    assert report.total["4"] == 2 and isinstance(report.total["4"], int)


# --- 6. the combined workbook names agencies in the reader's language ------------------


def test_the_workbook_names_agencies_in_english(world, make_case, tmp_path):
    d = db.session.query(Agency).filter_by(code="D").one()
    d.name_en = "Department of Natural Resources"
    case = make_case(world["r"], kind="complaint", received_on=date(2026, 10, 1))
    _route(case, "D", date(2026, 10, 2))
    db.session.commit()
    path = tmp_path / "w.xlsx"
    workbook.write_workbook(world["insp"], "P", Q4, TODAY, path, lang="en")
    book = load_workbook(path, read_only=True)
    cases = [list(r) for r in book["Cases"].iter_rows(values_only=True)]
    column = cases[0].index("Handling agency")
    assert [r[column] for r in cases[1:]] == ["Department of Natural Resources"]
    scores = [list(r) for r in book["Scorecards"].iter_rows(values_only=True)]
    names = {r[scores[0].index("Agency")] for r in scores[1:]}
    assert "Department of Natural Resources" in names and "Sở" not in names
    assert "UBND tỉnh" in names  # no English name recorded: the Vietnamese one
