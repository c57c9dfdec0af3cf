"""QA round 53: a security review of the latest changes (the reasons asked by the
administrators' account, agency and field pages; the fields of law; the inspectors'
agency filter; the first-round case read by the second round's agency; decisions after
a resumption; status e-mails told again; the escalations and notes of the JSON API; case
work notes; the PIN reissued by the desk).

Each test fails on the frozen code because of the defect its docstring names. Tests
named test_guard_* pass: they guard behaviour this round checked and found right.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case, Field
from complaints.services import admin as admin_service
from complaints.services import notes, public, references, workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403  (fixtures: world, routed)
from tests.integration.agency_world import fresh

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


def _text(response) -> str:
    """The page's visible text, one line per element."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ",
                  response.get_data(as_text=True), flags=re.S)
    return "\n".join(line.strip() for line in re.sub(r"<[^>]+>", "\n", html).splitlines()
                     if line.strip())


def _decided_first_round(world, routed, **kw):
    """A first-round complaint accepted and decided by SO-TNMT on 25/11/2026."""
    first = routed(accept=True, **kw)
    workflow.resolve(first, "wrong", "5/QĐ-STNMT", "Khiếu nại không đúng", world["head"], NOW,
                     TODAY, decided_on=date(2026, 11, 25))
    db.session.commit()
    return first


def _stop_field(code: str, admin) -> None:
    row = db.session.scalar(select(Field).where(Field.code == code))
    admin_service.set_field_active(row, False, admin, NOW, reason="Gộp vào lĩnh vực khác")
    db.session.commit()
    references.invalidate()


# --- 1. A stopped field takes the citizen's second complaint away --------------------------


def test_a_stopped_field_does_not_take_away_the_citizens_second_complaint(
        world, routed, make_user):
    """What is wrong: public.open_second_complaint files the second complaint (khiếu nại lần
    hai) under the first case's field (case.field.code), and intake now refuses a field
    the administrator stopped (intake.validate_case: FIELD_STOPPED). Once an administrator
    stops (merges, renames by replacing) the field of a decided first-round case, its
    complainant's statutory second complaint is refused ("field" error) — on the citizen's
    page there is no field to choose, so the right of Law on Complaints Art. 7(1), 33 is
    lost within its time limit, by a change of reference data that "cases, rules and
    reports that name it keep" (admin.set_field_active's promise).
    What is right: a second complaint inherits its first round's field even when stopped
    (the field is refused only for matters newly classified), as add_petition and the
    other follow-ups of an existing case are not refused either."""
    first = _decided_first_round(world, routed)
    _stop_field("land", make_user("admin"))
    try:
        second, _pin = public.open_second_complaint(
            fresh(first), "Không đồng ý với quyết định 5/QĐ", world["desk"].code, NOW, TODAY)
    except ValidationFailed as exc:
        pytest.fail(f"the second complaint was refused: {exc.errors}")
    assert second.complaint_round == 2 and second.parent_case_id == first.id


# --- 2. An acknowledgement's note names the denouncer on the shared timeline ---------------


def _overdue_escalation(case: Case):
    """The level-1 (overdue) escalation of the case's acceptance, raised by the sweep."""
    from complaints.models import Escalation
    from complaints.services.escalation import escalate_due
    from tests.integration.test_escalation_world import ladder_dates

    escalate_due(ladder_dates(case)[1], NOW)
    db.session.commit()
    return db.session.scalars(select(Escalation).where(Escalation.case_id == case.id)).one()


