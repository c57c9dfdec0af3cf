"""The inspectors' console: overdue list, filters, scoping, bounce path, exports, masking."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent
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
    # The resolving agency's head may see the denouncer, on the case page, where the
    # reveal is recorded; an export records no view, so it masks them too.
    assert rows[1][3] == "*** (bảo mật)"
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


MASK = "*** (bảo mật)"
DENOUNCER = "Đỗ Thị Tố Giác"


def _name_the_denouncer(case):
    """Give the denouncer a name no other petitioner has (the factory names everyone
    "Nguyễn Văn …"), so that its absence from a page means something."""
    person = case.petitions[0].signers[0].petitioner
    person.full_name = DENOUNCER
    db.session.commit()
    return person


def _identity_views(case) -> int:
    return len(db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "identity_viewed")).all())


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _xlsx_cells(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("who", ["head", "inspector"])
def test_lists_and_exports_never_name_a_denouncer(client, login, world, who):
    """QA: the head of the agency resolving a denunciation (and inspectors) saw the
    denouncer's name in the monitoring lists and their CSV/Excel files, with no record."""
    person = _name_the_denouncer(world["secret"])
    code = world["secret"].tracking_code
    login(world[who])
    for path in ("/inspection/cases?agency=SO-XD&status=open", "/inspection/cases",
                 "/inspection/overdue", "/inspection/cases?kind=denunciation"):
        html = client.get(path).get_data(as_text=True)
        assert code in html, path
        assert DENOUNCER not in html and person.id_number not in html, path
        row = html[html.index(code):]
        assert MASK in row[:row.index("</tr>")], path
    for path in ("/inspection/cases?agency=SO-XD&status=open&export=csv",
                 "/inspection/overdue?export=csv"):
        rows = _csv(client.get(path))
        assert {r[0]: r[3] for r in rows[1:]}[code] == MASK, path
        assert not any(DENOUNCER in cell for r in rows for cell in r), path
    for path in ("/inspection/cases?agency=SO-XD&status=open&export=xlsx",
                 "/inspection/overdue?export=xlsx"):
        rows = _xlsx_cells(client.get(path))
        assert {r[0]: r[3] for r in rows[1:]}[code] == MASK, path
        assert not any(DENOUNCER in str(cell) for r in rows for cell in r), path
    assert _identity_views(world["secret"]) == 0  # nothing shown, nothing recorded
    client.get("/lang/en")  # the mask is a label: English in an English file
    rows = _csv(client.get("/inspection/cases?agency=SO-XD&status=open&export=csv"))
    assert {r[0]: r[3] for r in rows[1:]}[code] == "*** (confidential)"
    client.get("/lang/vi")
    if who == "inspector":  # a complaint's petitioner is still named
        rows = _csv(client.get("/inspection/overdue?export=csv"))
        assert {r[0]: r[3] for r in rows[1:]}[world["late"].tracking_code] == "Nguyễn Văn A"


def test_the_resolving_head_sees_the_denouncer_only_by_the_recorded_reveal(client, login,
                                                                          world):
    _name_the_denouncer(world["secret"])
    code = world["secret"].tracking_code
    login(world["head"])
    assert DENOUNCER not in client.get("/inspection/cases?agency=SO-XD&status=open").text
    assert DENOUNCER not in client.get(f"/agency/cases/{code}").text
    assert _identity_views(world["secret"]) == 0
    shown = client.post(f"/agency/cases/{code}/identity")
    assert shown.status_code == 200 and DENOUNCER in shown.text
    assert _identity_views(world["secret"]) == 1


