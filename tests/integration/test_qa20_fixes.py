"""QA round 20, the agency's daily work lists (inbox, notices, the home page, the case list
and its exports) as heads, officers and the desk see them: each test failed before its fix."""
# ruff: noqa: F811  (pytest fixtures imported from agency_world and used as arguments)

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from complaints import clock
from complaints.extensions import db
from complaints.models import Escalation
from complaints.services import notifications, workflow
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import fresh, routed, world  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.fixture
def at(monkeypatch):
    """Move the routes' clock to another day."""
    def set_day(day: date):
        monkeypatch.setattr(clock, "today", lambda: day)
        monkeypatch.setattr(clock, "now",
                            lambda: datetime(day.year, day.month, day.day, 3, 0,
                                             tzinfo=timezone.utc))
    return set_day


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _xlsx(response):
    return load_workbook(io.BytesIO(response.get_data())).active


def _total(page: str) -> int:
    m = re.search(r'data-testid="total">[^<]*?(\d+)', page)
    assert m, page[:2000]
    return int(m.group(1))


def _codes(page: str) -> list[str]:
    return re.findall(r'/agency/cases/(\d{4}-[A-Z0-9]{8})"', page)


# --- odd query strings --------------------------------------------------------------------


# --- pagination keeps filters; export links keep filters -----------------------------------

@pytest.fixture
def many(world, make_case):
    """30 complaints routed to SO-TNMT, subjects numbered, received on different days."""
    out = []
    for i in range(30):
        case = make_case(actor=world["reception"], received_on=date(2026, 11, 2 + (i % 15)),
                         subject=f"Lấn chiếm đất số {i}")
        workflow.route(case, "SO-TNMT", world["reception"], NOW, TODAY,
                       decided_on=date(2026, 11, 20))
        out.append(case)
    db.session.commit()
    return out


# --- exports: language, dates, formula safety ---------------------------------------------


def test_excel_due_date_is_a_date(client, login, world, routed):
    """The deadline column of the Excel file: a reader sorts/filters by due date."""
    routed()
    login(world["head"])
    sheet = _xlsx(client.get("/agency/cases?status=open&export=xlsx"))
    header = [c.value for c in sheet[1]]
    nearest = sheet.cell(row=2, column=header.index("Hạn gần nhất") + 1)
    assert nearest.is_date, (nearest.value, nearest.data_type)


def _sweep_overdue(case, level=1):
    """Run the real escalation sweep on the day the case's running stage reaches `level`."""
    from complaints.services import deadlines
    from complaints.services.calendar import get_calendar
    from complaints.services.escalation import escalate_due
    from tests.integration.test_escalation_world import ladder_dates  # noqa: F401

    db.session.commit()
    case = fresh(case)
    row = deadlines.active_deadline(case)
    steps = deadlines.ladder()
    dates = dict(zip([s.level for s in steps], steps.dates(get_calendar(), row.due_on),
                     strict=True))
    summary = escalate_due(dates[level], NOW)
    db.session.commit()
    assert summary.escalated >= 1, summary
    return dates[level]


# --- officer scope -------------------------------------------------------------------------


def test_officer_home_offers_no_link_that_ends_in_forbidden(client, login, world, routed,
                                                            make_agency):
    """An escalation addressed to the agency shows on the officer's home page; its link to
    the escalations page must not answer 403 (ux.md: never an action ending in forbidden)."""
    case = routed(accept=True)
    workflow.assign(case, "chuyenvien", world["head"], NOW)
    _sweep_overdue(case)
    login(world["officer"])
    home = client.get("/agency/").get_data(as_text=True)
    for href in re.findall(r'href="([^"]+)"', home):
        if href.startswith("/") and not href.startswith(("/static", "/lang", "/logout")):
            assert client.get(href.replace("&amp;", "&")).status_code != 403, href


