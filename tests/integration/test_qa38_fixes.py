"""QA round 38: splitting a letter with several kinds of content into several cases (tách
đơn): services/splitting.py, the desk's page /reception/cases/<code>/split, the API
POST /api/v1/cases/{code}/split, petitions.split_from_id / letter_text.

DEFECTS (each test_defect_* failed on the frozen code of round 38 because of the defect;
all five are fixed and the tests now pass: the split's audit events name neither the other
case nor what moved, and readers' timelines leave out the "attachment added" of files that
moved with the letter; the letter split is the one that opened the case; the letter's text
is kept only from its first split; the desk restates the kept subject, required when a
denunciation is taken out of another kind). The probes posting the form or the API were
given the kept subject the page now asks for:
- test_defect_complaint_trail_says_the_letter_went_to_a_denunciation
    The complaint's timeline (page and API), read by the head of the agency that holds the
    complaint and may not see the denouncers, says "Nguyên văn đơn và tệp đơn lưu ở hồ sơ
    bảo mật hơn: có" (letter_moved: true): the other part is a denunciation, so the
    complainants named on this page are its denouncers (Law on Denunciations Art. 8).
- test_defect_petition_and_file_numbers_link_the_two_parts
    Both trails carry the letter's petition number ("Đơn số") and the moved scan's file
    number; the complaint's API answer lists the same petition id. A reader who may open
    both cases but see only the complainants (an agency officer not assigned to the
    denunciation, an administrator) matches them: the link can_see_link hides is shown.
- test_defect_split_takes_a_later_letter_dated_earlier_for_the_letter
    splitting.letter_of picks the petition with the earliest received_on, not the letter
    that opened the case: with a later copy dated earlier (allowed, QA round 29) the new
    denunciation gets the copy's signer, day and number, and the original letter's scan,
    which names its author beside the denunciation, stays with the complaint.
- test_defect_second_split_shows_the_restatement_as_the_letter_as_written
    After a denunciation was split out (the letter went with it), splitting the complaint
    again stores the desk's restatement as the complaint's "letter as written" and the page
    shows it under "Nguyên văn đơn … (trước khi tách thành nhiều hồ sơ)".
- test_defect_subject_naming_the_denunciation_stays_on_the_complaint
    The split restates the kept content but not the kept subject (no field, no check, no
    other way to edit a subject): "Khiếu nại … và tố cáo …" stays the complaint's subject,
    listed beside the complainants' names to everyone who reads the complaint.

GUARDS (test_probe_*, passed on the frozen code too): the letter text and scan follow the
denunciation and stay hidden from its masked readers; search, API lists and the agency list
do not name the denouncers; the new case's PIN, deadline and kind-specific handling clock;
withdrawal on one part only; anonymisation refused while a part is open; the audit chains;
permissions of the page and the API (404/403/409, redirect with a message); the form shown
again with what was typed (vi and en); two splits of one case at once; a complaint taken
out of a denunciation shows nothing of it; an anonymous letter; a second-round complaint
taken out of a denunciation.

JUDGEMENTS (no test_defect_*; see the round's report): the mass check counts a signer of
both parts twice (person_key keys a denouncer by record: a 3-signer letter split into a
complaint and a denunciation with similar subjects is flagged mass); 01/TCD session figures
are not raised by a split; later letters' text and files stay where they are; the unchanged
content check compares only the whole text.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.domain import states
from complaints.domain.text import fold
from complaints.extensions import db
from complaints.models import Attachment, AuditEvent, Case, Petitioner
from complaints.services import attachments, intake, personal_data, public, splitting, workflow
from complaints.services.audit import verify_chains
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.factories import run_at_once
from tests.integration.history_helpers import history_world
from tests.integration.history_helpers import page as _page

pytestmark = pytest.mark.usefixtures("fixed_clock")

LETTER = ("Tôi khiếu nại quyết định thu hồi đất số 12/QĐ. Tôi cũng tố cáo ông Trần Văn B, "
          "cán bộ địa chính, nhận tiền của các hộ dân.")
KEPT = "Khiếu nại quyết định thu hồi đất số 12/QĐ."
DENOUNCED = "Tố cáo cán bộ địa chính nhận tiền của các hộ dân."
SCAN = b"%PDF-1.4 the letter as scanned\n"


@pytest.fixture
def world(make_agency, make_user, make_locality):
    return history_world(make_agency, make_user, make_locality)


def _complaint(make_case, world, subject="Khiếu nại quyết định thu hồi đất 12/QĐ",
               petitioners=2) -> Case:
    case = make_case(actor=world["reception"], kind="complaint", content=LETTER,
                     subject=subject, received_on=date(2026, 10, 2),
                     petitioners=petitioners)
    for i, signer in enumerate(case.petitions[0].signers):
        signer.petitioner.address = f"Số {i + 1} Lạch Tray"
    db.session.commit()
    return case


def _scan(case, world, petition=None) -> Attachment:
    stored = attachments.store_upload(SCAN, "don.pdf")
    row = attachments.attach(case, stored, "petition", world["reception"], NOW,
                             petition=petition or case.petitions[0])
    db.session.commit()
    return row


def _part(kind="denunciation", kept=KEPT, **kw) -> splitting.SplitData:
    values = {"field_code": "land", "subject": "Tố cáo cán bộ địa chính",
              "content": DENOUNCED, "kept_content": kept,
              "kept_subject": "Khiếu nại quyết định 12/QĐ", **kw}
    return splitting.SplitData(kind=kind, **values)


def _split(case, world, part=None) -> Case:
    new, _pin = splitting.split_case(case, part or _part(), world["reception"], NOW, TODAY)
    db.session.commit()
    return new


def _numbers(answer: dict, keys=("petition", "attachment", "attachments")) -> set:
    """The petition and file numbers an API answer shows its reader: its letters' ids and
    every number its timeline's details carry."""
    found = set()
    for event in answer["timeline"]:
        for key in keys:
            value = (event.get("data") or {}).get(key)
            values = value if isinstance(value, list) else [value]
            found |= {(key.rstrip("s"), v) for v in values if isinstance(v, int)}
    return found