def test_the_cluster_page_never_names_a_denouncer(client, login, world, make_case):
    """QA: /clusters/<id> listed the signers of a mass denunciation by name."""
    from complaints.models import Cluster

    complaint = make_case(world["reception"], petitioners=6, subject="Ô nhiễm bãi rác thôn 2",
                          received_on=date(2026, 11, 10))
    denunciation = make_case(world["reception"], kind="denunciation", petitioners=6,
                             subject="Tố cáo cán bộ địa chính thu tiền trái phép",
                             received_on=date(2026, 11, 12))
    workflow.route(denunciation, "SO-XD", None, NOW, TODAY, decided_on=date(2026, 11, 12))
    signers = [s.petitioner for s in denunciation.petitions[0].signers]
    for i, person in enumerate(signers):
        person.full_name = f"{DENOUNCER} {i}"
    db.session.commit()
    assert complaint.cluster_id and denunciation.cluster_id
    assert complaint.cluster_id != denunciation.cluster_id
    assert db.session.query(Cluster).count() == 2
    for who in ("inspector", "head"):  # the head of SO-XD holds the denunciation
        login(world[who])
        html = client.get(f"/clusters/{denunciation.cluster_id}").get_data(as_text=True)
        assert denunciation.tracking_code in html
        assert DENOUNCER not in html and MASK in html
        assert not any(p.id_number in html or p.phone in html for p in signers)
        client.post("/logout")
    login(world["inspector"])
    html = client.get(f"/clusters/{complaint.cluster_id}").get_data(as_text=True)
    assert "Nguyễn Văn A, Nguyễn Văn B" in html and MASK not in html
    assert _identity_views(denunciation) == 0


@pytest.mark.parametrize(("path", "empty_text"), [
    ("/inspection/overdue?kind=complaint&per_page=1", "Không có hồ sơ nào phù hợp."),
    ("/inspection/cases?kind=complaint&per_page=1", "Không có hồ sơ nào phù hợp."),
    ("/inspection/escalations?state=all&per_page=1", "Không có kiến nghị leo thang nào."),
    ("/inspection/clusters?per_page=1", "Không có nhóm đơn đông người."),
])
def test_a_page_past_the_last_says_so_and_links_to_the_last(client, login, world, make_case,
                                                            path, empty_text):
    # Found by a QA pass: /inspection/overdue?page=4 read "Total: 65 — page 4/3 … No
    # matching cases." as if the list were empty.
    make_case(world["reception"], petitioners=6, subject="Ô nhiễm bãi rác thôn 2",
              received_on=date(2026, 11, 10))  # a mass case: one cluster
    db.session.commit()
    login(world["inspector"])
    last = client.get(path).get_data(as_text=True)
    pages = int(last[last.index("— trang 1/") + len("— trang 1/"):].split("<")[0])
    html = client.get(f"{path}&page=99").get_data(as_text=True)
    notice = html[html.index('data-testid="page-out-of-range"'):]
    notice = notice[:notice.index("</p>")]
    assert f"Trang 99 không có mục nào: danh sách có {pages} mục trong {pages} trang." in notice
    # The link keeps the filters and goes to the last page.
    href = notice[notice.index('href="') + 6:]
    href = href[:href.index('"')].replace("&amp;", "&")
    assert f"page={pages}" in href and "per_page=1" in href
    assert ("kind=complaint" in href) == ("kind=complaint" in path)
    assert ("state=all" in href) == ("state=all" in path)
    assert empty_text not in html and "— trang 99/" not in html
    assert client.get(href).status_code == 200
    assert 'data-testid="page-out-of-range"' not in client.get(href).get_data(as_text=True)
    # A list with nothing in it still says it has nothing, whatever the page.
    html = client.get(f"{path}&date_from=2030-01-01&page=3").get_data(as_text=True)
    assert empty_text in html and 'data-testid="page-out-of-range"' not in html


def test_the_unscheduled_reception_list_past_its_last_page_says_so(client, login, world):
    world["late"].heated_on = TODAY  # its agency's head must receive the citizens
    db.session.commit()
    login(world["inspector"])
    html = client.get("/inspection/reception").get_data(as_text=True)
    assert f'data-testid="prompt-{world["late"].tracking_code}"' in html
    html = client.get("/inspection/reception?page=7").get_data(as_text=True)
    assert 'data-testid="no-unscheduled-prompts"' not in html
    notice = html[html.index('data-testid="page-out-of-range"'):]
    assert "Trang 7 không có mục nào: danh sách có 1 mục trong 1 trang." in notice
    assert 'href="/inspection/reception?page=1#unscheduled"' in notice