def test_officer_home_does_not_list_unassigned_cases_escalations(client, login, world,
                                                                 routed):
    """An officer's home shows the cases assigned to them: another officer's case (its
    code and subject) is not listed because it was escalated."""
    theirs = routed(accept=True, subject="Sai phạm của cán bộ địa chính X")
    workflow.assign(theirs, "chuyenvien2", world["head"], NOW)
    _sweep_overdue(theirs)
    login(world["officer"])
    home = client.get("/agency/").get_data(as_text=True)
    assert theirs.tracking_code not in home


# --- deadlines: working days, Tết, 2/9, swaps ---------------------------------------------

def _routed_on(world, make_case, received: date, routed: date, **kw):
    now = datetime(received.year, received.month, received.day, 3, tzinfo=timezone.utc)
    case = make_case(actor=world["reception"], received_on=received, now=now, today=received,
                     **kw)
    workflow.route(case, "SO-TNMT", world["reception"], now, routed, decided_on=routed)
    db.session.commit()
    return case


def _badge_texts(page: str, code: str) -> list[str]:
    row = re.search(rf'{code}</code></a></td>(.*?)</tr>', page, re.S)
    assert row, code
    return [re.sub(r"<[^>]+>", "", b).strip() for b in
            re.findall(r'<span class="badge[^"]*"[^>]*>(.*?)</span>', row.group(1), re.S)]


# --- counts agree: tiles, lists, exports, scorecard ---------------------------------------

@pytest.fixture
def mix(world, routed, make_case):
    """On 08/12/2026: overdue (acceptance due 02/12), accepted (resolution due 23/12),
    suspended past its date, a resolved one, and one with a near acceptance."""
    late = routed()
    working = routed(accept=True)
    paused = routed(accept=True)
    workflow.suspend(paused, "Chờ giám định", world["head"], NOW, TODAY,
                     decided_on=date(2026, 11, 25))
    done = routed(accept=True)
    workflow.resolve(done, *_resolve_args(done), world["head"], NOW, TODAY)
    near = _routed_on(world, make_case, date(2026, 11, 30), date(2026, 12, 1))
    db.session.commit()
    return {"late": late, "working": working, "paused": paused, "done": done, "near": near}


def _resolve_args(case):
    from complaints.domain import catalog
    outcome = catalog.OUTCOMES_BY_KIND[(case.kind, case.complaint_round)][0]
    return outcome, "12/QĐ-STNMT", "Giải quyết xong"


# --- in-app notices ------------------------------------------------------------------------

def _inbox_links(client) -> list[str]:
    page = client.get("/inbox").get_data(as_text=True)
    block = page.split('data-testid="notifications"', 1)
    assert len(block) == 2, "no notices"
    return [h.replace("&amp;", "&") for h in re.findall(r'<a href="([^"]+)"', block[1])]


def test_unread_badge_equals_unread_items_listed(client, login, world):
    for i in range(120):
        notifications.queue(f"t{i}", f"Thông báo {i}", "Nội dung", NOW, user=world["head"],
                            email=False)
    db.session.commit()
    login(world["head"])
    page = client.get("/inbox").get_data(as_text=True)
    badge = int(re.search(r'data-testid="inbox-unread">(\d+)', page).group(1))
    shown_new = page.count('badge text-bg-primary me-1')
    assert badge == 120
    assert shown_new == badge, (shown_new, badge)


def test_mark_read_unknown_id_is_not_500(client, login, world):
    login(world["head"])
    assert client.post("/inbox/999999999/read").status_code in (302, 404)
    assert client.post("/inbox/99999999999999999999999/read").status_code in (302, 404)


@pytest.mark.parametrize("url", [
    "/escalations/99999999999999999999999/acknowledge",
    "/escalations/99999999999999999999999/lead",
])
def test_huge_escalation_ids_are_404_not_500(client, login, world, url):
    login(world["head"])
    assert client.post(url, data={}).status_code == 404