def test_an_acknowledgement_note_may_not_name_the_denouncer(world, routed, api, client,
                                                            login):
    """What is wrong: POST /api/v1/escalations/{id}/acknowledge (new), like the page's form,
    keeps the note in the case's trail ("escalation_acknowledged" {note}) unchecked. The
    head of the agency resolving a denunciation sees its denouncer and writes what was done
    ("Đã gọi ông Nguyễn Văn A …"); the timeline then names the denouncer to every reader
    who may not see them: the agency's other officers, the supervisor an escalation is
    addressed to, the administrators (Law on Denunciations Art. 8(3)). The new case notes
    refuse exactly that text (notes.add_note → intake.trail_text: REASON_NAMES_DENOUNCER),
    as corrections' reasons and the desk's urging do; the acknowledgement, on the same
    timeline, does not.
    What is right: escalation.acknowledge checks its note as every text of the trail is
    (intake.trail_text): 422 on "note" when it names a denouncer of the case, and nothing
    is recorded."""
    case = routed(kind="denunciation", received_on=date(2026, 10, 1))
    escalation = _overdue_escalation(case)
    assert escalation.to_agency_id == world["so"].id
    denouncer = case.petitions[0].signers[0].petitioner.full_name
    text = f"Đã gọi {denouncer} để xác minh thêm."
    # The same text as a case note is refused (the rule the trail keeps elsewhere) …
    with pytest.raises(ValidationFailed):
        notes.add_note(fresh(case), text, world["head"], NOW)
    db.session.rollback()
    # … but as the acknowledgement's note it is kept.
    answer = api(world["head"], "POST", f"/escalations/{escalation.id}/acknowledge",
                 json={"action": "note", "note": text})
    login(world["officer2"])  # same agency, not assigned: the denouncer is masked for them
    page = _text(client.get(f"/agency/cases/{case.tracking_code}"))
    assert "*** (bảo mật)" in page
    assert denouncer not in page, ("the masked reader reads the denouncer's name in the "
                                   "acknowledgement note", answer.status_code)
    assert answer.status_code == 422 and set(answer.get_json()["errors"]) == {"note"}


# --- 3. The API lets the supervisor move a case whose lead agency is already designated ----


def test_the_api_designates_no_second_lead_once_one_is_designated(api, world, routed):
    """What is wrong: POST /api/v1/escalations/{id}/lead (new) designates a lead agency
    whatever the case's lead is now. Once the inspectorate has made SO-TNMT the lead
    (inspector_actions.set_lead, binding; it answers the supervisor's evasion escalation
    with "set_lead"), GET /escalations itself tells the supervisor lead_to_designate:
    false, and the pages' lead queue drops the case (queries.lead_queue: no lead yet; QA
    round 15) — yet the endpoint moves the case again to another agency (200): the
    inspectorate's binding designation is overridden, the acceptance clock restarted,
    the case passed on once more — the very evasion (đùn đẩy) the designation ends
    (domain.md: "must designate the lead agency (a binding decision)").
    What is right: a lead designation is asked for only while the case has none (what
    lead_to_designate says): the endpoint answers 409 (or 403/422) for an escalation whose
    case already has its lead, and the case stays with it."""
    from complaints.models import Escalation
    from complaints.services import inspector_actions

    case = routed(accept=False)  # at SO-TNMT since 20/11
    workflow.transfer(case, "SO-XD", "Sai thẩm quyền", world["head"], NOW, TODAY,
                      decided_on=date(2026, 11, 21))
    workflow.transfer(case, "SO-TNMT", "Sai thẩm quyền", world["other_head"], NOW, TODAY,
                      decided_on=date(2026, 11, 22))
    db.session.commit()
    evasion = db.session.scalar(select(Escalation).where(Escalation.case_id == case.id,
                                                         Escalation.reason == "evaded"))
    assert evasion is not None and evasion.to_agency_id == world["province"].id
    inspector = make_inspector(world)
    inspector_actions.set_lead(fresh(case), "SO-TNMT", "Sở Tài nguyên chủ trì giải quyết",
                               inspector, NOW, TODAY)
    db.session.commit()
    listed = api(world["province_head"], "GET", "/escalations?state=acknowledged").get_json()
    assert [(i["id"], i["lead_to_designate"]) for i in listed["items"]] == [(evasion.id, False)]
    moved = api(world["province_head"], "POST", f"/escalations/{evasion.id}/lead",
                json={"agency_code": "SO-XD", "note": "Giao Sở Xây dựng chủ trì"})
    after = fresh(case)
    assert (after.lead_agency_id, after.agency_id) == (world["so"].id, world["so"].id), (
        "the designated lead was replaced through the API", moved.status_code)
    assert moved.status_code in (403, 409, 422)


def make_inspector(world):
    """An inspector of a provincial inspectorate (created on demand)."""
    from complaints.models import Agency, User
    from tests.factories import PASSWORD

    inspectorate = Agency(code="TTT", name="Thanh tra tỉnh", level="department",
                          parent=world["province"], is_inspectorate=True)
    db.session.add(inspectorate)
    db.session.flush()
    user = User(username="thanhtra", role="inspector", agency=inspectorate,
                full_name="Thanh tra viên")
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


# --- Guards: what this round checked and found right ---------------------------------------


