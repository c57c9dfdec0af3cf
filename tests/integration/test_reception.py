"""Reception desk: intake, handling outcomes, routing suggestions, receipt and queue."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Attachment, AuditEvent, Case, Field, Routing, RoutingRule
from complaints.services import workflow
from complaints.services.intake import check_pin
from tests.conftest import NOW, TODAY
from tests.integration.reception_helpers import PDF, intake_form, person, upload

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

@pytest.fixture
def desk(make_user, make_locality, login):
    """A signed-in reception officer and a ward of Hải Phòng."""
    officer = make_user("reception")
    ward = make_locality("11311", name="Phường Lê Chân")
    login(officer)
    return officer, ward


def _cases() -> int:
    return db.session.scalar(select(func.count(Case.id)))


def test_home_has_big_new_button_and_says_empty_queue(client, desk):
    html = client.get("/reception/").get_data(as_text=True)
    assert "Tiếp nhận đơn mới" in html
    assert "Không có hồ sơ chờ phân loại." in html


def test_intake_form_defaults(client, desk):
    html = client.get("/reception/new").get_data(as_text=True)
    assert f'value="{TODAY.isoformat()}"' in html  # received today by default
    assert "Phường Lê Chân" in html  # the default province's wards
    assert 'name="petitioners-2-full_name"' in html  # a fixed number of rows without JS


def test_group_petition_with_pdf_happy_path(client, desk):
    officer, ward = desk
    people = [person(i, is_representative=i in (0, 3)) for i in range(6)]
    data = intake_form(ward.code, people, TODAY - timedelta(days=3))
    data["petition_scans"] = [upload(PDF, "don khieu nai.pdf")]
    response = client.post("/reception/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    case = db.session.scalar(select(Case))
    assert response.headers["Location"].endswith(f"/reception/cases/{case.tracking_code}/receipt")
    assert case.status == "received" and case.locality_code == ward.code
    assert case.received_on == TODAY - timedelta(days=3)
    signers = case.petitions[0].signers
    assert len(signers) == 6
    assert sum(s.is_representative for s in signers) == 2
    attachment = db.session.scalar(select(Attachment))
    assert attachment.content_type == "application/pdf"
    assert attachment.filename == "don khieu nai.pdf"
    assert attachment.petition_id == case.petitions[0].id and attachment.purpose == "petition"
    assert case.deadline("handling") is not None


def test_group_without_representative_refused_and_input_kept(client, desk):
    _officer, ward = desk
    people = [person(i) for i in range(5)]
    response = client.post("/reception/new", data=intake_form(ward.code, people, TODAY))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "phải cử người đại diện" in html
    assert 'data-testid="error-summary"' in html
    assert 'value="Trần Thị Dân 4"' in html  # everything typed is kept
    assert "Khiếu nại quyết định thu hồi đất ở tổ dân phố 5" in html
    assert _cases() == 0


def test_future_received_date_refused(client, desk):
    _officer, ward = desk
    data = intake_form(ward.code, [person(1)], TODAY + timedelta(days=1))
    response = client.post("/reception/new", data=data)
    assert response.status_code == 422
    assert "không được ở tương lai" in response.get_data(as_text=True)
    assert _cases() == 0


def test_missing_name_error_sits_next_to_its_row(client, desk):
    _officer, ward = desk
    # Row 0 blank (skipped), row 1 has a phone but no name: the message names row 1.
    data = intake_form(ward.code, [person(0, full_name="", id_number="", phone="",
                                          address=""),
                                   person(1, full_name="")], TODAY)
    html = client.post("/reception/new", data=data).get_data(as_text=True)
    assert 'id="petitioners-1-full_name-error"' in html
    assert 'href="#petitioners-1-full_name"' in html


def test_add_rows_button_rerenders_with_more_rows(client, desk):
    _officer, ward = desk
    data = intake_form(ward.code, [person(1)], TODAY, add_rows="1")
    data.pop("save")
    html = client.post("/reception/new", data=data).get_data(as_text=True)
    assert 'name="petitioners-5-full_name"' in html
    assert 'value="Trần Thị Dân 1"' in html
    assert _cases() == 0


def _receipt_pin(html: str) -> str:
    return re.search(r'data-testid="receipt-pin">\s*<code[^>]*>(\d{6})</code>', html)[1]


def test_receipt_shows_pin_once(client, desk):
    _officer, ward = desk
    response = client.post("/reception/new", data=intake_form(ward.code, [person(1)], TODAY))
    case = db.session.scalar(select(Case))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    pin = _receipt_pin(html)
    assert check_pin(case, pin)
    assert case.tracking_code in html
    assert "Xử lý đơn" in html and case.deadline("handling").rule in html
    again = client.get(response.headers["Location"]).get_data(as_text=True)
    assert pin not in again
    assert "PIN đã cấp" in again


def test_the_pin_rides_to_the_receipt_sealed_not_readable_in_the_cookie(client, desk):
    """Flask's session cookie is signed, not encrypted: the PIN in it is sealed."""
    _officer, ward = desk
    response = client.post("/reception/new", data=intake_form(ward.code, [person(1)], TODAY))
    cookie, payload = client.session_cookie()
    assert isinstance(payload["receipt_pin"], str)  # a sealed token, not {"code", "pin"}
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    pin = _receipt_pin(html)
    assert pin not in payload["receipt_pin"] and pin not in cookie


