"""QA round 56: the newest pages against ux.md (the agency case page's work notes, "Thêm
tài liệu" and second-round line; the desk's case page, PIN reissue and receipt; the admin's
fields, account locks and agency closing; the inspectors' lists with the agency filter and
the sessions page), role by role, in Vietnamese and English. Each test fails on the frozen
code because of the defect its docstring names."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest

from complaints.extensions import db
from complaints.models import Case, Field
from complaints.services import intake, notes, workflow
from tests.conftest import NOW, TODAY, _Client
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
       b"\x00\x00\x00IEND\xaeB`\x82")


def _html(response) -> str:
    return response.get_data(as_text=True)


def _text(html: str) -> str:
    """The page's visible text, one line per element."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return "\n".join(line.strip() for line in re.sub(r"<[^>]+>", "\n", html).splitlines()
                     if line.strip())


def _summaries(html: str) -> list[str]:
    """The body of each error summary of the page."""
    out = []
    for m in re.finditer(r'data-testid="error-summary"', html):
        out.append(html[m.start():html.index("</div>", m.start())])
    return out


def _section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start:html.index("</section>", start)]


@pytest.fixture
def world(make_agency, make_user):
    province = make_agency(code="UBND-T", level="province", name="UBND tỉnh")
    commune = make_agency(code="UBND-X", parent=province, level="commune", name="UBND xã")
    dep = make_agency(code="SO-TN", parent=province, name="Sở Tài nguyên")
    desk = make_agency(code="BTCD", parent=province, level="desk", name="Ban Tiếp công dân",
                       is_reception_desk=True)
    w = {"province": province, "commune": commune, "dep": dep, "desk": desk,
         "reception": make_user("reception", agency=desk, username="tiepdan"),
         "head_dep": make_user("agency_head", agency=dep, username="giamdoc"),
         "officer_dep": make_user("agency_officer", agency=dep, username="chuyenvien"),
         "head_commune": make_user("agency_head", agency=commune, username="chutichxa"),
         "head_province": make_user("agency_head", agency=province, username="chutich"),
         "inspector": make_user("inspector", username="thanhtra"),
         "admin": make_user("admin", username="quantri")}
    db.session.commit()
    return w


def _signed_in(app, user, lang: str = "vi"):
    app.test_client_class = _Client  # forgets the user and language cached in `g`
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    client.get(f"/lang/{lang}?next=/")
    return client


def _second_round(world, make_case) -> tuple[Case, Case]:
    """A first-round complaint decided by the commune, and the second-round complaint about
    it at the province."""
    first = make_case(world["reception"], received_on=date(2026, 9, 1))
    workflow.route(first, "UBND-X", None, NOW, TODAY, decided_on=date(2026, 9, 2))
    workflow.accept(first, None, NOW, TODAY, decided_on=date(2026, 9, 3))
    workflow.resolve(first, "wrong", "5/QĐ-UBND", "Không có cơ sở", None, NOW, TODAY,
                     decided_on=date(2026, 9, 30))
    signer = first.petitions[0].signers[0].petitioner
    second, _pin = intake.receive_case(intake.CaseData(
        kind="complaint", field_code="land", subject="Tranh chấp đất đai",
        content="Không đồng ý với quyết định giải quyết lần đầu",
        locality_code=first.locality_code, parent_tracking_code=first.tracking_code,
        complaint_round=2,
        petition=intake.PetitionData(channel="mail", received_on=date(2026, 11, 3),
                                     petitioners=[intake.PetitionerData(
                                         full_name=signer.full_name,
                                         id_number=signer.id_number)])),
        world["reception"], NOW, TODAY)
    workflow.route(second, "UBND-T", None, NOW, TODAY, decided_on=date(2026, 11, 4))
    db.session.commit()
    return first, second


# --- the desk's case page: one form's errors in every error summary ------------------------


