"""Splitting a letter with several kinds of content into several cases (domain.md: "may be
split into several cases that share the petitioners"): the desk that received it, before
handling it; the letter as written and its files go with the stricter confidentiality."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.domain import states
from complaints.extensions import db
from complaints.models import Attachment, AuditEvent, Case, Petitioner
from complaints.permissions import can_see_link
from complaints.services import attachments, reports, splitting, workflow
from complaints.services.audit import verify_chains
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.history_helpers import history_world
from tests.integration.history_helpers import page as _page
from tests.integration.test_petition_history import Q4

pytestmark = pytest.mark.usefixtures("fixed_clock")

LETTER = ("Tôi khiếu nại quyết định thu hồi đất số 12/QĐ. Tôi cũng tố cáo ông Trần Văn B, "
          "cán bộ địa chính, nhận tiền của các hộ dân.")
KEPT = "Khiếu nại quyết định thu hồi đất số 12/QĐ."
DENOUNCED = "Tố cáo cán bộ địa chính nhận tiền của các hộ dân."


@pytest.fixture
def world(make_agency, make_user, make_locality):
    return history_world(make_agency, make_user, make_locality)


def _complaint(make_case, world, addresses=True) -> Case:
    case = make_case(actor=world["reception"], kind="complaint", content=LETTER,
                     received_on=date(2026, 10, 2), petitioners=2)
    for i, signer in enumerate(case.petitions[0].signers):
        signer.petitioner.address = f"Số {i + 1} Lạch Tray" if addresses else None
    db.session.commit()
    return case


KEPT_SUBJECT = "Khiếu nại quyết định thu hồi đất số 12/QĐ"


def _part(kind="denunciation", kept=KEPT, **kw) -> splitting.SplitData:
    values = {"field_code": "land", "subject": "Tố cáo cán bộ địa chính",
              "content": DENOUNCED, "kept_content": kept, "kept_subject": KEPT_SUBJECT, **kw}
    return splitting.SplitData(kind=kind, **values)


def _events(case, action) -> list[dict]:
    return [json.loads(e.data) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.chain == f"case:{case.id}",
                                 AuditEvent.action == action).order_by(AuditEvent.seq))]


def _scan(case) -> Attachment:
    sha = attachments.write_blob(b"%PDF-1.4 the letter\n")
    row = Attachment(case_id=case.id, petition_id=case.petitions[0].id, sha256=sha,
                     filename="don.pdf", content_type="application/pdf", size=20,
                     purpose="petition", reveals_identity=False)
    db.session.add(row)
    db.session.commit()
    return row


def test_a_denunciation_taken_out_of_a_complaint_takes_the_letter_with_it(make_case, world):
    case = _complaint(make_case, world)
    scan = _scan(case)
    letter = case.petitions[0]
    new, pin = splitting.split_case(case, _part(), world["reception"], NOW, TODAY)
    db.session.commit()

    assert len(pin) == 6 and new.tracking_code != case.tracking_code
    assert (new.kind, new.status, new.content, new.received_on) == (
        "denunciation", states.RECEIVED, DENOUNCED, case.received_on)
    part = new.petitions[0]
    # The same people (one record each), channel and day; a handling deadline of its own.
    assert [s.petitioner_id for s in part.signers] == [s.petitioner_id for s in letter.signers]
    assert db.session.scalar(select(func.count()).select_from(Petitioner)) == 2
    assert (part.channel, part.received_on, part.split_from_id) == (
        letter.channel, letter.received_on, letter.id)
    assert new.deadline("handling").start_on == case.deadline("handling").start_on
    # The letter as written and its scan go with the denunciation; the complaint keeps the
    # desk's restatement only.
    assert (part.letter_text, letter.letter_text, case.content) == (LETTER, None, KEPT)
    db.session.refresh(scan)
    assert (scan.case_id, scan.petition_id) == (new.id, part.id)
    assert case.subject == KEPT_SUBJECT
    # Neither trail names the other case nor what moved: the link would say who denounced.
    [split] = _events(case, "case_split")
    assert split == {"petition": letter.id, "content_changed": True, "subject_changed": True}
    assert _events(new, "split_from") == [{}]
    checked, breaks = verify_chains()
    assert breaks == [] and checked >= 2


def test_two_open_kinds_keep_the_letter_and_the_desk_sees_the_link(make_case, world):
    case = _complaint(make_case, world)
    scan = _scan(case)
    new, _pin = splitting.split_case(
        case, _part("recommendation", subject="Kiến nghị làm đường",
                    content="Kiến nghị làm lại đường liên xã."),
        world["reception"], NOW, TODAY)
    db.session.commit()
    letter = case.petitions[0]
    assert (letter.letter_text, new.petitions[0].letter_text, case.content) == (
        LETTER, None, KEPT)
    db.session.refresh(scan)
    assert scan.case_id == case.id
    parts, source = splitting.parts_of(case, world["reception"])
    assert ([c.id for c in parts], source) == ([new.id], None)
    assert splitting.parts_of(new, world["reception"]) == ([], case)


def test_a_complaint_taken_out_of_a_denunciation_leaves_the_letter_there(make_case, world):
    case = make_case(actor=world["reception"], kind="denunciation", content=LETTER,
                     received_on=date(2026, 10, 2))
    db.session.commit()
    new, _pin = splitting.split_case(
        case, _part("complaint", subject="Khiếu nại quyết định 12/QĐ", content=KEPT,
                    kept=LETTER, complaint_round=1),
        world["reception"], NOW, TODAY)
    db.session.commit()
    assert (new.kind, new.complaint_round, new.content) == ("complaint", 1, KEPT)
    assert new.petitions[0].letter_text is None and case.content == LETTER
    assert _events(case, "case_split")[0] == {
        "petition": case.petitions[0].id, "content_changed": False, "subject_changed": True}


def test_the_link_beside_a_denunciation_is_shown_only_to_who_may_see_both(
        make_case, make_user, world):
    case = _complaint(make_case, world)
    new, _pin = splitting.split_case(case, _part(), world["reception"], NOW, TODAY)
    workflow.route(case, "D", world["reception"], NOW, TODAY)
    db.session.commit()
    head = world["head"]  # holds the complaint, not the denunciation
    assert not can_see_link(head, case, new)
    assert splitting.parts_of(case, head) == ([], None)
    assert splitting.parts_of(case, world["reception"])[0] == [new]


def test_a_reader_who_may_not_see_the_link_reads_neither_split_event(
        make_case, make_user, world):
    """QA 103 J4: the complaint's "case split" and the denunciation's "split from" share
    their instant and officer; a reader of both who may not see the link (here the admin,
    who reads a denunciation redacted) paired them, and with them the complaint's named
    signers with the denunciation."""
    from complaints.services import case_view

    case = _complaint(make_case, world)
    new, _pin = splitting.split_case(case, _part(), world["reception"], NOW, TODAY)
    db.session.commit()
    admin = make_user("admin", None, "quantri")
    db.session.commit()

    def actions(of, user):
        return {e.action for e in case_view.timeline(of, True, user)}

    assert "case_split" not in actions(case, admin)
    assert "split_from" not in actions(new, admin)
    assert "received" in actions(new, admin)
    desk = world["reception"]  # may see both: reads both events
    assert "case_split" in actions(case, desk) and "split_from" in actions(new, desk)
    # Between two open kinds the link is everyone's who may open either.
    other = _complaint(make_case, world)
    part, _pin = splitting.split_case(other, _part(kind="recommendation"), desk, NOW, TODAY)
    db.session.commit()
    assert "case_split" in actions(other, admin) and "split_from" in actions(part, admin)


@pytest.mark.parametrize(("part", "key", "says"), [
    (_part(kept=LETTER), "kept_content", "phải được tách khỏi hồ sơ này"),
    (_part(kept=" \u200b "), "kept_content", "Nhập nội dung còn lại"),
    (_part(kept="a\x07b"), "kept_content", "ký tự điều khiển"),
    (_part(subject=""), "subject", "Nhập trích yếu"),
    (_part(kind="feedback", history="court"), "history", "không áp dụng"),
    (_part(kept_subject=None), "kept_subject", "Ghi lại trích yếu"),
    (_part(kept_subject="a\x07b"), "kept_subject", "ký tự điều khiển"),
])
def test_a_wrong_split_is_a_field_error_and_saves_nothing(make_case, world, part, key, says):
    case = _complaint(make_case, world)
    with pytest.raises(ValidationFailed) as raised:
        splitting.split_case(case, part, world["reception"], NOW, TODAY)
    db.session.rollback()
    assert says in str(raised.value.errors[key])
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    assert case.content == LETTER and _events(case, "case_split") == []


def test_a_denunciation_needs_its_denouncers_address(make_case, world):
    """The shared signers go through the new kind's checks: a complainant who gave no
    address cannot be a denouncer (Law on Denunciations Art. 23)."""
    case = _complaint(make_case, world, addresses=False)
    with pytest.raises(ValidationFailed) as raised:
        splitting.split_case(case, _part(), world["reception"], NOW, TODAY)
    db.session.rollback()
    assert "địa chỉ người tố cáo" in str(raised.value.errors["petitioners"])


def test_only_the_receiving_desk_splits_and_only_before_handling(
        make_case, make_user, make_agency, world):
    case = _complaint(make_case, world)
    other_desk = make_user("reception", agency=make_agency(code="DESK-2"))
    with pytest.raises(NotAllowed):
        splitting.split_case(case, _part(), other_desk, NOW, TODAY)
    db.session.rollback()
    workflow.route(case, "D", world["reception"], NOW, TODAY)
    db.session.commit()
    with pytest.raises(states.InvalidTransition):
        splitting.split_case(case, _part(), world["reception"], NOW, TODAY)
    db.session.rollback()
    assert not splitting.may_split(world["reception"], case)


def test_each_part_is_a_petition_and_a_matter_of_02_xld(make_case, world):
    case = _complaint(make_case, world)
    splitting.split_case(case, _part(), world["reception"], NOW, TODAY)
    db.session.commit()
    report = reports.build_report("02/XLD", "P", Q4)
    row = {u.code: r for u, r in zip(report.units, report.rows, strict=True)}["DESK"]
    assert (row["3"], row["4"]) == (2, 2)


def test_the_desk_splits_on_its_page_and_gets_the_new_receipt(client, login, make_case, world):
    case = _complaint(make_case, world)
    login(world["reception"])
    page = _page(client.get(f"/reception/cases/{case.tracking_code}"))
    assert 'data-testid="split-case"' in page
    url = f"/reception/cases/{case.tracking_code}/split"
    form = _page(client.get(url))
    assert LETTER in form  # the content kept starts as the case's content
    body = {"kind": "denunciation", "field": "land", "subject": "Tố cáo cán bộ địa chính",
            "content": DENOUNCED, "kept_content": LETTER, "kept_subject": KEPT_SUBJECT,
            "complaint_round": "1",
            "history": "", "token": "tok-1"}
    refused = client.post(url, data=body)
    assert refused.status_code == 422
    assert "phải được tách khỏi hồ sơ này" in _page(refused)
    shown = client.post(url, data={**body, "kept_content": KEPT})  # confirmed first
    assert shown.status_code == 200 and 'data-testid="confirm-letter-moves"' in _page(shown)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    back = client.post(url, data={**body, "kept_content": KEPT, "edit": "1"})
    assert back.status_code == 200 and KEPT in _page(back)  # the form, as typed
    done = client.post(url, data={**body, "kept_content": KEPT, "confirm": "yes"})
    assert done.status_code == 302 and "/receipt" in done.headers["Location"]
    receipt = _page(client.get(done.headers["Location"]))
    new = db.session.scalar(select(Case).where(Case.id != case.id))
    assert new.tracking_code in receipt
    again = client.post(url, data={**body, "kept_content": KEPT,  # sent twice: one split
                                   "confirm": "yes"})
    assert again.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2
    after = _page(client.get(f"/reception/cases/{case.tracking_code}"))
    assert new.tracking_code in after and 'data-testid="split-case"' in after
    assert LETTER not in after  # the letter as written is kept with the denunciation
    shown = _page(client.get(f"/reception/cases/{new.tracking_code}"))
    assert LETTER in shown and case.tracking_code in shown


def test_the_api_splits_and_answers_the_new_case_with_its_pin(api, make_case, world):
    case = _complaint(make_case, world)
    path = f"/cases/{case.tracking_code}/split"
    body = {"kind": "recommendation", "field": "land", "subject": "Kiến nghị làm đường",
            "content": "Kiến nghị làm lại đường liên xã.", "kept_content": KEPT}
    made = api(world["reception"], "POST", path, json=body)
    assert made.status_code == 201, made.get_json()
    data = made.get_json()
    assert data["kind"] == "recommendation" and len(data["pin"]) == 6
    assert data["tracking_code"] != case.tracking_code
    again = api(world["reception"], "POST", path, json={**body, "kept_content": ""})
    assert again.status_code == 422 and "kept_content" in again.get_json()["errors"]
    workflow.route(case, "D", world["reception"], NOW, TODAY)
    db.session.commit()
    late = api(world["reception"], "POST", path, json=body)
    assert late.status_code == 409 and late.get_json()["action"] == "split"
    assert api(world["head"], "POST", path, json=body).status_code == 403


def test_a_split_made_meanwhile_is_not_written_over(client, login, make_case, world):
    """Two desks open the split form of one letter; the second to send it is refused and
    shown what remains, not allowed to write the content it saw back (QA round 42)."""
    case = _complaint(make_case, world)
    login(world["reception"])
    url = f"/reception/cases/{case.tracking_code}/split"
    form = _page(client.get(url))
    seen = form.split('name="seen" type="hidden" value="')[1].split('"')[0]
    splitting.split_case(case, _part(), world["reception"], NOW, TODAY)
    db.session.commit()
    late = client.post(url, data={
        "kind": "recommendation", "field": "land", "subject": "Kiến nghị làm đường",
        "content": "Kiến nghị làm lại đường liên xã.", "kept_content": LETTER,
        "kept_subject": KEPT_SUBJECT, "complaint_round": "1", "history": "",
        "token": "tok-late", "seen": seen})
    assert late.status_code == 422 and "vừa được thay đổi" in _page(late)
    db.session.expire_all()
    assert case.content == KEPT
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2
