"""QA round 52: the reception desk as a whole (intake from every channel, the kinds,
eligibility, group petitions, denouncers' confidentiality, later letters, routing, returns,
re-routing, the receipt, the desk's lists and search, pages and the JSON API, Vietnamese
and English). Each test fails on the frozen code because of the defect its docstring
names."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Attachment, AuditEvent, Case, Field, RoutingRule, User
from complaints.permissions import can_act, can_view
from tests.conftest import NOW, TODAY
from tests.integration.reception_helpers import PDF, intake_form, person, upload

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


@pytest.fixture
def world(make_agency, make_user, make_locality, login):
    """A reception desk (BTCD) with its officer signed in, a province with two departments
    (land: STNMT, building: SXD), the land department's head, a ward, and a routing rule
    sending the land field to STNMT."""
    desk = make_agency(code="BTCD", name="Ban Tiếp công dân", is_reception_desk=True)
    reception = make_user("reception", agency=desk)
    province = make_agency(code="UBND-T", name="Ủy ban nhân dân tỉnh", level="province")
    land = make_agency(code="STNMT", name="Sở Tài nguyên và Môi trường", parent=province)
    building = make_agency(code="SXD", name="Sở Xây dựng", parent=province)
    head = make_user("agency_head", agency=land)
    ward = make_locality("11311", name="Phường Lê Chân")
    field = db.session.scalar(select(Field).where(Field.code == "land"))
    db.session.add(RoutingRule(field_id=field.id, agency_id=land.id, priority=0))
    db.session.commit()
    login(reception)
    return {"desk": desk, "reception": reception, "province": province, "land": land,
            "building": building, "head": head, "ward": ward}


def _case(code: str) -> Case:
    db.session.expire_all()
    return db.session.scalar(select(Case).where(Case.tracking_code == code))


# --- A leader's citizen-reception session ---------------------------------------------------

def test_defect_a_petition_raised_at_an_agencys_own_session_and_returned_is_lost(
        world, api):
    """The head of Sở TN&MT receives citizens in person and records the session with the
    petition raised at it (POST /reception-sessions): the petition opens a case whose
    receiving agency (reception_agency_id) is Sở TN&MT itself, routed at once to Sở TN&MT
    (reception_sessions.record_session_with_petitions). The head then finds it is not within
    the department's competence and returns it (POST /cases/{code}/return, suggesting Sở
    Xây dựng): 200, status "returned", agency none. From then on nobody but inspectors can
    even open it: the department no longer holds it (GET by the head: 404), no reception
    desk logged it (the desk: 404), and `route` belongs to "the reception desk that logged
    it" — there is none. The handling clock restarts (domain.md: "a return restarts the
    handling clock at reception") and runs out with the citizen's petition in no one's
    queue.

    domain.md (returned): the agency sends it back "with reason and suggested agency" so that
    it is routed again. Right: a case no desk logged is not left ownerless — either the
    return is refused (the agency transfers it instead, to the agency it would suggest), or
    it goes back to someone who may see and route it (a reception desk, or the agency's own
    staff who logged it)."""
    body = {"held_on": TODAY.isoformat(), "kind": "head", "leader_name": "Giám đốc Sở",
            "scheduled": True, "petitions": [{
                "kind": "feedback", "field": "land", "subject": "Phản ánh đường ngõ xuống cấp",
                "content": "Đường ngõ 12 xuống cấp, đề nghị sửa chữa.",
                "petitioners": [{"full_name": "Lê Văn Khánh", "address": "Số 3 ngõ 12"}]}]}
    answer = api(world["head"], "POST", "/reception-sessions", json=body)
    assert answer.status_code == 201, answer.get_json()
    code = answer.get_json()["opened"][0]["tracking_code"]
    assert _case(code).status == "routed"

    api(world["head"], "POST", f"/cases/{code}/return",
        json={"reason": "Không thuộc thẩm quyền của Sở", "suggested_agency_code": "SXD"})
    case = _case(code)
    routers = [u.username for u in db.session.scalars(select(User))
               if can_view(u, case) and can_act(u, case, "route")]
    assert case.status != "returned" or routers, (
        f"case {code} returned by the agency that logged it: nobody may open or route it")


def test_defect_a_session_petitions_identity_error_names_no_petition(client, world,
                                                                     make_case, api):
    """A session records two petitions; on the second, the officer types an ID number the
    desk already holds for a person of another name. The refusal comes from
    intake.write_case / _add_petition (`_known_person_errors`), which runs after the
    session's own checks and keys the message "petitioners.0.id_number" — without the
    "petitions.1." prefix every other row error carries. The API answers
    {"petitioners.0.id_number": …}, a field the session body does not have, so the client
    cannot tell which petition is wrong; the session page shows the message in the summary
    only, its link pointing at no field ("#petitioners.0.id_number"), and nothing next to
    the row's ID number.

    ux.md (Forms): "an error summary at the top linking to each field, and the message next
    to the field". Right: the session's checks find the ID-number clash as intake's desk
    form does (intake.identity_problems, prefixed), keyed "petitions.1.petitioners.0.id_number"
    in the API and shown on the page beside the second petition's ID number
    ("petitions-1-id_number")."""
    known = make_case(actor=world["reception"]).petitions[0].signers[0].petitioner
    db.session.commit()
    rows = [{"kind": "feedback", "field": "land", "subject": "Phản ánh đường hỏng",
             "content": "Đường hỏng", "petitioners": [{"full_name": "Lê Văn Khác"}]},
            {"kind": "feedback", "field": "land", "subject": "Phản ánh rác thải",
             "content": "Rác thải không được thu gom",
             "petitioners": [{"full_name": "Phạm Thị Sai", "id_number": known.id_number}]}]
    answer = api(world["reception"], "POST", "/reception-sessions",
                 json={"held_on": TODAY.isoformat(), "kind": "regular", "petitions": rows})
    assert answer.status_code == 422
    assert "petitions.1.petitioners.0.id_number" in answer.get_json()["errors"], (
        answer.get_json())

    form = {"held_on": TODAY.isoformat(), "kind": "regular", "scheduled": "y",
            "token": "qa52-session", "confirm_new": "1",
            **{name: "0" for name in ("turns", "people", "matters_first", "matters_repeated",
                                      "delegations", "delegation_people",
                                      "delegation_matters")}}
    for i, row in enumerate(rows):
        form.update({f"petitions-{i}-kind": row["kind"], f"petitions-{i}-field": "land",
                     f"petitions-{i}-subject": row["subject"],
                     f"petitions-{i}-content": row["content"],
                     f"petitions-{i}-full_name": row["petitioners"][0]["full_name"]})
    form["petitions-1-id_number"] = known.id_number
    page = client.post("/inspection/reception/new", data=form)
    assert page.status_code == 422
    assert 'href="#petitions-1-id_number"' in page.get_data(as_text=True)


def test_defect_the_sessions_of_the_period_asked_for_are_not_listed(client, world):
    """The desk holds regular citizen reception every working day and records each session.
    The page "Tiếp công dân của lãnh đạo" (/inspection/reception) asks for a period (as
    reports do) and titles itself with it ("… · Quý 1/2026"), but its list of sessions is
    sessions.recent_sessions(user): the 50 newest, whatever the period, with no paging and no
    total. Ask for March 2026 in December and the list shows October–December; the March
    session is on no page at all (only its id in a URL would open it).

    ux.md (Lists): "pagination with a total, the same filters reflected in the URL". Right:
    the sessions listed are those of the period asked for, a page at a time with the total
    (or every session reachable through paging)."""
    from complaints.services import reception_sessions as sessions

    def record(day):
        return sessions.record_session(sessions.SessionData(
            held_on=day, kind="regular", counts={"turns": 1, "people": 1,
                                                 "matters_first": 1}),
            world["reception"], NOW, TODAY)

    march = record(TODAY.replace(month=3, day=10))
    day = TODAY - timedelta(days=1)
    for _i in range(51):  # the working days of the last two and a half months
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        record(day)
        day -= timedelta(days=1)
    db.session.commit()
    page = client.get("/inspection/reception", query_string={
        "period": "custom", "start": "2026-03-01", "end": "2026-03-31"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    listed = re.findall(r'/inspection/reception/(\d+)"', html)
    assert str(march.id) in listed, "the March session is listed nowhere"


# --- Denouncers' confidentiality ------------------------------------------------------------

@pytest.mark.parametrize("step", ["route_override_reason", "handling_extension_reason"])
def test_defect_a_desk_reason_naming_the_denouncer_is_shown_to_readers_who_may_not_know(
        client, world, make_case, make_user, login, api, step):
    """The desk routes a denunciation to another agency than the suggested one and writes
    why: "Ông Nguyễn Văn A (người tố cáo) đề nghị gửi Sở Xây dựng" — or, before routing,
    extends its handling deadline "to check with ông Nguyễn Văn A at several places". The
    text is taken as typed (workflow.optional_text / _require check blanks and control
    characters only) and kept in the routing and the audit event; the case's timeline then
    shows it to every reader — an officer of Sở Xây dựng who is not assigned to the case
    (can_see_identity: False, the petitioners masked on the same page) reads the denouncer's
    name in the timeline, and GET /cases/{code} gives it to him too.

    domain.md (Confidentiality of denouncers): name and any data that reveals them are
    secret; "everyone else … sees a redacted case". QA round 44 closed this for corrections'
    reasons (REASON_NAMES_DENOUNCER) and urging notes; the desk's own free texts on a
    denunciation were left out. Right: a desk reason on a denunciation that names its
    denouncer (intake.reason_names_denouncer) is refused with that message — or never shown
    to readers who may not see the denouncer."""
    case = make_case(actor=world["reception"], kind="denunciation",
                     subject="Tố cáo cán bộ địa chính nhận tiền",
                     received_on=TODAY - timedelta(days=2))
    name = case.petitions[0].signers[0].petitioner.full_name
    db.session.commit()
    code = case.tracking_code
    if step == "route_override_reason":
        client.post(f"/reception/cases/{code}/route", data={
            "route-agency_code": "SXD",
            "route-override_reason": f"Ông {name} (người tố cáo) đề nghị gửi Sở Xây dựng"})
    else:
        client.post(f"/reception/cases/{code}/extend-handling", data={
            "extend_handling-days": "3", "extend_handling-confirm": "yes",
            "extend_handling-reason": f"Cần kiểm tra với ông {name} ở nhiều địa điểm"})
        client.post(f"/reception/cases/{code}/route", data={
            "route-agency_code": "SXD", "route-override_reason": "Sở Xây dựng quản lý"})
    if _case(code).status != "routed":
        return  # refused: nothing naming the denouncer was kept
    officer = make_user("agency_officer", agency=world["building"])
    db.session.commit()
    client.post("/logout")
    login(officer)
    page = client.get(f"/agency/cases/{code}")
    assert page.status_code == 200
    assert name not in page.get_data(as_text=True), "the timeline names the denouncer"
    answer = api(officer, "GET", f"/cases/{code}").get_json()
    assert answer["identity_masked"] is True
    assert name not in json.dumps(answer, ensure_ascii=False)


def test_defect_the_split_page_shows_a_denunciations_letter_without_recording_the_view(
        client, world, make_case):
    """The desk opens "Tách đơn" on a denunciation it logged: the page fills "Nội dung còn
    lại của hồ sơ này" with the letter's whole content — "Tôi là Nguyễn Văn A, CCCD
    031200001234, tố cáo …" — and records nothing. The case page (cases._render_case), the
    withdrawal page and the signer-correction page each record an "identity_viewed" event
    before showing the same denouncer; the split page (cases.split, and its confirmation)
    does not, so this showing of the denouncer is missing from the trail.

    domain.md (Confidentiality of denouncers): "every view of the identity is audited"; the
    project treats a denunciation's content as identity (permissions.can_read_content). Right:
    the split page of a denunciation records the view (case_view.reveal_identity, via
    "reception") as the case page does."""
    case = make_case(actor=world["reception"], kind="denunciation",
                     content="Tôi là Nguyễn Văn A, CCCD 031200001234, tố cáo cán bộ địa chính.",
                     received_on=TODAY - timedelta(days=1))
    db.session.commit()

    def views() -> int:
        db.session.expire_all()
        return len(list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.case_id == case.id, AuditEvent.action == "identity_viewed"))))

    before = views()
    page = client.get(f"/reception/cases/{case.tracking_code}/split")
    assert page.status_code == 200
    assert "031200001234" in page.get_data(as_text=True)  # the letter, as written
    assert views() == before + 1, "the denouncer was shown and no view was recorded"


# --- Eligibility and anonymous letters through the API --------------------------------------

def test_defect_the_api_cannot_log_an_anonymous_or_not_eligible_letter(world, api):
    """The desk's form logs a letter as not eligible for handling (the "Đủ điều kiện xử lý"
    box unticked) — and an anonymous letter with no petitioner at all, to be filed away or
    passed on and counted in 02/XLD (intake.validate_petition; test_anonymous_letter.py).
    POST /cases has neither: `eligible` is refused as an unknown field (422 "Trường không
    được hỗ trợ"), `petitioners` must hold at least one person, and every letter a client
    logs is recorded eligible. An anonymous denunciation arriving by hotline or mail cannot
    be logged through the API at all; a not-eligible one is counted among the eligible.

    domain.md (filed): "anonymous, duplicate, illegible …" letters are received and filed;
    "Anonymous denunciations … may be filed or passed to inspection". The brief: the desk's
    work "through the pages and the JSON API". Right: POST /cases takes `eligible` (default
    true) and, when false, no petitioner, as the desk's form does."""
    body = {"kind": "denunciation", "field": "land", "channel": "mail",
            "subject": "Thư không ký tên tố cáo cán bộ địa chính",
            "content": "Thư không ghi tên, địa chỉ người gửi.", "locality_code": "11311",
            "received_on": TODAY.isoformat(), "eligible": False, "petitioners": []}
    answer = api(world["reception"], "POST", "/cases", json=body)
    assert answer.status_code == 201, answer.get_json()
    case = _case(answer.get_json()["tracking_code"])
    assert [p.eligible for p in case.petitions] == [False]
    assert case.petitions[0].signers == []


# --- Group petitions ------------------------------------------------------------------------

def test_defect_a_representative_ticked_on_a_repeated_signer_is_dropped(client, world):
    """A group of five: the officer types the five signers, then types the representative's
    row again with "Người đại diện" ticked (the same name and ID number). The form is
    accepted — validate_petition counts one representative among six rows — but
    intake._signing_people keeps the first row of each ID number and skips the later one
    with its tick: the case is saved with five signers and no representative at all,
    silently.

    domain.md (Group petitions): five or more people choose 1 or 2 representatives "from
    among themselves"; the desk recorded one. Right: the same person twice signs once and
    keeps the representative tick of either row (or the form is refused with a message
    naming the repeated row) — never a group saved without the representative chosen."""
    people = [person(i) for i in range(5)] + [person(0, is_representative=True)]
    response = client.post("/reception/new", data=intake_form(
        world["ward"].code, people, TODAY, confirm_new="1"))
    if response.status_code == 422:  # refused with a message: nothing was lost
        return
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    case = db.session.scalar(select(Case))
    signers = case.petitions[0].signers
    assert len(signers) == 5
    assert [s.petitioner.full_name for s in signers if s.is_representative] == [
        "Trần Thị Dân 0"]


# --- Attachments ----------------------------------------------------------------------------

@pytest.mark.parametrize("button", ["add_rows", "change_province"])
def test_defect_files_chosen_before_adding_rows_or_changing_province_are_dropped(
        client, world, button):
    """Without the page's script (the form is built to work without it: "a fixed number of
    rows without JS"), "Thêm dòng người đứng đơn" and "Đổi tỉnh" submit the whole form. The
    officer has already chosen the petition's scan; the view returns early for these two
    buttons (routes.new_case: before `_store_new_files`), so the file sent with that submit is
    neither stored nor listed among the files kept for the form ("pending-files"), and
    nothing says so. A browser never re-sends a file input: the officer saves and the case
    has no scan.

    ux.md (Forms): "everything typed is kept" — the project keeps uploads of a refused form
    for this reason (UPLOAD_SESSION_KEY). Right: the files of an add-rows or change-province
    submit are checked and kept like those of a refused save, listed on the page, and
    attached when the form is saved."""
    data = intake_form(world["ward"].code, [person(1)], TODAY, confirm_new="1")
    del data["save"]
    data[button] = "1"
    data["petition_scans"] = [upload(PDF, "don-khieu-nai.pdf")]
    page = client.post("/reception/new", data=data, content_type="multipart/form-data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="pending-files"' in html and "don-khieu-nai.pdf" in html
    again = {k: v for k, v in data.items() if k not in (button, "petition_scans")}
    assert client.post("/reception/new", data={**again, "save": "1"}).status_code == 302
    assert [a.filename for a in db.session.scalars(select(Attachment))] == [
        "don-khieu-nai.pdf"]


# --- The receipt ----------------------------------------------------------------------------

def test_defect_the_receipt_does_not_say_where_to_follow_the_case(client, world):
    """The printed receipt (giấy biên nhận) gives the tracking code and the PIN and says
    "dùng cùng mã hồ sơ để tra cứu kết quả" — but nowhere says where: no address of the
    citizens' look-up (/cong-dan/tra-cuu), no web site at all. The receipt is the only
    thing a walk-in, mail or hotline petitioner takes home.

    ux.md (Citizens' pages): "the next step always stated". Right: the receipt names the
    look-up page's address (the public look-up URL, /cong-dan/…) beside the code and PIN."""
    response = client.post("/reception/new", data=intake_form(
        world["ward"].code, [person(1)], TODAY, confirm_new="1"))
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    receipt = re.search(r'data-testid="receipt">(.*?)</article>', html, re.S).group(1)
    assert "/cong-dan/" in receipt


# --- English ---------------------------------------------------------------------------------

def test_defect_the_desks_routing_history_shows_the_vietnamese_reason_in_english(
        client, world, make_case):
    """The desk routes a case as the routing rule suggests; in English, the case page's
    "Transfers and returns" list (data-testid="routings") reads "Routed → Sở Tài nguyên và
    Môi trường — Lĩnh vực Đất đai → Sở Tài nguyên và Môi trường (quy tắc #1)": the reason
    the system itself wrote, stored in Vietnamese (Routing.reason), printed as stored — while
    the timeline a few lines below words the same reason in English ("Field: Land → … (rule
    #1)", routing.explain_basis over the audit event's basis).

    ux.md (Language): "Vietnamese first, English complete". Right: the routings list words a
    system-made reason in the reader's language, as the timeline does (the officer's own
    typed words stay as typed)."""
    case = make_case(actor=world["reception"], received_on=TODAY - timedelta(days=3))
    db.session.commit()
    client.get("/lang/en?next=/reception/")
    assert client.post(f"/reception/cases/{case.tracking_code}/route",
                       data={"route-agency_code": "STNMT"}).status_code == 302
    html = client.get(f"/reception/cases/{case.tracking_code}").get_data(as_text=True)
    routings = re.search(r'data-testid="routings">(.*?)</ul>', html, re.S).group(1)
    assert "Routed" in routings
    assert "Lĩnh vực" not in routings and "quy tắc" not in routings, routings


# --- Guards (pass on the frozen code) -------------------------------------------------------

def test_guard_the_desk_search_finds_a_signer_typed_without_accents(client, world, make_case):
    """Guard: the desk's search box finds a case by a signer's name typed without accents
    or case ("nguyen van a" for "Nguyễn Văn A"), by the subject's words without accents, and
    by the tracking code typed in lower case; an empty result says so in words."""
    case = make_case(actor=world["reception"], subject="Tranh chấp đất đai tổ dân phố 5")
    db.session.commit()
    for q in ("nguyen van a", "TRANH CHAP dat", case.tracking_code.lower()):
        html = client.get("/reception/search", query_string={"q": q}).get_data(as_text=True)
        assert case.tracking_code in html, q
    html = client.get("/reception/search", query_string={"q": "khongcogi"}).get_data(
        as_text=True)
    assert 'data-testid="no-results"' in html


def test_guard_an_api_intake_whose_routing_is_refused_saves_nothing(world, api):
    """Guard: POST /cases with an agency other than the suggested one and no route_reason is
    refused (422, route_reason) and leaves no case behind; a desk is refused as a target."""
    body = {"kind": "complaint", "field": "land", "subject": "Khiếu nại thu hồi đất",
            "content": "Nội dung", "channel": "mail", "received_on": TODAY.isoformat(),
            "locality_code": "11311",
            "petitioners": [{"full_name": "Lê Văn Tám", "phone": "0912345678"}]}
    answer = api(world["reception"], "POST", "/cases", json={**body, "agency_code": "SXD"})
    assert answer.status_code == 422 and "route_reason" in answer.get_json()["errors"]
    answer = api(world["reception"], "POST", "/cases", json={**body, "agency_code": "BTCD"})
    assert answer.status_code == 422 and "agency_code" in answer.get_json()["errors"]
    db.session.expire_all()
    assert db.session.scalar(select(Case.id)) is None
