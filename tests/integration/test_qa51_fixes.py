"""QA round 51: the inspectors' console as a whole (overdue and escalation lists, evasion,
repeats, mass petitions, the scorecard, the inspectors' actions and case pages, filters,
paging, exports, in Vietnamese and English; the escalation ladder as inspectors and the
supervising agencies see it). Each test fails on the frozen code because of the defect its
docstring names.

World (tests/integration/test_escalation_world.py): province UBND (root) with the
inspectorate TTT, the reception desk BTCD and the departments SO-A and SO-B under it; an
inspector of TTT, the heads of UBND, SO-A and SO-B. TODAY = 01/12/2026. Deadlines by hand
(domain.md): a first complaint routed on 02/10/2026 is due for acceptance 7 working days
later, 13/10; a petition received 02/11 is due for handling 10 working days later, 16/11;
a case returned on 05/10 starts its handling clock again: due 19/10. Ladder: level 2 five
working days after the due date, level 3 ten (24/11/2026 is a day off: Ngày Văn hóa).

Tests `test_defect_…` fail on the frozen code; tests `test_guard_…` pass and pin what was
checked and found right.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Escalation
from complaints.services import escalation, escalation_notify, workflow
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F401,F403  (world)

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _total(html: str) -> int:
    """The list's "Tổng số: N" (0 when the list says it is empty)."""
    found = re.search(r"(?:Tổng số|Total): (\d+)", html)
    return int(found.group(1)) if found else 0


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.fixture
def overdue_world(world, make_case):
    """Three overdue cases, swept on TODAY:
    - AT_A: routed to SO-A 02/10, never accepted: acceptance due 13/10 (SO-A answers);
    - AT_DESK: received 02/11, never routed: handling due 16/11 (the desk BTCD answers);
    - RETURNED: routed to SO-B 02/10, returned to the desk 05/10: handling due 19/10 (BTCD).
    """
    r = world.reception
    at_a = make_case(r, received_on=date(2026, 10, 1), subject="Tranh chấp ranh giới thửa đất")
    workflow.route(at_a, "SO-A", r, NOW, TODAY, decided_on=date(2026, 10, 2))
    at_desk = make_case(r, received_on=date(2026, 11, 2), subject="Ô nhiễm tiếng ồn xưởng gỗ")
    returned = make_case(r, received_on=date(2026, 10, 1), subject="Cấp giấy chứng nhận chậm")
    workflow.route(returned, "SO-B", r, NOW, TODAY, decided_on=date(2026, 10, 2))
    workflow.return_case(returned, "Không thuộc thẩm quyền", "SO-A", world.head_b, NOW, TODAY,
                         decided_on=date(2026, 10, 5))
    db.session.commit()
    escalation.escalate_due(TODAY, NOW)
    db.session.commit()
    world.cases = {"at_a": at_a, "at_desk": at_desk, "returned": returned}
    return world


# --- defects ---------------------------------------------------------------------------


def test_defect_agency_filter_drops_the_cases_overdue_at_a_reception_desk(client, login,
                                                                          overdue_world):
    """The overdue list filtered by an agency leaves out every case waiting at a reception
    desk, even when the filter is the desk itself or the province at the root of the whole
    hierarchy — while the scorecard and the escalation queue count those same cases
    against the desk.

    Hand count (TODAY 01/12): three cases overdue — AT_A (acceptance, SO-A), AT_DESK and
    RETURNED (handling, both waiting at the desk BTCD). The unfiltered overdue list says 3.
    - `?agency=UBND` ("the agency and every agency below it", the root: every agency of the
      province) shows 1: AT_A only. A filter on the root must keep every case.
    - `?agency=BTCD` shows 0 ("Không có hồ sơ nào phù hợp"), yet the desk's scorecard card
      says "Quá hạn hiện tại 2/2" and `/inspection/escalations?agency=BTCD` lists both
      cases (the desk answers for the handling deadline: domain.escalation.answerable).
    The filter reads only `Case.agency_id`, which is empty while a case waits at the desk
    (services/inspection._filtered). domain.md: a received petition's handling stage is the
    reception's; reports.md / ux.md: a list's counts must agree with the figures they
    explain, and filters must not drop cases. Fix: the agency filter takes a case waiting
    at a desk (no holder) by its reception agency, as the scorecard and the escalation
    queue do; the case list (/inspection/cases) the same.
    """
    w = overdue_world
    login(w.inspector)
    assert _total(client.get("/inspection/overdue").get_data(as_text=True)) == 3
    card = client.get("/inspection/scorecard?period=quarter&year=2026&number=4").get_data(
        as_text=True)
    desk_card = card[card.index('data-testid="card-BTCD"'):]
    assert '<td data-testid="overdue">2/2</td>' in desk_card[:desk_card.index("</tr>")]
    queue = client.get("/inspection/escalations?state=all&agency=BTCD").get_data(as_text=True)
    assert w.cases["at_desk"].tracking_code in queue

    root = client.get("/inspection/overdue?agency=UBND").get_data(as_text=True)
    desk = client.get("/inspection/overdue?agency=BTCD").get_data(as_text=True)
    cases = client.get("/inspection/cases?agency=BTCD").get_data(as_text=True)
    assert _total(root) == 3
    assert _total(desk) == 2
    for code in (w.cases["at_desk"].tracking_code, w.cases["returned"].tracking_code):
        assert code in desk and code in cases
    assert w.cases["at_a"].tracking_code not in desk