# --- defects ------------------------------------------------------------------------------


def test_defect_complaint_trail_says_the_letter_went_to_a_denunciation(
        make_case, world, client, login, api):
    """What is wrong: after a denunciation is taken out of a complaint and the complaint is
    routed to agency D (which may see its complainants, not the denunciation's denouncers),
    D's head reads in the complaint's timeline "Nguyên văn đơn và tệp đơn lưu ở hồ sơ bảo
    mật hơn: có" (API: case_split.data.letter_moved = true). The only stricter case is a
    denunciation: the people named on the complaint are its denouncers. (The same follows
    from the event's missing "new_case", which a split between open kinds shows to every
    reader of either case.)
    What is right: docs/splitting.md "The link between the two cases is shown (on the
    desk's pages and in the audit trail) only to readers who may see the petitioners of
    both"; domain.md "The denouncer's name, address, handwriting and any data that reveals
    them are secret … everyone else … sees a redacted case". A reader who may not see the
    link is not told where the letter went.
    Where: services/splitting.py split_case (the case_split event's data), shown by
    case_view.timeline / the API's TimelineEventSchema with no can_see_link check."""
    case = _complaint(make_case, world)
    _scan(case, world)
    new = _split(case, world)
    workflow.route(case, "D", world["reception"], NOW, TODAY)
    workflow.route(new, "P", world["reception"], NOW, TODAY)
    db.session.commit()
    head = world["head"]
    assert not splitting.can_see_link(head, case, new)
    login(head)
    shown = _page(client.get(f"/agency/cases/{case.tracking_code}"))
    assert case.petitions[0].signers[0].petitioner.full_name in shown  # a complaint
    answer = api(head, "GET", f"/cases/{case.tracking_code}").get_json()
    moved = [e["data"].get("letter_moved") for e in answer["timeline"]
             if e["action"] == "case_split"]
    assert "hồ sơ bảo mật hơn" not in shown and True not in moved


