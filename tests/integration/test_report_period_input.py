"""A period or form asked for that is invalid is refused (400, the form as typed, the message
next to the field), never answered with another period: a QA pass found the reports page and
its Excel export silently giving the current quarter (02-XLD_P_20260915-20261214.xlsx for
an end before the start), and the scorecard likewise. "Today" is 01/12/2026: the current
quarter is Q4/2026, 15/09/2026 – 14/12/2026.
"""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import ReportJob

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = "/inspection/reports?form=02/XLD&agency=P&"
CURRENT_QUARTER = "Số liệu tính từ ngày 15/09/2026 đến ngày 14/12/2026"


@pytest.fixture
def world(make_agency, make_user):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    make_agency(code="D", parent=p, level="department", name="Sở Tài nguyên")
    return {"inspector": make_user("inspector")}


# (query after PAGE, the field marked, its message, a value that must be shown as typed)
BAD = [
    ("period=custom&start=2026-09-01&end=2026-08-01", "end",
     "Ngày kết thúc phải bằng hoặc sau ngày bắt đầu.", 'value="2026-08-01"'),
    ("period=custom&start=2026-02-30&end=2026-03-14", "start",
     "Ngày bắt đầu không hợp lệ: nhập một ngày có thật, ví dụ 15/09/2026.",
     'value="2026-02-30"'),
    ("period=custom&start=2026-09-01", "end", "Nhập ngày kết thúc.", 'value="2026-09-01"'),
    ("period=quarter&year=abc&number=4", "year", "Năm phải là số từ 2000 đến 2100.",
     'value="abc"'),
    ("year=abc", "year", "Năm phải là số từ 2000 đến 2100.", 'value="abc"'),
    ("period=quarter&year=0&number=4", "year", "Năm phải là số từ 2000 đến 2100.",
     'value="0"'),
    ("period=quarter&year=99999&number=4", "year", "Năm phải là số từ 2000 đến 2100.",
     'value="99999"'),
    ("period=quarter&year=2026&number=5", "number", "Quý phải là số từ 1 đến 4.",
     'value="5"'),
    ("number=5", "number", "Quý phải là số từ 1 đến 4.", 'value="5"'),
    ("period=month&year=2026&number=13", "number", "Tháng phải là số từ 1 đến 12.",
     'value="13"'),
    ("period=month&year=2024", "number", "Nhập tháng (từ 1 đến 12) của năm đã chọn.",
     'value="2024"'),
    ("period=quarter&year=2024", "number", "Nhập quý (từ 1 đến 4) của năm đã chọn.",
     'value="2024"'),
    ("period=weekly&year=2026", "period", "Chọn kỳ báo cáo trong danh sách.",
     'value="2026"'),
]


def _refused(response, field, message, typed):
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert response.mimetype == "text/html" and "Content-Disposition" not in response.headers
    assert 'data-testid="error-summary"' in html and f'href="#{field}"' in html
    error = html[html.index(f'data-testid="error-{field}"'):]
    assert error[error.index(">") + 1:].startswith(message)
    assert typed in html
    # No report at all: neither the current quarter's nor any other.
    assert 'data-testid="report-table"' not in html and "Số liệu tính từ ngày" not in html
    assert 'data-testid="report-xlsx"' not in html and 'data-testid="report-job-form"' not in html


@pytest.mark.parametrize(("query", "field", "message", "typed"), BAD)
@pytest.mark.parametrize("export", ["", "&export=xlsx"])
def test_a_bad_period_is_refused_never_replaced(world, client, login, query, field, message,
                                                 typed, export):
    login(world["inspector"])
    _refused(client.get(f"{PAGE}{query}{export}"), field, message, typed)


@pytest.mark.parametrize("export", ["", "&export=xlsx"])
def test_an_unknown_form_is_refused_without_a_list_of_codes(world, client, login, export):
    login(world["inspector"])
    response = client.get(f"/inspection/reports?form=XX&agency=P&period=quarter&year=2026"
                          f"&number=4{export}")
    _refused(response, "form", "Chọn một biểu mẫu trong danh sách.", 'value="2026"')
    html = response.get_data(as_text=True)
    message = html[html.index('data-testid="error-form"'):]
    assert "XLD" not in message[:message.index("</div>")]  # the codes are in the select only


