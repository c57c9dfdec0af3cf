"""The enforcement of decisions (thi hành quyết định): the record the deciding agency's
head keeps (services/enforcement.py), its page and API action, and the 05/KQTH form.

Units: province P, department D, commune C, desk DESK. Quarter 3/2026 = 15/06 – 14/09.
"""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.models import AuditEvent, Enforcement
from complaints.services import case_view, enforcement, report_jobs, reports, workflow
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")

Q3 = forms.quarter_period(2026, 3)
Q4 = forms.quarter_period(2026, 4)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


@pytest.fixture
def world(make_agency, make_user, make_decided):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    dep = make_agency(code="D", parent=p, level="department", name="Sở Tài nguyên")
    com = make_agency(code="C", parent=p, level="commune", name="UBND xã An Hòa")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân",
                       is_reception_desk=True)
    reception = make_user("reception", agency=desk)
    w = {"D": dep, "C": com, "reception": reception,
         "head_d": make_user("agency_head", agency=dep),
         "head_c": make_user("agency_head", agency=com),
         "officer_d": make_user("agency_officer", agency=dep),
         "inspector": make_user("inspector")}
    w["decided"] = lambda unit, **kw: make_decided(reception, w[unit], **kw)
    db.session.commit()
    return w


def _events(case) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"case:{case.id}", AuditEvent.action == enforcement.EVENT)
        .order_by(AuditEvent.seq)))


# --- the service -------------------------------------------------------------------------


def test_record_correct_and_audit(world):
    a = world["decided"]("D", decided=d(7, 1), money_to_recover=12.5,
                         land_to_recover="100.25", people_disciplined=3)
    head = world["head_d"]
    enforcement.enforce(a, d(8, 1), {"money_recovered": "12.5", "land_recovered": 100,
                                     "people_disciplined": 2, "officials_disciplined": 1},
                        "Đã nộp ngân sách", head, NOW, TODAY)
    db.session.commit()
    row = enforcement.record_of(a)
    assert (row.enforced_on, row.money_recovered, row.land_recovered, row.money_returned,
            row.people_disciplined, row.officials_disciplined, row.cases_prosecuted) == (
        d(8, 1), Decimal("12.50"), Decimal("100.00"), Decimal("0.00"), 2, 1, 0)
    assert row.recorded_by_id == head.id and a.status == "resolved"
    [first] = _events(a)
    data = json.loads(first.data)
    assert data["on"] == "2026-08-01" and data["money_recovered"] == "12.50"
    assert data["note"] == "Đã nộp ngân sách" and "corrected" not in data
    # A correction is another event; the same values again are none.
    enforcement.enforce(a, d(8, 1), {"money_recovered": "12.5", "land_recovered": "100.25",
                                     "people_disciplined": 2, "officials_disciplined": 1},
                        "Đã nộp ngân sách", head, NOW, TODAY)
    enforcement.enforce(a, d(8, 1), {"money_recovered": "12.5", "land_recovered": "100.25",
                                     "people_disciplined": 2, "officials_disciplined": 1},
                        "Đã nộp ngân sách", head, NOW, TODAY)
    db.session.commit()
    events = _events(a)
    assert len(events) == 2 and json.loads(events[1].data)["corrected"] is True
    assert enforcement.record_of(a).land_recovered == Decimal("100.25")
    assert db.session.scalar(select(Enforcement.id).where(Enforcement.case_id == a.id))
    # The timeline names the event and its figures in both languages.
    assert case_view.text_label(case_view.EVENT_LABELS, enforcement.EVENT, "en") == (
        "Enforcement of the decision recorded")
    labels = dict(case_view.event_details(enforcement.EVENT, events[1].data, "en"))
    assert labels["Land recovered for the State (m²)"] == "100.25"
    assert labels["People disciplined"] == "2"


