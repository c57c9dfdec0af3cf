"""QA round 97 — defects on the citizens' side, a section per defect (D1 and D2 are fixed
elsewhere)."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from sqlalchemy import select
from wtforms import PasswordField, StringField, TextAreaField

from complaints.domain import text
from complaints.extensions import db
from complaints.models import Case, CitizenFeedback
from complaints.services import intake, public
from complaints.web.forms import Form
from tests.integration.test_public import _lookup, desk, form, receipt, submit  # noqa: F401
from tests.integration.test_public_appeal import decided  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")

# --- D3: no maxlength on the citizens' fields ------------------------------------------

def test_the_citizens_fields_carry_no_maxlength(client, desk):  # noqa: F811
    """A browser cuts a pasted text to maxlength without a word; the server says so."""
    for path in ("/cong-dan/gui-don", "/cong-dan/tra-cuu"):
        html = client.get(path).get_data(as_text=True)
        assert 'name="subject"' in html or 'name="tracking_code"' in html
        assert "maxlength" not in html, path


def test_the_rating_and_second_complaint_fields_carry_no_maxlength(client, decided):  # noqa: F811
    decided()
    html = client.get("/cong-dan/ho-so").get_data(as_text=True)
    assert 'name="comment"' in html and 'name="reason"' in html
    assert "maxlength" not in html


def test_a_letter_over_the_limit_is_refused_whole_with_the_limit_named(client, desk):  # noqa: F811
    letter = "Nội dung rất dài. " * (public.CONTENT_MAX // 18 + 10) + "Tôi đề nghị xem xét lại."
    response = client.post("/cong-dan/gui-don", data=form(content=letter))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"Không quá {public.CONTENT_MAX} ký tự." in html
    assert letter in html  # kept whole in its box, to be shortened
    assert db.session.scalar(select(Case.id)) is None


# --- D4: text composed to NFC before it is measured and saved ---------------------------

SUBJECT = ("Đề nghị xem xét việc thu hồi đất ở phường Hồng Bàng, quận cũ Hồng Bàng, nay thuộc "
           "thành phố Hải Phòng, không đúng quy định về bồi thường, hỗ trợ, tái định cư, gây "
           "thiệt hại cho gia đình tôi; đề nghị Ủy ban nhân dân thành phố xem xét lại quyết "
           "định")
NFD_SUBJECT = unicodedata.normalize("NFD", SUBJECT)


def test_a_subject_typed_in_combining_marks_is_measured_as_it_reads(client, desk):  # noqa: F811
    assert len(SUBJECT) < public.SUBJECT_MAX < len(NFD_SUBJECT)
    nfd_name = unicodedata.normalize("NFD", "Trần Thị Bích Ngọc")
    response = client.post("/cong-dan/gui-don", data=form(subject=NFD_SUBJECT,
                                                          full_name=nfd_name))
    assert response.status_code == 302
    case = db.session.scalar(select(Case))
    assert case.subject == SUBJECT
    assert case.petitions[0].signers[0].petitioner.full_name == "Trần Thị Bích Ngọc"


def test_the_service_composes_what_the_api_hands_it(app):
    """Open311 and the JSON API build the services' data themselves, without a form."""
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn Ánh")
    online = public.OnlineSubmission(kind="complaint", field_code="land", subject=NFD_SUBJECT,
                                     content=nfd, full_name=nfd, address=nfd)
    assert (online.subject, online.content, online.full_name, online.address) == (
        SUBJECT, "Nguyễn Văn Ánh", "Nguyễn Văn Ánh", "Nguyễn Văn Ánh")
    person = intake.PetitionerData(full_name=nfd, address=nfd)
    assert person.full_name == person.address == "Nguyễn Văn Ánh"
    case = intake.CaseData(kind="complaint", field_code="land", subject=NFD_SUBJECT,
                           content=nfd, locality_code=None,
                           petition=intake.PetitionData(channel="mail", received_on=None,
                                                        petitioners=[person], content=nfd))
    assert case.subject == SUBJECT and case.content == case.petition.content == "Nguyễn Văn Ánh"


def test_an_open311_description_in_combining_marks_is_stored_composed(app, client, desk):  # noqa: F811
    app.config["OPEN311_API_KEYS"] = ("k" * 32,)
    description = unicodedata.normalize("NFD", "Rác thải đổ trộm ven sông Lạch Tray")
    response = client.post("/open311/v2/requests.json", data={
        "api_key": "k" * 32, "service_code": "environment", "lat": "20.8449",
        "long": "106.6881", "address_string": unicodedata.normalize("NFD", "Ngõ 5 Lạch Tray"),
        "description": description, "first_name": "Văn An", "last_name": "Nguyễn",
        "phone": "0911222333"})
    assert response.status_code == 200, response.get_data(as_text=True)
    case = db.session.scalar(select(Case))
    assert case.subject == "Rác thải đổ trộm ven sông Lạch Tray"
    assert case.content.startswith("Rác thải đổ trộm ven sông Lạch Tray")
    assert case.address_string == "Ngõ 5 Lạch Tray"


