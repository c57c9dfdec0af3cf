"""QA round 40: security review of the latest commits (letter splitting, entry corrections,
enforcement of decisions, the API route action through routing.route_case, the eager-loading
refactors, the evasion threshold as a pattern rule, lead designation on a suspended case).

DEFECTS (each test_defect_* failed on the frozen code of round 40 because of the defect;
all four are fixed and the tests now pass: see test_qa39_fixes.py for the corrections' rule
of what the desk may see, and POST /cases with agency_code now routes through
routing.route_case, `route_reason` being its reason):
- test_defect_id_number_correction_tells_the_number_is_on_record
    services/corrections._person_errors checks a corrected ID number against every
    petitioner on record: a desk correcting its own complainant learns that the number
    belongs to someone of another name (here a denouncer logged by another desk), and, by
    trying names, whose it is. Intake no longer tells this (intake._visible_people: a
    number on record for someone the officer may not see is filed as a new person, never
    refused).
- test_defect_clearing_an_address_tells_the_desk_the_person_denounced
    One petitioner record is shared by a complaint of desk A and an online denunciation
    of desk B (public._public_matches files a citizen's letter under the record it
    matches exactly). Desk A clears the complainant's address: refused with "Đơn tố cáo
    phải có họ tên và địa chỉ người tố cáo." The desk learns its complainant denounced
    someone, on a case it may not open (Law on Denunciations Art. 8).
- test_defect_desk_rewrites_the_contacts_of_a_denouncer_it_may_not_see
    Same shared record: desk A's correction of the e-mail succeeds and rewrites the
    denouncer's record of desk B's denunciation; its status mail then goes to the address
    desk A typed. Intake refuses to file under such a record for exactly this reason
    (intake._visible_people).
- test_defect_api_intake_routes_at_once_against_the_suggestion_without_a_reason
    POST /api/v1/cases with agency_code routes through workflow.route, not
    routing.route_case: an agency other than the routing rules' suggestion is accepted with
    no reason (201), while the page and the API's route action refuse the same choice
    (422 "… nêu lý do"). QA round 37 moved the route action only.

GUARDS (test_probe_*, pass on the frozen code): CSRF on the new forms (split, corrections,
enforce); the corrections' audit events carry fields and reason, never values; the API
correction of a petitioner of another case answers as an unknown id, huge ids are 404;
another desk's case is 404 on the new pages and API; officers and other heads cannot
enforce; two enforcement records at once make one row; enforcement figures (negative,
NaN, huge, above the ordered amount) refused; split validation of control characters; the
paginated /escalations page takes any page number and huge escalation ids are 404.

JUDGEMENTS (report, no test): free-text reasons and the enforcement note are kept in the
audit trail (as every workflow reason is); a correction of a shared record changes every
case of that person (by design, "one for all their cases").
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, Case, Enforcement, Notification, RoutingRule
from complaints.services import corrections, enforcement, intake, public, workflow
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD, run_at_once

pytestmark = pytest.mark.usefixtures("fixed_clock")

DENOUNCER_ID = "031288776655"
SHARED_ID = "031211112222"
SHARED_PHONE = "0912345678"
ADDRESS = "Số 4 Lê Lợi"


@pytest.fixture
def world(make_agency, make_user, make_locality):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    d = make_agency(code="D", parent=p, level="department", name="Sở Tài nguyên")
    d2 = make_agency(code="D2", parent=p, level="department", name="Sở Xây dựng")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân",
                       is_reception_desk=True)
    desk2 = make_agency(code="DESK2", parent=p, level="desk", name="Bộ phận một cửa",
                        is_reception_desk=True)
    db.session.commit()
    return {"P": p, "D": d, "D2": d2, "desk": desk, "desk2": desk2,
            "reception": make_user("reception", agency=desk),
            "reception2": make_user("reception", agency=desk2),
            "head": make_user("agency_head", agency=d),
            "head2": make_user("agency_head", agency=d2),
            "officer": make_user("agency_officer", agency=d),
            "ward": make_locality("11311", name="Phường Lê Chân")}


def _person(name, id_number=None, address=ADDRESS, phone=None):
    return intake.PetitionerData(full_name=name, id_number=id_number, address=address,
                                 phone=phone)


def _receive(world, actor, kind, people, subject="Khiếu nại thu hồi đất",
             content="Nội dung đơn") -> Case:
    data = intake.CaseData(
        kind=kind, field_code="land", subject=subject, content=content,
        locality_code=world["ward"].code,
        petition=intake.PetitionData(channel="walk_in", received_on=date(2026, 11, 2),
                                     petitioners=people))
    case, _pin = intake.receive_case(data, actor, NOW, TODAY)
    db.session.commit()
    return case


def _shared(world) -> tuple[Case, Case]:
    """A complaint of DESK and an online denunciation of DESK2 signed by one record."""
    complaint = _receive(world, world["reception"], "complaint",
                         [_person("Lê Văn Tư", SHARED_ID, phone=SHARED_PHONE)])
    denunciation, _pin = public.submit_online(public.OnlineSubmission(
        kind="denunciation", field_code="land", subject="Tố cáo cán bộ địa chính xã",
        content="Tố cáo cán bộ địa chính nhận tiền của các hộ dân.", full_name="Lê Văn Tư",
        phone=SHARED_PHONE, address=ADDRESS, id_number=SHARED_ID,
        locality_code=world["ward"].code), "DESK2", NOW, TODAY)
    db.session.commit()
    mine = complaint.petitions[0].signers[0].petitioner_id
    assert [s.petitioner_id for s in denunciation.petitions[0].signers] == [mine]
    return complaint, denunciation


def _particulars(person, **changes) -> corrections.PersonData:
    values = {name: getattr(person, name) for name in corrections.PERSON_FIELDS}
    values.update(changes)
    return corrections.PersonData(**values)


def _decided(world, kind="complaint", **figures) -> Case:
    case = _receive(world, world["reception"], kind, [_person("Phạm Thị Hoa")],
                    subject="Khiếu nại quyết định thu hồi đất")
    workflow.route(case, "D", None, NOW, TODAY, decided_on=date(2026, 11, 3))
    workflow.accept(case, None, NOW, TODAY, decided_on=date(2026, 11, 4))
    workflow.resolve(case, "right", "QĐ 7/QĐ-UBND", "Kết quả giải quyết", None, NOW, TODAY,
                     decided_on=date(2026, 11, 20), figures=figures)
    db.session.commit()
    return case


def _browser(app, user):
    from flask import g

    browser = app.test_client()
    db.session.commit()
    g.pop("_login_user", None)
    answer = browser.post("/login", data={"username": user.username, "password": PASSWORD})
    assert answer.status_code == 302, answer.status_code
    return browser


# --- defects ------------------------------------------------------------------------------


def test_defect_id_number_correction_tells_the_number_is_on_record(world, api):
    """What is wrong: desk DESK corrects the ID number of its own complainant Lê Văn Tư to
    a number DESK2 recorded for a denouncer (Trần Thị Mật): refused, "Số định danh này đã
    được ghi nhận cho một người có họ tên khác" (a 422 of the API; the page's form calls the
    same service). An
    unknown number is accepted, so the answer tells whether any number is on record; typing
    the number with another name until the refusal stops says whose it is. Intake with the
    same number and name is not refused (intake._visible_people: a record the officer may
    not see is never matched nor refused, "a refusal told that the number was on record").

    What is right: the correction answers as intake does: only a person on record whom the
    desk may see (can_see_identity on every case they sign) can make the number "someone
    else's"; anyone else's number says nothing (the correction saves, or is refused with
    the same message an unknown number would get).

    Where: services/corrections._person_errors (select Petitioner.full_name where
    id_number == number, over every petitioner).
    """
    _receive(world, world["reception2"], "denunciation",
             [_person("Trần Thị Mật", DENOUNCER_ID)], subject="Tố cáo cán bộ địa chính")
    complaint = _receive(world, world["reception"], "complaint", [_person("Lê Văn Tư")])
    person = complaint.petitions[0].signers[0].petitioner
    answer = api(world["reception"], "PATCH",
                 f"/cases/{complaint.tracking_code}/petitioners/{person.id}",
                 json={"id_number": DENOUNCER_ID, "reason": "Gõ nhầm số định danh"})
    assert answer.status_code == 200, (
        "a desk learns that an ID number is on record for someone it may not see: "
        f"{answer.status_code} {answer.get_json().get('errors')}")


def test_defect_clearing_an_address_tells_the_desk_the_person_denounced(world):
    """What is wrong: Lê Văn Tư signed a complaint at DESK and, online, a denunciation that
    DESK2 received (one record: public._public_matches files a citizen's letter under the
    record it matches exactly). DESK corrects its complainant's address away (learnt to be
    wrong): refused, "Đơn tố cáo phải có họ tên và địa chỉ người tố cáo." DESK may not open
    the denunciation, yet learns its complainant is a denouncer (Law on Denunciations Art.
    8: the identity and any data that may reveal it). The subject check next to it
    ("Trích yếu của một đơn tố cáo người này đứng tên …") is the same oracle.

    What is right: a correction never tells a reader about cases they may not see. A record
    that also signs a case whose identity the desk may not see is not the desk's to correct
    (refused as intake refuses to file under it, with a message that names no other case),
    or the checks look only at the cases the desk may see.

    Where: services/corrections._person_errors (_denunciations_signed over every case).
    """
    complaint, _den = _shared(world)
    person = complaint.petitions[0].signers[0].petitioner
    try:
        corrections.correct_person(complaint, person.id, _particulars(person, address=None),
                                   "Địa chỉ ghi nhầm", world["reception"], NOW)
    except ValidationFailed as exc:
        said = " ".join(str(m) for m in exc.errors.values())
        assert "tố cáo" not in said, f"the desk is told its complainant denounced: {said}"


def test_defect_desk_rewrites_the_contacts_of_a_denouncer_it_may_not_see(world):
    """What is wrong: with the same shared record, DESK corrects its complainant's e-mail
    to an address of its choosing: saved, and the record is the denouncer's of DESK2's
    denunciation. When DESK2 routes the denunciation, its status mail ("Hồ sơ … của
    ông/bà đã chuyển sang tình trạng …") goes to the address DESK typed: a desk that may
    not see the denouncer changes where the denunciation's news goes, and learns from it.
    intake._visible_people refuses to file under such a record for this very reason ("sent
    the denunciation's status mail to the contacts typed").

    What is right: a desk corrects only a record whose every case it may see the identity
    of (the rule of intake._visible_people); otherwise refused (NotAllowed, no other case
    named), the denouncer's record unchanged.

    Where: services/corrections.correct_person (no check of the person's other cases;
    permission is can_add_petition on this case only).
    """
    complaint, denunciation = _shared(world)
    person = complaint.petitions[0].signers[0].petitioner
    try:
        corrections.correct_person(complaint, person.id,
                                   _particulars(person, email="ban.a@example.org"),
                                   "Bổ sung thư điện tử", world["reception"], NOW)
        db.session.commit()
    except (NotAllowed, ValidationFailed):
        db.session.rollback()
    workflow.route(denunciation, "D", world["reception2"], NOW, TODAY,
                   decided_on=TODAY)
    db.session.commit()
    sent = list(db.session.scalars(select(Notification.email_to).where(
        Notification.case_id == denunciation.id, Notification.email_to.is_not(None))))
    assert "ban.a@example.org" not in sent, (
        "the denunciation's status mail goes to the address another desk typed")


def test_defect_api_intake_routes_at_once_against_the_suggestion_without_a_reason(
        world, api, client, login):
    """What is wrong: the routing rules suggest D for land in this ward. POST
    /api/v1/cases with agency_code "D2" and no route_reason logs and routes the case to
    D2 (201) with no reason recorded; the API's route action (422, reason) and the desk's
    page refuse the same choice. create_case calls workflow.route directly.

    What is right: one rule on every door (QA round 37): routing at intake goes through
    routing.route_case, a choice against the suggestion needs `route_reason` (422 on
    route_reason, nothing saved) and is recorded with the suggestion it overrode.

    Where: web/api/routes.create_case (workflow.route(..., reason=body["route_reason"])).
    """
    db.session.add(RoutingRule(field_id=None, locality_code=None, kind=None,
                               agency_id=world["D"].id, priority=0))
    db.session.commit()
    body = {"kind": "complaint", "field": "land", "subject": "Khiếu nại thu hồi đất",
            "content": "Khiếu nại quyết định thu hồi đất.", "channel": "walk_in",
            "received_on": "2026-11-20", "locality_code": world["ward"].code,
            "petitioners": [{"full_name": "Lê Văn Tư", "address": ADDRESS}]}
    held = api(world["reception"], "POST", "/cases", json=body)
    assert held.status_code == 201
    code = held.get_json()["tracking_code"]
    action = api(world["reception"], "POST", f"/cases/{code}/route",
                 json={"agency_code": "D2"})
    assert action.status_code == 422  # the route action holds the rule
    at_once = api(world["reception"], "POST", "/cases", json={**body, "agency_code": "D2"})
    assert at_once.status_code == 422, (
        "routed against the suggestion without a reason at intake: "
        f"{at_once.status_code} {(at_once.get_json().get('routings') or [{}])[-1]}")


# --- probes -------------------------------------------------------------------------------


def test_probe_corrections_audit_fields_and_reason_never_values(world):
    """The corrections' events name the fields changed and the reason, never a value."""
    complaint = _receive(world, world["reception"], "complaint",
                         [_person("Lê Văn Tư", phone="0912000111")])
    person = complaint.petitions[0].signers[0].petitioner
    corrections.correct_person(complaint, person.id,
                               _particulars(person, full_name="Lê Văn Tứ",
                                            phone="0912999888", address="Số 9 Trần Phú"),
                               "Gõ nhầm khi nhập", world["reception"], NOW)
    corrections.correct_eligibility(complaint, complaint.petitions[0].id, False,
                                    "Trùng đơn", world["reception"], NOW)
    db.session.commit()
    rows = [json.loads(e.data) for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"case:{complaint.id}",
        AuditEvent.action.in_(("petitioner_corrected", "petition_eligibility_corrected"))))]
    text = json.dumps(rows, ensure_ascii=False)
    assert len(rows) == 2
    for value in ("Lê Văn Tứ", "Lê Văn Tư", "0912999888", "0912000111", "Trần Phú",
                  "Lê Lợi"):
        assert value not in text


