"""QA round 17, the citizens' side as a whole (the public pages, the receipt, second
complaints, Open311): what a citizen or a civic app expects. Written failing where a
defect was found, kept with its fix; the other probes guard what already held."""
# ruff: noqa: F811  (pytest fixtures imported from test_public and used as arguments)

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Case, CitizenFeedback, Notification
from complaints.services import public, workflow
from tests.conftest import NOW, TODAY
from tests.integration.test_public import (  # noqa: F401
    NAME,
    PHONE,
    _lookup,
    _progress,
    _resolved,
    desk,
    form,
    receipt,
    submit,
)

pytestmark = pytest.mark.usefixtures("fixed_clock")

KEY = "qa17-key"
VI_LETTERS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _text(html: str) -> str:
    """Visible text, roughly: tags, scripts and attribute values removed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def _leftovers(text: str) -> list[str]:
    """Vietnamese words of an English page outside parentheses (legal terms are given in
    Vietnamese beside their English, ux.md)."""
    text = re.sub(r"\([^()]*\)", " ", text)
    text = re.sub(r"“[^”]*”", " ", text)
    return [w for w in text.split() if VI_LETTERS.search(w)]


def _english(client):
    client.get("/lang/en?next=/")


@pytest.fixture
def o311(app, make_agency):
    app.config["OPEN311_API_KEYS"] = (KEY,)
    make_agency(code="BTCD", name="Ban Tiếp công dân tỉnh")
    db.session.commit()

    def post(fmt="json", **overrides):
        data = {"api_key": KEY, "service_code": "environment", "lat": "20.8449",
                "long": "106.6881", "address_string": "Ngõ 5 Lạch Tray",
                "description": "Rác thải đổ trộm ven sông", "first_name": "Văn An",
                "last_name": "Nguyễn", "email": "an@example.vn", "phone": "0911222333"}
        data.update(overrides)
        data = {k: v for k, v in data.items() if v is not None}
        return app.test_client().post(f"/open311/v2/requests.{fmt}", data=data)

    return post


# --- Submission --------------------------------------------------------------------------

def test_the_same_form_sent_twice_opens_one_case(client, desk):
    """Back and resend, or a second tap with scripts off: one petition, one case (the
    page's one-time token, as a browser sends it)."""
    page = client.get("/cong-dan/gui-don").text
    token = re.search(r'name="draft" type="hidden" value="([^"]+)"', page).group(1)
    first = client.post("/cong-dan/gui-don", data=form(draft=token))
    assert first.status_code == 302
    again = client.post("/cong-dan/gui-don", data=form(draft=token))  # receipt not read yet
    assert again.status_code == 302 and again.headers["Location"].endswith("/cong-dan/da-gui")
    assert _count(Case) == 1
    client.get("/cong-dan/da-gui")
    late = client.post("/cong-dan/gui-don", data=form(draft=token), follow_redirects=True)
    code = db.session.scalar(select(Case.tracking_code))
    assert _count(Case) == 1 and f"mã hồ sơ {code}" in late.text


def test_a_denouncers_receipt_email_does_not_offer_the_phone_lookup(client, desk):
    """A denunciation opens with its PIN only (QA round 10): the e-mail receipt must not
    tell the denouncer they may look it up with their phone number."""
    submit(client, kind="denunciation")
    mail = db.session.scalar(select(Notification))
    assert mail is not None
    assert "số điện thoại" not in mail.body and "phone number" not in mail.body


def test_unknown_kind_is_refused_in_vietnamese(client, desk):
    r = client.post("/cong-dan/gui-don", data=form(kind="petition"))
    assert r.status_code == 422
    assert "Not a valid choice" not in r.text
    assert _count(Case) == 0


def test_long_subject_is_refused_with_a_vietnamese_message_and_kept(client, desk):
    subject = "Đề nghị " + "x" * public.SUBJECT_MAX
    r = client.post("/cong-dan/gui-don", data=form(subject=subject))
    assert r.status_code == 422
    assert "Field cannot be longer" not in r.text
    assert subject in r.text  # what was typed is kept
    assert _count(Case) == 0


def test_a_refused_form_in_english_says_why_in_english(client, desk):
    _english(client)
    r = client.post("/cong-dan/gui-don", data=form(phone="", email="", address=""))
    assert r.status_code == 422
    summary = re.search(r'data-testid="error-summary".*?</div>', r.text, re.S).group(0)
    assert not VI_LETTERS.search(_text(summary)), _text(summary)


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_wrong_methods_on_the_form_are_405_not_500(client, desk, method):
    r = getattr(client, method)("/cong-dan/gui-don")
    assert r.status_code == 405


def test_a_huge_tracking_code_is_answered_calmly(client, desk):
    r = _lookup(client, "A" * 100_000, "123456")
    assert r.status_code in (200, 400, 422)


# --- Rating ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["6", "0", "-1", "abc", "4.5", "99999999999999999999"])
def test_a_rating_out_of_range_is_refused_in_words(client, desk, make_user, make_agency,
                                                   value):
    _resolved(client, make_user, make_agency)
    r = client.post("/cong-dan/ho-so/danh-gia", data={"rating_result": value,
                                                      "rating_service": "4"})
    assert r.status_code == 422
    assert 'data-testid="error-summary"' in r.text
    assert "Not a valid" not in r.text
    assert _count(CitizenFeedback) == 0


def test_a_rating_comment_with_control_characters_is_refused(client, desk, make_user,
                                                            make_agency):
    _resolved(client, make_user, make_agency)
    r = client.post("/cong-dan/ho-so/danh-gia", data={"rating_result": "4",
                                                      "rating_service": "4",
                                                      "comment": "tốt\x07\x1b[31m"})
    assert r.status_code == 422
    assert _count(CitizenFeedback) == 0


def test_a_rating_comment_too_long_keeps_the_choices(client, desk, make_user, make_agency):
    _resolved(client, make_user, make_agency)
    r = client.post("/cong-dan/ho-so/danh-gia", data={
        "rating_result": "2", "rating_service": "3",
        "comment": "x" * (public.COMMENT_MAX + 1)})
    assert r.status_code == 422
    assert re.search(r'value="2"[^>]*checked|checked[^>]*value="2"', r.text)


def test_no_rating_before_a_result(client, desk, make_user, make_agency):
    code, pin = receipt(submit(client).text)
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    _progress(case, make_user, make_agency)
    html = _lookup(client, code, pin).text
    assert 'data-testid="feedback-form"' not in html
    r = client.post("/cong-dan/ho-so/danh-gia", data={"rating_result": "5",
                                                      "rating_service": "5"})
    assert r.status_code == 422
    assert _count(CitizenFeedback) == 0


# --- Second complaint --------------------------------------------------------------------

def test_a_second_complaint_reason_with_control_characters_is_refused(
        client, desk, make_user, make_agency):
    case, _province = _resolved(client, make_user, make_agency)
    r = client.post("/cong-dan/ho-so/khieu-nai-lan-hai",
                    data={"reason": "Không đồng ý\x07\x1b[2J", "confirm": "y"})
    assert r.status_code == 422
    assert db.session.scalar(select(func.count(Case.id))
                             .where(Case.parent_case_id == case.id)) == 0


def test_a_second_complaint_does_not_name_a_petitioner_who_withdrew(
        client, desk, make_user, make_agency, make_case):
    province = make_agency(code="UBND-T", name="Ủy ban nhân dân tỉnh", level="province")
    case = make_case(petitioners=2, received_on=TODAY)
    pin = case.test_pin
    agency, head = _progress(case, make_user, make_agency, parent=province)
    leaver = case.petitions[0].signers[1].petitioner
    workflow.withdraw(case, "Tôi không theo đuổi nữa", head, NOW, TODAY, decided_on=TODAY,
                      petitioner_ids=[leaver.id])
    workflow.resolve(case, "wrong", "9/QĐ", "Giữ nguyên.", head, NOW, TODAY, decided_on=TODAY)
    db.session.commit()
    _lookup(client, case.tracking_code, pin)
    r = client.post("/cong-dan/ho-so/khieu-nai-lan-hai",
                    data={"reason": "Không đồng ý với quyết định.", "confirm": "y"})
    assert r.status_code == 302
    second = db.session.scalar(select(Case).where(Case.parent_case_id == case.id))
    names = [s.petitioner.full_name for p in second.petitions for s in p.signers]
    assert leaver.full_name not in names, names


def test_a_second_complaint_when_the_agency_above_is_closed_is_not_a_500(
        client, desk, make_user, make_agency):
    case, province = _resolved(client, make_user, make_agency)
    province.active = False
    db.session.commit()
    r = client.post("/cong-dan/ho-so/khieu-nai-lan-hai",
                    data={"reason": "Không đồng ý với quyết định.", "confirm": "y"})
    assert r.status_code < 500
    html = client.get("/cong-dan/ho-so").text
    assert 'data-testid="appeal-form"' not in html  # not offered to an agency that is gone


# --- Pages and language ------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/cong-dan/", "/cong-dan/gui-don", "/cong-dan/tra-cuu"])
def test_english_public_pages_have_no_vietnamese_left(client, desk, path):
    _english(client)
    html = client.get(path).text
    body = re.search(r"<main\b.*?</main>", html, re.S)
    text = _text(body.group(0) if body else html)
    # Field and commune names are data (they may lack English); strip select options.
    text = _text(re.sub(r"<select\b.*?</select>", " ", body.group(0) if body else html,
                        flags=re.S))
    found = _leftovers(text)
    assert not found, found[:20]


def test_english_receipt_page_has_no_vietnamese_left(client, desk):
    _english(client)
    r = submit(client)
    body = re.search(r"<main\b.*?</main>", r.text, re.S)
    text = _text(body.group(0) if body else r.text)
    found = _leftovers(text)
    assert not found, found[:20]


def test_english_case_page_has_no_vietnamese_left(client, desk, make_user, make_agency):
    _resolved(client, make_user, make_agency)
    _english(client)
    html = client.get("/cong-dan/ho-so").text
    body = re.search(r"<main\b.*?</main>", html, re.S)
    text = _text(body.group(0) if body else html)
    for data in ("Thu hồi đất", "Giữ nguyên quyết định thu hồi đất.", "123/QĐ-STNMT",
                 "Sở Tài nguyên và Môi trường", "Ủy ban nhân dân tỉnh"):
        text = text.replace(data, " ")
    found = _leftovers(text)
    assert not found, found[:20]


def test_lookup_throttled_page_in_english(app, client, desk):
    app.config["LOOKUP_LIMIT"] = "1 per minute"
    _english(client)
    _lookup(client, "2026-AAAAAAAA", "000000")
    r = _lookup(client, "2026-AAAAAAAA", "000000")
    assert r.status_code == 429
    body = re.search(r"<main\b.*?</main>", r.text, re.S)
    text = _text(body.group(0) if body else r.text)
    assert not VI_LETTERS.search(text), text


# --- Open311 -----------------------------------------------------------------------------

def test_open311_a_description_within_its_limit_is_not_refused_for_length(o311):
    """The posting app sends a description of CONTENT_MAX characters and a location: the
    location the system appends itself must not make the description 'too long'."""
    r = o311(description="Rác " + "x" * (public.CONTENT_MAX - 4))
    assert r.status_code == 200, r.get_json()


def test_open311_address_id_outside_the_province_is_refused(o311, make_locality):
    make_locality(code="01", name="Thành phố Hà Nội", level="province")
    make_locality(code="99999", name="Xã Ngoài Tỉnh", province_code="01")
    db.session.commit()
    r = o311(address_id="99999")
    assert r.status_code == 400, r.get_json()


def test_open311_status_list_with_a_trailing_comma(client, o311):
    r = client.get("/open311/v2/requests.json?status=open,")
    assert r.status_code == 200


def test_open311_invisible_description_is_the_documented_message(o311):
    r = o311(description="\u200b\u200b")
    assert r.status_code == 400
    assert r.get_json()[0]["description"] == "description: Nhập nội dung đơn."


# --- Batch 2 -----------------------------------------------------------------------------

def test_a_second_complaint_keeps_the_petitioners_of_later_letters(
        client, desk, make_user, make_agency, make_case):
    """A co-complainant who joined with a later letter on the same case (đơn trùng,
    nhiều người) disagrees with the decision too: the second round names them as well."""
    from complaints.services import intake

    province = make_agency(code="UBND-T", name="Ủy ban nhân dân tỉnh", level="province")
    case = make_case(received_on=date(2026, 11, 20))
    pin = case.test_pin
    officer = make_user("reception")
    intake.add_petition(case, intake.PetitionData(
        channel="walk_in", received_on=date(2026, 11, 21),
        petitioners=[intake.PetitionerData(full_name="Phạm Thị Hoa", phone="0987654321")]),
        officer, NOW, TODAY)
    agency, head = _progress(case, make_user, make_agency, parent=province)
    workflow.resolve(case, "wrong", "9/QĐ", "Giữ nguyên.", head, NOW, TODAY, decided_on=TODAY)
    db.session.commit()
    _lookup(client, case.tracking_code, pin)
    r = client.post("/cong-dan/ho-so/khieu-nai-lan-hai",
                    data={"reason": "Không đồng ý với quyết định.", "confirm": "y"})
    assert r.status_code == 302
    second = db.session.scalar(select(Case).where(Case.parent_case_id == case.id))
    names = [s.petitioner.full_name for p in second.petitions for s in p.signers]
    assert "Phạm Thị Hoa" in names, names


def test_a_second_complaint_paused_by_the_limit_keeps_what_was_typed(
        app, client, desk, make_user, make_agency):
    _resolved(client, make_user, make_agency)
    app.config["SUBMIT_ATTEMPT_LIMIT"] = "1 per hour"  # a flood of posts: legitimately 429
    reason = "Quyết định không xem xét biên bản đo đạc ngày 3/5 và sổ đỏ cấp năm 1998."
    client.post("/cong-dan/ho-so/khieu-nai-lan-hai", data={"reason": "x", "confirm": ""})
    r = client.post("/cong-dan/ho-so/khieu-nai-lan-hai", data={"reason": reason,
                                                               "confirm": "y"})
    assert r.status_code == 429
    assert reason in r.text  # the citizen does not lose a long text
    assert re.search(r"\d{2}:\d{2}", _text(r.text))  # and is told when to come back


def test_refused_second_complaint_posts_do_not_count_as_filed(client, desk, make_user,
                                                              make_agency):
    """SUBMIT_LIMIT counts filed petitions only (routes.py: 'like the online form: only
    what was filed counts'): five posts without the confirmation tick, then the right one."""
    case, _province = _resolved(client, make_user, make_agency)
    for _ in range(5):
        assert client.post("/cong-dan/ho-so/khieu-nai-lan-hai",
                           data={"reason": "Không đồng ý.", "confirm": ""}).status_code == 422
    r = client.post("/cong-dan/ho-so/khieu-nai-lan-hai",
                    data={"reason": "Không đồng ý.", "confirm": "y"})
    assert r.status_code == 302, r.status_code
    assert db.session.scalar(select(func.count(Case.id))
                             .where(Case.parent_case_id == case.id)) == 1


def test_the_second_complaints_receipt_states_the_next_deadline(
        client, desk, make_user, make_agency):
    """ux.md: the next step always stated with its date, as the first receipt does."""
    case, _province = _resolved(client, make_user, make_agency)
    r = client.post("/cong-dan/ho-so/khieu-nai-lan-hai",
                    data={"reason": "Không đồng ý với quyết định.", "confirm": "y"},
                    follow_redirects=True)
    second = db.session.scalar(select(Case).where(Case.parent_case_id == case.id))
    due = second.deadline("acceptance")
    assert due is not None
    assert due.due_on.strftime("%d/%m/%Y") in r.text


def test_open311_a_province_is_no_address_id_of_a_matter(o311, make_locality):
    make_locality(code="12345", name="Phường Cát Dài")  # also creates province 31
    db.session.commit()
    r = o311(address_id="31")
    assert r.status_code == 400, r.get_json()


def test_lookup_accepts_a_code_in_lower_case_with_spaces(client, desk):
    code, pin = receipt(submit(client).text)
    html = _lookup(client, f" {code.lower()} ", f" {pin} ").text
    assert 'data-testid="timeline"' in html


@pytest.mark.parametrize("status", ["received", "routed", "returned", "accepted",
                                    "suspended", "resolved", "closed", "filed", "guided",
                                    "forwarded", "not_accepted", "withdrawn"])
def test_every_status_reads_in_english(client, desk, status):
    code, pin = receipt(submit(client).text)
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    case.status = status
    db.session.commit()
    _lookup(client, code, pin)
    _english(client)
    html = client.get("/cong-dan/ho-so").text
    block = re.search(r'data-testid="case-status".*?</div>', html, re.S).group(0)
    assert not _leftovers(_text(block)), _text(block)


def test_the_english_timeline_reads_in_english(client, desk, make_user, make_agency):
    code, pin = receipt(submit(client, kind="feedback").text)
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    agency, head = _progress(case, make_user, make_agency)
    agency.name_en = "Department of Natural Resources"
    workflow.suspend(case, "Chờ kết quả giám định", head, NOW, TODAY, decided_on=TODAY)
    workflow.resume(case, head, NOW, TODAY, decided_on=TODAY)
    workflow.extend(case, 10, "Vụ việc phức tạp", head, NOW, TODAY)
    db.session.commit()
    _lookup(client, code, pin)
    _english(client)
    html = client.get("/cong-dan/ho-so").text
    block = re.search(r'data-testid="timeline".*?</ol>', html, re.S).group(0)
    text = _text(block).replace("Vụ việc phức tạp", " ").replace("Chờ kết quả giám định", " ")
    assert not _leftovers(text), text


# --- Batch 3 -----------------------------------------------------------------------------

def test_a_too_big_upload_keeps_the_typed_petition(client, desk):
    """Over MAX_CONTENT_LENGTH the request is not read at all: the form page (not a bare
    error page) says the files were too big and the petition was not received. The page's
    script stops such files before sending, keeping the text: tests/browser
    test_citizen_story checks it."""
    import io

    data = form(content="Nội dung dài mà người dân đã gõ trên điện thoại.")
    data["attachments"] = [(io.BytesIO(b"\xff\xd8\xff" + b"0" * (21 * 1024 * 1024)),
                            "anh.jpg")]
    r = client.post("/cong-dan/gui-don", data=data, content_type="multipart/form-data")
    assert r.status_code == 413
    assert 'data-testid="submit-form"' in r.text or 'name="subject"' in r.text
    assert "nội dung chưa được nhận" in r.text
    assert 'data-max-bytes="5242880"' in r.text
    assert _count(Case) == 0


def test_a_returned_case_promises_no_acceptance_by_the_agency_that_returned_it(
        client, desk, make_user, make_agency):
    code, pin = receipt(submit(client).text)
    case = db.session.scalar(select(Case).where(Case.tracking_code == code))
    a = make_agency(code="SA", name="Sở Xây dựng")
    make_agency(code="SB", name="Sở Tài nguyên")
    head = make_user("agency_head", agency=a)
    workflow.route(case, "SA", None, NOW, TODAY)
    workflow.return_case(case, "Không thuộc thẩm quyền", "SB", head, NOW, TODAY,
                         decided_on=TODAY)
    db.session.commit()
    html = _lookup(client, code, pin).text
    block = re.search(r'data-testid="deadlines".*?</ul>', html, re.S)
    assert block is not None
    assert "Thụ lý (cơ quan nhận giải quyết)" not in block.group(0)


def test_after_a_second_round_decision_the_citizen_is_told_what_remains(
        client, desk, make_user, make_agency):
    """Law on Complaints Art. 7(2): after the second decision the complainant may sue at
    the administrative court; ux.md: the next step is always stated."""
    case, province = _resolved(client, make_user, make_agency)
    r = client.post("/cong-dan/ho-so/khieu-nai-lan-hai",
                    data={"reason": "Không đồng ý với quyết định.", "confirm": "y"},
                    follow_redirects=True)
    code, pin = receipt(r.text)
    second = db.session.scalar(select(Case).where(Case.tracking_code == code))
    head = make_user("agency_head", agency=province)
    workflow.accept(second, head, NOW, TODAY, decided_on=TODAY)
    workflow.resolve(second, "upheld", "77/QĐ-UBND", "Giữ nguyên.", head, NOW, TODAY,
                     decided_on=TODAY)
    db.session.commit()
    html = _lookup(client, code, pin).text
    assert "Tòa án" in html or "tòa án" in html, _text(html)[-1500:]


def test_open311_list_items_have_the_documented_keys(client, o311):
    assert o311().status_code == 200
    items = client.get("/open311/v2/requests.json").get_json()
    keys = {"service_request_id", "status", "status_notes", "service_name", "service_code",
            "agency_responsible", "service_notice", "requested_datetime",
            "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
            "lat", "long"}
    assert items and set(items[0]) == keys
    assert items[0]["status"] == "open" and items[0]["expected_datetime"].endswith("+07:00")
    one = client.get(f"/open311/v2/requests/{items[0]['service_request_id']}.xml")
    root = ET.fromstring(one.data)  # noqa: S314
    assert {c.tag for c in root[0]} == keys


def test_open311_a_denunciation_read_by_id_has_no_location(client, o311, make_case):
    case = make_case(kind="denunciation")
    case.latitude, case.longitude, case.address_string = 20.8, 106.6, "Nhà ông A"
    db.session.commit()
    item = client.get(f"/open311/v2/requests/{case.tracking_code}.json").get_json()[0]
    assert item["lat"] is None and item["long"] is None and item["address"] != "Nhà ông A"
    listed = client.get("/open311/v2/requests.json").get_json()
    assert case.tracking_code not in [i["service_request_id"] for i in listed]


@pytest.mark.parametrize("query", ["start_date=2026-02-30", "end_date=yesterday",
                                   "start_date=%00", "service_code=nope",
                                   "status=pending"])
def test_open311_bad_filters_are_400_in_shape(client, o311, query):
    r = client.get(f"/open311/v2/requests.json?{query}")
    assert r.status_code == 400
    body = r.get_json()
    assert isinstance(body, list) and body[0]["code"] == 400 and body[0]["description"]


@pytest.mark.parametrize(("name", "value"), [("lat", "1e999"), ("lat", "nan"),
                                             ("long", "-inf"), ("lat", "20,5")])
def test_open311_odd_numbers_are_400(o311, name, value):
    r = o311(**{name: value})
    assert r.status_code == 400, r.get_json()


def test_open311_english_post_answer_is_english_only(client, o311):
    r = o311()
    notice = r.get_json()[0]["service_notice"]
    r_en = client.post("/open311/v2/requests.json?lang=en", data={
        "api_key": KEY, "service_code": "environment", "address_string": "Ngõ 5",
        "description": "Rác thải", "first_name": "An", "last_name": "Nguyễn",
        "phone": "0911222444"})
    assert r_en.status_code == 200
    assert "Đã nhận" not in r_en.get_json()[0]["service_notice"], notice


# --- Batch 4 -----------------------------------------------------------------------------

def test_open311_too_many_posts_is_a_georeport_429(app, o311):
    app.config["OPEN311_POST_LIMIT"] = "1 per hour"
    assert o311().status_code == 200
    r = o311(phone="0911222444")
    assert r.status_code == 429
    body = r.get_json()
    assert body[0]["code"] == 429 and body[0]["description"]


def test_the_paused_form_reads_in_english(app, client, desk):
    app.config["SUBMIT_LIMIT"] = "1 per hour"
    _english(client)
    assert submit(client).status_code == 200
    r = client.post("/cong-dan/gui-don", data=form(phone="0912000111"))
    assert r.status_code == 429
    block = re.search(r'data-testid="submit-paused".*?</div>', r.text, re.S).group(0)
    assert not _leftovers(_text(block)), _text(block)


def test_markup_in_a_subject_is_shown_as_text(client, desk):
    code, pin = receipt(submit(client, subject='<img src=x onerror="alert(1)">').text)
    html = _lookup(client, code, pin).text
    assert '<img src=x' not in html and "&lt;img" in html


@pytest.mark.parametrize(("method", "path"), [("get", "/cong-dan/ho-so/danh-gia"),
                                              ("get", "/cong-dan/ho-so/khieu-nai-lan-hai"),
                                              ("get", "/cong-dan/ho-so/thoat"),
                                              ("get", "/cong-dan/khong-co-trang-nay")])
def test_odd_paths_and_methods_answer_a_page_not_a_500(client, desk, method, path):
    r = getattr(client, method)(path)
    assert r.status_code in (404, 405)
    assert "<html" in r.text and "Traceback" not in r.text


def test_the_case_page_forgets_nothing_after_leave(client, desk):
    code, pin = receipt(submit(client).text)
    _lookup(client, code, pin)
    client.post("/cong-dan/ho-so/thoat")
    r = client.get("/cong-dan/ho-so")
    assert r.status_code == 302 and "/cong-dan/tra-cuu" in r.headers["Location"]



def test_switching_language_on_the_receipt_does_not_lose_the_pin(client, desk):
    """A citizen who reads English taps "English" on the receipt page (the link the page
    itself offers): the PIN, shown only once, must still be there to write down."""
    r = submit(client)
    code, pin = receipt(r.text)
    link = re.search(r'href="(/lang/en[^"]*)"', r.text).group(1).replace("&amp;", "&")
    again = client.get(link, follow_redirects=True)
    assert pin in again.text, again.request.path