def test_defect_petition_and_file_numbers_link_the_two_parts(make_case, make_user, world, api):
    """What is wrong: agency D holds both parts; an officer of D not assigned to the
    denunciation opens both (can_view) and sees the complainants but not the denouncers
    (can_see_identity), so can_see_link says no. Yet the denunciation's timeline shows
    split_from {"petition": N, "attachments": [F]} ("Đơn số: N", "Tệp chuyển theo đơn:
    F"), and the complaint's answer shows the same letter N (petitions[].id, case_split
    "Đơn số: N") and file F (attachment_added "Tệp số: F"). Matching the numbers links the
    denunciation to the complainants (an administrator, who reads every case, does the
    same).
    What is right: permissions.can_see_link "Beside a denunciation, only a reader who may
    see the petitioners of both"; docs/splitting.md (the link only to those readers);
    Law on Denunciations Art. 8.
    Where: services/splitting.py split_case (audit data "petition"/"attachments" on the
    denunciation's side), confidentiality.IDENTITY_KEYS / the timelines."""
    case = _complaint(make_case, world)
    _scan(case, world)
    new = _split(case, world)
    workflow.route(case, "D", world["reception"], NOW, TODAY)
    workflow.route(new, "D", world["reception"], NOW, TODAY)
    db.session.commit()
    officer = make_user("agency_officer", agency=world["D"])
    assert not splitting.can_see_link(officer, case, new)
    complaint = api(officer, "GET", f"/cases/{case.tracking_code}").get_json()
    denunciation = api(officer, "GET", f"/cases/{new.tracking_code}").get_json()
    assert denunciation["identity_masked"] is True
    on_complaint = _numbers(complaint) | {("petition", p["id"])
                                          for p in complaint["petitions"]}
    assert _numbers(denunciation) & on_complaint == set()


def test_defect_split_takes_a_later_letter_dated_earlier_for_the_letter(make_case, world):
    """What is wrong: a copy of the matter joined later may be dated before the case's own
    letter (QA round 29); splitting.letter_of takes the earliest received_on as "the letter
    that opened the case", so the split divides the copy: the new denunciation's signer is
    the copy's sender (Lê Văn Tư), its day the copy's, its split_from the copy; the
    original letter's scan, which names its author beside the denunciation, stays on the
    complaint (readable by everyone who reads the complaint).
    What is right: docs/splitting.md "the new case gets … the letter's signers …, channel,
    day of receipt … the letter as written and its files move to the denunciation";
    splitting.letter_of's own doc: "The letter that opened the case".
    Where: services/splitting.py letter_of (min by received_on instead of the case's
    first petition, e.g. not is_duplicate / lowest id)."""
    case = _complaint(make_case, world)
    original = case.petitions[0]
    authors = sorted(s.petitioner_id for s in original.signers)
    scan = _scan(case, world, petition=original)
    intake.add_petition(case, intake.PetitionData(
        channel="mail", received_on=date(2026, 9, 28), content="Bản sao đơn gửi trước.",
        petitioners=[intake.PetitionerData(full_name="Lê Văn Tư", address="Số 4 Lê Lợi")]),
        world["reception"], NOW, TODAY)
    db.session.commit()
    new = _split(case, world)
    db.session.refresh(scan)
    part = new.petitions[0]
    assert (part.split_from_id, sorted(s.petitioner_id for s in part.signers),
            new.received_on, scan.case_id) == (original.id, authors, date(2026, 10, 2),
                                               new.id)


