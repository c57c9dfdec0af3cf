"""QA round 44: the pages added most recently (letter splitting, the desk's corrections,
the agency head's enforcement record and 05/KQTH, the evasion threshold, /escalations
paging), checked against ux.md role by role, in Vietnamese and English.

Each test_defect_* fails on the frozen code of round 44 because of the defect its
docstring names; the docstring says what the right behaviour is.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Case
from complaints.services import enforcement, workflow
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


def _html(response) -> str:
    return response.get_data(as_text=True)


def _text(html: str) -> str:
    """The page's visible text, one line per element."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return "\n".join(line.strip() for line in re.sub(r"<[^>]+>", "\n", html).splitlines()
                     if line.strip())


@pytest.fixture
def world(make_agency, make_user):
    province = make_agency(code="UBND-T", level="province", name="UBND tỉnh")
    dep = make_agency(code="SO-TN", parent=province, name="Sở Tài nguyên")
    desk = make_agency(code="BTCD", parent=province, level="desk", name="Ban Tiếp công dân",
                       is_reception_desk=True)
    w = {"province": province, "dep": dep,
         "reception": make_user("reception", agency=desk),
         "head_dep": make_user("agency_head", agency=dep),
         "officer_dep": make_user("agency_officer", agency=dep),
         "inspector": make_user("inspector")}
    db.session.commit()
    return w


# --- 1. a denouncer named in the timeline through a correction's reason ------------------


def test_defect_correction_reason_names_the_denouncer_to_readers_who_may_not_know(
        app, client, login, world, make_case):
    """A correction's reason on a denunciation must not show the denouncer to a reader who
    may not know who denounced.

    Wrong: /reception/cases/<code>/petitioners/<id> asks "Lý do sửa" and the event
    "petitioner_corrected" stores it verbatim ({"fields": [...], "reason": ...},
    services/corrections.py correct_person). The reason of a correction of particulars is,
    by nature, about the person ("Sửa họ tên theo CCCD: Trần Thị Bình"), and the form gives
    no warning. The timeline masks only IDENTITY_KEYS (domain/confidentiality.py), not
    "reason", so the agency officer not assigned to the denunciation — whose petitioners
    panel shows "*** (bảo mật)" — reads the denouncer's name in "Quá trình xử lý". The same
    holds for the eligibility correction's reason ("đã bổ sung địa chỉ của bà …").
    domain.md / docs/splitting.md: a denouncer's identity is shown only to those the Law on
    Denunciations allows (Art. 8); the subject is refused when it names the denouncer
    (SUBJECT_NAMES_DENOUNCER) for exactly this reason. ux.md, the case page: petitioners
    "masked where the viewer may not see them"; the timeline must not undo that.
    Right: on a denunciation, refuse a reason that names a denouncer (names_denouncer on
    the old and the new particulars, as for the subject) with a message beside "reason",
    and/or mask the reason of these events for readers who may not see the identity.
    """
    case = make_case(world["reception"], kind="denunciation", received_on=date(2026, 11, 20),
                     subject="Tố cáo cán bộ địa chính nhận tiền")
    workflow.route(case, "SO-TN", None, NOW, TODAY, decided_on=date(2026, 11, 23))
    workflow.accept(case, None, NOW, TODAY, decided_on=date(2026, 11, 24))
    db.session.commit()
    person = case.petitions[0].signers[0].petitioner
    login(world["reception"])
    url = f"/reception/cases/{case.tracking_code}/petitioners/{person.id}"
    form = {"full_name": "Trần Thị Bình", "id_number": person.id_number or "",
            "phone": person.phone or "", "email": "", "address": person.address or "",
            "reason": "Sửa họ tên theo CCCD: tên đúng là Trần Thị Bình"}
    assert client.get(url).status_code == 200
    refused = client.post(url, data=form)  # the reason names the denouncer: refused
    assert refused.status_code == 422
    assert "được hiện cho cả người không được biết ai tố cáo" in _html(refused)
    form["reason"] = "Sửa họ tên theo căn cước công dân người tố cáo xuất trình"
    assert client.post(url, data=form).status_code == 302  # corrected
    officer = app.test_client()  # a _Client (the client fixture set the class)
    officer.post("/login", data={"username": world["officer_dep"].username,
                                 "password": PASSWORD})
    page = officer.get(f"/agency/cases/{case.tracking_code}")
    html = _html(page)
    assert page.status_code == 200, _text(html)[-600:]
    assert "*** (bảo mật)" in html  # the officer may not see the denouncer
    assert "Trần Thị Bình" not in html, (
        "the denouncer's name is shown to the officer in the correction's reason")


