"""Signed-in pages never scroll sideways on a phone, even with long unbroken user text.

Found by a QA pass at 390 px: tables outside a .table-responsive box (the agency head's
"unscheduled reception" list, the inspection pages), Bootstrap's .visually-hidden helper
text escaping the admin tables' box, and a 480-character subject without spaces, a long
URL or e-mail address stretching the case page and its receipt to 5,000–6,000 px.
"""

from __future__ import annotations

from datetime import date

from complaints import clock
from complaints.extensions import db
from complaints.models import Cluster, Escalation, Notification, ReceptionSession
from complaints.services import workflow
from complaints.services.notifications import IN_APP
from tests.browser.conftest import sign_in
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD

WIDTH = 360  # the phone_page fixture's viewport
LONG_SUBJECT = "tranhchapdatdai" * 32  # 480 characters, no space or dash to break at
LONG_URL = "https://cong-thong-tin.example.gov.vn/" + "tailieu" * 30  # 248: fits String(255)
LONG_EMAIL = "nguyen.van.a." + "x" * 120 + "@example.gov.vn"


def _world(make_agency, make_user, make_case):
    province = make_agency(code="UBND-T", level="province", name="UBND tỉnh")
    so_a = make_agency(code="SO-A", parent=province,
                       name="Sở Nông nghiệp và Phát triển nông thôn thành phố Hải Phòng")
    desk = make_agency(code="BTCD", parent=province, name="Ban Tiếp công dân tỉnh",
                       is_reception_desk=True)
    ttt = make_agency(code="TTT", parent=province, name="Thanh tra tỉnh", is_inspectorate=True)
    # English names as long as the demo's (QA measured 88 px too wide at 360 px with them).
    province.name_en = "Hai Phong City People's Committee"
    so_a.name_en = "Hai Phong Department of Labour, Invalids and Social Affairs"
    desk.name_en = "Hai Phong City Citizen Reception Board"
    ttt.name_en = "Hai Phong City Inspectorate"
    users = {
        "reception": make_user("reception", agency=desk),
        "agency_head": make_user("agency_head", agency=so_a),
        "inspector": make_user("inspector", agency=ttt),
        "admin": make_user("admin"),
        "inspector_en": make_user("inspector", agency=ttt),
    }
    users["inspector_en"].locale = "en"
    reception = users["reception"]
    # Routed to the agency, mass and heated: on every list, every prompt, every page.
    routed = make_case(reception, subject=LONG_SUBJECT, received_on=date(2026, 10, 1),
                       content=f"Xem tài liệu tại {LONG_URL} và {LONG_EMAIL}")
    signer = routed.petitions[0].signers[0].petitioner
    signer.email = LONG_EMAIL
    signer.address = LONG_URL
    workflow.route(routed, "SO-A", reception, NOW, TODAY, decided_on=date(2026, 10, 2))
    workflow.transfer(routed, "UBND-T", LONG_URL, users["agency_head"], NOW, TODAY,
                      decided_on=date(2026, 10, 3))
    workflow.transfer(routed, "SO-A", "Không thuộc thẩm quyền", None, NOW, TODAY,
                      decided_on=date(2026, 10, 5))
    cluster = Cluster(subject_folded=LONG_SUBJECT)
    db.session.add(cluster)
    db.session.flush()
    routed.cluster_id = cluster.id
    routed.flag_mass = True
    routed.heated_on = TODAY
    db.session.add(Escalation(case_id=routed.id, stage="acceptance", level=1,
                              reason="evaded", to_agency_id=so_a.id, as_of=TODAY))
    # Still at the desk: the reception queue and its search.
    waiting = make_case(reception, subject=LONG_SUBJECT, received_on=date(2026, 11, 2),
                        content=LONG_URL)
    session = ReceptionSession(agency_id=so_a.id, kind="regular", held_on=TODAY,
                               leader_name="Giám đốc Sở", place=LONG_URL, notes=LONG_URL)
    db.session.add(session)
    for role, user in users.items():
        # Subjects are cut at 255 characters by the app (notifications.row), so here too.
        db.session.add(Notification(dedupe_key=f"phone-{role}", channel=IN_APP,
                                    user_id=user.id, case_id=routed.id,
                                    subject=LONG_SUBJECT[:255], body=LONG_URL))
    db.session.flush()
    return users, routed, waiting, cluster, session


def test_signed_in_pages_never_scroll_sideways_on_a_phone(browser, live_server, monkeypatch,
                                                          make_agency, make_user, make_case):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    users, routed, waiting, cluster, session = _world(make_agency, make_user, make_case)
    db.session.commit()
    pages = {
        "reception": ["/reception/", f"/reception/cases/{routed.tracking_code}",
                      f"/reception/cases/{routed.tracking_code}/receipt",
                      f"/reception/cases/{waiting.tracking_code}",
                      f"/reception/cases/{waiting.tracking_code}/receipt",
                      "/reception/search?q=tranhchapdatdai", "/inbox"],
        "agency_head": ["/agency/", "/agency/cases",
                        f"/agency/cases/{routed.tracking_code}", "/escalations",
                        f"/clusters/{cluster.id}", "/inbox"],
        "inspector": ["/inspection/", "/inspection/escalations", "/inspection/clusters",
                      "/inspection/reception", f"/inspection/reception/{session.id}",
                      "/inspection/cases", "/inspection/overdue",
                      f"/inspection/cases/{routed.tracking_code}", "/inspection/scorecard",
                      "/inspection/reports/mine", "/inspection/overdue?page=9",
                      "/inspection/scorecard?period=year&year=2020"],
        # The same console in English, whose words are longer (QA: /inspection/overdue
        # 468 px wide, /inspection/cases and the case page too wide by 24 and 88 px).
        "inspector_en": ["/inspection/", "/inspection/escalations", "/inspection/clusters",
                         "/inspection/reception", "/inspection/cases", "/inspection/overdue",
                         "/inspection/overdue?page=9",
                         f"/inspection/cases/{routed.tracking_code}",
                         "/inspection/scorecard", "/inspection/scorecard?period=year&year=2020",
                         "/inspection/reports/mine"],
        "admin": ["/admin/", "/admin/users", "/admin/agencies", "/admin/policies",
                  "/admin/patterns", "/admin/ladder", "/admin/routing-rules",
                  "/admin/calendar",
                  f"/admin/personal-data?q={routed.petitions[0].signers[0].petitioner.phone}"],
    }
    too_wide = {}
    for role, paths in pages.items():
        # One phone per role (the phone_page fixture's settings), signed in afresh.
        context = browser.new_context(base_url=live_server,
                                      viewport={"width": WIDTH, "height": 740},
                                      is_mobile=True, has_touch=True)
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, users[role].username, PASSWORD)
        page.wait_for_load_state()
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, path
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                too_wide[f"{role}: {path}"] = width
        context.close()
    assert not too_wide, f"wider than a {WIDTH} px phone: {too_wide}"


def test_long_subject_wraps_on_the_case_page(phone_page, monkeypatch, make_agency, make_user,
                                             make_case):
    # Not just contained: the subject itself is shown in lines no wider than the phone.
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    users, routed, _waiting, _cluster, _session = _world(make_agency, make_user, make_case)
    db.session.commit()
    page = phone_page
    sign_in(page, users["reception"].username, PASSWORD)
    page.wait_for_load_state()
    page.goto(f"/reception/cases/{routed.tracking_code}/receipt")
    box = page.get_by_text(LONG_SUBJECT, exact=True).bounding_box()
    assert box["width"] <= WIDTH and box["height"] > 100
