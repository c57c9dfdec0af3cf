"""QA round 46 — the citizens' side as a whole (online form, receipt, look-up, the case page
at every status, rating, second complaint, withdrawal, letter splitting, lead designation,
Open311). One test per defect; each fails on the code as it was found."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case
from complaints.services import inspector_actions, splitting, workflow
from tests.conftest import NOW, TODAY
from tests.integration.test_public import PHONE, _lookup, receipt, submit

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


@pytest.fixture
def world(make_agency, make_user):
    """The online desk (BTCD), a province with two departments under it, their heads."""
    desk = make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh", is_reception_desk=True)
    reception = make_user("reception", agency=desk)
    province = make_agency(code="UBND-T", name="Ủy ban nhân dân tỉnh", level="province")
    land = make_agency(code="STNMT", name="Sở Tài nguyên và Môi trường", parent=province)
    building = make_agency(code="SXD", name="Sở Xây dựng", parent=province)
    head = make_user("agency_head", agency=land)
    db.session.commit()
    return {"desk": desk, "reception": reception, "province": province, "land": land,
            "building": building, "head": head}


def _online(client, **overrides) -> tuple[Case, str]:
    code, pin = receipt(submit(client, **overrides).get_data(as_text=True))
    return db.session.scalar(select(Case).where(Case.tracking_code == code)), pin


def _timeline(html: str) -> str:
    return re.search(r'data-testid="timeline">(.*?)</ol>', html, re.S).group(1)


def test_defect_a_petitioner_who_withdrew_files_a_second_complaint_in_the_others_names(
        client, world, make_case):
    """Two people sign a complaint; A withdraws (workflow.withdraw, petitioner_ids=[A]) and
    the case goes on for B, is decided. A opens the case with A's own phone number: the page
    tells A "Bạn có quyền khiếu nại lần hai" and shows the form, and what A sends opens a
    second complaint whose only complainant is B (public._still_standing leaves the withdrawn
    out) — a complaint lodged at the province in the name of someone who never asked.

    domain.md (withdrawn): "with several petitioners the case goes on while any remains" —
    for those who remain. A's complaint ended with the withdrawal: A is not offered a second
    complaint filed in others' names (offer it, if at all, in A's own name only); nothing is
    ever filed for B without B. (The session knows who opened the page by phone.)"""
    case = make_case(actor=world["reception"], petitioners=2, received_on=TODAY)
    a, b = [s.petitioner for s in case.petitions[0].signers]
    workflow.withdraw(case, "Tôi rút đơn", world["reception"], NOW, TODAY,
                      petitioner_ids=[a.id])
    workflow.route(case, "STNMT", world["reception"], NOW, TODAY)
    workflow.accept(case, world["head"], NOW, TODAY)
    workflow.resolve(case, "wrong", "12/QĐ-STNMT", "Giữ nguyên quyết định.", world["head"],
                     NOW, TODAY)
    db.session.commit()

    page = _lookup(client, case.tracking_code, a.phone).get_data(as_text=True)
    assert 'data-testid="timeline"' in page  # A opened it with A's phone
    client.post("/cong-dan/ho-so/khieu-nai-lan-hai",
                data={"reason": "Tôi không đồng ý với quyết định.", "confirm": "y"})
    second = db.session.scalar(select(Case).where(Case.parent_case_id == case.id))
    names = [] if second is None else [s.petitioner_id for p in second.petitions
                                       for s in p.signers]
    assert second is None or a.id in names, (
        f"second complaint {second.tracking_code} filed by A in the name of {names} only "
        f"(B = {b.id})")


def test_defect_a_citizen_is_never_told_of_the_part_split_off_their_letter(client, world):
    """A citizen sends one letter online that complains and also recommends; the desk splits
    the recommendation into a case of its own (splitting.split_case). Its tracking code and
    PIN are shown only to the desk (the printed receipt, docs/splitting.md); the citizen who
    sent the letter online holds only the first code and PIN. The first case's page says
    nothing of the split (case_split is not a public event), so the citizen never learns the
    second code — and without the code neither the PIN nor the phone opens it. (For a split-
    off denunciation the status e-mails even say "tra cứu bằng mã PIN trên giấy biên nhận"
    for a receipt the citizen never had.)

    ux.md (Citizens' pages): the next step always stated; the brief's question "can each
    signer follow both parts?". Right: the first case's page says that part of the letter is
    handled as a separate case and names its tracking code (followable by phone, as any
    non-denunciation case) — for parts that carry no confidentiality; a denunciation part's
    code and PIN go to the denouncer by the desk (not on a page other petitioners read)."""
    case, pin = _online(client, content="Tôi khiếu nại quyết định thu hồi đất số 12. "
                                        "Tôi kiến nghị sửa đường liên xã.")
    part, _part_pin = splitting.split_case(case, splitting.SplitData(
        kind="recommendation", field_code="land", subject="Kiến nghị sửa đường liên xã",
        content="Kiến nghị sửa đường liên xã.",
        kept_content="Tôi khiếu nại quyết định thu hồi đất số 12."),
        world["reception"], NOW, TODAY)
    db.session.commit()
    # The part is the citizen's and opens with their phone, once its code is known.
    assert 'data-testid="timeline"' in _lookup(client, part.tracking_code, PHONE).text
    client.post("/cong-dan/ho-so/thoat")

    page = _lookup(client, case.tracking_code, pin).get_data(as_text=True)
    assert 'data-testid="timeline"' in page
    assert part.tracking_code in page, "the first case's page never names the split-off part"


def test_defect_a_case_moved_to_a_designated_lead_agency_has_no_step_in_the_timeline(
        client, world, make_user):
    """An accepted complaint is given to a lead agency by an inspector
    (inspector_actions.set_lead; the same move_to_lead as a supervisor's designation after an
    evasion). Its status goes back to "routed" at Sở Xây dựng with a new acceptance deadline,
    but the public timeline (services/public.PUBLIC_ACTIONS lacks lead_set_by_inspector,
    lead_designated, taken_up_by_inspectorate) still ends with "Đã thụ lý — cơ quan đã nhận
    giải quyết" by Sở Tài nguyên và Môi trường, while the status line above says "đang chờ
    thụ lý" and the agency line names another agency: the citizen sees an accepted case
    un-accepted, with no step saying why or where it went.

    ux.md (the case page: "the timeline of every event … when"; Citizens' pages: plain
    language, the next step stated). Right: a public step "Đã chuyển đến Sở Xây dựng (cơ quan
    chủ trì được chỉ định)" dated the designation, without the inspector's note."""
    case, pin = _online(client)
    workflow.route(case, "STNMT", world["reception"], NOW, TODAY)
    workflow.accept(case, world["head"], NOW, TODAY)
    db.session.commit()
    inspector_actions.set_lead(case, "SXD", "Giao Sở Xây dựng chủ trì giải quyết",
                               make_user("inspector"), NOW, TODAY)
    db.session.commit()

    page = _lookup(client, case.tracking_code, pin).get_data(as_text=True)
    assert "Sở Xây dựng" in page  # the summary names the new agency
    assert "đang chờ thụ lý" in page
    assert "Sở Xây dựng" in _timeline(page), "the timeline never says the case moved"