def test_huge_cluster_id_is_404_not_500(client, login, world):
    login(world["head"])
    assert client.get("/clusters/99999999999999999999999").status_code == 404


# --- escalations addressed to the agency ---------------------------------------------------


# --- filters combine ------------------------------------------------------------------------


# --- the reception desk's queue -------------------------------------------------------------


# --- dates of notices and acknowledgements are Vietnam's dates ----------------------------

LATE_EVENING_UTC = datetime(2026, 12, 1, 18, 30, tzinfo=timezone.utc)  # 02/12 01:30 in Hà Nội


def test_notice_date_is_the_local_date(client, login, world):
    notifications.queue("late", "Thông báo đêm", "Nội dung", LATE_EVENING_UTC,
                        user=world["head"], email=False)
    db.session.commit()
    login(world["head"])
    page = client.get("/inbox").get_data(as_text=True)
    item = page.split("Thông báo đêm", 1)[1][:600]
    assert "02/12/2026" in item, item


def test_acknowledged_date_is_the_local_date(client, login, world, routed, monkeypatch):
    case = routed(accept=True)
    _sweep_overdue(case, level=1)
    esc = db.session.scalar(select(Escalation).where(Escalation.case_id == case.id))
    monkeypatch.setattr(clock, "now", lambda: LATE_EVENING_UTC)
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 2))
    login(world["head"])
    client.post(f"/escalations/{esc.id}/acknowledge",
                data={f"ack{esc.id}-action": "note", f"ack{esc.id}-note": "Đã ghi nhận"})
    page = client.get("/escalations").get_data(as_text=True)
    assert "đã xác nhận ngày 02/12/2026" in page, re.findall(r"đã xác nhận ngày [0-9/]+", page)


# --- more list probes -----------------------------------------------------------------------

def test_every_unassigned_case_is_reachable_from_home(client, login, world, routed):
    """ux.md: the head's home shows the cases I must assign, and counts link to filtered
    lists. With 22 cases to assign, the head can reach all 22 (a count and a list)."""
    cases = [routed(accept=True) for _ in range(22)]
    login(world["head"])
    home = client.get("/agency/").get_data(as_text=True)
    table = home.split('data-testid="unassigned"', 1)[1].split("</table>", 1)[0]
    shown = set(_codes(table))
    missing = {c.tracking_code for c in cases} - shown
    if missing:
        # Is there a count or a link to the whole list of cases to assign?
        section = home.split("Hồ sơ chưa giao cán bộ", 1)[1].split("<h2", 1)[0]
        assert "22" in re.sub(r"\d{4}-[A-Z0-9]{8}", "", section) or re.search(
            r'href="/agency/cases\?[^"]*(unassigned|officer)', home), (
            f"{len(missing)} cases to assign are not shown and no link leads to them")


def test_export_of_suspended_case_says_the_clock_is_stopped(client, login, world, mix, at):
    at(date(2026, 12, 28))
    login(world["head"])
    rows = _csv(client.get("/agency/cases?status=suspended&export=csv"))
    assert len(rows) == 2
    assert "Tạm đình chỉ" in rows[1][5] or rows[1][5] in ("", "—"), rows[1]


def test_export_filename_in_english_for_english_reader(client, login, world, routed):
    routed()
    login(world["head"])
    client.get("/lang/en")
    r = client.get("/agency/cases?status=open&export=csv")
    assert "ho-so" not in r.headers["Content-Disposition"], r.headers["Content-Disposition"]




def test_the_unassigned_list_holds_every_case_to_assign(client, login, world, routed):
    cases = [routed(accept=True) for _ in range(22)]
    login(world["head"])
    home = client.get("/agency/").get_data(as_text=True)
    assert 'data-testid="all-unassigned"' in home and "22" in home
    listed = set()
    for page in (1, 2):
        html = client.get(f"/agency/cases?status=unassigned&page={page}").get_data(
            as_text=True)
        listed |= set(_codes(html))
    assert {c.tracking_code for c in cases} <= listed