def test_defect_desk_case_page_shows_one_forms_errors_in_every_error_summary(
        app, world, make_case):
    """On /reception/cases/<code>, a refused "Thêm tài liệu" (no file chosen, a .txt) is
    listed in the error summary of "Kết quả xử lý đơn" too, and a refused routing ("Chọn cơ
    quan.") in the summary of "Thêm tài liệu": two summaries, both with id="error-summary"
    (an id twice on one page), each listing the other form's problem.

    Wrong: reception/cases.py `_render_case` passes one `errors` dict to the page, and
    templates/reception/case.html hands it to every form's summary (the handling section's
    `error_summary(errors)`, the reply section's, and `{% set doc_errors = errors %}` for
    case/_add_document.html). The officer who tried to route reads, under "Thêm tài liệu",
    "Vui lòng sửa các lỗi sau: Chọn cơ quan." as if the upload had failed.
    ux.md, Forms: "an error summary at the top linking to each field, and the message next
    to the field" — one summary for the form that was sent, naming its own fields.
    Right: keep the errors per form (as the agency page does: note_errors, doc_errors) and
    show each section's summary only for the form that was sent; one id="error-summary".
    """
    case = make_case(world["reception"], received_on=date(2026, 11, 24))
    db.session.commit()
    desk = _signed_in(app, world["reception"])
    sent = desk.post(f"/reception/cases/{case.tracking_code}/documents",
                     data={"purpose": "evidence",
                           "document": (io.BytesIO(b"hello"), "x.txt")},
                     content_type="multipart/form-data")
    assert sent.status_code == 422
    html = _html(sent)
    assert "add-document" in html
    assert len(_summaries(html)) == 1, (
        "the upload's error is listed in the summary of the handling section too")
    assert html.count(' id="error-summary"') == 1  # (not data-testid="error-summary")

    routed = desk.post(f"/reception/cases/{case.tracking_code}/route",
                       data={"route-agency_code": ""})
    assert routed.status_code == 422
    assert "error-summary" not in _section(_html(routed), "add-document"), (
        "the routing's error is listed under 'Thêm tài liệu'")


# --- the inspectors' overdue list: the due date without the overdue badge -----------------


def test_defect_overdue_list_shows_the_due_date_without_how_overdue(app, world, make_case):
    """/inspection/overdue (filtered by agency or not) shows, per overdue stage, only its
    due date ("13/10/2026"): not how many working days it is overdue, and not how the date
    was computed.

    ux.md, "Deadlines are shown the same way everywhere": "A badge with the working days
    left … red when overdue ('Quá hạn 4 ngày làm việc'). Colour is never the only signal.
    Hovering or opening the deadline shows how it was computed". Every other list does so
    with the `deadline_badge` macro (agency/cases.html, reception/home.html, the case
    pages); templates/inspection/cases.html even imports it, but its "Hạn" column renders
    `row.due_on | vndate` only. An inspector preparing the monthly report must count
    working days by hand.
    Right: in the overdue list, the due date with the badge ("Quá hạn N ngày làm việc",
    title = the rule), as everywhere else (Row could carry the CaseDeadline)."""
    case = make_case(world["reception"], received_on=date(2026, 10, 1))
    workflow.route(case, "SO-TN", None, NOW, TODAY, decided_on=date(2026, 10, 2))
    db.session.commit()
    for lang, words in (("vi", "Quá hạn %s ngày làm việc"),
                        ("en", "Working days overdue: %s")):  # the app's English wording
        inspector = _signed_in(app, world["inspector"], lang)
        page = inspector.get("/inspection/overdue?agency=SO-TN")
        assert page.status_code == 200
        html = _html(page)
        row = html[html.index(f'data-testid="row-{case.tracking_code}"'):]
        row = row[:row.index("</tr>")]
        assert "13/10/2026" in row  # the acceptance stage's due date
        # 14/10 … 01/12/2026: 35 working days
        assert re.search(words % r"\d+", _text(row)), (
            f"{lang}: the overdue row gives the due date only: {_text(row)!r}")
        assert "badge-deadline-red" in row


# --- the agency case page: the second-round line in English -------------------------------