def test_probe_api_correction_of_another_cases_petitioner_is_an_unknown_id(world, api):
    """A petitioner of another desk's case, an unknown id and a huge id answer alike
    (404), and nothing is changed."""
    other = _receive(world, world["reception2"], "denunciation",
                     [_person("Trần Thị Mật", DENOUNCER_ID)], subject="Tố cáo cán bộ")
    theirs = other.petitions[0].signers[0].petitioner_id
    mine = _receive(world, world["reception"], "complaint", [_person("Lê Văn Tư")])
    answers = []
    for pid in (theirs, 999_999, 2**63, 10**30):
        r = api(world["reception"], "PATCH",
                f"/cases/{mine.tracking_code}/petitioners/{pid}",
                json={"full_name": "Ai Đó", "reason": "Thử"})
        answers.append((r.status_code, r.get_json()["error"]))
    assert {a[0] for a in answers} == {404}
    assert answers[0] == answers[1]
    db.session.expire_all()
    assert db.session.get(Case, other.id).petitions[0].signers[0].petitioner.full_name == \
        "Trần Thị Mật"


def test_probe_other_desk_and_agency_staff_cannot_split_or_correct(world, app):
    """Another desk's case does not exist for the new pages and API calls; an agency head
    may not open the desk's pages."""
    case = _receive(world, world["reception"], "complaint", [_person("Lê Văn Tư")])
    code, pid = case.tracking_code, case.petitions[0].signers[0].petitioner_id
    petition = case.petitions[0].id
    paths = [f"/reception/cases/{code}/split",
             f"/reception/cases/{code}/petitioners/{pid}",
             f"/reception/cases/{code}/petitions/{petition}/eligibility"]
    other = _browser(app, world["reception2"])
    from flask import g
    for path in paths:
        g.pop("_login_user", None)
        assert other.get(path).status_code == 404
        g.pop("_login_user", None)
        assert other.post(path, data={"reason": "x"}).status_code == 404
    head = _browser(app, world["head"])
    for path in paths:
        g.pop("_login_user", None)
        assert head.get(path).status_code == 403