def test_an_unknown_export_format_is_refused(world, client, login):
    login(world["inspector"])
    response = client.get(f"{PAGE}period=quarter&year=2026&number=4&export=pdf")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Content-Disposition" not in response.headers
    assert "Chỉ tải về được dạng Excel (xlsx)." in html
    assert 'data-testid="report-table"' not in html


@pytest.mark.parametrize("start", ["2026-08-01", "01/08/2026"])
def test_a_good_custom_period_shows_and_exports_its_own_dates(world, client, login, start):
    login(world["inspector"])
    # The year beside a custom period is ignored, not judged (found by QA, round 8: year=0
    # refused a good custom period).
    query = f"{PAGE}period=custom&start={start}&end=2026-09-01&year=0"
    response = client.get(query)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="error-summary"' not in html
    assert "Số liệu tính từ ngày 01/08/2026 đến ngày 01/09/2026" in html
    assert "Từ 01/08/2026 đến 01/09/2026" in html
    assert 'value="2026-08-01"' in html and 'value="2026-09-01"' in html
    # The page's Excel link and background-job form ask for the same period.
    link = html[html.index('data-testid="report-xlsx" href="') + 33:]
    args = parse_qs(urlsplit(link[:link.index('"')].replace("&amp;", "&")).query)
    assert (args["period"], args["start"], args["end"]) == (
        ["custom"], ["2026-08-01"], ["2026-09-01"])
    job_form = html[html.index('data-testid="report-job-form"'):]
    assert 'name="start" value="2026-08-01"' in job_form
    assert 'name="end" value="2026-09-01"' in job_form
    response = client.get(f"{query}&export=xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="02-XLD_P_20260801-20260901.xlsx"')
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[3][0] == "Số liệu tính từ ngày 01/08/2026 đến ngày 01/09/2026"


def test_no_period_given_shows_the_current_quarter(world, client, login):
    login(world["inspector"])
    for url in ("/inspection/reports", "/inspection/reports?form=02/XLD&agency=P",
                "/inspection/reports?period=&year=&number=&start=&end="):
        response = client.get(url)
        assert response.status_code == 200, url
        assert CURRENT_QUARTER in response.get_data(as_text=True), url
    response = client.get(f"{PAGE}export=xlsx")
    assert response.status_code == 200 and response.headers["Content-Disposition"] == (
        'attachment; filename="02-XLD_P_20260915-20261214.xlsx"')
    # A kind alone is the current period of that kind; a number alone is in this year.
    html = client.get(f"{PAGE}period=month").get_data(as_text=True)
    assert "Số liệu tính từ ngày 15/11/2026 đến ngày 14/12/2026" in html
    html = client.get(f"{PAGE}period=quarter&number=3").get_data(as_text=True)
    assert "Số liệu tính từ ngày 15/06/2026 đến ngày 14/09/2026" in html


def test_a_number_without_a_year_late_in_december_is_a_period_begun(world, client, login,
                                                                     monkeypatch):
    """QA 102: from 15/12 the reporting year is the next one, so on 20/12/2026 "month 12"
    alone was 15/11/2027 – 14/12/2027, a period not yet begun: it is the latest begun."""
    from datetime import date

    from complaints import clock

    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 20))
    login(world["inspector"])
    for query, shown in (
            ("period=month&number=12", "15/11/2026 đến ngày 14/12/2026"),
            ("period=month&number=1", "15/12/2026 đến ngày 14/01/2027"),  # begun: this one
            ("period=quarter&number=4", "15/09/2026 đến ngày 14/12/2026"),
            ("period=quarter&number=1", "15/12/2026 đến ngày 14/03/2027"),
            ("period=month&number=12&year=2027", "15/11/2027 đến ngày 14/12/2027")):
        html = client.get(f"{PAGE}{query}").get_data(as_text=True)
        assert f"Số liệu tính từ ngày {shown}" in html, query


def test_a_good_month_of_another_year(world, client, login):
    login(world["inspector"])
    response = client.get(f"{PAGE}period=month&year=2024&number=3&export=xlsx")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="02-XLD_P_20240215-20240314.xlsx"')