def test_defect_second_split_shows_the_restatement_as_the_letter_as_written(
        make_case, world, client, login):
    """What is wrong: a denunciation is split out of a complaint (the letter as written goes
    with it, the complaint keeps the desk's restatement KEPT); the desk then splits a
    recommendation out of the complaint, restating it again. split_case then stores KEPT,
    the desk's own words, as the complaint letter's letter_text, and the complaint's page
    shows it under "Nguyên văn đơn nhận ngày 02/10/2026 (trước khi tách thành nhiều hồ
    sơ)": the desk's summary presented as the citizen's letter.
    What is right: docs/splitting.md "the letter as written and its files move to the
    denunciation … Otherwise the letter stays where it was, and its words before the
    restatement are kept beside it": the letter's words, which are no longer on this case.
    Where: services/splitting.py split_case (`as_written = letter.letter_text or
    case.content` and the `elif letter.letter_text is None` branch take the restated
    content for the letter once the letter has gone to a denunciation)."""
    case = _complaint(make_case, world)
    _split(case, world)
    _split(case, world, _part("recommendation", subject="Kiến nghị làm đường",
                              content="Kiến nghị làm lại đường liên xã.",
                              kept="Khiếu nại QĐ 12/QĐ về thu hồi đất."))
    login(world["reception"])
    shown = _page(client.get(f"/reception/cases/{case.tracking_code}"))
    assert case.petitions[0].letter_text is None
    assert 'data-testid="letter-as-written"' not in shown


def test_defect_subject_naming_the_denunciation_stays_on_the_complaint(
        make_case, world, client, login):
    """What is wrong: the desk typed one subject for the letter ("Khiếu nại quyết định 12/QĐ
    và tố cáo cán bộ địa chính nhận tiền"). The split makes it restate the kept content,
    but offers no way to restate the kept subject (SplitData, the form and the API have no
    such field; nothing else edits a subject), and accepts the split: the complaint keeps a
    subject that states the denunciation, shown on its page, lists and exports beside the
    complainants' names to agency D, which may not see the denouncers.
    What is right: docs/splitting.md "the desk must restate what the other case is still
    about without the denunciation"; domain.md (the denouncer's identity and any data that
    reveals them are secret). Either the split restates the kept subject, or it refuses a
    subject left as it was.
    Where: services/splitting.py SplitData/_kept_errors/split_case, reception SplitForm,
    api SplitSchema."""
    subject = "Khiếu nại quyết định 12/QĐ và tố cáo cán bộ địa chính nhận tiền"
    case = _complaint(make_case, world, subject=subject)
    try:
        _split(case, world)
    except ValidationFailed:  # refused until the kept subject is restated: right too
        db.session.rollback()
        return
    workflow.route(case, "D", world["reception"], NOW, TODAY)
    db.session.commit()
    login(world["head"])
    shown = _page(client.get("/agency/cases?status=routed"))
    assert "to cao" not in fold(case.subject) and subject not in shown


# --- probes -------------------------------------------------------------------------------


def test_probe_letter_and_scan_follow_the_denunciation_and_stay_hidden(
        make_case, make_user, world, client, login):
    """The letter as written and the scan go with the denunciation: a masked reader of it
    (an officer of the holding agency not assigned to it) reads neither, and the complaint's
    page shows neither to the agency that holds it."""
    case = _complaint(make_case, world)
    scan = _scan(case, world)
    new = _split(case, world)
    workflow.route(case, "D", world["reception"], NOW, TODAY)
    workflow.route(new, "D", world["reception"], NOW, TODAY)
    db.session.commit()
    db.session.refresh(scan)
    assert (scan.case_id, new.petitions[0].letter_text) == (new.id, LETTER)
    officer = make_user("agency_officer", agency=world["D"])
    login(officer)
    denunciation = _page(client.get(f"/agency/cases/{new.tracking_code}"))
    assert "Trần Văn B" not in denunciation and 'data-testid="content-hidden"' in denunciation
    names = [s.petitioner.full_name for s in case.petitions[0].signers]
    assert not any(n in denunciation for n in names)
    assert client.get(f"/reception/attachments/{scan.id}").status_code == 403
    login(world["head"])
    complaint = _page(client.get(f"/agency/cases/{case.tracking_code}"))
    assert "Trần Văn B" not in complaint and "don.pdf" not in complaint
    assert new.tracking_code not in complaint


