"""QA round 49 — faults, two instances, migrations and backups on the latest changes: the
"urged" handling outcome (migration b6f2a9d4c1e7, services/urging.py), the split
confirmation, corrections audited on the person's other cases, 05/KQTH and 02/XLD scoped
measures on both databases, and the admin's new refusals.

Defects (each test_defect_* fails on the frozen code of round 49 because of it):

1. Desk urgings after the first reach nobody: urging.urge_holder keys the heads' notice on
   the audit event's id before it is flushed ("desk:None:u<id>"), so every later urging
   of any case is dropped as a duplicate (both databases).
2. PostgreSQL: two corrections of one person through her two cases deadlock
   (corrections.correct_person locks its case, updates the person, then locks the other
   case for its audit event).
3. Two admins each remove one of a desk's last two reception officers (a move beside a
   move or a lock): both are made, the desk's waiting cases are left with nobody (both
   databases: admin._left_at_the_desk counts without a lock).
4. PostgreSQL: an agency deactivated while the escalation sweep addresses an urging to it:
   both commit (the sweep's directory is read without a lock, the refusal counts
   uncommitted rows as none).
5. A split confirmed after the same split by someone else, which kept the content, is made
   again and writes the old subject back (splitting's `seen` fingerprints content only).
6. The same split confirmation sent twice at once: the second answer is 422 "someone may
   have split this letter" with the form again, not the new case.

Probes (test_probe_*) hold on the databases their docstrings name.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import AuditEvent, Notification
from complaints.services import urging, workflow
from complaints.services.audit import verify_chains
from tests.conftest import IS_POSTGRES, NOW, TODAY
from tests.factories import PASSWORD, run_at_once
from tests.integration.resolution_world import desk_world

pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.fixture
def new(make_agency, make_user, make_case):
    return desk_world(make_agency, make_user, make_case)


def _held_by_d(new, make_user, head=None, letter_on=date(2026, 7, 10)):
    """A complaint received 01/06, routed to D 02/06 and accepted 03/06, with a later letter."""
    case = new("complaint", letters=(letter_on,))
    workflow.route(case, "D", None, NOW, TODAY, decided_on=date(2026, 6, 2))
    workflow.accept(case, None, NOW, TODAY, decided_on=date(2026, 6, 3))
    head = head or make_user("agency_head", agency=case.agency)
    db.session.commit()
    return case, case.petitions[1], head


# --- (2) urging ---------------------------------------------------------------------------

def test_defect_a_second_urging_of_the_same_agency_reaches_no_head(new, make_user):
    """The desk urges D on a later letter of case A, then (another day, another matter) on a
    later letter of case B, also held by D.

    Wrong: D's head is told of the first urging only; the second notice is silently dropped
    as a duplicate. urging.urge_holder builds the notice's dedupe key f"desk:{event.id}"
    from the audit event it has just added, before any flush: event.id is still None, so
    every desk urging of every case has the key "desk:None:u<head>:app" and only the first
    one for each user is ever inserted (notifications.insert_ignoring_duplicates).
    Right: each urging is notified (its key is unique: flush before reading event.id, as
    inspector_actions.urge does).
    """
    first, letter_a, head = _held_by_d(new, make_user)
    second, letter_b, _ = _held_by_d(new, make_user, head=head)
    urging.urge_holder(first, letter_a.id, "Đề nghị giải quyết hồ sơ thứ nhất", new.reception,
                       NOW, TODAY)
    db.session.commit()
    urging.urge_holder(second, letter_b.id, "Đề nghị giải quyết hồ sơ thứ hai", new.reception,
                       NOW, TODAY)
    db.session.commit()
    told = {n.case_id for n in db.session.scalars(
        select(Notification).where(Notification.user_id == head.id))}
    keys = sorted(db.session.scalars(select(Notification.dedupe_key).where(
        Notification.user_id == head.id)))
    assert told == {first.id, second.id}, keys


# --- (4) corrections of one person signing two cases ------------------------------------

@pytest.fixture
def hworld(make_agency, make_user, make_locality):
    from tests.integration.history_helpers import history_world

    return history_world(make_agency, make_user, make_locality)


def _one_person_two_cases(make_case, hworld):
    first = make_case(actor=hworld["reception"], received_on=date(2026, 10, 2))
    person = first.petitions[0].signers[0].petitioner
    second = make_case(actor=hworld["reception"], received_on=date(2026, 10, 5),
                       subject="Khiếu nại việc cấp giấy chứng nhận")
    second.petitions[0].signers[0].petitioner_id = person.id  # the same person, filed once
    db.session.commit()
    return first, second, person


def _person_data(person, **changes):
    from complaints.services import corrections

    values = {name: getattr(person, name) for name in corrections.PERSON_FIELDS}
    return corrections.PersonData(**{**values, **changes})


@pytest.mark.skipif(not IS_POSTGRES, reason="row locks of two instances on PostgreSQL")
def test_defect_two_corrections_of_one_person_through_her_two_cases_deadlock(
        app, make_case, hworld):
    """A person signs cases A and B of the desk. One officer corrects her phone from A's
    page while another corrects her address from B's page (each form's `seen` is the
    fingerprint it showed), at the same moment, on two instances.

    Wrong (PostgreSQL): one request fails with "deadlock detected" (a 500 for the desk).
    corrections.correct_person locks its own case (hold), updates the petitioner row, then
    appends "petitioner_corrected" to the person's *other* case, whose chain head
    audit._head locks only then: request 1 holds A and the petitioner row and waits for B;
    request 2 holds B and waits for the petitioner row.
    Right: the second correction waits for the first and is then either written or refused
    as "corrected by someone else meanwhile" (ValidationFailed "seen") — never a database
    error; every chain verifies. Fix: lock every case the person signs, in id order, before
    reading the person (or lock the petitioner row first).
    """
    from complaints.models import Case, Petitioner
    from complaints.services import corrections

    first, second, person = _one_person_two_cases(make_case, hworld)
    seen = corrections.person_fingerprint(person)
    ids, pid = (first.id, second.id), person.id
    changes = ({"phone": "0912 000 111"}, {"address": "Số 9 Lê Lợi"})

    def work(i: int) -> None:
        case = db.session.get(Case, ids[i])
        who = db.session.get(Petitioner, pid)
        corrections.correct_person(case, pid, _person_data(who, **changes[i]),
                                   "Công dân bổ sung", db.session.merge(hworld["reception"]),
                                   NOW, TODAY, seen=seen)
        # the request does more after the service (the page's redirect): nothing here

    failures = run_at_once(app, 2, work)
    db.session.remove()
    unexpected = [f for f in failures if not isinstance(f, corrections.ValidationFailed)]
    assert unexpected == [], [repr(f)[:300] for f in unexpected]
    checked, breaks = verify_chains()
    assert breaks == [] and checked > 0


# --- (3) the split confirmation -----------------------------------------------------------

LETTER = ("Tôi khiếu nại quyết định thu hồi đất số 12/QĐ. Tôi kiến nghị sửa đường Lạch "
          "Tray trước mùa mưa.")
RECOMMENDED = "Kiến nghị sửa đường Lạch Tray trước mùa mưa."


def _letter_case(make_case, hworld):
    case = make_case(actor=hworld["reception"], kind="complaint", content=LETTER,
                     subject="Khiếu nại thu hồi đất; kiến nghị sửa đường",
                     received_on=date(2026, 10, 2))
    case.petitions[0].signers[0].petitioner.address = "Số 1 Lạch Tray"  # a denouncer's
    db.session.commit()
    return case


def test_defect_a_split_confirmed_after_the_same_split_by_someone_else_is_made_again(
        make_case, hworld):
    """Two officers of the desk open the split form of one letter (complaint + a
    recommendation) and both take the recommendation out; the content kept is left as the
    letter (allowed: only a denunciation must be taken out of it), the first restates the
    subject. The first confirms; the second confirms from the page it opened before.

    Wrong: the second confirmation splits the recommendation out again — two
    recommendation cases of one matter (two agencies resolve it, 02/XLD counts it twice) —
    and writes the old subject back over the first officer's restatement.
    services/splitting._refusals compares the form's `seen` with the fingerprint of the
    case's *content* only: a split that kept the content changes nothing it looks at.
    Right: the second confirmation is refused ("seen": the case changed meanwhile), as
    when the first split restated the content. Fix: fingerprint what the page showed and
    what a split changes: content, subject and the parts already split from the letter
    (e.g. the count or ids of petitions with split_from_id = the letter).
    """
    from complaints.models import Case, Petition
    from complaints.services import splitting
    from complaints.services.errors import ValidationFailed

    case = _letter_case(make_case, hworld)
    seen = splitting.state_fingerprint(case)  # what both split forms carry (GET)
    subject = case.subject

    def part(kept_subject):
        return splitting.SplitData(kind="recommendation", field_code="land",
                                   subject="Kiến nghị sửa đường", content=RECOMMENDED,
                                   kept_content=LETTER, kept_subject=kept_subject, seen=seen)

    splitting.split_case(case, part("Khiếu nại thu hồi đất số 12/QĐ"), hworld["reception"],
                         NOW, TODAY)
    db.session.commit()
    refused = False
    try:
        splitting.split_case(case, part(subject), hworld["reception"], NOW, TODAY)
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        refused = "seen" in exc.errors
    parts = db.session.scalar(select(func.count()).select_from(Petition).where(
        Petition.split_from_id == case.petitions[0].id))
    assert refused and parts == 1, (parts, db.session.get(Case, case.id).subject)


def test_defect_the_same_split_confirmation_sent_twice_at_once_answers_content_changed(
        app, make_case, hworld):
    """The desk taps "Xác nhận tách đơn" twice (or the browser resends the POST): two
    identical confirm POSTs (same token, same `seen`) reach two instances at once; the
    split takes a denunciation out (the content kept must be restated).

    Wrong: the first splits; the second, which waited for the case's lock, is answered 422
    with the form and "the case's content was just changed (someone may have split this
    letter)" — about the desk's own split — and the form again, filled with what is left,
    inviting a second split. reception.split catches IntegrityError on the form's token
    (the same form sent at the same moment) but the split's `seen` refusal comes first
    and is shown as someone else's change.
    Right: as for a POST sent twice in a row (intake.submitted_case), the second answer
    is the new case (a redirect), and one split is made.
    """
    import html
    import threading

    from complaints.models import Petition

    case = _letter_case(make_case, hworld)
    from complaints.services import splitting

    code, user, letter_id = case.tracking_code, hworld["reception"], case.petitions[0].id
    url = f"/reception/cases/{code}/split"
    body = {"kind": "denunciation", "field": "land", "subject": "Tố cáo cán bộ",
            "content": "Tố cáo ông Trần Văn B, cán bộ địa chính, nhận tiền.",
            "kept_content": "Khiếu nại quyết định thu hồi đất số 12/QĐ.",
            "kept_subject": "Khiếu nại thu hồi đất", "complaint_round": "1", "history": "",
            "token": "tok-qa49", "seen": splitting.state_fingerprint(case),
            "confirm": "yes"}
    db.session.commit()
    clients = [app.test_client() for _ in range(2)]
    assert clients[0].post("/login", data={"username": user.username,
                                           "password": PASSWORD}).status_code == 302
    for cookie in ("session",):  # one browser: the second POST carries the same session
        clients[1].set_cookie(cookie, clients[0].get_cookie(cookie).value)
    barrier, answers = threading.Barrier(2), [None, None]

    def send(i):
        barrier.wait(timeout=10)
        answers[i] = clients[i].post(url, data=body)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    db.session.remove()
    parts = db.session.scalar(select(func.count()).select_from(Petition).where(
        Petition.split_from_id == letter_id))
    codes = sorted(a.status_code for a in answers)
    said = [html.unescape(a.get_data(as_text=True)) for a in answers if a.status_code != 302]
    said = [s[s.find("vừa được thay đổi") - 40:][:200] for s in said]
    assert parts == 1 and codes == [302, 302], (codes, said)


# --- probes -------------------------------------------------------------------------------

def _held_ids(new, make_user):
    case, later, head = _held_by_d(new, make_user)
    return case.id, later.id, new.reception.id


def test_probe_two_desks_urge_one_letter_at_once(app, new, make_user):
    """PROBE (held on SQLite and PostgreSQL): two officers urge on one later letter at once:
    one urging (one event, one notice per head), the other refused "already urged"."""
    from complaints.models import Case, User
    from complaints.services.errors import ValidationFailed

    case_id, letter_id, desk_id = _held_ids(new, make_user)

    def work(i):
        urging.urge_holder(db.session.get(Case, case_id), letter_id, f"Đôn đốc lần {i}",
                           db.session.get(User, desk_id), NOW, TODAY)

    failures = run_at_once(app, 2, work)
    db.session.remove()
    assert len(failures) == 1 and isinstance(failures[0], ValidationFailed), failures
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.chain == f"case:{case_id}", AuditEvent.action == urging.EVENT)) == 1
    assert verify_chains()[1] == []


@pytest.mark.parametrize("other", ["resolve", "return", "transfer"])
def test_probe_an_urging_racing_a_decision_of_the_holder(app, new, make_user, other):
    """PROBE (held on SQLite and PostgreSQL): an urging and the agency's resolution (or a
    return, or a transfer) of the case at once: either the urging comes first and the
    decision follows, or the decision comes first and the urging is refused (the case is no
    longer being resolved by an agency, or the transferee is urged); chains verify."""
    from complaints.domain.states import InvalidTransition
    from complaints.models import Case, User

    case_id, letter_id, desk_id = _held_ids(new, make_user)

    def work(i):
        case = db.session.get(Case, case_id)
        if i == 0:
            urging.urge_holder(case, letter_id, "Đôn đốc", db.session.get(User, desk_id), NOW,
                               TODAY)
        elif other == "resolve":
            workflow.resolve(case, "right", "QĐ 1", "Kết quả", None, NOW, TODAY,
                             decided_on=date(2026, 7, 25))
        elif other == "return":
            workflow.return_case(case, "Không thuộc thẩm quyền", "C", None, NOW, TODAY,
                                 decided_on=date(2026, 7, 25))
        else:
            workflow.transfer(case, "C", "Chuyển thẩm quyền", None, NOW, TODAY,
                              decided_on=date(2026, 7, 25))

    failures = run_at_once(app, 2, work)
    db.session.remove()
    assert all(isinstance(f, InvalidTransition) for f in failures), failures
    assert verify_chains()[1] == []
    letter = db.session.get(Case, case_id)
    outcome = next(p.handling_outcome for p in letter.petitions if p.id == letter_id)
    assert (outcome == "urged") == (not failures)


# --- (6) the admin's refusals, two admins at once -----------------------------------------

@pytest.mark.parametrize("how", ["lock", "move"])
def test_defect_two_admins_each_remove_one_of_the_last_two_officers_of_a_desk(
        app, new, make_user, monkeypatch, how):
    """A desk holds a letter nobody has classified and has two reception officers. One
    admin moves one of them to another agency while another admin (another instance)
    locks — or moves — the other one: the second request runs while the first is between
    its check and its write.

    Wrong: both changes are made: the desk keeps its waiting case with no active reception
    account to classify, route or file it (the refusal of QA round 47,
    services/admin._left_at_the_desk, counted the *other* officer as staying: each
    request read before the other wrote). services/admin.update_user checks
    user_change_problems without any lock; deactivate_user locks only the admins' rows.
    Right: the second change waits for the first and is refused (ValidationFailed: the
    last reception officer of a desk with waiting cases). Fix: lock the desk's active
    reception accounts (or the desk's agency row) before counting, in update_user and
    deactivate_user alike.
    """
    import threading

    from complaints.models import Agency, Case, User
    from complaints.services import admin as admin_service

    waiting = new("complaint")  # received by DESK, not yet classified
    desk_id, waiting_id = waiting.reception_agency_id, waiting.id
    first = new.reception
    second = make_user("reception", agency=db.session.get(Agency, desk_id))
    admins = [make_user("admin"), make_user("admin")]
    db.session.commit()
    ids, admin_ids = (first.id, second.id), [a.id for a in admins]
    moved = admin_service.UserChanges(full_name="Cán bộ", email=None, role="agency_officer",
                                      agency_code="D")
    other_said: list = []

    def other_admin():
        with app.app_context():
            try:
                user = db.session.get(User, ids[1])
                actor = db.session.get(User, admin_ids[1])
                if how == "lock":
                    admin_service.deactivate_user(user, actor, NOW)
                else:
                    admin_service.update_user(user, moved, actor, NOW)
                db.session.commit()
                other_said.append("done")
            except Exception as exc:  # noqa: BLE001  (refused)
                db.session.rollback()
                other_said.append(exc)
            finally:
                db.session.remove()

    original = admin_service._left_at_the_desk

    started: list = []

    def checked_then_other(user):
        answer = original(user)
        if not started:  # the other admin's request, between this check and its write
            started.append(True)
            thread = threading.Thread(target=other_admin)
            thread.start()
            thread.join(timeout=30)
        return answer

    monkeypatch.setattr(admin_service, "_left_at_the_desk", checked_then_other)
    refused = None
    try:
        admin_service.update_user(db.session.get(User, ids[0]), moved,
                                  db.session.get(User, admin_ids[0]), NOW)
        db.session.commit()
    except Exception as exc:  # noqa: BLE001
        db.session.rollback()
        refused = exc
    db.session.remove()
    left = db.session.scalar(select(func.count(User.id)).where(
        User.agency_id == desk_id, User.role == "reception", User.active.is_(True)))
    assert db.session.get(Case, waiting_id).agency_id is None
    assert left >= 1, ("the desk holds a waiting case and has no reception officer",
                       other_said, refused)


@pytest.mark.skipif(not IS_POSTGRES, reason="two instances' row locks (SQLite's sweep holds "
                    "the one write lock: the deactivation waits for it)")
def test_defect_an_agency_is_deactivated_while_the_sweep_addresses_an_urging_to_it(
        app, make_agency, make_user, make_case, monkeypatch):
    """The department D supervises the commune C, which is 5 working days late on a case.
    D's accounts are locked and it holds nothing; the admin deactivates D while the
    escalation sweep (another instance) is running: the sweep has read the agencies
    (escalation_notify.Directory: D is open) and raises level 2 (đôn đốc) addressed to D;
    the admin's refusal (QA round 47: "open escalations addressed to it") counted none,
    the sweep's rows being not yet committed.

    Wrong: both commit: the urging waits on a closed agency where no account can sign in,
    which the refusal of QA round 47 was meant to prevent.
    Right: one waits for the other: either the deactivation is refused (the urging is
    counted) or the sweep addresses the urging to the next open supervisor. Fix: the sweep
    takes a shared lock on the agencies it addresses (SELECT … FOR SHARE / KEY SHARE) and
    the deactivation a row lock on the agency before counting, or the sweep re-checks
    `active` of its addressees under that lock.
    """
    import threading

    from complaints.models import Agency, Escalation, User
    from complaints.services import admin as admin_service
    from complaints.services import escalation, escalation_notify

    p = make_agency(code="P", level="province", name="UBND tỉnh")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân",
                       is_reception_desk=True)
    dept = make_agency(code="D", parent=p, level="department", name="Sở Xây dựng")
    make_agency(code="C", parent=dept, level="commune", name="UBND xã")
    reception = make_user("reception", agency=desk)
    make_user("agency_head", agency=p)
    admin = make_user("admin")
    case = make_case(reception, received_on=date(2026, 11, 10))
    workflow.route(case, "C", None, NOW, TODAY, decided_on=date(2026, 11, 11))
    db.session.commit()
    dept_id, admin_id, case_id = dept.id, admin.id, case.id
    done: list = []

    def deactivate():
        with app.app_context():
            try:
                agency = db.session.get(Agency, dept_id)
                admin_service.update_agency(agency, admin_service.AgencyData(
                    code="D", name=agency.name, level="department", parent_code="P",
                    active=False, reason="Sáp nhập"), db.session.get(User, admin_id), NOW)
                db.session.commit()
                done.append("deactivated")
            except Exception as exc:  # noqa: BLE001  (refused, or waited too long)
                db.session.rollback()
                done.append(exc)
            finally:
                db.session.remove()

    original = escalation_notify.Directory.__init__

    def directory_then_admin(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if not done:  # the admin, on another instance, while this sweep runs
            other = threading.Thread(target=deactivate)
            other.start()
            other.join(timeout=15)
            if other.is_alive():
                done.append("waited")

    monkeypatch.setattr(escalation_notify.Directory, "__init__", directory_then_admin)
    escalation.escalate_due(TODAY, NOW)
    db.session.commit()
    db.session.remove()
    assert done, "the sweep read no directory"
    if done[0] == "waited":  # the admin waited for the sweep: it then sees the urging
        return
    closed = not db.session.get(Agency, dept_id).active
    waiting = db.session.scalars(select(Escalation).where(
        Escalation.case_id == case_id, Escalation.to_agency_id == dept_id,
        Escalation.acknowledged_at.is_(None), Escalation.lapsed_at.is_(None))).all()
    assert not (closed and waiting), (done, [(e.level, e.reason) for e in waiting])