def _rule(agency, field_code=None, locality=None, priority=0):
    field = db.session.scalar(select(Field).where(Field.code == field_code)) if field_code \
        else None
    rule = RoutingRule(field_id=field.id if field else None, locality_code=locality,
                       agency_id=agency.id, priority=priority)
    db.session.add(rule)
    db.session.flush()
    return rule


def test_route_with_suggestion(client, desk, make_case, make_agency):
    officer, ward = desk
    tnmt = make_agency("SO-TNMT", name="Sở Tài nguyên và Môi trường")
    make_agency("UBND-X", name="UBND phường")
    rule = _rule(tnmt, "land")
    case = make_case(actor=officer, locality_code=ward.code, received_on=TODAY)
    db.session.commit()
    html = client.get(f"/reception/cases/{case.tracking_code}").get_data(as_text=True)
    assert f"Lĩnh vực Đất đai → Sở Tài nguyên và Môi trường (quy tắc #{rule.id})" in html
    assert '<option selected value="SO-TNMT">' in html
    tnmt.name_en = "Department of Natural Resources and Environment"
    db.session.commit()
    client.get("/lang/en")
    html = client.get(f"/reception/cases/{case.tracking_code}").get_data(as_text=True)
    assert (f"Field: Land → Department of Natural Resources and Environment (rule #{rule.id})"
            in html)
    client.get("/lang/vi")
    response = client.post(f"/reception/cases/{case.tracking_code}/route",
                           data={"route-agency_code": "SO-TNMT"})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.status == "routed" and case.agency.code == "SO-TNMT"
    move = db.session.scalar(select(Routing).where(Routing.case_id == case.id))
    assert move.suggested_agency_id == tnmt.id
    assert f"quy tắc #{rule.id}" in move.reason  # the record stays in Vietnamese


def test_route_override_requires_reason(client, desk, make_case, make_agency):
    officer, ward = desk
    tnmt = make_agency("SO-TNMT")
    make_agency("UBND-X")
    _rule(tnmt, "land")
    case = make_case(actor=officer, locality_code=ward.code, received_on=TODAY)
    db.session.commit()
    url = f"/reception/cases/{case.tracking_code}/route"
    response = client.post(url, data={"route-agency_code": "UBND-X"})
    assert response.status_code == 422
    assert "nêu lý do" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.status == "received"
    response = client.post(url, data={"route-agency_code": "UBND-X",
                                      "route-override_reason": "Việc thuộc cấp xã"})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.agency.code == "UBND-X"
    move = db.session.scalar(select(Routing).where(Routing.case_id == case.id))
    assert "Việc thuộc cấp xã" in move.reason