# --- 2 and 3. the enforcement event, as the timeline shows it ----------------------------


def _enforced(world, make_decided) -> Case:
    case = make_decided(world["reception"], world["dep"], decided=date(2026, 9, 3),
                        money_to_return=1500.5, people_disciplined=3)
    enforcement.enforce(case, date(2026, 10, 1),
                        {"money_returned": "1250.5", "people_disciplined": 2,
                         "officials_disciplined": 1},
                        "Đã chi trả", world["head_dep"], NOW, TODAY)
    db.session.commit()
    return case


def _event_line(text: str, label: str) -> str:
    """The details line of the event (the line that lists the people disciplined)."""
    lines = text.splitlines()
    start = lines.index(label)
    return next(line for line in lines[start + 1:] if "Số người đã bị xử lý kỷ luật" in line)


def test_defect_enforcement_amounts_in_english_notation_on_vietnamese_timeline(
        client, login, world, make_decided):
    """The Vietnamese timeline writes the enforcement's amounts as the Vietnamese pages do.

    Wrong: the "Ghi nhận kết quả thi hành quyết định / kết luận" event on the agency's (and
    desk's, inspectors') case page reads "Tiền đã trả lại cho tổ chức, cá nhân (triệu
    đồng): 1250.50" — the stored string (case_view._detail_value returns str(value)). On
    a Vietnamese page the dot groups thousands and the comma marks decimals: the app's own
    enforcement form hints "Theo quyết định / kết luận: 1.500,50." and its
    LocalDecimalField reads "1.250,5"; "1250.50" reads as one hundred and twenty-five
    thousand and fifty, or as a typo, to the head and the inspector who check 05/KQTH
    against it. ux.md, Language: Vietnamese first; the same figure must not be written two
    ways on one flow.
    Right: amounts in the event's details formatted for the page's language
    ("1.250,50" in Vietnamese, "1,250.50" in English), as the form's hints are.
    """
    case = _enforced(world, make_decided)
    login(world["head_dep"])
    text = _text(_html(client.get(f"/agency/cases/{case.tracking_code}")))
    assert "Theo quyết định" not in text  # (the case page, not the form)
    details = _event_line(text, "Ghi nhận kết quả thi hành quyết định / kết luận")
    assert "(triệu đồng): 1.250,50" in details, details


def test_defect_enforcement_event_says_of_whom_before_whom(client, login, world,
                                                            make_decided):
    """The enforcement event's details read in the form's order: "Of whom: officials" right
    after "People disciplined", the date first.

    Wrong: the event's details come in the order of the stored JSON's keys, alphabetical
    (audit canonical JSON), so the agency's case page reads "Số vụ đã khởi tố: 0; Đất đã
    thu hồi …; …; Ghi chú: Đã chi trả; Trong đó: cán bộ, công chức: 1; Ngày: 01/10/2026;
    Số người đã bị xử lý kỷ luật: 2; …" — "Trong đó" ("of whom") follows the note and
    precedes the figure it divides, the date of enforcement sits in the middle, and every
    figure left at 0 is listed (in English: "Of whom officials: 1" after "Note"). ux.md,
    the case page: "the timeline of every event with who and when"; the brief: the case
    page shows the events of these actions sensibly to each role.
    Right: the date, then the figures in the form's order (AMOUNTS, COUNTS), zeros left
    out (or at least "Trong đó: cán bộ, công chức" immediately after "Số người đã bị xử lý
    kỷ luật"), then the note.
    """
    case = _enforced(world, make_decided)
    login(world["head_dep"])
    text = _text(_html(client.get(f"/agency/cases/{case.tracking_code}")))
    details = _event_line(text, "Ghi nhận kết quả thi hành quyết định / kết luận")
    parts = [part.split(":")[0].strip() for part in details.split("; ")]
    assert parts[0] == "Ngày", details
    disciplined = parts.index("Số người đã bị xử lý kỷ luật")
    assert parts[disciplined + 1] == "Trong đó", details


# --- 4. splitting is irreversible and done in one click ----------------------------------