@pytest.mark.parametrize("on, figures, field", [
    (d(6, 30), {}, "enforced_on"),  # before the decision of 01/07
    (TODAY + timedelta(days=1), {}, "enforced_on"),  # in the future
    (None, {}, "enforced_on"),
    (d(8, 1), {"money_recovered": "12.51"}, "money_recovered"),  # more than ordered
    (d(8, 1), {"money_returned": 1}, "money_returned"),  # nothing to return was ordered
    (d(8, 1), {"land_recovered": "abc"}, "land_recovered"),
    (d(8, 1), {"people_disciplined": -1}, "people_disciplined"),
    (d(8, 1), {"people_disciplined": 1, "officials_disciplined": 2}, "officials_disciplined"),
    (d(8, 1), {"people_prosecuted": 2}, "cases_prosecuted"),
])
def test_refused_with_a_field_error_and_nothing_recorded(world, on, figures, field):
    a = world["decided"]("D", decided=d(7, 1), money_to_recover=12.5, land_to_recover=5)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        enforcement.enforce(a, on, figures, None, world["head_d"], NOW, TODAY)
    assert field in refused.value.errors
    db.session.rollback()
    assert enforcement.record_of(a) is None and not _events(a)


def test_only_the_deciding_head_and_only_a_resolved_decision_that_orders_something(world):
    a = world["decided"]("D", decided=d(7, 1), money_to_recover=1)
    for someone in (world["officer_d"], world["head_c"], world["inspector"]):
        with pytest.raises(NotAllowed):
            enforcement.enforce(a, d(8, 1), {}, None, someone, NOW, TODAY)
    nothing = world["decided"]("D", decided=d(7, 1), outcome="wrong")
    with pytest.raises(ValidationFailed) as refused:
        enforcement.enforce(nothing, d(8, 1), {}, None, world["head_d"], NOW, TODAY)
    assert "case" in refused.value.errors
    # A closed case may still record it (QA round 39): enforcing outlasts the case's file.
    workflow.close(a, world["head_d"], NOW, TODAY)
    enforcement.enforce(a, d(8, 1), {"money_recovered": 1}, None, world["head_d"], NOW,
                        TODAY)
    assert enforcement.record_of(a).money_recovered == 1
    assert not enforcement.has_something_to_enforce(nothing)


# --- 05/KQTH -------------------------------------------------------------------------------


def _world_q3(world) -> dict:
    """D: a decided 10/06 (before Q3), recover 10 million; enforced 20/06: 8 recovered →
       carried over, enforced.
       b decided 01/07, return 50 m², 2 people to discipline; not enforced → issued, pending.
       c decided 10/05, return 5 million, enforced 01/06 → not in Q3.
       e decided 01/07 "wrong", nothing ordered → never counted.
       g decided 01/08, sent to investigation (1 person); enforced 01/09: 1 case and 2 people
       prosecuted → issued, enforced.
       f decided 20/09, recover 1 million → Q4 only.
    C: t denunciation concluded 01/07, 2 people to discipline (1 official); enforced
       10/09, both disciplined, the official among them → issued, enforced."""
    head_d, head_c, decided = world["head_d"], world["head_c"], world["decided"]
    a = decided("D", decided=d(6, 10), money_to_recover=10)
    enforcement.enforce(a, d(6, 20), {"money_recovered": 8}, None, head_d, NOW, TODAY)
    decided("D", decided=d(7, 1), land_to_return=50, people_disciplined=2)
    c = decided("D", decided=d(5, 10), money_to_return=5)
    enforcement.enforce(c, d(6, 1), {"money_returned": 5}, None, head_d, NOW, TODAY)
    decided("D", decided=d(7, 1), outcome="wrong")
    g = decided("D", decided=d(8, 1), people_sent_to_investigation=1)
    enforcement.enforce(g, d(9, 1), {"cases_prosecuted": 1, "people_prosecuted": 2}, None,
                        head_d, NOW, TODAY)
    decided("D", decided=d(9, 20), money_to_recover=1)
    t = decided("C", kind="denunciation", outcome="denunciation_right", decided=d(7, 1),
                people_disciplined=2, officials_disciplined=1)
    enforcement.enforce(t, d(9, 10), {"people_disciplined": 2, "officials_disciplined": 1},
                        None, head_c, NOW, TODAY)
    db.session.commit()
    return {"a": a, "t": t}