def test_the_unscheduled_list_pages_keep_the_period_asked_for(client, login, world):
    # Paging the prompts showed the compliance of the current quarter instead of the
    # period on the page (its links dropped the period).
    world["late"].heated_on = TODAY
    db.session.commit()
    login(world["inspector"])
    html = client.get("/inspection/reception?period=month&year=2026&number=10&page=7"
                      ).get_data(as_text=True)
    assert "Số liệu tính từ ngày 15/09/2026 đến ngày 14/10/2026" in html
    notice = html[html.index('data-testid="page-out-of-range"'):]
    href = re.search(r'href="(/inspection/reception\?[^"#]*)#unscheduled"', notice).group(1)
    assert parse_qs(urlsplit(href.replace("&amp;", "&")).query) == {
        "period": ["month"], "year": ["2026"], "number": ["10"], "page": ["1"]}


def test_the_case_list_file_has_no_always_empty_columns(client, login, world):
    # Found by a QA pass: "Giai đoạn" and "Hạn" were blank on every row of the case list's
    # file (its rows are cases, not overdue stages); the overdue list's file keeps them.
    login(world["inspector"])
    cases = _csv(client.get("/inspection/cases?export=csv"))
    overdue = _csv(client.get("/inspection/overdue?export=csv"))
    assert "Giai đoạn" not in cases[0] and "Hạn" not in cases[0]
    assert len(cases[1]) == len(cases[0]) and "Giai đoạn" in overdue[0]
    assert all(row[overdue[0].index("Hạn")] for row in overdue[1:])


def test_the_escalation_queue_and_clusters_sort_as_asked(client, login, world):
    """ux.md: "sortable columns" (QA 111: both lists had one fixed order)."""
    from complaints.services.escalation import escalate_due
    from complaints.services.inspection import CaseFilter, clusters, escalation_queue

    escalate_due(date(2026, 10, 20), NOW)  # the late case's first steps, then the rest
    escalate_due(TODAY, NOW)
    db.session.commit()
    inspector = world["inspector"]

    def order(sort):
        page = escalation_queue(inspector, "all", CaseFilter(sort=sort, per_page=200))
        return [(r.extra["escalation"].as_of, r.extra["escalation"].id) for r in page.rows]

    newest, oldest = order("received"), order("received_asc")
    assert len(newest) >= 2 and len({d for d, _ in newest}) >= 2
    assert newest == sorted(newest, key=lambda x: (x[0], x[1]), reverse=True)
    assert oldest == sorted(oldest)
    levels = [r.extra["escalation"].level for r in escalation_queue(
        inspector, "all", CaseFilter(per_page=200)).rows]
    assert levels == sorted(levels, reverse=True)  # the default: highest level first
    login(inspector)
    page = client.get("/inspection/escalations?state=all&sort=received_asc").get_data(
        as_text=True)
    current = re.search(r'aria-current="true" href="([^"]+)"', page).group(1)
    assert "sort=received_asc" in current and "state=all" in current
    assert clusters(inspector, CaseFilter(sort="level")).total == clusters(
        inspector, CaseFilter()).total
    assert client.get("/inspection/clusters?sort=received_asc").status_code == 200


@pytest.mark.parametrize("path", ["/inspection/cases", "/inspection/overdue",
                                  "/inspection/escalations?state=all", "/inspection/clusters",
                                  "/inspection/scorecard"])
def test_an_unknown_sort_or_export_gives_the_page_in_its_default_order(client, login, world,
                                                                      path):
    """A hand-edited or stale link (sort=, export=) gets the page, never a 500 or a file of
    another format; the sort bar marks the default order (QA 112 checked it by hand; the
    case and overdue lists marked none)."""
    login(world["inspector"])
    joiner = "&" if "?" in path else "?"
    for query in ("sort=bogus", "sort=%C4%91", "export=pdf", "export=", "sort=level&export=CSV"):
        response = client.get(f"{path}{joiner}{query}")
        assert response.status_code == 200, (path, query)
        assert response.mimetype == "text/html", (path, query)
        assert "Content-Disposition" not in response.headers
        page = response.get_data(as_text=True)
        if "bogus" in query and "sort-options" in page:
            current = re.search(r'aria-current="true" href="([^"]+)"', page)
            assert current is not None, (path, query)
            default = {"escalations": "level", "overdue": "due"}.get(
                path.split("/")[2].split("?")[0], "received")
            assert f"sort={default}" in current.group(1), (path, query)