def test_defect_second_round_line_drops_the_legal_term_on_english_pages(
        app, world, make_case):
    """The summary line "Khiếu nại lần hai" (case/_summary.html) reads "Second complaint"
    on the English agency case page, without the Vietnamese legal term.

    ux.md, Language: "Keep legal terms exact in Vietnamese (thụ lý, đôn đốc, đơn trùng,
    khiếu nại lần hai) and give their English beside them in the English UI." The app does
    so everywhere else for this very term ("A second complaint (khiếu nại lần hai) has just
    been opened…", "I confirm that I am filing a second complaint (khiếu nại lần hai)",
    "Second (lần hai)", "Awaiting acceptance (thụ lý)"); the new summary line does not, so
    the head of the commune who decided the first round cannot match it to the term of the
    Law on Complaints the letters and decisions use.
    Right: the English msgstr "Second complaint (khiếu nại lần hai)"."""
    first, second = _second_round(world, make_case)
    head = _signed_in(app, world["head_commune"], "en")
    page = head.get(f"/agency/cases/{first.tracking_code}")
    assert page.status_code == 200
    html = _html(page)
    start = html.index('data-testid="case-second-round"')
    label = _text(html[html.rindex("<dt", 0, start):html.rindex("</dt>", 0, start)])
    assert second.tracking_code in html
    assert "khiếu nại lần hai" in label, f"the line is labelled {label!r}"


# --- admin: two fields of one name ----------------------------------------------------------


def test_defect_admin_may_add_a_field_named_as_an_existing_one(app, world, make_case):
    """/admin/fields/new saves a field whose Vietnamese and English names are those of a
    field in use ("Đất đai" / "Land", code "dat_dai2"): admin_service.field_problems checks
    the code only. Every select then offers two identical "Đất đai" (the desk's intake and
    split forms, the session form, the inspectors' filter, the reports' field names), and
    the desk cannot tell which one the routing rules and reports expect.

    ux.md, Forms: validate on the server, the message next to the field; a list a desk
    picks from must not hold two entries that read the same.
    Right: refuse a name (Vietnamese or English, case- and space-insensitive) already used
    by another field, with a message beside name_vi / name_en ("Đã có lĩnh vực mang tên
    này: land."), on add and on edit."""
    admin = _signed_in(app, world["admin"])
    sent = admin.post("/admin/fields/new", data={
        "code": "dat_dai2", "name_vi": "Đất đai", "name_en": "Land",
        "report_category": db.session.get(Field, db.session.scalar(
            db.select(Field.id).where(Field.code == "land"))).report_category})
    made = db.session.scalar(db.select(Field).where(Field.code == "dat_dai2"))
    assert made is None, "a second field named 'Đất đai' / 'Land' was saved"
    assert sent.status_code == 422
    html = _html(sent)
    assert 'href="#name_vi"' in html and 'id="name_vi-error"' in html


# --- admin: a refused lock loses the reason and is said on another page ---------------------


def test_defect_refused_account_lock_drops_the_reason_and_leaves_the_form(
        app, world, make_case):
    """Locking the desk's last reception officer while cases wait there is refused — but
    only after the admin typed the reason and confirmed: the view (admin/routes.py
    user_deactivate) catches ValidationFailed, flashes the message and redirects to
    /admin/users. The reason typed is lost, the message is not beside the field, and the
    confirmation page said nothing beforehand (it warns only of cases assigned to the
    user). The same holds for "Mở lại" (an agency closed) and for stopping the last field
    in use (_field_state).

    ux.md, Forms: "Validate on the server; on error, an error summary at the top linking to
    each field, and the message next to the field; everything typed is kept."
    Right: render the confirmation page again (422) with the error summary and the message,
    the reason as typed; better, say on the first step that the lock will be refused and
    why (as the page already warns of held cases)."""
    make_case(world["reception"], received_on=date(2026, 11, 27))  # waits at the desk
    db.session.commit()
    admin = _signed_in(app, world["admin"])
    url = f"/admin/users/{world['reception'].id}/deactivate"
    assert admin.get(url).status_code == 200
    reason = "Chuyển công tác sang Sở Nội vụ theo quyết định 12/QĐ"
    sent = admin.post(url, data={"reason": reason})
    db.session.refresh(world["reception"])
    assert world["reception"].active  # refused: the desk would have nobody
    assert sent.status_code == 422, f"answered {sent.status_code} → {sent.location}"
    html = _html(sent)
    assert 'data-testid="error-summary"' in html
    assert reason in html, "the reason typed is lost"


