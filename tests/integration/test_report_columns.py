"""The columns appended to the official forms after QA (facts stored but never printed):
complaints by round (02/XLD), second-round outcomes and every outcome figure (03/GQKN,
04/GQTC), the leaders' periodic and unscheduled reception, people per leader kind and the
delegations' matters (01/TCD). Q3/2026 = 15/06 – 14/09/2026; every cell counted by hand.
Units: province P (root), department D, commune C, reception desk DESK.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.models import ReceptionSession
from complaints.services import reports, workflow
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY (01/12)

Q3 = forms.quarter_period(2026, 3)


@pytest.fixture
def world(make_agency, make_user, make_case):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    d = make_agency(code="D", parent=p, level="department", name="Sở")
    c = make_agency(code="C", parent=p, level="commune", name="Xã")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban TCD")
    r = make_user("reception", agency=desk)

    def new(kind, received, round_=None):
        extra = {"complaint_round": round_} if round_ else {}
        return make_case(r, kind=kind, received_on=received, **extra)

    return {"P": p, "D": d, "C": c, "DESK": desk, "new": new}


def _rows(report):
    return {u.code: row for u, row in zip(report.units, report.rows, strict=True)}


def _pick(row, *codes):
    return {code: row[code] for code in codes}


def _route(case, code, on):
    workflow.route(case, code, None, NOW, TODAY, decided_on=on)


def _decided(world, kind, round_, unit, outcome, on, **figures):
    """A case received 01/07, routed 02/07 and accepted 03/07, then resolved on `on`."""
    case = world["new"](kind, date(2026, 7, 1), round_)
    _route(case, unit, date(2026, 7, 2))
    workflow.accept(case, None, NOW, TODAY, decided_on=date(2026, 7, 3))
    if outcome == "withdraw":
        workflow.withdraw(case, "Rút đơn", None, NOW, TODAY, decided_on=on)
    else:
        workflow.resolve(case, outcome, "QĐ", "Kết quả", None, NOW, TODAY, decided_on=on,
                         figures=figures)
    return case


def test_02_xld_complaints_within_competence_by_round(world):
    new = world["new"]
    _route(new("complaint", date(2026, 7, 1), 1), "D", date(2026, 7, 2))  # round 1
    _route(new("complaint", date(2026, 7, 3), 2), "D", date(2026, 7, 5))  # round 2
    _route(new("complaint", date(2026, 8, 1), 2), "C", date(2026, 8, 3))  # round 2
    _route(new("complaint", date(2026, 6, 1), 2), "D", date(2026, 6, 10))  # before: nowhere
    _route(new("complaint", date(2026, 9, 10), 1), "D", date(2026, 9, 20))  # after: pending
    _route(new("denunciation", date(2026, 7, 4)), "D", date(2026, 7, 6))  # not a complaint
    db.session.commit()
    report = reports.build_report("02/XLD", "P", Q3)
    desk = _rows(report)["DESK"]
    # 7 = 16 + 17: one first-round complaint, two second-round ones.
    assert _pick(desk, "7", "8", "15", "16", "17") == {
        "7": 3, "8": 1, "15": 1, "16": 1, "17": 2}
    assert _pick(report.total, "16", "17") == {"16": 1, "17": 2}


def test_03_gqkn_second_round_outcomes_and_figures(world):
    _decided(world, "complaint", 1, "D", "right", date(2026, 7, 20),
             money_to_return=Decimal("1.5"), land_to_return=Decimal("20.25"), orgs_restored=1,
             people_disciplined=2, officials_disciplined=1, people_sent_to_investigation=2)
    _decided(world, "complaint", 2, "D", "upheld", date(2026, 7, 25),
             money_to_return=Decimal("0.25"))
    _decided(world, "complaint", 2, "D", "annulled", date(2026, 8, 1), people_disciplined=1,
             officials_disciplined=1)
    _decided(world, "complaint", 1, "D", "withdrawn_after_explanation", date(2026, 8, 5))
    _decided(world, "complaint", 1, "D", "withdraw", date(2026, 8, 6))
    _decided(world, "complaint", 2, "D", "upheld", date(2026, 9, 20),  # after the cut-off
             money_to_return=Decimal("9"))
    _decided(world, "complaint", 2, "C", "annulled", date(2026, 8, 10),
             land_to_return=Decimal("100"))
    db.session.commit()
    report = reports.build_report("03/GQKN", "P", Q3)
    rows = _rows(report)
    new = [str(n) for n in range(16, 25)]
    # Column 8 (upheld, annulled, two withdrawals) = 16 + 17 + 18.
    assert _pick(rows["D"], "4", "5", "8", "14", *new) == {
        "4": 5, "5": 1, "8": 4, "14": 1, "16": 1, "17": 1, "18": 2, "19": 1.75, "20": 20.25,
        "21": 1, "22": 3, "23": 2, "24": 2}
    assert _pick(rows["C"], "8", *new) == {
        "8": 1, "16": 0, "17": 1, "18": 0, "19": 0, "20": 100, "21": 0, "22": 0, "23": 0,
        "24": 0}
    assert _pick(report.total, *new) == {
        "16": 1, "17": 2, "18": 2, "19": 1.75, "20": 120.25, "21": 1, "22": 3, "23": 2,
        "24": 2}


def test_04_gqtc_land_and_figures(world):
    _decided(world, "denunciation", None, "D", "denunciation_right", date(2026, 7, 20),
             land_to_recover=Decimal("50.5"), money_to_return=Decimal("3"),
             land_to_return=Decimal("10"), people_restored=2, orgs_restored=1,
             people_disciplined=3, officials_disciplined=2, people_sent_to_investigation=1)
    _decided(world, "denunciation", None, "C", "denunciation_wrong", date(2026, 8, 1),
             land_to_recover=Decimal("0.5"))
    _decided(world, "denunciation", None, "C", "denunciation_right", date(2026, 9, 15),
             land_to_recover=Decimal("7"), people_restored=4)  # after the cut-off
    db.session.commit()
    report = reports.build_report("04/GQTC", "P", Q3)
    rows = _rows(report)
    new = [str(n) for n in range(15, 22)]
    assert _pick(rows["D"], "12", "13", *new) == {
        "12": 3, "13": 1, "15": 50.5, "16": 3, "17": 10, "18": 2, "19": 1, "20": 2, "21": 1}
    assert _pick(rows["C"], *new) == {
        "15": 0.5, "16": 0, "17": 0, "18": 0, "19": 0, "20": 0, "21": 0}
    assert _pick(report.total, *new) == {
        "15": 51, "16": 3, "17": 10, "18": 2, "19": 1, "20": 2, "21": 1}


def _sessions(world):
    d, c = world["D"].id, world["C"].id

    def session(agency_id, kind, on, scheduled=True, **counts):
        return ReceptionSession(agency_id=agency_id, kind=kind, held_on=on,
                                scheduled=scheduled, **counts)

    db.session.add_all([
        session(d, "head", date(2026, 7, 1), turns=4, people=5, matters_first=2,
                delegations=1, delegation_people=6, delegation_matters=1),
        session(d, "head", date(2026, 7, 10), scheduled=False, turns=2, people=8,
                delegations=1, delegation_people=7, delegation_matters=2),
        session(d, "deputy", date(2026, 8, 12), scheduled=False, turns=3, people=3),
        session(d, "regular", date(2026, 8, 1), turns=5, people=5, delegations=1,
                delegation_people=5, delegation_matters=1),
        session(d, "head", date(2026, 9, 15), turns=9, people=9,
                delegation_matters=5),  # after the cut-off
        session(c, "deputy", date(2026, 8, 20), turns=1, people=2),
    ])
    db.session.commit()


def test_01_tcd_periodic_unscheduled_people_and_delegation_matters(world):
    _sessions(world)
    report = reports.build_report("01/TCD", "P", Q3)
    rows = _rows(report)
    new = [str(n) for n in range(13, 20)]
    # Leaders' turns 5 = 13 + 14 (4 periodic; 2 + 3 unscheduled); sessions 8 = 15 + 16.
    assert _pick(rows["D"], "5", "8", *new) == {
        "5": 9, "8": 3, "13": 4, "14": 5, "15": 1, "16": 2, "17": 13, "18": 3, "19": 4}
    assert _pick(rows["C"], "5", "8", *new) == {
        "5": 1, "8": 1, "13": 1, "14": 0, "15": 1, "16": 0, "17": 0, "18": 2, "19": 0}
    assert _pick(report.total, *new) == {
        "13": 5, "14": 5, "15": 2, "16": 2, "17": 13, "18": 5, "19": 4}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_workbook_prints_the_new_columns_and_their_total(world, lang):
    _sessions(world)
    report = reports.build_report("01/TCD", "P", Q3)
    sheet = load_workbook(io.BytesIO(reports.workbook_bytes(report, lang))).active
    rows = list(sheet.iter_rows(values_only=True))
    labels, numbers = rows[6], rows[7]
    new = forms.FORMS["01/TCD"].columns[12:19]
    assert [c.code for c in new] == [str(n) for n in range(13, 20)]
    assert list(labels[14:21]) == [c.label(lang) for c in new]
    assert list(numbers[14:21]) == ["13", "14=5-13", "15", "16=8-15", "17", "18", "19"]
    total = next(r for r in rows[reports.FIRST_DATA_ROW - 1:]
                 if r[1] == ("Grand total" if lang == "en" else "Tổng cộng"))
    assert list(total[14:21]) == [5, 5, 2, 2, 13, 5, 4]


# --- 01/TCD: the whole reception grid (columns 20–47) ----------------------------------


def _grid_sessions(world):
    """Every kind of reception at D (regular; leaders' periodic by head and by deputy;
    unscheduled by head and by deputy), one unscheduled session by C's head, and one
    after the cut-off."""
    d, c = world["D"].id, world["C"].id

    def session(agency_id, kind, day, scheduled=True, **counts):
        return ReceptionSession(agency_id=agency_id, kind=kind, held_on=date(2026, 7, day),
                                scheduled=scheduled, **counts)

    db.session.add_all([
        session(d, "regular", 1, turns=6, people=8, matters_first=3, matters_repeated=2,
                delegations=1, delegation_people=5, delegation_matters=1),
        session(d, "regular", 2, turns=2, people=2, matters_first=1),
        session(d, "head", 3, turns=4, people=9, matters_first=2, matters_repeated=1,
                delegations=1, delegation_people=6, delegation_matters=1),
        session(d, "deputy", 4, turns=1, people=1, matters_repeated=1),
        session(d, "head", 5, scheduled=False, turns=3, people=12, matters_first=1,
                matters_repeated=1, delegations=2, delegation_people=10,
                delegation_matters=2),
        session(d, "deputy", 6, scheduled=False, turns=2, people=7, matters_first=1,
                delegations=1, delegation_people=5, delegation_matters=1),
        session(d, "deputy", 7, scheduled=False, turns=1, people=1, matters_repeated=1),
        ReceptionSession(agency_id=d, kind="head", held_on=date(2026, 9, 15),
                         scheduled=False, turns=9, people=9, matters_first=9,
                         delegations=1, delegation_people=9,
                         delegation_matters=1),  # after the cut-off
        ReceptionSession(agency_id=c, kind="head", held_on=date(2026, 8, 10),
                         scheduled=False, turns=1, people=1, matters_first=1),
    ])
    db.session.commit()


GRID_D = {  # counted by hand from _grid_sessions, kind by kind
    # regular: sessions, matters first / repeated, delegations, their people and matters
    "20": 2, "21": 4, "22": 2, "23": 1, "24": 5, "25": 1,
    # leaders' periodic (the head's 03/07 and the deputy's 04/07): people … matters
    "26": 10, "27": 2, "28": 2, "29": 1, "30": 6, "31": 1,
    # unscheduled by the head in person (05/07): sessions, turns, people … matters
    "32": 1, "33": 3, "34": 12, "35": 1, "36": 1, "37": 2, "38": 10, "39": 2,
    # unscheduled by an authorised deputy (06/07, 07/07)
    "40": 2, "41": 3, "42": 8, "43": 1, "44": 1, "45": 1, "46": 5, "47": 1,
}
GRID_C = dict.fromkeys(GRID_D, 0) | {"32": 1, "33": 1, "34": 1, "35": 1}


def test_01_tcd_prints_every_cell_of_the_reception_grid(world):
    _grid_sessions(world)
    report = reports.build_report("01/TCD", "P", Q3)
    rows = _rows(report)
    assert _pick(rows["D"], *GRID_D) == GRID_D
    assert _pick(rows["C"], *GRID_C) == GRID_C
    assert _pick(report.total, *GRID_D) == {k: GRID_D[k] + GRID_C[k] for k in GRID_D}
    # The columns before keep their meaning: sessions 8 = 15 + 16, turns 5 = 13 + 14.
    assert _pick(rows["D"], "2", "4", "5", "8", "13", "15", "16") == {
        "2": 8, "4": 6, "5": 11, "8": 5, "13": 5, "15": 2, "16": 3}
    # Every numbered formula holds on each unit's row and on the total.
    for row in (*report.rows, report.total):
        for column in report.form.columns:
            if column.formula:
                target, terms = forms.parse_formula(column.formula)
                assert row[target] == sum(sign * row[code] for sign, code in terms)


def test_the_page_and_the_workbook_print_the_reception_grid(world, client, login,
                                                             make_user):
    _grid_sessions(world)
    codes = [str(n) for n in range(20, 48)]
    total = {k: GRID_D[k] + GRID_C[k] for k in codes}
    login(make_user("inspector"))
    args = "form=01/TCD&agency=P&period=quarter&year=2026&number=3"
    html = client.get(f"/inspection/reports?{args}").get_data(as_text=True)
    numbers = html[html.index('data-testid="column-numbers"'):]
    assert "<td>47=19-25-31-39</td>" in numbers[:numbers.index("</tr>")]
    assert "Số kỳ thủ trưởng trực tiếp tiếp đột xuất" in html
    row = html[html.index('data-testid="total-row"'):]
    for code in codes:
        assert f'<td data-col="{code}">{total[code]}</td>' in row
    sheet = load_workbook(io.BytesIO(client.get(f"/inspection/reports?{args}&export=xlsx")
                                     .data)).active
    rows = list(sheet.iter_rows(values_only=True))
    columns = forms.FORMS["01/TCD"].columns[19:]
    assert list(rows[6][21:49]) == [c.label("vi") for c in columns]
    assert list(rows[7][21:49]) == [c.formula or c.code for c in columns]
    assert "22=4-21" in rows[7] and "40=16-32" in rows[7]
    grand = next(r for r in rows[reports.FIRST_DATA_ROW - 1:] if r[1] == "Tổng cộng")
    assert list(grand[21:49]) == [total[c] for c in codes]
