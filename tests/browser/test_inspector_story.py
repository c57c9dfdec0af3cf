"""The inspector's story in a browser: filter to an agency, open an evaded case, see its
bounce path, urge the agency, download the quarterly Excel report whose totals match the
page."""

from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from complaints import clock
from complaints.extensions import db
from complaints.models import AuditEvent
from complaints.services import workflow
from tests.browser.conftest import sign_in
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD


def test_inspector_follows_an_evaded_case_and_reports(page, monkeypatch, make_agency,
                                                      make_user, make_case, tmp_path):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    province = make_agency(code="UBND-T", level="province", name="UBND tỉnh")
    a = make_agency(code="SO-A", parent=province, name="Sở Tài nguyên")
    make_agency(code="SO-B", parent=province, name="Sở Xây dựng")
    desk = make_agency(code="BTCD", parent=province, name="Ban Tiếp công dân")
    ttt = make_agency(code="TTT", parent=province, name="Thanh tra tỉnh", is_inspectorate=True)
    reception = make_user("reception", agency=desk)
    inspector = make_user("inspector", agency=ttt, username="thanhtra")
    make_user("agency_head", agency=a)
    bounced = make_case(reception, received_on=date(2026, 10, 1), subject="Lấn chiếm đất công")
    on = date(2026, 10, 2)
    workflow.route(bounced, "SO-A", None, NOW, TODAY, decided_on=on)
    workflow.transfer(bounced, "SO-B", "Không thuộc thẩm quyền", None, NOW, TODAY, decided_on=on)
    workflow.transfer(bounced, "SO-A", "Không thuộc thẩm quyền", None, NOW, TODAY, decided_on=on)
    other = make_case(reception, received_on=date(2026, 10, 5), subject="Tiếng ồn")
    workflow.route(other, "SO-B", None, NOW, TODAY, decided_on=date(2026, 10, 6))
    db.session.commit()

    sign_in(page, inspector.username, PASSWORD)
    page.wait_for_url("**/inspection/")
    page.get_by_role("link", name="Tra cứu hồ sơ").click()
    page.get_by_label("Cơ quan (gồm đơn vị trực thuộc)").select_option("SO-A")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**agency=SO-A**")
    listing = page.get_by_test_id("case-list").inner_text()
    assert bounced.tracking_code in listing and other.tracking_code not in listing

    page.get_by_role("link", name=bounced.tracking_code).click()
    path = page.get_by_test_id("bounce-path").inner_text()
    assert path.index("Sở Tài nguyên") < path.index("Sở Xây dựng") < path.rindex("Sở Tài nguyên")

    form = page.get_by_test_id("act-urge")
    form.get_by_label("Nội dung, lý do").fill("Đề nghị Sở Tài nguyên giải quyết ngay")
    form.get_by_role("button", name="Đôn đốc cơ quan giải quyết").click()
    page.get_by_text("Đã đôn đốc cơ quan giải quyết.").wait_for()
    assert db.session.query(AuditEvent).filter_by(case_id=bounced.id,
                                                  action="inspector_urged").count() == 1

    page.get_by_role("link", name="Báo cáo").first.click()
    page.get_by_label("Biểu mẫu").select_option("02/XLD")
    page.get_by_label("Đơn vị (gồm đơn vị trực thuộc)").select_option("UBND-T")
    page.get_by_label("Kỳ", exact=True).select_option("quarter")
    page.get_by_label("Số tháng / quý").fill("4")
    page.get_by_label("Năm", exact=True).fill("2026")
    page.get_by_role("button", name="Xem báo cáo").click()
    assert "15/09/2026" in page.get_by_test_id("report-range").inner_text()
    cells = page.get_by_test_id("total-row").locator("td").all_inner_texts()[2:]
    with page.expect_download() as info:
        page.get_by_test_id("report-xlsx").click()
    target = tmp_path / "report.xlsx"
    info.value.save_as(target)
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    total = next(r for r in rows if r[1] == "Tổng cộng")
    assert [str(v) for v in total[2:2 + len(cells)]] == cells
    assert total[2] == 2  # both petitions received in the quarter