def test_file_away_asks_for_confirmation(client, desk, make_case):
    officer, ward = desk
    case = make_case(actor=officer, locality_code=ward.code, received_on=TODAY)
    db.session.commit()
    url = f"/reception/cases/{case.tracking_code}/file"
    response = client.post(url, data={"file-filing_reason": "anonymous"})
    assert response.status_code == 200
    assert "Xác nhận lưu đơn" in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.status == "received"  # nothing yet
    response = client.post(url, data={"file-filing_reason": "anonymous",
                                      "file-confirm": "yes"})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.status == "filed"
    assert case.petitions[0].filing_reason == "anonymous"


def test_guide_requires_reason_then_records(client, desk, make_case):
    officer, ward = desk
    case = make_case(actor=officer, locality_code=ward.code, received_on=TODAY)
    db.session.commit()
    url = f"/reception/cases/{case.tracking_code}/guide"
    assert client.post(url, data={}).status_code == 422
    data = {"guide-reason": "Gửi Tòa án nhân dân"}
    asked = client.post(url, data=data)  # it ends the case: confirmed first (QA round 16)
    assert asked.status_code == 200 and 'data-testid="confirm-warning"' in asked.text
    assert "Gửi Tòa án nhân dân" in asked.text
    db.session.refresh(case)
    assert case.status != "guided"
    assert client.post(url, data={**data, "guide-confirm": "yes"}).status_code == 302
    db.session.refresh(case)
    assert case.status == "guided"


def test_forward_outside(client, desk, make_case):
    officer, ward = desk
    case = make_case(actor=officer, locality_code=ward.code, received_on=TODAY)
    db.session.commit()
    url = f"/reception/cases/{case.tracking_code}/forward"
    data = {"forward-forwarded_to": "Viện kiểm sát nhân dân", "forward-decided_on": "2026-12-01"}
    asked = client.post(url, data=data)
    assert asked.status_code == 200 and "Viện kiểm sát nhân dân" in asked.text
    back = client.post(url, data={**data, "forward-confirm": "yes", "edit": "1"})
    assert back.status_code == 200 and 'value="Viện kiểm sát nhân dân"' in back.text
    db.session.refresh(case)
    assert case.status != "forwarded"
    response = client.post(url, data={**data, "forward-confirm": "yes"})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.status == "forwarded"
    assert case.petitions[0].forwarded_to == "Viện kiểm sát nhân dân"


def test_other_desk_case_not_found(client, desk, make_case):
    case = make_case(received_on=TODAY)  # logged by another desk
    db.session.commit()
    assert client.get(f"/reception/cases/{case.tracking_code}").status_code == 404
    assert client.post(f"/reception/cases/{case.tracking_code}/file",
                       data={"file-filing_reason": "anonymous",
                             "file-confirm": "yes"}).status_code == 404


def test_queue_shows_returned_case_with_reason_and_total(client, desk, make_case, make_agency,
                                                         make_user):
    officer, ward = desk
    first = make_agency("SO-XD", name="Sở Xây dựng")
    suggested = make_agency("SO-TNMT", name="Sở Tài nguyên và Môi trường")
    head = make_user("agency_head", agency=first)
    returned = make_case(actor=officer, locality_code=ward.code, received_on=TODAY,
                         subject="Trả lại")
    make_case(actor=officer, locality_code=ward.code, received_on=TODAY, subject="Mới")
    workflow.route(returned, "SO-XD", officer, NOW, TODAY)
    workflow.return_case(returned, "Không thuộc thẩm quyền", "SO-TNMT", head, NOW, TODAY)
    db.session.commit()
    html = client.get("/reception/").get_data(as_text=True)
    assert "Không thuộc thẩm quyền" in html
    assert suggested.name in html
    assert 'data-testid="queue-total">2<' in html
    assert "tổng 2 hồ sơ" in html