# --- guards: what held this round -------------------------------------------------------------


def test_guard_agency_note_and_document_errors_keep_input_in_both_languages(
        app, world, make_case):
    """Guard: the work-notes form and "Thêm tài liệu" on the agency case page, sent empty
    or wrong, answer 422 with one error summary linking to the field, the message beside
    it, the note and the document type kept; in English no Vietnamese message."""
    case = make_case(world["reception"], received_on=date(2026, 11, 2))
    workflow.route(case, "SO-TN", None, NOW, TODAY, decided_on=date(2026, 11, 3))
    db.session.commit()
    for lang, empty in (("vi", "Nhập nội dung ghi chú."), ("en", "Enter the note.")):
        head = _signed_in(app, world["head_dep"], lang)
        url = f"/agency/cases/{case.tracking_code}"
        refused = head.post(f"{url}/note", data={"note": "   "})
        assert refused.status_code == 422
        html = _html(refused)
        assert len(_summaries(html)) == 1 and 'href="#note"' in html
        assert 'id="note-error"' in html and empty in html
        long_note = "Đã làm việc " + "x" * 4100
        assert long_note in _html(head.post(f"{url}/note", data={"note": long_note}))
        doc = head.post(f"{url}/documents", data={
            "purpose": "decision", "document": (io.BytesIO(b"hello"), "x.txt")},
            content_type="multipart/form-data")
        assert doc.status_code == 422
        html = _html(doc)
        assert 'href="#document"' in html and 'id="document-error"' in html
        assert re.search(r'<option selected value="decision">', html)


def test_guard_timelines_name_the_new_events_in_both_languages(app, world, make_case):
    """Guard: note_added, pin_reissued and an agency's attachment_added are named in the
    timeline of the agency and desk pages, in Vietnamese and in English."""
    case = make_case(world["reception"], received_on=date(2026, 11, 2))
    workflow.route(case, "SO-TN", None, NOW, TODAY, decided_on=date(2026, 11, 3))
    notes.add_note(case, "Đã làm việc với UBND phường", world["head_dep"], NOW)
    intake.reissue_pin(case, "Mất giấy biên nhận", world["reception"], NOW)
    db.session.commit()
    head = _signed_in(app, world["head_dep"])
    added = head.post(f"/agency/cases/{case.tracking_code}/documents",
                      data={"purpose": "evidence", "document": (io.BytesIO(PNG), "a.png")},
                      content_type="multipart/form-data")
    assert added.status_code == 302
    expected = {"vi": ("Ghi chú quá trình xử lý", "Cấp lại mã PIN tra cứu",
                       "Thêm tài liệu kèm theo"),
                "en": ("Note on the work", "Look-up PIN reissued", "Attachment added")}
    for user, path in ((world["head_dep"], "agency"), (world["reception"], "reception")):
        for lang, names in expected.items():
            page = _signed_in(app, user, lang).get(f"/{path}/cases/{case.tracking_code}")
            assert page.status_code == 200
            text = _text(_html(page))
            for name in names:
                assert name in text, f"{path} {lang}: {name!r} missing"


def test_guard_pin_reissue_refuses_empty_reason_and_prints_the_lookup_address(
        app, world, make_case):
    """Guard: "Cấp lại mã PIN…" sent without a reason is refused beside the field; with one
    it leads to the receipt, which shows the new PIN once and the look-up address."""
    case = make_case(world["reception"], received_on=date(2026, 11, 24))
    db.session.commit()
    desk = _signed_in(app, world["reception"], "en")
    url = f"/reception/cases/{case.tracking_code}/pin"
    refused = desk.post(url, data={"reason": "  "})
    assert refused.status_code == 422
    assert 'href="#reason"' in _html(refused)
    assert "Give the reason for reissuing the PIN." in _html(refused)
    done = desk.post(url, data={"reason": "Công dân mất giấy biên nhận"})
    assert done.status_code == 302 and done.location.endswith("/receipt")
    receipt = _html(desk.get(done.location))
    assert re.search(r'data-testid="receipt-pin">\s*<code class="fs-4">\d+', receipt)
    assert "/cong-dan/tra-cuu" in receipt
    assert "PIN already issued" in _html(desk.get(done.location))  # shown once