@pytest.mark.parametrize(("query", "field", "typed"), [
    ("period=custom&start=2026-09-01&end=2026-08-01", "end", 'value="2026-08-01"'),
    ("period=quarter&year=abc&number=4", "year", 'value="abc"'),
    ("period=month&year=2024", "number", 'value="2024"'),
    ("period=custom&start=2026-02-30&end=2026-03-01", "start", 'value="2026-02-30"'),
])
def test_the_scorecard_refuses_a_bad_period_too(world, client, login, query, field, typed):
    login(world["inspector"])
    response = client.get(f"/inspection/scorecard?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'data-testid="error-{field}"' in html and typed in html
    assert 'data-testid="scorecard"' not in html and 'data-testid="period-range"' not in html
    assert "Kỳ báo cáo không hợp lệ" not in html  # no "showing the current quarter instead"


def test_the_scorecard_without_a_period_shows_the_current_quarter(world, client, login):
    login(world["inspector"])
    response = client.get("/inspection/scorecard")
    assert response.status_code == 200
    assert "Số liệu tính từ ngày 15/09/2026 đến ngày 14/12/2026" in response.get_data(
        as_text=True)


def test_a_job_with_a_bad_period_goes_back_with_the_values_typed(world, client, login):
    login(world["inspector"])
    response = client.post("/inspection/reports/jobs", data={
        "kind": "workbook", "form": "02/XLD", "agency": "P", "period": "custom",
        "start": "2026-09-01", "end": "2026-08-01"})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/inspection/reports"
    args = parse_qs(location.query)
    assert (args["period"], args["start"], args["end"], args["agency"]) == (
        ["custom"], ["2026-09-01"], ["2026-08-01"], ["P"])
    assert db.session.scalar(select(func.count()).select_from(ReportJob)) == 0
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Chưa tạo báo cáo trong nền" in html and 'data-testid="error-end"' in html
    assert 'value="2026-09-01"' in html and 'value="2026-08-01"' in html


def test_a_job_with_a_good_custom_period_covers_its_dates(world, client, login):
    login(world["inspector"])
    response = client.post("/inspection/reports/jobs", data={
        "kind": "workbook", "form": "02/XLD", "agency": "P", "period": "custom",
        "start": "2026-08-01", "end": "2026-09-01"})
    assert response.status_code == 302
    job = db.session.scalars(select(ReportJob)).one()
    assert (job.period_kind, str(job.period_start), str(job.period_end)) == (
        "custom", "2026-08-01", "2026-09-01")


@pytest.mark.parametrize(("query", "field", "message", "typed"), BAD)
def test_the_reception_page_refuses_a_bad_period_too(world, client, login, query, field,
                                                     message, typed):
    # It showed the current quarter's compliance with a warning instead (found by review):
    # figures of a period nobody asked for, under the heading of a page that looks right.
    login(world["inspector"])
    response = client.get(f"/inspection/reception?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'data-testid="error-summary"' in html and f'href="#{field}"' in html
    error = html[html.index(f'data-testid="error-{field}"'):]
    assert error[error.index(">") + 1:].startswith(message)
    assert typed in html
    assert 'data-testid="reception-compliance"' not in html
    assert "Số liệu tính từ ngày" not in html and "Kỳ báo cáo không hợp lệ" not in html


def test_the_reception_page_has_the_period_form_and_keeps_its_links(world, client, login,
                                                                    make_user):
    login(world["inspector"])
    for url, shown in (
            ("/inspection/reception", CURRENT_QUARTER),
            ("/inspection/reception?period=month&year=2026&number=11",
             "Số liệu tính từ ngày 15/10/2026 đến ngày 14/11/2026"),
            ("/inspection/reception?period=quarter&number=4&year=2026", CURRENT_QUARTER),
            ("/inspection/reception?period=custom&start=2026-08-01&end=2026-09-01",
             "Số liệu tính từ ngày 01/08/2026 đến ngày 01/09/2026")):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert shown in html and 'data-testid="reception-compliance"' in html, url
        form = html[html.index('<form method="get" action="/inspection/reception"'):]
        form = form[:form.index("</form>")]
        assert 'id="period"' in form and 'id="start"' in form, url
    assert 'value="2026-08-01"' in form and 'value="2026-09-01"' in form