def test_localities_of_a_province_for_the_picker(client, desk):
    _officer, ward = desk
    rows = client.get("/reception/localities?province=31").get_json()
    assert {"code": ward.code, "name": "Phường Lê Chân"} in rows


def test_other_roles_cannot_use_the_intake_form(client, make_user, login):
    login(make_user("agency_head"))
    assert client.get("/reception/new").status_code == 403


def test_the_desk_finds_a_case_that_left_its_queue(client, desk, make_case, make_user,
                                                   make_agency):
    # Found by a QA pass: once routed, a case could not be found again at the desk.
    officer, _ward = desk
    make_agency(code="SO-TNMT")
    case = make_case(actor=officer, subject="Lấn chiếm vỉa hè đường Lạch Tray")
    workflow.route(case, "SO-TNMT", officer, NOW, TODAY)
    other_desk = make_case(subject="Lấn chiếm vỉa hè đường Lạch Tray")  # another desk's
    person_ = case.petitions[0].signers[0].petitioner
    db.session.commit()
    home = client.get("/reception/").get_data(as_text=True)
    assert case.tracking_code not in home and 'data-testid="desk-search"' in home
    for q in (case.tracking_code.lower(), "nguyen van a", person_.phone,
              f"+84 {person_.phone[1:4]} {person_.phone[4:]}",  # read as intake stores it
              person_.id_number, "lan chiem via he"):
        page = client.get("/reception/search", query_string={"q": q}).get_data(as_text=True)
        assert case.tracking_code in page, q
        assert other_desk.tracking_code not in page, q
    empty = client.get("/reception/search?q=khongcogi").get_data(as_text=True)
    assert 'data-testid="no-results"' in empty
    assert 'data-testid="search-results"' not in client.get(
        "/reception/search?q=").get_data(as_text=True)


def test_the_timeline_names_people_not_usernames(client, desk, make_case):
    # Found by a QA pass: the reception timeline showed "reception", "officer_tnmt".
    officer, _ward = desk
    officer.full_name = "Trần Thị Tiếp Nhận"
    case = make_case(actor=officer)
    db.session.commit()
    page = client.get(f"/reception/cases/{case.tracking_code}").text
    timeline = page[page.index('data-action="received"'):]
    assert "Trần Thị Tiếp Nhận" in timeline.split("</li>")[0]


def test_a_page_past_the_end_says_so(client, desk, make_case):
    officer, _ward = desk
    make_case(actor=officer)
    db.session.commit()
    page = client.get("/reception/?page=99").get_data(as_text=True)
    assert 'data-testid="page-out-of-range"' in page and "Không có hồ sơ chờ" not in page