@pytest.mark.parametrize("raw", ["abc", "9", "-1"])
def test_defect_a_bad_level_becomes_a_real_filter(client, login, overdue_world, raw):
    """`/inspection/overdue?level=abc` lists the cases of escalation level 0 (none here:
    "Không có hồ sơ nào phù hợp", the level select showing "0"), `level=9` those of level
    3, `level=-1` level 0 again: a value nobody can choose is turned into another filter,
    silently, and cases disappear from the list and from its Excel export.

    parse_filter says "unknown codes are dropped, not errors" and drops a bad kind, stage,
    flag or sort; the level alone is clamped (services/inspection._int(level, 0, 0, 3)).
    ux.md: bad query parameters get a clear answer, never another list than asked for (the
    scorecard refuses a month 13 with 400 for the same reason). Fix: drop an unknown level
    as the other filters are dropped (or answer 400); here all 3 overdue cases (level 3)
    must be listed, or the request refused.
    """
    login(overdue_world.inspector)
    response = client.get(f"/inspection/overdue?level={raw}")
    if response.status_code == 400:
        return
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _total(html) == 3
    assert '<option value="0" selected>' not in html and '<option value="3" selected>' not in html


@pytest.mark.parametrize("action", ["urge", "take_up"])
def test_defect_inspector_measure_is_not_recorded_on_the_inspection_escalation(
        client, login, world, make_case, action):
    """An inspector acts on a case sent to the inspectorate (level 3, "Chuyển thanh tra",
    addressed to TTT) from the case page, and the escalation does not say so:
    - after "Đôn đốc cơ quan giải quyết" (urge) it stays "Chưa xác nhận": the home page
      still counts it among the escalations nobody acknowledged, and the daily reminder
      goes on telling the inspectorate to act on what it has just acted on;
    - after "Thanh tra trực tiếp thụ lý" (take up) it is closed by the system as
      "Hết hiệu lực: hồ sơ đã chuyển…" (superseded), i.e. in the "Đã ghi nhận" (no measure)
      tab, never in "Đã có biện pháp" (acted), although the inspectorate took the case up.

    Hand count: routed to SO-A 02/10, acceptance due 13/10, level 3 on 27/10 (10 working
    days), swept 30/11. domain.md: level 3 → "the inspectorate's queue", whose addressee
    must act; the queue's "acted" tab is the record of the measures taken (its ACK_ACTIONS
    include urge and set_lead). The same service already answers the supervisor's evasion
    escalation when an inspector sets the lead (QA round 15: "it stayed open, and its
    reminders went on"). Fix: an inspector's urge / take-up / set-lead acknowledges the
    case's open escalations addressed to the inspector's inspectorate with that measure
    (urge → "urge", take up / set lead → "set_lead"), before any system closure.
    """
    r = world.reception
    case = make_case(r, received_on=date(2026, 10, 1), subject="Tranh chấp lối đi chung")
    workflow.route(case, "SO-A", r, NOW, TODAY, decided_on=date(2026, 10, 2))
    db.session.commit()
    escalation.escalate_due(date(2026, 11, 30), NOW)
    db.session.commit()
    sent = db.session.scalars(select(Escalation).where(Escalation.case_id == case.id)).all()
    assert [(e.level, e.reason, e.to_agency.code) for e in sent] == [(3, "inspection", "TTT")]

    login(world.inspector)
    form = {f"{action}-note": "Đề nghị giải quyết dứt điểm trong tháng 12",
            f"{action}-confirm": "y"}
    response = client.post(f"/inspection/cases/{case.tracking_code}/act/{action}", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    e = db.session.get(Escalation, sent[0].id)
    assert e.acknowledged_at is not None
    assert e.action_taken == ("urge" if action == "urge" else "set_lead")
    acted = client.get("/inspection/escalations?state=acted").get_data(as_text=True)
    assert case.tracking_code in acted
    assert escalation_notify.remind_unacknowledged(date(2026, 12, 2), NOW) == 0


# --- guards ----------------------------------------------------------------------------


def test_guard_overdue_figures_agree_across_home_list_scorecard_and_case_page(
        client, login, world, make_case):
    """Guard: one hand-counted world read five ways gives one story.

    SO-A holds C1 (acceptance due 13/10, never accepted), C2 (accepted 05/10, resolution
    30 calendar days → due 04/11, unresolved), C5 (accepted 05/10, suspended 20/10: its
    clock stops, not overdue) and C6 (accepted 05/10, resolved late 25/11: open, not
    overdue). The desk BTCD holds C3 (received 02/11, handling due 16/11). Swept on TODAY.
    - home: handling 1, acceptance 2 (C1 and SO-B's denunciation C4), resolution 1; 4 cases;
    - overdue list: 4 rows, C5 and C6 absent;
    - scorecard Q4/2026 (15/09 – 14/12): SO-A received 4, accepted on time 3/3, resolved
      on time 0/1, overdue now 2/4; BTCD 1/1; SO-B 1/1;
    - case page of C1: "Quá hạn 34 ngày làm việc" (14/10 – 01/12 less weekends and 24/11).
    """
    w, r = world, world.reception

    def routed(subject, kind="complaint"):
        case = make_case(r, kind=kind, received_on=date(2026, 10, 1), subject=subject)
        workflow.route(case, "SO-B" if kind == "denunciation" else "SO-A", r, NOW, TODAY,
                       decided_on=date(2026, 10, 2))
        return case

    c1 = routed("Khiếu nại C1")
    c2, c5, c6 = routed("Khiếu nại C2"), routed("Khiếu nại C5"), routed("Khiếu nại C6")
    for case in (c2, c5, c6):
        workflow.accept(case, w.head_a, NOW, TODAY, decided_on=date(2026, 10, 5))
    workflow.suspend(c5, "Chờ giám định", w.head_a, NOW, TODAY, decided_on=date(2026, 10, 20))
    workflow.resolve(c6, "right", "QĐ 1/QĐ", "Kết quả", w.head_a, NOW, TODAY,
                     decided_on=date(2026, 11, 25))
    c3 = make_case(r, received_on=date(2026, 11, 2), subject="Khiếu nại C3")
    c4 = routed("Tố cáo C4", kind="denunciation")
    db.session.commit()
    escalation.escalate_due(TODAY, NOW)
    db.session.commit()
    login(w.inspector)
    home = client.get("/inspection/").get_data(as_text=True)
    for stage, n in (("handling", 1), ("acceptance", 2), ("resolution", 1)):
        assert f'<td data-testid="total-{stage}">{n}</td>' in home
    assert "(4 hồ sơ)" in home
    listed = client.get("/inspection/overdue").get_data(as_text=True)
    assert _total(listed) == 4
    assert all(c.tracking_code in listed for c in (c1, c2, c3, c4))
    assert c5.tracking_code not in listed and c6.tracking_code not in listed
    card = client.get("/inspection/scorecard?period=quarter&year=2026&number=4").get_data(
        as_text=True)

    def cell(code, name):
        row = card[card.index(f'data-testid="card-{code}"'):]
        row = row[:row.index("</tr>")]
        return re.search(rf'data-testid="{name}">([^<]*)<', row).group(1)

    assert [cell("SO-A", n) for n in ("received", "accepted", "resolved", "overdue")] == [
        "4", "3/3", "0/1", "2/4"]
    assert cell("BTCD", "overdue") == "1/1" and cell("SO-B", "overdue") == "1/1"
    page = client.get(f"/inspection/cases/{c1.tracking_code}").get_data(as_text=True)
    assert "Quá hạn 34 ngày làm việc" in page


def test_guard_english_exports_translate_and_mask(client, login, world, make_case):
    """Guard: the overdue list's Excel file in English has English headers and labels and
    masks the denouncer as "*** (confidential)"; the escalation file too."""
    r = world.reception
    secret = make_case(r, kind="denunciation", received_on=date(2026, 10, 1),
                       subject="Tố cáo cán bộ địa chính")
    workflow.route(secret, "SO-B", r, NOW, TODAY, decided_on=date(2026, 10, 2))
    db.session.commit()
    escalation.escalate_due(TODAY, NOW)
    world.inspector.locale = "en"
    db.session.commit()
    login(world.inspector)
    sheet = load_workbook(io.BytesIO(client.get("/inspection/overdue?export=xlsx").data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:4] == ["Tracking code", "Type", "Content", "Sender"]
    assert rows[1][0] == secret.tracking_code and rows[1][1] == "Denunciation"
    assert rows[1][3] == "*** (confidential)" and rows[1][9].date() == date(2026, 10, 13)
    rows = _csv(client.get("/inspection/escalations?state=all&export=csv"))
    assert rows[0][:3] == ["Tracking code", "Content", "Reason"]
    assert [r[2] for r in rows[1:]] == ["Sent to inspection"]