def test_every_form_composes_its_text_but_not_a_password(app):
    class Sample(Form):
        line = StringField()
        text = TextAreaField()
        secret = PasswordField()

    nfd = unicodedata.normalize("NFD", "Hồng Bàng")
    with app.test_request_context(method="POST", data={"line": nfd, "text": nfd,
                                                       "secret": nfd}):
        sample = Sample(meta={"csrf": False})
    assert sample.line.data == sample.text.data == "Hồng Bàng"
    assert sample.secret.data == nfd  # hashed as typed, as it was when it was set
    assert text.nfc(None) is None and text.nfc("abc") == "abc"


# --- D5: error pages on the citizens' addresses lead back to them ------------------------

def _main(response) -> str:
    return re.search(r"<main.*?</main>", response.get_data(as_text=True), re.S).group(0)


@pytest.mark.parametrize(("path", "status"), [("/cong-dan/khong-co", 404),
                                              ("/cong-dan/ho-so/danh-gia", 405)])
def test_a_citizens_error_page_leads_to_the_citizens_home(client, desk, path, status):  # noqa: F811
    response = client.get(path)
    assert response.status_code == status
    links = re.findall(r'href="([^"#]+)"', _main(response))
    assert links == ["/cong-dan/"], links


def test_an_officials_error_page_still_leads_to_the_root(client):
    response = client.get("/agency/khong-co")
    assert response.status_code == 404
    assert re.findall(r'href="([^"#]+)"', _main(response)) == ["/"]


@pytest.mark.parametrize(("path", "again"), [
    ("/cong-dan/gui-don", "/cong-dan/gui-don"),
    ("/cong-dan/tra-cuu", "/cong-dan/tra-cuu"),
    ("/cong-dan/ho-so/danh-gia", "/cong-dan/ho-so"),
    ("/cong-dan/ho-so/khieu-nai-lan-hai", "/cong-dan/ho-so"),
])
def test_a_citizens_form_sent_too_late_links_to_the_form_again(app, client, desk, path, again):  # noqa: F811
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(path, data=form(csrf_token="stale"))
    assert response.status_code == 400
    main = _main(response)
    assert re.findall(r'href="([^"#]+)"', main) == [again, "/cong-dan/"]
    assert "Phiên làm việc" not in main and "Biểu mẫu đã mở quá lâu" in main
    assert "mở lại biểu mẫu" in main  # what the tab's draft notice (drafts.js) is named by


def test_an_officials_form_sent_too_late_keeps_its_words(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/login", data={"username": "x", "password": "y",
                                            "csrf_token": "stale"})
    assert response.status_code == 400
    main = _main(response)
    assert "Phiên làm việc đã hết hạn" in main
    assert re.findall(r'href="([^"#]+)"', main) == ["/"]


# --- D6: a tracking code typed without its hyphen opens the case ------------------------

@pytest.mark.parametrize(("typed", "code"), [
    ("2026-7KQ4M2XH", "2026-7KQ4M2XH"), ("20267kq4m2xh", "2026-7KQ4M2XH"),
    (" 2026 7KQ4 M2XH ", "2026-7KQ4M2XH"), ("2026\u20137KQ4M2XH", "2026-7KQ4M2XH"),
    ("2026 - 7KQ4M2XH", "2026-7KQ4M2XH"), ("2026\u22127kq4m2xh", "2026-7KQ4M2XH"),
    ("2026\u00a0\u20117KQ4M2XH", "2026-7KQ4M2XH"), ("ABC-12", "ABC12"), ("", ""),
    (None, ""), ("2026", "2026"),
])
def test_a_tracking_code_is_read_as_issued(typed, code):
    assert text.normal_tracking_code(typed) == code


@pytest.mark.parametrize("typed", ["{y}{rest}", "{y} {rest}", "{y}\u2013{rest}",
                                   "{y} - {rest}"])
def test_a_tracking_code_typed_without_its_hyphen_opens_the_case(client, desk, typed):  # noqa: F811
    code, pin = receipt(submit(client).get_data(as_text=True))
    year, rest = code.split("-")
    client.post("/cong-dan/ho-so/thoat")
    response = _lookup(client, typed.format(y=year, rest=rest.lower()), pin, follow=False)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/cong-dan/ho-so")


def test_the_same_code_typed_two_ways_counts_as_one_code(app, client, desk):  # noqa: F811
    """LOOKUP_CODE_LIMIT counts guesses at a code: the code with or without its hyphen is
    the same code, not two allowances."""
    code, _pin = receipt(submit(client).get_data(as_text=True))
    client.post("/cong-dan/ho-so/thoat")
    app.config["RATELIMIT_ENABLED"] = True
    app.config["LOOKUP_CODE_LIMIT"] = "2 per hour"
    app.config["LOOKUP_LIMIT"] = "100 per hour"
    from complaints.extensions import limiter

    limiter.reset()
    statuses = [_lookup(client, typed, "000000", follow=False).status_code
                for typed in (code, code.replace("-", ""), code.replace("-", " "))]
    assert statuses[-1] == 429, statuses