KQTH_D = {"1": 3, "2": 1, "3": 2, "4": 2, "5": 1, "6": 10, "7": 8, "12": 50, "14": 2,
          "17": 1, "18": 1, "19": 2}
KQTH_C = {"1": 1, "3": 1, "4": 1, "14": 2, "15": 2, "16": 1}


def _rows(report) -> dict[str, dict]:
    return {u.code: row for u, row in zip(report.units, report.rows, strict=True)}


def _nonzero(row: dict) -> dict:
    return {k: v for k, v in row.items() if v}


def test_05kqth_counted_by_hand(world):
    _world_q3(world)
    report = reports.build_report("05/KQTH", "P", Q3)
    rows = _rows(report)
    assert _nonzero(rows["D"]) == KQTH_D
    assert _nonzero(rows["C"]) == KQTH_C
    assert not _nonzero(rows["P"]) and not _nonzero(rows["DESK"])
    for column in report.form.columns:
        assert report.total[column.code] == KQTH_D.get(column.code, 0) + KQTH_C.get(
            column.code, 0)
        if column.formula:
            target, terms = forms.parse_formula(column.formula)
            for row in (*report.rows, report.total):
                assert row[target] == sum(sign * row[code] for sign, code in terms)
    # Q4 carries over b, still not enforced, and issues f.
    q4 = _rows(reports.build_report("05/KQTH", "P", Q4))
    assert _nonzero(q4["D"]) == {"1": 2, "2": 1, "3": 1, "5": 2, "6": 1, "12": 50, "14": 2}
    assert not _nonzero(q4["C"])


def test_05kqth_is_an_official_form_on_the_page_and_in_excel(world, client, login):
    _world_q3(world)
    assert "05/KQTH" in report_jobs.OFFICIAL_FORMS
    login(world["inspector"])
    args = "form=05/KQTH&agency=P&period=quarter&year=2026&number=3"
    html = client.get(f"/inspection/reports?{args}").get_data(as_text=True)
    assert "Tổng hợp kết quả thi hành quyết định" in html
    total_row = html[html.index('data-testid="total-row"'):]
    total_row = total_row[:total_row.index("</tr>")]
    assert '<td data-col="1">4</td>' in total_row and '<td data-col="7">8</td>' in total_row
    for lang in ("vi", "en"):
        data = reports.workbook_bytes(reports.build_report("05/KQTH", "P", Q3), lang)
        sheet = load_workbook(io.BytesIO(data)).active
        assert sheet.title == "05-KQTH"
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
        by_name = {r[1]: r for r in values[reports.FIRST_DATA_ROW - 1:] if r[1]}
        assert by_name["Sở Tài nguyên"][2:5] == (3, 1, 2) or list(
            by_name["Sở Tài nguyên"][2:5]) == [3, 1, 2]


# --- the page and the API --------------------------------------------------------------


def test_agency_page_confirms_first_then_records(world, client, login):
    a = world["decided"]("D", decided=d(7, 1), money_to_recover=12.5, people_disciplined=1)
    nothing = world["decided"]("D", decided=d(7, 1), outcome="wrong")
    login(world["head_d"])
    page = client.get(f"/agency/cases/{a.tracking_code}").get_data(as_text=True)
    assert f"/agency/cases/{a.tracking_code}/enforce" in page
    page = client.get(f"/agency/cases/{nothing.tracking_code}").get_data(as_text=True)
    assert "/enforce" not in page
    url = f"/agency/cases/{a.tracking_code}/enforce"
    form = client.get(url)
    assert form.status_code == 200 and "12,50" in form.get_data(as_text=True)  # the due hint
    typed = {"enforced_on": "2026-08-01", "money_recovered": "20", "people_disciplined": "1"}
    refused = client.post(url, data=typed)
    assert refused.status_code == 422
    assert "error-money_recovered" in refused.get_data(as_text=True)
    typed["money_recovered"] = "12,5"
    confirm = client.post(url, data=typed)
    assert confirm.status_code == 200 and 'data-testid="confirm-warning"' in confirm.get_data(
        as_text=True)
    assert enforcement.record_of(a) is None  # nothing before Confirm
    done = client.post(url, data={**typed, "money_recovered": "12.50", "confirmed": "1"})
    assert done.status_code == 302
    row = enforcement.record_of(a)
    assert (row.enforced_on, row.money_recovered, row.people_disciplined) == (
        d(8, 1), Decimal("12.50"), 1)
    # The officer sees no such action; the form refuses them.
    client.post("/logout")
    login(world["officer_d"])
    assert client.get(url).status_code == 403