def test_defect_split_is_done_without_a_confirmation_step(client, login, world, make_case):
    """Splitting a letter (tách đơn) asks for confirmation in a second step before it is done.

    Wrong: POST /reception/cases/<code>/split with a valid form splits at once (302 to the
    new case's receipt): a new case with its own tracking code and PIN is written, counted
    as one more petition received in 02/XLD, the case's content and subject are replaced
    by the restatement, and — when a denunciation is taken out — the letter as written and
    its files move to the new case. Nothing undoes a split (there is no merge; the new
    case can only be filed away, and still counts). A wrong kind or field picked from the
    select is one click from a permanent second case. ux.md, Forms: "Destructive or
    irreversible acts (return, close, file away) ask for a reason and confirm in a second
    step"; the desk's other irreversible acts (file, guide, forward, extend) confirm first
    (reception/cases.py CONFIRMED, confirm_*.html).
    Right: the first POST checks everything (as split_case would) and shows a confirmation
    page saying what will happen (new case of kind X, field Y; what this case will say;
    whether the letter and files move), with "Xác nhận" and "Quay lại sửa"; only the
    confirmed POST splits.
    """
    case = make_case(world["reception"], received_on=date(2026, 11, 20),
                     content="Khiếu nại quyết định thu hồi đất và kiến nghị sửa đường")
    db.session.commit()
    login(world["reception"])
    url = f"/reception/cases/{case.tracking_code}/split"
    assert client.get(url).status_code == 200
    before = db.session.scalar(select(func.count(Case.id)))
    sent = client.post(url, data={
        "token": "qa44-split", "kind": "recommendation", "complaint_round": "1",
        "parent_tracking_code": "", "history": "", "field": "land",
        "subject": "Kiến nghị sửa đường", "content": "Kiến nghị sửa đường liên xã",
        "kept_subject": "Khiếu nại quyết định thu hồi đất",
        "kept_content": "Khiếu nại quyết định thu hồi đất"})
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Case.id))) == before, (
        f"split done in one step (answered {sent.status_code} → "
        f"{sent.headers.get('Location')})")
    assert sent.status_code == 200


# --- fixes beyond the failing tests: the same rule on the other corrections, a hidden field's
# --- error in the summary ------------------------------------------------------------------


def test_every_correction_of_a_denunciation_refuses_a_reason_naming_its_denouncer(
        world, make_case):
    """The eligibility and the history corrections' reasons are in the timeline too: one
    naming the denouncer (by name, phone or ID number) is refused, nothing changed; the
    same reason on another kind of case is no concern of confidentiality."""
    from complaints.services import corrections, intake
    from complaints.services.errors import ValidationFailed

    case = make_case(world["reception"], kind="denunciation", received_on=date(2026, 11, 20),
                     subject="Tố cáo cán bộ địa chính nhận tiền")
    db.session.commit()
    person = case.petitions[0].signers[0].petitioner
    letter = case.petitions[0]
    before = letter.eligible_now
    with pytest.raises(ValidationFailed) as refused:
        corrections.correct_eligibility(case, letter.id, not before,
                                        f"Theo xác minh với {person.full_name}",
                                        world["reception"], NOW)
    assert set(refused.value.errors) == {"reason"}
    with pytest.raises(ValidationFailed) as refused:
        intake.correct_history(case, letter.id, "repeated",
                               f"Người tố cáo gọi điện từ số {person.phone}",
                               world["reception"], NOW)
    assert set(refused.value.errors) >= {"reason"}
    db.session.rollback()
    db.session.expire_all()
    assert letter.eligible_now == before
    other = make_case(world["reception"], kind="complaint", received_on=date(2026, 11, 20))
    signer = other.petitions[0].signers[0].petitioner
    corrections.correct_person(other, signer.id, {"address": "Số 9 Lê Lợi"},
                               f"Ông {signer.full_name} báo địa chỉ mới", world["reception"],
                               NOW)


def test_a_correction_made_meanwhile_is_said_in_the_summary_not_beside_a_hidden_field(
        client, login, world, make_case):
    """The "seen" refusal belongs to no field the desk can see: the summary says it, with no
    link to the hidden input (it can take no focus)."""
    from complaints.services import corrections

    case = make_case(world["reception"], received_on=date(2026, 11, 20))
    person = case.petitions[0].signers[0].petitioner
    db.session.commit()
    login(world["reception"])
    url = f"/reception/cases/{case.tracking_code}/petitioners/{person.id}"
    shown = _html(client.get(url))
    seen = shown.split('name="seen" type="hidden" value="')[1].split('"')[0]
    corrections.correct_person(case, person.id, {"address": "Số 1 Lê Lợi"}, "Bên kia sửa",
                               world["reception"], NOW)
    db.session.commit()
    late = _html(client.post(url, data={"full_name": person.full_name, "phone": "0912345678",
                                        "seen": seen, "reason": "Sửa số điện thoại"}))
    assert "vừa được người khác sửa" in late
    assert 'href="#seen"' not in late
