"""The official forms for Q3/2026 (15/06 – 14/09/2026), every cell checked.

Units: province P (root), department D, commune C, reception desk DESK (logs petitions).
Petitions (02/XLD, counted at DESK):
  A complaint  rec 10/06 routed 20/06  → carried over, handled (complaint, ours)
  B complaint  rec 01/06 routed 10/06  → before the period: nowhere
  C denunc.    rec 20/07 routed 22/07  → received, handled (denunciation, ours)
     + a repeat petition on C 25/07    → received, joined = filed; same matter; a
                                         duplicate: not eligible
  D feedback   rec 01/08 guided 05/08  → received, guided
  E complaint  rec 10/09, routed 20/09 → received, pending at the cut-off
  F denunc.    rec 12/09 filed 13/09 (anonymous) → received, not eligible, filed
  H denunc.    rec 01/07 routed 02/07  → received, handled (denunciation, ours)
  G complaint  rec 01/05 routed 02/05  → before the period: nowhere
Complaints (03/GQKN, at D): B accepted 12/06 (carried), resolved wrong 20/07 (due 13/07:
  late); A accepted 25/06, resolved right 24/07 (on time), 12.5 million, 3 people;
  G accepted 05/05 (carried), resolved after the cut-off → pending.
Denunciations (04/GQTC): C at D accepted 24/07, concluded partly right 10/08 (on time),
  2 people disciplined, sent to investigation; H at commune C accepted 03/07, withdrawn 15/07.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.models import Agency, ReceptionSession
from complaints.services import intake, reports, workflow
from tests.conftest import NOW, TODAY

Q3 = forms.quarter_period(2026, 3)


pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

def _route(case, code, on):
    workflow.route(case, code, None, NOW, TODAY, decided_on=on)


def _accept(case, on):
    workflow.accept(case, None, NOW, TODAY, decided_on=on)


def _resolve(case, outcome, on, **figures):
    workflow.resolve(case, outcome, "QĐ", "Kết quả", None, NOW, TODAY, decided_on=on,
                     figures=figures)


@pytest.fixture
def world(make_agency, make_user, make_case):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    d = make_agency(code="D", parent=p, level="department", name="Sở Tài nguyên")
    c = make_agency(code="C", parent=p, level="commune", name="UBND xã An Hòa")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân")
    r = make_user("reception", agency=desk)

    def new(kind, received):
        return make_case(r, kind=kind, received_on=received)

    a = new("complaint", date(2026, 6, 10))
    _route(a, "D", date(2026, 6, 20))
    _accept(a, date(2026, 6, 25))
    _resolve(a, "right", date(2026, 7, 24), money_to_recover=Decimal("12.5"), people_restored=3)
    b = new("complaint", date(2026, 6, 1))
    _route(b, "D", date(2026, 6, 10))
    _accept(b, date(2026, 6, 12))
    _resolve(b, "wrong", date(2026, 7, 20))
    cc = new("denunciation", date(2026, 7, 20))
    _route(cc, "D", date(2026, 7, 22))
    _accept(cc, date(2026, 7, 24))
    _resolve(cc, "denunciation_partly_right", date(2026, 8, 10), people_disciplined=2,
             sent_to_investigation=True)
    intake.add_petition(cc, intake.PetitionData(channel="mail", received_on=date(2026, 7, 25),
                                                petitioners=[intake.PetitionerData(
                                                    full_name="Lê Văn Tư",
                                                    address="Số 4 Lê Lợi")]), r, NOW, TODAY)
    dd = new("feedback", date(2026, 8, 1))
    workflow.guide(dd, "Đến UBND xã", None, NOW, TODAY, decided_on=date(2026, 8, 5))
    e = new("complaint", date(2026, 9, 10))
    _route(e, "D", date(2026, 9, 20))
    f = new("denunciation", date(2026, 9, 12))
    workflow.file_away(f, "anonymous", None, NOW, TODAY, decided_on=date(2026, 9, 13))
    g = new("complaint", date(2026, 5, 1))
    _route(g, "D", date(2026, 5, 2))
    _accept(g, date(2026, 5, 5))
    _resolve(g, "partly_right", date(2026, 9, 20))
    h = new("denunciation", date(2026, 7, 1))
    _route(h, "C", date(2026, 7, 2))
    _accept(h, date(2026, 7, 3))
    workflow.withdraw(h, "Rút tố cáo", None, NOW, TODAY, decided_on=date(2026, 7, 15))
    db.session.add_all([
        ReceptionSession(agency_id=desk.id, kind="regular", held_on=date(2026, 7, 1), turns=5,
                         people=7, matters_first=3, matters_repeated=1),
        ReceptionSession(agency_id=desk.id, kind="regular", held_on=date(2026, 9, 14),
                         turns=4, people=4, matters_first=2, matters_repeated=2),
        ReceptionSession(agency_id=desk.id, kind="regular", held_on=date(2026, 9, 15),
                         turns=9, people=9),  # after the cut-off
        ReceptionSession(agency_id=d.id, kind="head", held_on=date(2026, 8, 10), turns=3,
                         people=3, matters_first=2, matters_repeated=1, delegations=1,
                         delegation_people=6, delegation_matters=1),
        ReceptionSession(agency_id=c.id, kind="deputy", held_on=date(2026, 6, 15), turns=2,
                         people=2, matters_first=1),
    ])
    db.session.commit()
    return {"inspector": make_user("inspector"), "head_d": make_user("agency_head", agency=d)}


def _by_unit(report):
    return {u.code: row for u, row in zip(report.units, report.rows, strict=True)}


def _zero(form, **values):
    return {c.code: values.get(c.code, 0) for c in forms.FORMS[form].columns}


def test_02_xld_petitions(world):
    report = reports.build_report("02/XLD", "P", Q3)
    rows = _by_unit(report)
    assert [u.code for u in report.units][0] == "P"
    # Column 5: 4, not 5: the repeat petition on C is a duplicate, never eligible
    # (reports.md); F is anonymous.
    # Column 16 (appended): A, the complaint handled, is of the first round.
    # Columns 18–19 (history): C's later letter of 25/07 repeats a matter not yet concluded
    # (on 10/08), so it is sent before but not a follow-up denunciation (23).
    # Columns 25–32 (by field category): the six received are all on land (26).
    assert rows["DESK"] == _zero("02/XLD", **{
        "1": 7, "2": 1, "3": 6, "4": 5, "5": 4, "6": 6, "7": 1, "8": 2, "9": 0, "10": 3,
        "11": 1, "12": 0, "13": 2, "14": 0, "15": 1, "16": 1, "18": 5, "19": 1, "26": 6})
    for code in ("P", "D", "C"):
        assert rows[code] == _zero("02/XLD")
    assert report.total == rows["DESK"]


def test_03_gqkn_complaints(world):
    report = reports.build_report("03/GQKN", "P", Q3)
    rows = _by_unit(report)
    assert rows["D"] == _zero("03/GQKN", **{
        "1": 3, "2": 2, "3": 1, "4": 2, "5": 1, "6": 1, "7": 0, "8": 0, "9": 1, "10": 1,
        "11": 12.5, "12": 0, "13": 3, "14": 0, "15": 1,
        # Columns 25–29: the petitions of those matters, one letter each.
        "25": 3, "26": 2, "27": 1, "28": 2, "29": 1})
    assert report.total == rows["D"]


def test_04_gqtc_denunciations_and_total_row(world):
    report = reports.build_report("04/GQTC", "P", Q3)
    rows = _by_unit(report)
    # Columns 22–26, the petitions of the matters: CC, one matter, has two letters (its
    # own and that of 25/07).
    assert rows["D"] == _zero("04/GQTC", **{
        "1": 1, "3": 1, "4": 1, "7": 1, "9": 1, "12": 2, "13": 1, "22": 2, "24": 2, "25": 2})
    assert rows["C"] == _zero("04/GQTC", **{"1": 1, "3": 1, "4": 1, "8": 1, "9": 1,
                                            "22": 1, "24": 1, "25": 1})
    assert report.total == _zero("04/GQTC", **{
        "1": 2, "3": 2, "4": 2, "7": 1, "8": 1, "9": 2, "12": 2, "13": 1,
        "22": 3, "24": 3, "25": 3})
    # The total row obeys the numbered row's formulas.
    for column in report.form.columns:
        if column.formula:
            target, terms = forms.parse_formula(column.formula)
            assert report.total[target] == sum(s * report.total[c] for s, c in terms)


def test_01_tcd_reception(world):
    rows = _by_unit(reports.build_report("01/TCD", "P", Q3))
    # Columns 20– (appended): two regular sessions, their matters first-time / repeated.
    assert rows["DESK"] == _zero("01/TCD", **{"1": 9, "2": 9, "3": 11, "4": 8, "9": 5,
                                              "10": 3, "20": 2, "21": 5, "22": 3})
    # Columns 13– (appended): both leaders' sessions are periodic (the default); people
    # by head / deputy; the delegation's matter. Columns 26–31: the periodic grid.
    assert rows["D"] == _zero("01/TCD", **{"1": 3, "5": 3, "6": 3, "8": 1, "9": 2, "10": 1,
                                           "11": 1, "12": 6, "13": 3, "15": 1, "17": 3,
                                           "19": 1, "26": 3, "27": 2, "28": 1, "29": 1,
                                           "30": 6, "31": 1})
    assert rows["C"] == _zero("01/TCD", **{"1": 2, "5": 2, "7": 2, "8": 1, "9": 1, "13": 2,
                                           "15": 1, "18": 2, "26": 2, "27": 1})


def test_subtree_limits_the_units(world):
    report = reports.build_report("03/GQKN", "D", Q3)
    assert [u.code for u in report.units] == ["D"]


def test_excel_matches_the_page(world, client, login):
    login(world["inspector"])
    args = "form=03/GQKN&agency=P&period=quarter&year=2026&number=3"
    html = client.get(f"/inspection/reports?{args}").get_data(as_text=True)
    assert "Số liệu tính từ ngày 15/06/2026 đến ngày 14/09/2026" in html
    assert "THỦ TRƯỞNG ĐƠN VỊ" in html
    # A decimal comma on the Vietnamese page (QA round 63).
    total = html[html.index('data-testid="total-row"'):]
    assert '<td data-col="1">3</td>' in total and '<td data-col="11">12,5</td>' in total
    response = client.get(f"/inspection/reports?{args}&export=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[3][0] == "Số liệu tính từ ngày 15/06/2026 đến ngày 14/09/2026"
    assert rows[7][2:5] == ("1=2+3", "2", "3")
    data = rows[reports.FIRST_DATA_ROW - 1:]
    total_row = next(r for r in data if r[1] == "Tổng cộng")
    assert list(total_row[2:17]) == [3, 2, 1, 2, 1, 1, 0, 0, 1, 1, 12.5, 0, 3, 0, 1]
    assert any(r and r[-1] == "THỦ TRƯỞNG ĐƠN VỊ" for r in data)
    # In English the page and the workbook word the form's fixed lines alike (a QA pass
    # found the period line and the workbook's labels left in Vietnamese).
    client.get("/lang/en?next=/")
    html = client.get(f"/inspection/reports?{args}").get_data(as_text=True)
    assert "Figures from 15/06/2026 to 14/09/2026" in html and "Số liệu" not in html
    rows = list(load_workbook(io.BytesIO(client.get(
        f"/inspection/reports?{args}&export=xlsx").data)).active.iter_rows(values_only=True))
    assert rows[0][-1] == "Form no. 03/GQKN" and rows[3][0] == "Figures from 15/06/2026 to " \
        "14/09/2026"
    assert rows[5][:2] == ("No.", "Unit")
    words = {str(v) for r in rows for v in r if isinstance(v, str)}
    assert {"Grand total", "PREPARED BY", "HEAD OF UNIT"} <= words
    assert not {"STT", "Tổng cộng", "THỦ TRƯỞNG ĐƠN VỊ", "NGƯỜI LẬP BIỂU"} & words
    # Units named in English where an English name is recorded (a QA pass found them not).
    root = db.session.scalar(select(Agency).where(Agency.code == "P"))
    root.name_en = "Provincial People's Committee"
    db.session.commit()
    html = client.get(f"/inspection/reports?{args}").get_data(as_text=True)
    assert html.count("Provincial People&#39;s Committee") >= 2  # the header and its row
    rows = list(load_workbook(io.BytesIO(client.get(
        f"/inspection/reports?{args}&export=xlsx").data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Provincial People's Committee"


def test_a_header_group_spans_its_columns_once(world, client, login):
    """QA 102: the group over the columns ("Tiếp nhận", "Kết quả giải quyết", …) was
    repeated over each of its columns; the forms print it once across them."""
    form = forms.FORMS["03/GQKN"]
    assert form.groups()[:3] == [("Tiếp nhận", 3), ("Kết quả giải quyết", 5),
                                 ("Thời hạn", 2)]
    assert sum(span for _label, span in form.groups("en")) == len(form.columns)
    login(world["inspector"])
    args = "form=03/GQKN&agency=P&period=quarter&year=2026&number=3"
    html = client.get(f"/inspection/reports?{args}").get_data(as_text=True)
    assert html.count(">Tiếp nhận</th>") == 1
    assert '<th scope="colgroup" colspan="3" class="small text-muted">Tiếp nhận</th>' in html
    sheet = load_workbook(io.BytesIO(client.get(
        f"/inspection/reports?{args}&export=xlsx").data)).active
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"C6:E6", "F6:J6", "K6:L6"} <= merged
    assert (sheet["C6"].value, sheet["F6"].value) == ("Tiếp nhận", "Kết quả giải quyết")


def test_agency_head_reports_only_own_subtree(world, client, login):
    login(world["head_d"])
    html = client.get("/inspection/reports?form=03/GQKN&agency=P&period=quarter&year=2026"
                      "&number=3").get_data(as_text=True)
    assert 'data-testid="unit-D"' in html and 'data-testid="unit-P"' not in html