def test_probe_search_lists_and_api_do_not_name_the_denouncers(
        make_case, make_user, world, client, login, api):
    """An agency search by a signer's name, ID or phone does not find the denunciation; the
    complaint, restated, is no longer found by the denunciation's words (the search index
    follows the new content); the API list and the agency list show the denunciation
    without its people."""
    case = _complaint(make_case, world)
    new = _split(case, world)
    workflow.route(case, "D", world["reception"], NOW, TODAY)
    workflow.route(new, "D", world["reception"], NOW, TODAY)
    db.session.commit()
    person = case.petitions[0].signers[0].petitioner
    officer = make_user("agency_officer", agency=world["D"])
    for q in (person.full_name, person.id_number, person.phone, "Trần Văn B"):
        found = api(officer, "GET", "/cases", query_string={"q": q}).get_json()
        codes = [c["tracking_code"] for c in found["items"]]
        assert new.tracking_code not in codes and case.tracking_code not in codes, q
    found = api(officer, "GET", "/cases", query_string={"q": "thu hồi đất"}).get_json()
    assert case.tracking_code in [c["tracking_code"] for c in found["items"]]
    listed = api(officer, "GET", "/cases").get_json()
    row = next(c for c in listed["items"] if c["tracking_code"] == new.tracking_code)
    assert person.full_name not in json.dumps(row, ensure_ascii=False)
    login(world["head"])
    body = _page(client.get("/agency/cases"))
    assert new.tracking_code in body and case.tracking_code in body
    exported = client.get("/agency/cases?export=csv").get_data(as_text=True)
    [line] = [r for r in exported.splitlines() if new.tracking_code in r]
    assert person.full_name not in line and person.phone not in line


def test_probe_new_case_pin_deadline_and_receipt(make_case, world, client, login):
    """The new part has its own PIN (shown once on the receipt), opens with it (not with a
    denouncer's phone), and runs the denunciation's 7-working-day handling clock from the
    letter's day; the complaint keeps its PIN and its 10 working days."""
    case = _complaint(make_case, world)
    login(world["reception"])
    url = f"/reception/cases/{case.tracking_code}/split"
    done = client.post(url, data={"kind": "denunciation", "field": "land",
                                  "subject": "Tố cáo cán bộ địa chính", "content": DENOUNCED,
                                  "kept_content": KEPT, "complaint_round": "1",
                                  "kept_subject": "Khiếu nại quyết định 12/QĐ",
                                  "history": "", "token": "tok-pin", "confirm": "yes"})
    assert done.status_code == 302
    new = db.session.scalar(select(Case).where(Case.id != case.id))
    receipt = _page(client.get(done.headers["Location"]))
    again = _page(client.get(done.headers["Location"]))
    pins = re.findall(r'data-testid="receipt-pin">\s*<code[^>]*>(\d{6})</code>', receipt)
    assert pins and pins[0] not in again
    assert public.lookup(new.tracking_code, pins[0]) is not None
    phone = case.petitions[0].signers[0].petitioner.phone
    assert public.lookup(new.tracking_code, phone) is None
    assert public.lookup(case.tracking_code, case.test_pin) is not None
    assert new.deadline("handling").due_on == date(2026, 10, 13)
    assert case.deadline("handling").due_on == date(2026, 10, 16)