def test_guard_inspection_lists_keep_the_agency_filter_in_paging(app, world, make_case):
    """Guard: /inspection/overdue and /inspection/cases filtered by a parent agency count
    its sub-units, give a total, and keep the filter in the page links."""
    for _i in range(27):
        case = make_case(world["reception"], received_on=date(2026, 10, 1))
        workflow.route(case, "SO-TN", None, NOW, TODAY, decided_on=date(2026, 10, 2))
    db.session.commit()
    inspector = _signed_in(app, world["inspector"])
    for path in ("/inspection/overdue", "/inspection/cases"):
        html = _html(inspector.get(f"{path}?agency=UBND-T"))
        assert "Tổng số: 27 — trang 1/2" in html
        assert f'href="{path}?agency=UBND-T&amp;page=2"' in html
        assert '<option value="UBND-T" selected>' in html


# --- the language switch after a refused note or document -----------------------------------


def test_defect_language_switch_after_a_refused_note_or_document_ends_in_an_error(
        app, world, make_case):
    """A refused work note or document is answered at the POST address
    (/agency/cases/<code>/note, …/documents, /reception/cases/<code>/documents). The
    "English" / "Tiếng Việt" link in the bar (base.html: next=request.full_path) then sends
    the reader to a GET of that address: the agency's note address answers 404 "Không tìm
    thấy" (the route /cases/<code>/<action> takes "note" for an unknown action), the
    documents addresses 405 "Phương thức không được hỗ trợ". The case page was shown; its
    language link ends in an error page, and what was typed is gone.
    ux.md: "Vietnamese first, English complete"; a link the app shows must not end in an
    error (the case page: "never a button that ends in 'forbidden'").
    Right: the language link of a page answered to a POST goes back to the page's own
    address (the case page, with its anchor), or these POST addresses answer a GET with a
    redirect to the case page."""
    case = make_case(world["reception"], received_on=date(2026, 11, 2))
    workflow.route(case, "SO-TN", None, NOW, TODAY, decided_on=date(2026, 11, 3))
    db.session.commit()
    head = _signed_in(app, world["head_dep"])
    for path, data, kwargs in (
            ("note", {"note": ""}, {}),
            ("documents", {"purpose": "evidence"}, {"content_type": "multipart/form-data"})):
        refused = head.post(f"/agency/cases/{case.tracking_code}/{path}", data=data, **kwargs)
        assert refused.status_code == 422
        link = re.search(r'href="(/lang/en[^"]*)"', _html(refused)).group(1)
        switched = head.get(link.replace("&amp;", "&"), follow_redirects=True)
        assert switched.status_code == 200, (
            f"the language link after a refused {path} answers {switched.status_code} "
            f"({switched.request.path})")
        head.get("/lang/vi?next=/")


# --- admin fields in English: "1 cases" -------------------------------------------------------


def test_defect_english_field_category_refusal_says_1_cases(app, world, make_case):
    """Admin → Fields → Edit, in English, moving a field that has one case to another
    report category: "The field already has 1 cases: moving it to another category would
    change reports already sent…" (services/admin.py field_problems, one msgid for every
    count; Vietnamese has no plural, English has).
    ux.md, Language: "English complete"; plain language.
    Right: ngettext (or a wording without a counted noun: "Cases already filed under this
    field: 1")."""
    make_case(world["reception"])  # field "land": one case
    db.session.commit()
    admin = _signed_in(app, world["admin"], "en")
    land = db.session.scalar(db.select(Field).where(Field.code == "land"))
    refused = admin.post(f"/admin/fields/{land.id}/edit", data={
        "name_vi": "Đất đai", "name_en": "Land", "report_category": "corruption"})
    assert refused.status_code == 422
    text = _text(_html(refused))
    assert "already has 1" in text  # the refusal is there
    assert "1 cases" not in text, "English says '1 cases'"