def test_a_returned_case_goes_where_the_returning_agency_proposed(client, desk, make_case,
                                                                   make_agency, make_user):
    # Found by a QA pass: the route form still proposed the agency that had just returned
    # the case, and sending it straight back needed no reason.
    officer, ward = desk
    tnmt = make_agency("SO-TNMT", name="Sở Tài nguyên và Môi trường")
    make_agency("SO-XD", name="Sở Xây dựng")
    _rule(tnmt, "land")
    head = make_user("agency_head", agency=tnmt)
    case = make_case(actor=officer, locality_code=ward.code, received_on=TODAY)
    workflow.route(case, "SO-TNMT", officer, NOW, TODAY)
    workflow.return_case(case, "Sai thẩm quyền", "SO-XD", head, NOW, TODAY)
    db.session.commit()
    html = client.get(f"/reception/cases/{case.tracking_code}").get_data(as_text=True)
    assert '<option selected value="SO-XD">' in html and 'data-testid="return-note"' in html
    assert f'value="{officer.agency.code}"' not in html  # not the desk itself
    # QA rounds 5 and 6: the text said "Suggested: <the agency that just returned it>"
    # (following it flagged evasion), then "no rule applies": the proposal is the suggestion.
    assert 'data-testid="route-suggestion"' not in html
    assert "Không có quy tắc phân công phù hợp" not in html
    url = f"/reception/cases/{case.tracking_code}/route"
    back = client.post(url, data={"route-agency_code": "SO-TNMT"})
    assert back.status_code == 422
    assert "vừa trả lại hồ sơ này: nêu lý do" in back.get_data(as_text=True)
    db.session.refresh(case)
    assert case.status == "returned"
    assert client.post(url, data={"route-agency_code": "SO-XD"}).status_code == 302
    db.session.refresh(case)
    assert case.agency.code == "SO-XD"
    move = db.session.scalars(select(Routing).where(Routing.case_id == case.id)
                              .order_by(Routing.id)).all()[-1]
    assert move.reason.startswith("Theo đề xuất của cơ quan trả lại (Sai thẩm quyền)")


def test_the_other_field_is_not_named_twice_in_a_suggestion(desk, make_agency):
    from complaints.services import routing

    agency = make_agency("UBND-X", name="UBND phường")
    rule = _rule(agency, "other")
    field = db.session.scalar(select(Field).where(Field.code == "other"))
    suggestion = routing.suggest_agency(field.id, None, "feedback")
    assert suggestion.reason == f"Lĩnh vực khác → UBND phường (quy tắc #{rule.id})"


def test_the_desk_sees_a_denouncer_it_logged_and_the_view_is_recorded(client, desk, make_case):
    # The consent notice promises every view of a denouncer's identity is recorded: the
    # desk's case page shows it, so it records it (found by a QA pass).
    from complaints.models import AuditEvent

    officer, ward = desk
    case = make_case(actor=officer, kind="denunciation", locality_code=ward.code,
                     received_on=TODAY)
    db.session.commit()
    name = case.petitions[0].signers[0].petitioner.full_name

    def views() -> int:
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.chain == f"case:{case.id}", AuditEvent.action == "identity_viewed"))

    before = views()
    page = client.get(f"/reception/cases/{case.tracking_code}").get_data(as_text=True)
    assert name in page and views() == before + 1
    other = make_case(actor=officer, kind="feedback", locality_code=ward.code, received_on=TODAY)
    db.session.commit()
    client.get(f"/reception/cases/{other.tracking_code}")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.chain == f"case:{other.id}", AuditEvent.action == "identity_viewed")) == 0


def test_a_routing_reason_reads_in_the_timelines_language(client, desk, make_case, make_agency):
    # Found by a QA pass: English timelines showed "Reason: Lĩnh vực Đất đai → … (quy tắc
    # #1)": the stored reason is Vietnamese; its facts are kept to word it again.
    from complaints.services.case_view import event_details

    officer, ward = desk
    tnmt = make_agency("SO-TNMT", name="Sở Tài nguyên và Môi trường")
    tnmt.name_en = "Department of Natural Resources and Environment"
    make_agency("UBND-X", name="UBND phường")
    rule = _rule(tnmt, "land")
    followed = make_case(actor=officer, locality_code=ward.code, received_on=TODAY)
    overridden = make_case(actor=officer, locality_code=ward.code, received_on=TODAY)
    db.session.commit()
    assert client.post(f"/reception/cases/{followed.tracking_code}/route",
                       data={"route-agency_code": "SO-TNMT"}).status_code == 302
    assert client.post(f"/reception/cases/{overridden.tracking_code}/route", data={
        "route-agency_code": "UBND-X",
        "route-override_reason": "Đất do phường quản lý"}).status_code == 302

    def reason(case, lang):
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.chain == f"case:{case.id}", AuditEvent.action == "routed"))
        details = dict(event_details("routed", event.data, lang))
        assert "basis" not in details and "Basis" not in details
        return details["Lý do" if lang == "vi" else "Reason"]

    assert reason(followed, "vi") == (
        f"Lĩnh vực Đất đai → Sở Tài nguyên và Môi trường (quy tắc #{rule.id})")
    assert reason(followed, "en") == (
        f"Field: Land → Department of Natural Resources and Environment (rule #{rule.id})")
    assert reason(overridden, "en") == (
        "Not the suggested agency (Field: Land → Department of Natural Resources and "
        f"Environment (rule #{rule.id})): Đất do phường quản lý")