def test_guard_the_agency_filter_shows_a_head_no_case_waiting_at_a_desk(
        world, make_case, client, login):
    """Guard (inspection._filtered, QA round 51): the agency filter now also takes the cases
    waiting at a desk of the subtree; for an agency head it stays inside their own agency
    (queries.cases_visible_to), whatever agency is asked for."""
    waiting = make_case(actor=world["reception"], subject="Đơn chờ phân loại tại Ban")
    db.session.commit()
    login(world["head"])
    for agency in ("BTCD", "UBND-HP", "SO-TNMT"):
        page = client.get(f"/inspection/cases?agency={agency}&status=open")
        assert page.status_code == 200
        assert waiting.tracking_code not in page.text, agency
    from complaints.services import inspection

    found = db.session.scalars(inspection._filtered(
        make_inspector(world), inspection.parse_filter({"agency": "BTCD"}))).all()
    assert [c.id for c in found] == [waiting.id]  # the inspector's list does take it


def test_guard_the_first_round_is_closed_to_an_agency_the_second_round_left(
        world, routed, api):
    """Guard (permissions._reviews_first_round): the head of the agency holding a second
    complaint reads its first round only while it holds it; once the second complaint is
    transferred on, the first round is "not found" to it, and readable by the new holder
    (read only)."""
    first = _decided_first_round(world, routed)
    second, _pin = public.open_second_complaint(first, "Không đồng ý với quyết định 5/QĐ",
                                                world["desk"].code, NOW, TODAY)
    db.session.commit()
    assert api(world["province_head"], "GET",
               f"/cases/{first.tracking_code}").status_code == 200
    assert api(world["other_head"], "GET", f"/cases/{first.tracking_code}").status_code == 404
    workflow.transfer(fresh(second), "SO-XD", "Giao Sở Xây dựng", world["province_head"], NOW,
                      TODAY)
    db.session.commit()
    assert api(world["province_head"], "GET",
               f"/cases/{first.tracking_code}").status_code == 404
    answer = api(world["other_head"], "GET", f"/cases/{first.tracking_code}")
    assert answer.status_code == 200 and answer.get_json()["allowed_actions"] == []
    assert api(world["other_officer"], "GET",
               f"/cases/{first.tracking_code}").status_code == 404  # not assigned
    assert api(world["other_head"], "POST", f"/cases/{first.tracking_code}/notes",
               json={"note": "Đã đọc hồ sơ lần đầu."}).status_code == 403


def test_guard_a_status_told_again_is_exported_under_the_old_address(
        world, routed, make_user):
    """Guard (notifications._status_key, personal_data._messages_to): an accepted status
    told again after a resumption goes under a numbered key that still names the person,
    so the export of their data finds it after their address was corrected."""
    from complaints.models import Notification
    from complaints.services import corrections, personal_data

    case = routed(accept=True)
    person = case.petitions[0].signers[0].petitioner
    person.email = "cu@example.vn"
    db.session.commit()
    workflow.suspend(fresh(case), "Chờ kết quả giám định", world["head"], NOW, TODAY,
                     decided_on=date(2026, 11, 24))
    workflow.resume(fresh(case), world["head"], NOW, TODAY, decided_on=date(2026, 11, 26))
    workflow.suspend(fresh(case), "Chờ ý kiến cơ quan chuyên môn", world["head"], NOW, TODAY,
                     decided_on=date(2026, 11, 27))
    workflow.resume(fresh(case), world["head"], NOW, TODAY, decided_on=date(2026, 11, 30))
    db.session.commit()
    keys = db.session.scalars(select(Notification.dedupe_key).where(
        Notification.case_id == case.id, Notification.email_to == "cu@example.vn")
        .order_by(Notification.id)).all()
    assert [k.split(":")[2].split(".")[0] for k in keys] == [
        "suspended", "accepted", "suspended", "accepted"], keys
    assert len(set(keys)) == 4 and all(k.endswith(f":{person.id}:mail") for k in keys)
    corrections.correct_person(fresh(case), person.id, {"email": "moi@example.vn"},
                               "Công dân đổi thư điện tử", world["reception"], NOW, TODAY)
    db.session.commit()
    exported = personal_data.export_petitioner(db.session.get(type(person), person.id),
                                               make_user("admin"), NOW,
                                               ground="Công dân yêu cầu")
    assert {m["email_to"] for m in exported["messages"]} >= {"cu@example.vn"}
    assert len([m for m in exported["messages"] if m["email_to"] == "cu@example.vn"]) == 4
