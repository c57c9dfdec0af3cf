"""Downloads of the agency's list as a server sends them: the body is read after the
request's own context (and its database session) has ended."""

from __future__ import annotations

import contextvars
import csv
import io
import zipfile
from datetime import date

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from complaints.extensions import db
from complaints.services import workflow
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.fixture
def world(make_agency, make_user, make_case):
    province = make_agency(code="UBND-HP", level="province", name="UBND thành phố")
    desk = make_agency(code="BTCD", parent=province, name="Ban Tiếp công dân")
    so = make_agency(code="SO-TNMT", parent=province, name="Sở Tài nguyên và Môi trường")
    reception = make_user("reception", agency=desk, username="tiepdan")
    head = make_user("agency_head", agency=so, username="giamdoc")
    cases = []
    for received in (date(2026, 11, 2), date(2026, 11, 18)):
        case = make_case(actor=reception, kind="complaint", received_on=received)
        workflow.route(case, "SO-TNMT", reception, NOW, TODAY, decided_on=date(2026, 11, 20))
        cases.append(case)
    db.session.commit()
    return {"head": head, "cases": cases}


def _as_a_server(app, client, url: str):
    """GET `url` with no app context around the request (as under a WSGI server), then
    read the body: the request's context is torn down before the body is consumed."""
    plain = FlaskClient(app, app.response_class, use_cookies=True)
    plain.set_cookie("session", client.get_cookie("session").value)

    def run():
        response = plain.get(url)
        return response, response.get_data()

    return contextvars.Context().run(run)


def test_csv_download_with_rows_is_read_after_the_request(app, client, login, world):
    login(world["head"])
    response, body = _as_a_server(app, client, "/agency/cases?status=routed&sort=received"
                                                "&export=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8").lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == [c.tracking_code for c in world["cases"]]
    assert rows[1][3] == "02/11/2026"  # the CSV keeps dates as dd/mm/yyyy text


def test_xlsx_download_writes_dates_as_date_cells(app, client, login, world):
    login(world["head"])
    response, body = _as_a_server(app, client, "/agency/cases?status=routed&sort=received"
                                                "&export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(body)).active
    header = [c.value for c in sheet[1]]
    received = sheet.cell(row=2, column=header.index("Ngày nhận") + 1)
    assert received.is_date and received.value.date() == date(2026, 11, 2)
    assert received.number_format.lower() == "dd/mm/yyyy"


@pytest.fixture
def inspection_world(world, make_agency, make_user, make_case):
    """An evaded case (an escalation) and a mass petition (a cluster) besides the two."""
    from complaints.models import Agency

    so = db.session.query(Agency).filter_by(code="SO-TNMT").one()
    make_agency(code="SO-XD", parent=so.parent, name="Sở Xây dựng")
    reception = db.session.query(type(world["head"])).filter_by(username="tiepdan").one()
    bounced = make_case(actor=reception, subject="Lấn chiếm đất công",
                        received_on=date(2026, 11, 20))
    workflow.route(bounced, "SO-TNMT", None, NOW, TODAY, decided_on=date(2026, 11, 20))
    workflow.transfer(bounced, "SO-XD", "Không thuộc thẩm quyền", None, NOW, TODAY,
                      decided_on=date(2026, 11, 23))
    workflow.transfer(bounced, "SO-TNMT", "Thuộc Sở", None, NOW, TODAY,
                      decided_on=date(2026, 11, 24))
    make_case(actor=reception, petitioners=6, subject="Ô nhiễm bãi rác thôn 2",
              received_on=date(2026, 11, 10))
    inspector = make_user("inspector", username="thanhtra")
    db.session.commit()
    return {**world, "bounced": bounced, "inspector": inspector}


@pytest.mark.parametrize("url", [
    "/inspection/overdue?export=csv", "/inspection/cases?export=csv",
    "/inspection/escalations?state=all&export=csv", "/inspection/clusters?export=csv",
])
def test_every_csv_download_is_read_after_the_request(app, client, login, inspection_world,
                                                      url):
    login(inspection_world["inspector"])
    response, body = _as_a_server(app, client, url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8").lstrip("\ufeff"))))
    assert len(rows) > 1


@pytest.mark.parametrize(("url", "column"), [
    ("/inspection/cases?export=xlsx", "Ngày nhận"),
    ("/inspection/overdue?export=xlsx", "Hạn"),
    ("/inspection/escalations?state=all&export=xlsx", "Ngày"),
    ("/inspection/clusters?export=xlsx", "Ngày đầu"),
])
def test_every_xlsx_download_writes_date_cells(app, client, login, inspection_world, url,
                                               column):
    login(inspection_world["inspector"])
    response, body = _as_a_server(app, client, url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(body)).active
    header = [c.value for c in sheet[1]]
    cells = [row[header.index(column)] for row in sheet.iter_rows(min_row=2)]
    assert cells and all(c.is_date and c.number_format.lower() == "dd/mm/yyyy"
                         for c in cells if c.value is not None)


# Subjects a citizen may send (Open311 makes the first line of a description the subject)
# that a spreadsheet would run as formulas (CSV/formula injection).
INJECTED = ('=HYPERLINK("http://evil.example","x")', "@SUM(1)", "-2+3")


@pytest.fixture
def injected_world(world, make_case):
    reception = db.session.query(type(world["head"])).filter_by(username="tiepdan").one()
    codes = {}
    for subject in INJECTED:
        case = make_case(actor=reception, subject=subject, received_on=date(2026, 11, 19))
        workflow.route(case, "SO-TNMT", reception, NOW, TODAY, decided_on=date(2026, 11, 20))
        codes[case.tracking_code] = subject
    db.session.commit()
    return {**world, "injected": codes}


def test_csv_download_quotes_text_that_would_run_as_a_formula(app, client, login,
                                                              injected_world):
    login(injected_world["head"])
    response, body = _as_a_server(app, client, "/agency/cases?status=routed&export=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(body.decode("utf-8").lstrip("\ufeff"))))
    column = rows[0].index("Nội dung")
    subjects = {r[0]: r[column] for r in rows[1:]}
    for code, subject in injected_world["injected"].items():
        assert subjects[code] == "'" + subject  # OWASP: a leading ' keeps it text
    for case in injected_world["cases"]:
        assert subjects[case.tracking_code] == case.subject  # plain text left alone


def test_xlsx_download_writes_such_text_as_string_cells(app, client, login, injected_world):
    login(injected_world["head"])
    response, body = _as_a_server(app, client, "/agency/cases?status=routed&export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(body)).active
    header = [c.value for c in sheet[1]]
    cells = {row[0].value: row[header.index("Nội dung")] for row in sheet.iter_rows(min_row=2)}
    for code, subject in injected_world["injected"].items():
        cell = cells[code]
        assert cell.data_type == "s" and cell.value == subject  # the text exactly, no '
    assert b"<f>" not in _sheet_xml(body)


def _sheet_xml(body: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        return book.read("xl/worksheets/sheet1.xml")