def test_probe_csrf_on_the_new_forms(world, app):
    """The split, correction and enforce forms refuse a post without the CSRF token."""
    from flask import g

    case = _receive(world, world["reception"], "complaint", [_person("Lê Văn Tư")])
    decided = _decided(world, money_to_recover=10)
    desk = _browser(app, world["reception"])
    head = _browser(app, world["head"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        code, pid = case.tracking_code, case.petitions[0].signers[0].petitioner_id
        for browser, path, data in (
                (desk, f"/reception/cases/{code}/split",
                 {"kind": "denunciation", "field": "land", "subject": "Tố cáo",
                  "content": "Tố cáo", "kept_content": "Khiếu nại", "kept_subject": "K",
                  "token": "t1"}),
                (desk, f"/reception/cases/{code}/petitioners/{pid}",
                 {"full_name": "Lê Văn Tứ", "reason": "Gõ nhầm"}),
                (desk, f"/reception/cases/{code}/petitions/{case.petitions[0].id}"
                       "/eligibility", {"eligible": "no", "reason": "Trùng"}),
                (head, f"/agency/cases/{decided.tracking_code}/enforce",
                 {"enforced_on": "2026-11-25", "money_recovered": "10", "confirmed": "1"})):
            g.pop("_login_user", None)
            assert browser.post(path, data=data).status_code == 400, path
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.expire_all()
    assert db.session.scalar(select(Case.id).where(Case.id != case.id,
                                                   Case.id != decided.id)) is None
    assert enforcement.record_of(decided) is None
    assert db.session.get(Case, case.id).petitions[0].signers[0].petitioner.full_name == \
        "Lê Văn Tư"


def test_probe_only_the_deciding_head_enforces(world, api):
    """The officer, another agency's head and the desk may not record enforcement."""
    case = _decided(world, money_to_recover=10)
    body = {"enforced_on": "2026-11-25", "money_recovered": "10"}
    assert api(world["officer"], "POST", f"/cases/{case.tracking_code}/enforce",
               json=body).status_code == 403
    assert api(world["head2"], "POST", f"/cases/{case.tracking_code}/enforce",
               json=body).status_code == 404
    assert api(world["reception"], "POST", f"/cases/{case.tracking_code}/enforce",
               json=body).status_code == 403
    assert enforcement.record_of(case) is None
    assert api(world["head"], "POST", f"/cases/{case.tracking_code}/enforce",
               json=body).status_code == 200


@pytest.mark.parametrize("figures", [
    {"money_recovered": "-1"}, {"money_recovered": "NaN"}, {"money_recovered": "1e300"},
    {"money_recovered": "10.01"}, {"people_disciplined": -1},
    {"people_disciplined": 10**20}, {"people_disciplined": 1.5},
    {"people_disciplined": True}, {"officials_disciplined": 2, "people_disciplined": 1},
])
def test_probe_enforcement_figures_are_checked(world, api, figures):
    """Negative, not finite, huge, fractional counts and amounts above the order: 422."""
    case = _decided(world, money_to_recover=10, people_disciplined=2)
    answer = api(world["head"], "POST", f"/cases/{case.tracking_code}/enforce",
                 json={"enforced_on": "2026-11-25", **figures})
    assert answer.status_code == 422, answer.get_json()
    assert enforcement.record_of(case) is None


def test_probe_two_enforcement_records_at_once_make_one_row(app, world):
    """Two heads' tabs recording enforcement at once: one row, no error left unhandled."""
    case = _decided(world, money_to_recover=10)
    head_id, case_id = world["head"].id, case.id

    def work(i: int) -> None:
        from complaints.models import User

        enforcement.enforce(db.session.get(Case, case_id), date(2026, 11, 25),
                            {"money_recovered": Decimal(5 + i)}, None,
                            db.session.get(User, head_id), NOW, TODAY)

    failures = run_at_once(app, 2, work)
    assert not failures, failures
    db.session.expire_all()
    rows = list(db.session.scalars(select(Enforcement).where(Enforcement.case_id == case_id)))
    assert len(rows) == 1


@pytest.mark.parametrize("key,value", [("kept_content", "Khiếu nại\x00 đất"),
                                       ("kept_subject", "Khiếu nại\x1b[31m"),
                                       ("content", "Tố cáo\x07")])
def test_probe_split_refuses_control_characters(world, api, key, value):
    """Control characters in the split's texts are refused (422; NUL 400), nothing split."""
    case = _receive(world, world["reception"], "complaint", [_person("Lê Văn Tư")],
                    content="Khiếu nại thu hồi đất. Tố cáo cán bộ nhận tiền.")
    body = {"kind": "denunciation", "field": "land", "subject": "Tố cáo cán bộ",
            "content": "Tố cáo cán bộ nhận tiền.", "kept_content": "Khiếu nại thu hồi đất.",
            "kept_subject": "Khiếu nại thu hồi đất", key: value}
    answer = api(world["reception"], "POST", f"/cases/{case.tracking_code}/split", json=body)
    assert answer.status_code in (400, 422), answer.get_json()  # NUL: refused as unreadable
    assert db.session.scalar(select(Case.id).where(Case.id != case.id)) is None


def test_probe_escalation_page_numbers_and_ids(world, app):
    """The paginated /escalations page takes any page number; a huge or unknown escalation
    id is 404, as another agency's escalation is."""
    from flask import g

    head = _browser(app, world["head"])
    for page in ("0", "-3", "abc", str(10**30)):
        g.pop("_login_user", None)
        assert head.get(f"/escalations?page={page}").status_code == 200, page
    for eid in (999_999, 2**63, 10**30):
        for action in ("acknowledge", "lead"):
            g.pop("_login_user", None)
            assert head.post(f"/escalations/{eid}/{action}").status_code == 404, (eid, action)
