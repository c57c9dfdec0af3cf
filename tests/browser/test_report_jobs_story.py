"""A background report in the browser: the inspector asks for the combined workbook, sees it
queued on "my reports", the page follows its progress by itself (report_jobs.js, under the
strict CSP) and offers the download once the worker has built it."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from complaints import clock
from complaints.extensions import db
from complaints.models import ReportJob
from complaints.services import report_jobs, workflow
from tests.browser.conftest import sign_in
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD


def test_inspector_follows_a_background_report_to_its_download(page, app, monkeypatch,
                                                                make_agency, make_user,
                                                                make_case, tmp_path):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    app.config["REPORT_DIR"] = str(tmp_path / "reports")
    province = make_agency(code="UBND-T", level="province", name="UBND tỉnh")
    make_agency(code="SO-A", parent=province, name="Sở Tài nguyên")
    ttt = make_agency(code="TTT", parent=province, name="Thanh tra tỉnh", is_inspectorate=True)
    reception = make_user("reception", agency=make_agency(code="BTCD", parent=province))
    inspector = make_user("inspector", agency=ttt, username="thanhtra")
    case = make_case(reception, received_on=date(2026, 10, 1), subject="Lấn chiếm đất công")
    workflow.route(case, "SO-A", None, NOW, TODAY, decided_on=date(2026, 10, 2))
    db.session.commit()

    sign_in(page, inspector.username, PASSWORD)
    page.wait_for_url("**/inspection/")
    page.get_by_role("link", name="Báo cáo", exact=True).click()
    page.get_by_role("button", name="Tạo sổ tổng hợp hồ sơ, leo thang, bảng điểm").click()
    page.wait_for_url("**/inspection/reports/mine")
    job = db.session.scalars(db.select(ReportJob)).one()
    row = page.get_by_test_id(f"job-{job.id}")
    assert "Chưa sẵn sàng" in row.inner_text()

    # The scheduler's worker runs it meanwhile; the open page notices and reloads itself.
    done = report_jobs.run_pending(lambda: NOW, TODAY, app.config["REPORT_DIR"],
                                   db.session.commit, 15)
    assert [j.status for j in done] == ["done"]
    link = page.get_by_test_id(f"download-{job.id}")
    link.wait_for(timeout=20_000)
    with page.expect_download() as info:
        link.click()
    book = load_workbook(io.BytesIO(info.value.path().read_bytes()), read_only=True)
    assert book.sheetnames == ["Hồ sơ", "Leo thang", "Bảng điểm"]
    codes = [row[0] for row in book["Hồ sơ"].iter_rows(min_row=2, values_only=True)]
    assert case.tracking_code in codes