def test_probe_withdrawal_on_one_part_and_anonymisation(make_case, world):
    """A shared petitioner who withdraws from the complaint still signs the denunciation;
    anonymising them is refused while either part is open."""
    case = _complaint(make_case, world)
    new = _split(case, world)
    workflow.route(case, "D", world["reception"], NOW, TODAY)
    db.session.commit()
    first = case.petitions[0].signers[0].petitioner
    workflow.withdraw(case, "Rút đơn theo ý muốn", world["head"], NOW, TODAY,
                      petitioner_ids=[first.id])
    db.session.commit()
    assert case.status == states.ROUTED
    assert [s.withdrawn_on for s in new.petitions[0].signers] == [None, None]
    with pytest.raises(ValidationFailed) as refused:
        personal_data.anonymise_petitioner(first, "petitioner_request", world["head"], NOW,
                                           TODAY, 5)
    db.session.rollback()
    assert new.tracking_code in str(refused.value.errors["petitioner"])
    assert db.session.scalar(select(func.count()).select_from(Petitioner)) == 2
    checked, breaks = verify_chains()
    assert breaks == [] and checked > 0


def test_probe_who_may_split_on_the_page(make_case, make_user, make_agency, world, client,
                                         login):
    """Another desk: 404; a head, an inspector, an administrator: 403; the desk, once the
    case is routed: back to the case with a message, nothing split."""
    case = _complaint(make_case, world)
    url = f"/reception/cases/{case.tracking_code}/split"
    login(make_user("reception", agency=make_agency(code="DESK-2")))
    assert client.get(url).status_code == 404
    for role in ("agency_head", "inspector", "admin"):
        client.post("/logout")
        login(make_user(role, agency=world["D"] if role == "agency_head" else None))
        assert client.get(url).status_code == 403
    client.post("/logout")
    workflow.route(case, "D", world["reception"], NOW, TODAY)
    db.session.commit()
    login(world["reception"])
    late = client.post(url, data={"kind": "denunciation", "field": "land", "subject": "x",
                                  "content": "y", "kept_content": "z", "token": "t"},
                       follow_redirects=True)
    assert "chỉ tách được đơn chưa xử lý" in _page(late)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_probe_who_may_split_through_the_api(make_case, make_user, make_agency, world, api):
    """Another desk: 404; an inspector: 403; control characters: 422 on the field."""
    case = _complaint(make_case, world)
    path = f"/cases/{case.tracking_code}/split"
    body = {"kind": "denunciation", "field": "land", "subject": "Tố cáo cán bộ địa chính",
            "content": DENOUNCED, "kept_content": KEPT,
            "kept_subject": "Khiếu nại quyết định 12/QĐ"}
    other = make_user("reception", agency=make_agency(code="DESK-2"))
    assert api(other, "POST", path, json=body).status_code == 404
    assert api(make_user("inspector"), "POST", path, json=body).status_code == 403
    bad = api(world["reception"], "POST", path, json={**body, "kept_content": "a\x1bb"})
    assert bad.status_code == 422 and "kept_content" in bad.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_probe_form_shown_again_with_what_was_typed(make_case, world, client, login):
    """A refused split shows the form again (422) with every value typed, in English too."""
    case = _complaint(make_case, world)
    login(world["reception"])
    url = f"/reception/cases/{case.tracking_code}/split"
    body = {"kind": "recommendation", "field": "land", "subject": "Kiến nghị TYPED-SUBJECT",
            "content": "TYPED-CONTENT", "kept_content": "   ", "complaint_round": "1",
            "history": "", "token": "tok-typed"}
    refused = client.post(url, data=body)
    shown = _page(refused)
    assert refused.status_code == 422
    assert "TYPED-SUBJECT" in shown and "TYPED-CONTENT" in shown
    assert 'selected value="recommendation"' in shown
    assert "Enter what this case is still about." not in shown
    client.get("/lang/en")
    english = _page(client.post(url, data={**body, "token": "tok-typed-en"}))
    assert "Enter what this case is still about." in english and "TYPED-CONTENT" in english
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_probe_two_splits_at_once(app, make_case, world):
    """Two desks' officers split the same letter at the same moment: both parts are
    written, each once, and every chain verifies."""
    case = _complaint(make_case, world)
    code, desk_user = case.tracking_code, world["reception"].id
    db.session.commit()
    parts = [_part("recommendation", subject="Kiến nghị làm đường",
                   content="Kiến nghị làm lại đường liên xã.", kept=KEPT),
             _part("feedback", subject="Phản ánh thái độ cán bộ",
                   content="Phản ánh thái độ của cán bộ tiếp dân.", kept=KEPT)]

    def work(i: int) -> None:
        from complaints.models import User
        target = db.session.scalar(select(Case).where(Case.tracking_code == code))
        splitting.split_case(target, parts[i], db.session.get(User, desk_user), NOW, TODAY)

    assert run_at_once(app, 2, work) == []
    kinds = sorted(db.session.scalars(select(Case.kind).where(Case.tracking_code != code)))
    assert kinds == ["feedback", "recommendation"]
    checked, breaks = verify_chains()
    assert breaks == []


