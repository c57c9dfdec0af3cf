"""The inspectors' console: overdue list, filters, scoping, bounce path, exports, masking."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from complaints.extensions import db
from complaints.services import workflow
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

@pytest.fixture
def world(make_agency, make_user, make_case):
    province = make_agency(code="UBND-T", level="province", name="UBND tỉnh")
    dept = make_agency(code="SO-TN", parent=province, name="Sở Tài nguyên")
    unit = make_agency(code="CC-DD", parent=dept, name="Chi cục Đất đai")
    other = make_agency(code="SO-XD", parent=province, name="Sở Xây dựng")
    desk = make_agency(code="BTCD", parent=province, name="Ban Tiếp công dân")
    reception = make_user("reception", agency=desk)
    w = {"province": province, "dept": dept, "unit": unit, "other": other,
         "reception": reception, "inspector": make_user("inspector"),
         "head": make_user("agency_head", agency=other),
         "dept_head": make_user("agency_head", agency=dept)}
    # Received 02/10, routed the same day: acceptance due long before TODAY (overdue).
    w["late"] = make_case(reception, subject="Tranh chấp đất đai thôn 3",
                          received_on=date(2026, 10, 2))
    workflow.route(w["late"], "CC-DD", None, NOW, TODAY, decided_on=date(2026, 10, 2))
    # A denunciation, overdue, at the other department: the denouncer is secret.
    w["secret"] = make_case(reception, kind="denunciation", subject="Tố cáo cán bộ",
                            received_on=date(2026, 10, 5))
    workflow.route(w["secret"], "SO-XD", None, NOW, TODAY, decided_on=date(2026, 10, 5))
    # Bounced A → B → A: evaded.
    w["bounced"] = make_case(reception, subject="Lấn chiếm đất công",
                             received_on=date(2026, 11, 20))
    workflow.route(w["bounced"], "SO-TN", None, NOW, TODAY, decided_on=date(2026, 11, 20))
    workflow.transfer(w["bounced"], "SO-XD", "Không thuộc thẩm quyền", None, NOW, TODAY,
                      decided_on=date(2026, 11, 23))
    workflow.transfer(w["bounced"], "SO-TN", "Thuộc Sở Tài nguyên", None, NOW, TODAY,
                      decided_on=date(2026, 11, 24))
    # Fresh, not overdue.
    w["fresh"] = make_case(reception, subject="Ô nhiễm tiếng ồn", received_on=date(2026, 11, 30))
    db.session.commit()
    return w


def _codes(response) -> set[str]:
    html = response.get_data(as_text=True)
    return {code for code in ("late", "secret", "bounced", "fresh") if code in html}


def test_overdue_list_by_stage_scoped_and_filtered(client, login, world):
    login(world["inspector"])
    html = client.get("/inspection/overdue").get_data(as_text=True)
    assert world["late"].tracking_code in html and world["secret"].tracking_code in html
    assert world["fresh"].tracking_code not in html
    assert "Tổng số: 2" in html
    # The agency filter takes the sub-agencies too (Chi cục under the Sở).
    html = client.get("/inspection/overdue?agency=SO-TN").get_data(as_text=True)
    assert world["late"].tracking_code in html and world["secret"].tracking_code not in html
    html = client.get("/inspection/overdue?kind=denunciation").get_data(as_text=True)
    assert world["secret"].tracking_code in html and world["late"].tracking_code not in html
    html = client.get("/inspection/overdue?stage=resolution").get_data(as_text=True)
    assert "Không có hồ sơ nào phù hợp." in html
    html = client.get("/inspection/overdue?date_from=2026-10-03").get_data(as_text=True)
    assert world["secret"].tracking_code in html and world["late"].tracking_code not in html


def test_overdue_summary_on_home(client, login, world):
    login(world["inspector"])
    html = client.get("/inspection/").get_data(as_text=True)
    assert 'data-testid="overdue-summary"' in html
    assert "stage=acceptance" in html
    # Both overdue cases wait for acceptance (routed in October, never accepted).
    assert '<td data-testid="total-acceptance">2</td>' in html
    assert '<td data-testid="total-resolution">0</td>' in html


def test_agency_head_sees_only_own_agency(client, login, world):
    login(world["head"])
    html = client.get("/inspection/overdue").get_data(as_text=True)
    assert world["secret"].tracking_code in html
    assert world["late"].tracking_code not in html
    assert client.get(f"/inspection/cases/{world['late'].tracking_code}").status_code == 404
    assert client.get("/inspection/overdue").status_code == 200


def test_officer_and_reception_are_refused(client, login, make_user, world):
    login(world["reception"])
    assert client.get("/inspection/overdue").status_code == 403


def test_search_and_pagination_in_case_list(client, login, world):
    login(world["inspector"])
    html = client.get("/inspection/cases?q=dat+dai").get_data(as_text=True)
    assert world["late"].tracking_code in html and world["bounced"].tracking_code not in html
    html = client.get("/inspection/cases?per_page=2").get_data(as_text=True)
    assert "Tổng số: 4 — trang 1/2" in html and "page=2" in html
    html = client.get("/inspection/cases?per_page=2&page=2&sort=received").get_data(
        as_text=True)
    assert "Tổng số: 4 — trang 2/2" in html
    html = client.get("/inspection/cases?flag=evaded").get_data(as_text=True)
    assert world["bounced"].tracking_code in html and world["late"].tracking_code not in html


def test_bounce_path_timeline(client, login, world):
    login(world["inspector"])
    html = client.get(f"/inspection/cases/{world['bounced'].tracking_code}").get_data(
        as_text=True)
    path = html[html.index('data-testid="bounce-path"'):]
    path = path[:path.index("</ol>")]
    assert path.index("Sở Tài nguyên") < path.index("Sở Xây dựng") < path.rindex("Sở Tài nguyên")
    assert "text-bg-danger" in path  # the return to an agency that already had it


def test_escalation_queue_shows_evasion(client, login, world):
    login(world["inspector"])
    html = client.get("/inspection/escalations?state=open").get_data(as_text=True)
    assert world["bounced"].tracking_code in html
    html = client.get("/inspection/escalations?state=acted").get_data(as_text=True)
    assert world["bounced"].tracking_code not in html


def test_csv_export_masks_denouncer_for_agency_head(client, login, world, make_user):
    login(world["head"])  # the head of SO-XD, which holds the denunciation
    rows = list(csv.reader(io.StringIO(
        client.get("/inspection/overdue?export=csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Mã hồ sơ"
    assert [r[0] for r in rows[1:]] == [world["secret"].tracking_code]
    assert rows[1][3].startswith("Nguyễn Văn")  # the resolving agency's head may see it
    admin = make_user("admin")  # may see every case, not a denouncer's identity
    db.session.commit()
    client.post("/logout")
    login(admin)
    rows = list(csv.reader(io.StringIO(
        client.get("/inspection/cases?export=csv").get_data(as_text=True).lstrip("\ufeff"))))
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code[world["secret"].tracking_code][3] == "*** (bảo mật)"
    assert by_code[world["late"].tracking_code][3].startswith("Nguyễn Văn")
    html = client.get("/inspection/cases?kind=denunciation").get_data(as_text=True)
    assert "***" in html and "Nguyễn Văn" not in html


def test_excel_export_matches_the_page_filters(client, login, world):
    login(world["inspector"])
    response = client.get("/inspection/overdue?kind=complaint&export=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == [world["late"].tracking_code]


def test_clusters_summary_and_exports(client, login, world, make_case):
    from complaints.models import Cluster

    big = make_case(world["reception"], petitioners=6, subject="Ô nhiễm bãi rác thôn 2",
                    received_on=date(2026, 11, 10))
    db.session.commit()
    assert big.flag_mass and db.session.query(Cluster).count() == 1
    login(world["inspector"])
    html = client.get("/inspection/clusters").get_data(as_text=True)
    cluster = db.session.query(Cluster).one()
    row = html[html.index(f'data-testid="cluster-{cluster.id}"'):]
    row = row[:row.index("</tr>")]
    assert "<td>6</td><td>1</td><td>10/11/2026</td><td>10/11/2026</td>" in row
    # Named by its case's subject as typed (the folded form is for matching only), and
    # linked to the cluster's own page.
    assert f'href="/clusters/{cluster.id}">Ô nhiễm bãi rác thôn 2</a>' in row
    assert "Ô nhiễm bãi rác thôn 2" in client.get(f"/clusters/{cluster.id}").get_data(
        as_text=True)
    rows = list(csv.reader(io.StringIO(
        client.get("/inspection/clusters?export=csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][0] == "Ô nhiễm bãi rác thôn 2"
    assert rows[1][3:] == ["6", "1", "10/11/2026", "10/11/2026"]
    rows = list(csv.reader(io.StringIO(client.get(
        "/inspection/escalations?state=all&export=csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert world["bounced"].tracking_code in {r[0] for r in rows[1:]}


def test_home_names_open_escalations_and_the_agencies_resolving_late(client, login, world):
    login(world["inspector"])
    html = client.get("/inspection/").get_data(as_text=True)
    escalations = html.split('data-testid="home-escalations"')[1].split("</table>")[0]
    assert world["bounced"].tracking_code in escalations  # evaded, not yet acknowledged
    assert "Trong kỳ này không có cơ quan nào giải quyết trễ hạn." in html
    # Accepted late on 20/10, resolved 30/11: past its 30 days, inside the reporting month
    # that holds TODAY (15/11–14/12).
    late = world["late"]
    workflow.accept(late, None, NOW, date(2026, 10, 20))
    workflow.resolve(late, "right", "01/QĐ", "Đã giải quyết", None, NOW, date(2026, 11, 30))
    db.session.commit()
    html = client.get("/inspection/").get_data(as_text=True)
    laggards = html.split('data-testid="home-laggards"')[1].split("</table>")[0]
    assert "Chi cục Đất đai" in laggards and "0 / 1" in laggards and "0%" in laggards
    assert "Sở Xây dựng" not in laggards  # resolved nothing: no rate to rank