def test_a_second_complaint_is_suggested_above_the_first_resolver(client, desk, make_case,
                                                                  make_agency, make_user):
    # Found by QA: a second complaint was suggested to the ward (the first-complaint rule),
    # a level below the department that decided the first round.
    officer, ward = desk
    city = make_agency("UBND-HP", name="Ủy ban nhân dân thành phố Hải Phòng",
                       level="province")
    city.name_en = "Hai Phong City People's Committee"
    tnmt = make_agency("SO-TNMT", name="Sở Tài nguyên và Môi trường", parent=city)
    tnmt.name_en = "Department of Natural Resources and Environment"
    rule = _rule(make_agency("UBND-X", name="UBND phường"), "land")
    head = make_user("agency_head", agency=tnmt)
    first = make_case(actor=officer, locality_code=ward.code, received_on=TODAY)
    workflow.route(first, "SO-TNMT", officer, NOW, TODAY)
    workflow.accept(first, head, NOW, TODAY, decided_on=TODAY)
    workflow.resolve(first, "wrong", "45/QĐ-STNMT", "Giữ nguyên", head, NOW, TODAY,
                     decided_on=TODAY)
    second = make_case(actor=officer, locality_code=ward.code, received_on=TODAY,
                       complaint_round=2, parent_tracking_code=first.tracking_code)
    db.session.commit()
    html = client.get(f"/reception/cases/{second.tracking_code}").get_data(as_text=True)
    suggested = html.split('data-testid="route-suggestion">')[1].split("</p>")[0]
    assert "Ủy ban nhân dân thành phố Hải Phòng" in suggested
    assert "cấp trên trực tiếp của Sở Tài nguyên và Môi trường" in suggested
    assert f"quy tắc #{rule.id}" not in suggested
    assert '<option selected value="UBND-HP">' in html
    client.get("/lang/en")
    html = client.get(f"/reception/cases/{second.tracking_code}").get_data(as_text=True)
    assert ("Second complaint: the agency directly above Department of Natural Resources "
            "and Environment, which resolved the first complaint") in html
    client.get("/lang/vi")
    # Sending it to the rule's ward instead needs a reason, like any other override.
    refused = client.post(f"/reception/cases/{second.tracking_code}/route",
                          data={"route-agency_code": "UBND-X"})
    assert refused.status_code == 422
    response = client.post(f"/reception/cases/{second.tracking_code}/route",
                           data={"route-agency_code": "UBND-HP"})
    assert response.status_code == 302  # the suggestion: no reason asked
    db.session.refresh(second)
    assert second.agency.code == "UBND-HP"


@pytest.mark.parametrize("kind", ["complaint", "denunciation", "recommendation"])
def test_the_acceptance_hint_names_its_source_in_english(client, desk, make_case, kind):
    # Found by QA: "(Luật Tố cáo 2018, Điều 24(1) …)" on the English route form.
    officer, ward = desk
    case = make_case(actor=officer, kind=kind, locality_code=ward.code, received_on=TODAY)
    db.session.commit()
    client.get("/lang/en")
    html = client.get(f"/reception/cases/{case.tracking_code}").get_data(as_text=True)
    hint = re.search(r"The receiving agency must accept \(thụ lý\) or return[^<]*", html)
    assert hint is not None, html[:3000]
    assert "Luật" not in hint.group(0) and "Quy định" not in hint.group(0)