def test_probe_a_complaint_taken_out_of_a_denunciation_shows_nothing_of_it(
        make_case, world, client, login):
    """A complaint split out of a denunciation: the letter and its scan stay with the
    denunciation; the agency that holds the complaint reads neither the letter nor the
    denunciation's code or words; an anonymous letter splits without inventing signers."""
    case = make_case(actor=world["reception"], kind="denunciation", content=LETTER,
                     received_on=date(2026, 10, 2))
    db.session.commit()
    scan = _scan(case, world)
    new = _split(case, world, _part("complaint", subject="Khiếu nại quyết định 12/QĐ",
                                    content=KEPT, kept=LETTER, complaint_round=1))
    workflow.route(new, "D", world["reception"], NOW, TODAY)
    workflow.route(case, "P", world["reception"], NOW, TODAY)
    db.session.commit()
    db.session.refresh(scan)
    assert (scan.case_id, new.petitions[0].letter_text, case.content) == (
        case.id, None, LETTER)
    login(world["head"])
    shown = _page(client.get(f"/agency/cases/{new.tracking_code}"))
    assert "Trần Văn B" not in shown and case.tracking_code not in shown
    assert "don.pdf" not in shown
    anonymous = intake.receive_case(intake.CaseData(
        kind="denunciation", field_code="land", subject="Tố cáo cán bộ", content=LETTER,
        locality_code=world["ward"].code, petition=intake.PetitionData(
            channel="mail", received_on=date(2026, 10, 2), petitioners=[], eligible=False)),
        world["reception"], NOW, TODAY)[0]
    db.session.commit()
    part = _split(anonymous, world, _part("complaint", subject="Khiếu nại QĐ 12",
                                          content=KEPT, kept=LETTER, complaint_round=1))
    assert (part.petitions[0].eligible, part.petitions[0].signers) == (False, [])


def test_probe_a_second_round_complaint_taken_out_of_a_denunciation(make_case, world):
    """A denunciation letter that also complains, in round 2, of a first decision: the part
    is a second complaint on the first-round case, with its own deadline; the first-round
    case's trail does not name the denunciation."""
    from tests.integration.history_helpers import accepted

    first = accepted(make_case, world, "complaint", date(2026, 8, 3))
    workflow.resolve(first, "wrong", "1/QĐ", "Giữ nguyên", None, NOW, TODAY,
                     decided_on=date(2026, 9, 1))
    db.session.commit()
    case = make_case(actor=world["reception"], kind="denunciation", content=LETTER,
                     received_on=date(2026, 10, 2))
    db.session.commit()
    new = _split(case, world, _part("complaint", subject="Khiếu nại lần hai QĐ 1/QĐ",
                                    content=KEPT, kept=LETTER, complaint_round=2,
                                    parent_tracking_code=first.tracking_code))
    assert (new.kind, new.complaint_round, new.parent_case_id) == ("complaint", 2, first.id)
    assert new.deadline("handling") is not None
    trail = " ".join(db.session.scalars(select(AuditEvent.data).where(
        AuditEvent.chain == f"case:{first.id}")))
    assert case.tracking_code not in trail and new.tracking_code not in trail