def test_api_action(world, api, client):
    a = world["decided"]("D", decided=d(7, 1), land_to_return="30.5")
    head = world["head_d"]
    body = api(head, "GET", f"/cases/{a.tracking_code}").get_json()
    assert "enforce" in body["allowed_actions"]
    bad = api(head, "POST", f"/cases/{a.tracking_code}/enforce",
              json={"enforced_on": "2026-06-30", "land_returned": "31"})
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"enforced_on", "land_returned"}
    ok = api(head, "POST", f"/cases/{a.tracking_code}/enforce",
             json={"enforced_on": "2026-07-20", "land_returned": "30.5"})
    assert ok.status_code == 200, ok.get_json()
    assert enforcement.record_of(a).land_returned == Decimal("30.50")
    doc = client.get("/api/v1/openapi.json").get_json()
    assert any(path.endswith("/enforce") for path in doc["paths"])


def test_the_case_pages_and_the_api_say_what_is_due_and_what_was_done(world, api, client,
                                                                      login):
    """A decision to enforce is said on the agency's and the inspectors' case pages and in
    the API's case answer: not yet recorded, then the date and the figures done (zeros
    left out, amounts as the page's language writes them); a decision ordering nothing says
    nothing."""
    a = world["decided"]("D", decided=d(7, 1), money_to_return=1500.5, people_disciplined=2)
    nothing = world["decided"]("D", decided=d(7, 1), outcome="wrong")
    login(world["head_d"])

    def shown(case, who="agency"):
        page = client.get(f"/{who}/cases/{case.tracking_code}").get_data(as_text=True)
        if 'data-testid="case-enforcement"' not in page:
            return None
        return " ".join(page.split('data-testid="case-enforcement">')[1]
                        .split("</dd>")[0].split())

    assert "chưa ghi nhận kết quả thi hành" in shown(a)
    assert shown(nothing) is None
    body = api(world["head_d"], "GET", f"/cases/{a.tracking_code}").get_json()
    assert body["enforcement"]["due"] is True and body["enforcement"]["enforced_on"] is None
    assert api(world["head_d"], "GET",
               f"/cases/{nothing.tracking_code}").get_json()["enforcement"] is None

    enforcement.enforce(a, d(8, 3), {"money_returned": "1250.5", "people_disciplined": 2,
                                     "officials_disciplined": 1}, None, world["head_d"], NOW,
                        TODAY)
    db.session.commit()
    text = shown(a)
    assert text.startswith("Đã thi hành xong ngày 03/08/2026")
    assert "1.250,50" in text and "Trong đó: cán bộ, công chức: 1" in text
    assert "khởi tố" not in text  # nothing prosecuted: not listed
    client.post("/logout")
    login(world["inspector"])
    assert shown(a, "inspection").startswith("Đã thi hành xong ngày 03/08/2026")
    body = api(world["head_d"], "GET", f"/cases/{a.tracking_code}").get_json()
    assert body["enforcement"] | {"note": None} == {
        "due": True, "enforced_on": "2026-08-03", "money_recovered": "0.00",
        "land_recovered": "0.00", "money_returned": "1250.50", "land_returned": "0.00",
        "people_disciplined": 2, "officials_disciplined": 1, "cases_prosecuted": 0,
        "people_prosecuted": 0, "note": None}
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "enforcement" in doc["components"]["schemas"]["StaffCase"]["properties"]