def test_open311_reads_a_code_without_its_hyphen(app, client, desk):  # noqa: F811
    code, _pin = receipt(submit(client).get_data(as_text=True))
    response = client.get(f"/open311/v2/requests/{code.replace('-', '').lower()}.json")
    assert response.status_code == 200
    assert response.get_json()[0]["service_request_id"] == code


# --- D7: invisible text is no comment, no reason ----------------------------------------

def test_a_comment_of_invisible_characters_is_no_comment(client, decided):  # noqa: F811
    case = decided()
    response = client.post("/cong-dan/ho-so/danh-gia", data={
        "rating_result": "4", "rating_service": "4", "comment": "\u200b \u200b",
        "tracking_code": case.tracking_code})
    assert response.status_code == 302
    assert db.session.scalar(select(CitizenFeedback.comment)) is None


def test_an_invisible_second_complaint_reason_is_asked_for_in_the_forms_words(
        client, decided):  # noqa: F811
    case = decided()
    response = client.post("/cong-dan/ho-so/khieu-nai-lan-hai", data={
        "reason": "\u200b\u200b", "confirm": "y", "ground": "decision",
        "tracking_code": case.tracking_code})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nêu lý do không đồng ý với quyết định." in html
    assert "Nhập nội dung đơn." not in html
    assert public.second_complaint_of(case) is None


# --- D8: the consent and file errors are tied to their controls -------------------------

def _described(html: str, control_id: str) -> list[str]:
    control = re.search(rf'<input[^>]*id="{control_id}"[^>]*>', html).group(0)
    return re.search(r'aria-describedby="([^"]+)"', control).group(1).split()


def test_the_consent_error_is_announced_with_the_checkbox(client, desk):  # noqa: F811
    assert _described(client.get("/cong-dan/gui-don").get_data(as_text=True),
                       "consent") == ["consent-notice"]
    data = form()
    del data["consent"]
    html = client.post("/cong-dan/gui-don", data=data).get_data(as_text=True)
    assert _described(html, "consent") == ["consent-notice", "consent-error"]
    assert re.search(r'id="consent-error">Bạn cần đồng ý', html)


def test_the_file_error_is_announced_with_the_file_input(client, desk):  # noqa: F811
    assert _described(client.get("/cong-dan/gui-don").get_data(as_text=True),
                      "attachments") == ["attachments-hint"]
    data = form()
    data["attachments"] = [(io.BytesIO(b"MZ not a pdf"), "don.pdf")]
    response = client.post("/cong-dan/gui-don", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _described(html, "attachments") == ["attachments-hint", "attachments-error"]
    assert re.search(r'id="attachments-error">[^<]+<', html)


# --- D9: a refused look-up is said in the focused error summary -------------------------

def _summary(html: str) -> str | None:
    found = re.search(r'<div[^>]*data-testid="error-summary"[^>]*>.*?</div>', html, re.S)
    return found.group(0) if found else None


def test_a_refused_look_up_is_said_in_the_focused_error_summary(client, desk):  # noqa: F811
    code, _pin = receipt(submit(client).get_data(as_text=True))
    client.post("/cong-dan/ho-so/thoat")
    html = _lookup(client, code, "000000").get_data(as_text=True)
    summary = _summary(html)
    assert summary is not None and 'tabindex="-1"' in summary
    assert re.search(r'<a href="#secret">[^<]*Mã hồ sơ hoặc mã PIN / số điện thoại không '
                     r"đúng\.</a>", summary)
    # Beside the PIN box, which comes back empty, and said once in the summary.
    assert 'id="secret-error">Mã hồ sơ hoặc mã PIN' in html
    assert re.search(r'<input[^>]*id="secret"[^>]*value=""', html)
    assert summary.count("không đúng") == 1
    assert 'data-testid="lookup-error"' not in html


def test_corrections_through_the_api_are_stored_composed(make_case, make_user):
    """QA 98: intake and the forms compose text (D4); a correction sent as a dict (the
    API's PATCH of a signer) or a subject corrected was stored as typed."""
    import unicodedata

    from complaints.models import Petitioner
    from complaints.services import corrections
    from tests.conftest import NOW

    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hường")
    desk_user = make_user("reception")
    case = make_case(actor=desk_user)
    signer = case.petitions[0].signers[0]
    corrections.correct_person(case, signer.petitioner_id, {"full_name": decomposed},
                               "Sai tên khi tiếp nhận", desk_user, NOW)
    db.session.commit()
    assert db.session.get(Petitioner, signer.petitioner_id).full_name == "Nguyễn Thị Hường"
    subject = unicodedata.normalize("NFD", "Đề nghị xem xét việc thu hồi đất")
    corrections.correct_particulars(case, None, None, subject, "Sai trích yếu", desk_user, NOW)
    db.session.commit()
    assert case.subject == unicodedata.normalize("NFC", subject)