def test_the_desk_lists_communes_in_the_order_of_every_other_list(client, desk,
                                                                   make_locality):
    # Found by QA (round 6): the desk sorted by code point ("Đ…" after "Z"), the citizens'
    # form by name_order: the same list read two ways.
    from complaints.domain.text import name_order

    for code, name in (("11312", "Phường Đồ Sơn"), ("11313", "Xã Tứ Kỳ"),
                       ("11314", "Phường Dương Kinh"), ("11315", "Phường Ân Hải")):
        make_locality(code, name=name)
    db.session.commit()
    html = client.get("/reception/new").get_data(as_text=True)
    select = re.search(r'<select[^>]*id="locality_code"[^>]*>(.*?)</select>', html, re.S)
    names = [n for v, n in re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)<',
                                       select.group(1)) if v]
    assert "Phường Đồ Sơn" in names and names == sorted(names, key=name_order)
    # Fields too (found by QA, round 8: in id order, "Đất đai" first, "Chế độ chính sách" last).
    select = re.search(r'<select[^>]*id="field"[^>]*>(.*?)</select>', html, re.S)
    fields = [n for v, n in re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)<',
                                        select.group(1)) if v]
    assert len(fields) > 1 and fields == sorted(fields, key=name_order)


def test_the_desk_downloads_its_whole_queue(client, desk, make_case, make_agency, make_user,
                                             app):
    import csv
    import io

    from openpyxl import load_workbook

    officer, _ward = desk
    app.config["PAGE_SIZE"] = 2  # the file holds every row, not the page
    cases = [make_case(actor=officer, subject=f"Việc số {i}") for i in range(3)]
    ward = make_agency(code="UBND-LC", name="UBND phường Lê Chân")
    make_agency(code="SO-XD", name="Sở Xây dựng")
    head = make_user("agency_head", agency=ward)
    workflow.route(cases[0], "UBND-LC", officer, NOW, TODAY)
    workflow.return_case(cases[0], "Không thuộc thẩm quyền của phường", "SO-XD", head, NOW,
                         TODAY, decided_on=TODAY)
    db.session.commit()
    page = client.get("/reception/").text
    assert 'data-testid="export-csv"' in page
    response = client.get("/reception/?export=csv")
    assert response.status_code == 200 and "attachment" in response.headers[
        "Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Mã hồ sơ", "Loại", "Nội dung"]
    assert {r[0] for r in rows[1:]} == {c.tracking_code for c in cases}
    returned = next(r for r in rows[1:] if r[0] == cases[0].tracking_code)
    assert returned[7] == TODAY.strftime("%d/%m/%Y") and "thẩm quyền" in returned[8]
    assert returned[9] == "Sở Xây dựng"
    assert "Nguyễn Văn" not in response.get_data(as_text=True)  # no petitioner's name
    book = load_workbook(io.BytesIO(client.get("/reception/?export=xlsx").data))
    sheet = book.active
    assert sheet.max_row == 4 and sheet.cell(2, 4).is_date


def _codes_listed(html: str) -> list[str]:
    table = html[html.index('data-testid="search-results"'):] if (
        'data-testid="search-results"' in html) else ""
    return re.findall(r"<code>([^<]+)</code>", table)


def _pager_links(html: str) -> list[str]:
    nav = html[html.index('aria-label="Phân trang"'):]
    return re.findall(r'href="([^"]+)"', nav[:nav.index("</nav>")])