def test_defect_a_suspended_case_says_neither_why_nor_what_comes_next(client, world):
    """The agency suspends an accepted complaint (workflow.suspend, reason "Chờ kết quả giám
    định của cơ quan chuyên môn"). The citizen's page says only "Tạm đình chỉ — thời hạn giải
    quyết tạm dừng" and a timeline step "Tạm đình chỉ giải quyết": the reason recorded for
    the decision is dropped (public_timeline keeps the reason of an extension and of a
    refusal, not of a suspension) and no next step is stated (case.html states one for
    guided and forwarded petitions only) — while promising no date is right (the clock is
    stopped), the citizen is left with no idea why or until when.

    ux.md (Citizens' pages): "the next step always stated", plain language. Right: the
    suspension's reason on its timeline step, and a next step in words, e.g. "Cơ quan tiếp
    tục giải quyết khi lý do tạm đình chỉ không còn; thời hạn còn lại được tính tiếp từ
    ngày có quyết định tiếp tục giải quyết"."""
    case, pin = _online(client)
    workflow.route(case, "STNMT", world["reception"], NOW, TODAY)
    workflow.accept(case, world["head"], NOW, TODAY)
    workflow.suspend(case, "Chờ kết quả giám định của cơ quan chuyên môn", world["head"],
                     NOW, TODAY)
    db.session.commit()

    page = _lookup(client, case.tracking_code, pin).get_data(as_text=True)
    assert "Tạm đình chỉ" in page
    assert "Chờ kết quả giám định của cơ quan chuyên môn" in page, "no reason given"
    assert 'data-testid="case-next-step"' in page, "no next step stated"


@pytest.mark.parametrize("query", [
    "start_date=9999-12-31T23:59:59-12:00",
    "end_date=0001-01-01T00:00:00%2B14:00",
])
def test_defect_open311_answers_500_for_a_valid_date_time_at_the_calendar_edge(
        app, client, world, query):
    """GET /open311/v2/requests.json?start_date=9999-12-31T23:59:59-12:00 is a well-formed
    W3C date-time; services/open311._parse_when turns it into Vietnam time
    (moment.astimezone(LOCAL_TZ)), which overflows past year 9999 (or before year 1) and
    raises OverflowError: the app answers 500 "Đã có lỗi xảy ra".

    docs/open311.md (Errors): "400 bad or missing parameter". Right: a 400 in GeoReport's
    shape ("start_date phải là ngày giờ theo định dạng W3C." or a range message), or the date
    clamped to the calendar's limits; never a 500."""
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    response = client.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400, (response.status_code, response.get_data(as_text=True))
    assert response.get_json()[0]["code"] == 400