def test_the_desk_search_is_paged_with_the_total_and_keeps_the_query(client, desk, make_case,
                                                                      app):
    officer, _ward = desk
    app.config["PAGE_SIZE"] = 2
    matching = {make_case(actor=officer, subject=f"Lấn chiếm vỉa hè số {i}").tracking_code
                for i in range(5)}
    other = make_case(actor=officer, subject="Tranh chấp đất đai")
    db.session.commit()
    first = client.get("/reception/search", query_string={"q": "lan chiem"}).text
    assert "5 hồ sơ khớp, phù hợp nhất trước." in first
    assert "Chỉ hiện" not in first and "Ít nhất" not in first
    links = _pager_links(first)
    assert links and all("q=lan+chiem" in link for link in links)  # the query rides along
    assert any("page=2" in link for link in links) and any("page=3" in link for link in links)
    seen = []
    for page in (1, 2, 3):
        html = client.get("/reception/search", query_string={"q": "lan chiem", "page": page}).text
        assert "5 hồ sơ khớp" in html, page
        seen += _codes_listed(html)
    assert len(seen) == 5 and set(seen) == matching  # each once, page after page
    assert other.tracking_code not in seen
    past = client.get("/reception/search", query_string={"q": "lan chiem", "page": 99}).text
    assert 'data-testid="page-out-of-range"' in past and 'data-testid="no-results"' not in past
    assert "có 5 hồ sơ trong 3 trang" in past
    assert 'href="/reception/search?q=lan+chiem"' in past  # back to its first page
    for odd in ("0", "-1", "abc", "99999999999999999999"):
        response = client.get("/reception/search", query_string={"q": "lan chiem",
                                                                  "page": odd})
        assert response.status_code == 200, odd


def test_the_desk_search_says_when_it_stops_at_its_bound(client, desk, make_case, app,
                                                         monkeypatch):
    from complaints.services import search

    officer, _ward = desk
    app.config["PAGE_SIZE"] = 2
    for i in range(5):
        make_case(actor=officer, subject=f"Lấn chiếm vỉa hè số {i}")
    db.session.commit()
    monkeypatch.setattr(search, "DESK_BOUND", 3)
    first = client.get("/reception/search", query_string={"q": "lan chiem"}).text
    assert "Ít nhất 3 hồ sơ khớp" in first and "thêm từ để thu hẹp" in first
    second = client.get("/reception/search", query_string={"q": "lan chiem", "page": 2}).text
    assert len(_codes_listed(first)) == 2 and len(_codes_listed(second)) == 1
    client.get("/lang/en?next=/")
    english = client.get("/reception/search", query_string={"q": "lan chiem"}).text
    assert "At least 3 cases match" in english


def test_desk_matches_pages_within_a_bound_and_flags_more(desk, make_case, monkeypatch):
    from complaints.services import search

    officer, _ward = desk
    cases = [make_case(actor=officer, subject=f"Lấn chiếm vỉa hè số {i}") for i in range(5)]
    person_ = cases[0].petitions[0].signers[0].petitioner
    db.session.commit()
    found = search.desk_matches(officer, "lan chiem")
    assert sorted(found.ids) == sorted(c.id for c in cases) and not found.more
    assert [c.id for c in search.cases_in_order(found.ids[::-1])] == found.ids[::-1]
    bounded = search.desk_matches(officer, "lan chiem", bound=4)
    assert (bounded.ids, bounded.more) == (found.ids[:4], True)
    # The words are ranked among the newest CANDIDATES matches only: a full window may
    # hide more, and the page must not claim an exact total.
    monkeypatch.setattr(search, "CANDIDATES", 3)
    windowed = search.desk_matches(officer, "lan chiem")
    assert len(windowed.ids) == 3 and windowed.more
    # The code first, then a petitioner's number, each case once.
    by_code = search.desk_matches(officer, cases[2].tracking_code)
    assert by_code.ids == [cases[2].id] and not by_code.more and not by_code.by_person
    by_phone = search.desk_matches(officer, person_.phone)
    assert by_phone.ids == [cases[0].id] and by_phone.by_person == {cases[0].id}
    assert search.desk_matches(officer, "  ") == search.DeskMatches([], False)
