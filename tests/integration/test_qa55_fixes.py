"""QA round 55 — faults, two instances, backups and the audit trail on the newest features
(case work notes, files added after intake, the PIN reissued by the desk, escalations
through the JSON API and the acknowledgement/lead rules, the fields-of-law admin, status
e-mails told again, personal-data export and anonymisation). Each test fails on the frozen
code because of the defect its docstring names.

Defects (SQLite and PostgreSQL unless said):

1. Two acknowledgements of one escalation at once are both recorded (escalation.acknowledge
   checks acknowledged_at before any lock): two "escalation_acknowledged" events, the row
   keeps the last one's action.
2. Two lead designations of one evaded case at once both move it (designate_lead checks
   lead_agency_id before move_to_lead's hold): the binding lead is replaced.
3. The supervisor's lead-designation note may name the denouncer (not checked as every
   other text of the trail is).
4. Two admins stopping the last two fields of law at once leave none (count without lock).
5. The personal-data export leaves out a scan of the petitioner's letter added at the desk
   after intake (attachments with no petition_id).

Tests named test_guard_* are passing probes: they hold on both databases and guard what
they check.
"""

from __future__ import annotations

import errno
import io
import json
import threading
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, func, select, text

from complaints.extensions import db
from complaints.models import (
    Attachment,
    AuditEvent,
    Case,
    Escalation,
    Field,
    Notification,
    User,
)
from complaints.services import admin as admin_service
from complaints.services import attachments, intake, notes, personal_data, workflow
from complaints.services import backup as backups
from complaints.services.audit import verify_chains
from complaints.services.errors import ServiceError, ValidationFailed
from tests.conftest import IS_POSTGRES, NOW, TODAY
from tests.factories import run_at_once
from tests.integration.reception_helpers import PDF, PNG
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)
from tests.integration.test_escalation_world import ladder_dates

pytestmark = pytest.mark.usefixtures("fixed_clock")

D = date(2026, 10, 2)
dump_tools = pytest.mark.skipif(IS_POSTGRES and backups.pg_program("pg_dump") is None,
                                reason="pg_dump/pg_restore are not installed")

_WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def meet_before_first_write(parties: int, wait: float = 3.0):
    """Two requests interleaved as two instances do: each thread, at its first write
    statement, waits (up to `wait` seconds) until the other has reached its own, so both
    have read what they check before either writes. A thread the other blocks (a lock
    taken by a fixed version) simply goes on after `wait`."""
    barrier = threading.Barrier(parties)
    met: set[int] = set()

    def before(conn, cursor, statement, parameters, context, executemany):
        me = threading.get_ident()
        if me in met or threading.current_thread() is threading.main_thread():
            return
        if statement.lstrip()[:6].upper() in _WRITES:
            met.add(me)
            try:
                barrier.wait(timeout=wait)
            except threading.BrokenBarrierError:
                pass

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _events(case_id: int, action: str) -> list[dict]:
    """The data of the case's events of this action, in order."""
    return [json.loads(e.data) for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"case:{case_id}", AuditEvent.action == action)
        .order_by(AuditEvent.seq))]


# --- 1. two acknowledgements of one escalation at once -------------------------------------

def test_two_acknowledgements_of_one_escalation_at_once_are_both_recorded(
        app, world, routed_case, make_user):
    """Two heads of department A (or a head and the API client of the same head, on two
    instances) acknowledge the same level-1 escalation at the same moment through
    POST /api/v1/escalations/{id}/acknowledge, one "urge", the other "note".

    Wrong: both are accepted; the case's trail holds two "escalation_acknowledged" events
    for one escalation, and the row keeps only the second one's action and note, so the
    trail says the head urged the officer while the escalation says something else.
    escalation.acknowledge checks `acknowledged_at is None` on the row read before any
    lock (the route's 409 check too); audit.record_case then takes the case's lock, but
    nothing is read again after it.
    Right: the second acknowledgement waits for the first and is refused (409 / "already
    acknowledged"); one event, matching the row. Fix: hold the case (workflow.hold) or
    lock the escalation row (SELECT … FOR UPDATE / a no-op UPDATE) before checking
    acknowledged_at, in the service.
    """
    from complaints.services import escalation as escalation_service
    from complaints.services.escalation import escalate_due

    second_head = make_user("agency_head", world.a)
    escalate_due(ladder_dates(routed_case)[1], NOW)
    db.session.commit()
    esc_id = db.session.scalars(select(Escalation.id)).one()
    case_id = routed_case.id
    heads = (world.head_a.id, second_head.id)
    actions = (("urge", "Đã nhắc chuyên viên giải quyết"), ("note", "Đã họp với chuyên viên"))

    def work(i: int) -> None:
        escalation = db.session.get(Escalation, esc_id)
        if escalation.acknowledged_at is not None:  # the route's own 409
            raise ValidationFailed({"action": "409"})
        escalation_service.acknowledge(escalation, *actions[i], db.session.get(User, heads[i]),
                                       NOW)

    with meet_before_first_write(2):
        failures = run_at_once(app, 2, work)
    db.session.remove()
    unexpected = [f for f in failures if not isinstance(f, ServiceError)]
    assert unexpected == [], [repr(f)[:300] for f in unexpected]
    events = _events(case_id, "escalation_acknowledged")
    row = db.session.get(Escalation, esc_id)
    assert [(e["action"], e["note"]) for e in events] == [
        (row.action_taken, row.action_note)], (len(failures), events)


# --- 2. two lead designations at once --------------------------------------------------------

def _evaded(world, routed_case):
    case = routed_case
    workflow.transfer(case, "SO-B", "Sai thẩm quyền", world.head_a, NOW, TODAY, decided_on=D)
    workflow.transfer(case, "SO-A", "Sai thẩm quyền", world.head_b, NOW, TODAY, decided_on=D)
    escalation = db.session.scalar(select(Escalation).where(Escalation.reason == "evaded"))
    assert escalation is not None and escalation.to_agency_id == world.province.id
    db.session.commit()
    return case, escalation


def test_two_lead_designations_at_once_move_the_case_twice(app, world, routed_case,
                                                          make_user):
    """An evaded case (A → B → A) waits for its lead agency at the province. Two heads of
    the province (the chair and a vice-chair, each with the escalation open in the API or
    on the page) designate at the same moment: one department A, the other department B.

    Wrong: both designations are made: the case is moved to A, then moved on to B, with
    two "lead_designated" events and two "designate_lead" routings; the binding decision
    the first head took is silently replaced by the second (what QA round 53 forbade:
    "Hồ sơ đã có cơ quan chủ trì được chỉ định: không chỉ định lại"). Department A's
    leaders were told the case is theirs and it is not.
    escalation_patterns.designate_lead checks `case.lead_agency_id is not None` before
    workflow.move_to_lead takes the case's lock (hold), and does not check it again after.
    Right: the second designation waits for the first and is refused (NotAllowed: the case
    has a lead already); one lead, one event. Fix: hold(case) first, then check.
    """
    from complaints.services import escalation_patterns

    case, _escalation = _evaded(world, routed_case)
    vice = make_user("agency_head", world.province)
    db.session.commit()
    people, leads, case_id = (world.province_head.id, vice.id), ("SO-A", "SO-B"), case.id

    def work(i: int) -> None:
        escalation_patterns.designate_lead(db.session.get(Case, case_id), leads[i],
                                           db.session.get(User, people[i]), NOW, TODAY,
                                           note="Giao cơ quan chủ trì giải quyết")

    with meet_before_first_write(2):
        failures = run_at_once(app, 2, work)
    db.session.remove()
    unexpected = [f for f in failures if not isinstance(f, ServiceError)]
    assert unexpected == [], [repr(f)[:300] for f in unexpected]
    designated = _events(case_id, "lead_designated")
    assert len(designated) == 1, designated
    assert len(failures) == 1
    checked, breaks = verify_chains()
    assert breaks == [] and checked > 0


# --- 3. the supervisor's lead note names the denouncer ----------------------------------------

def test_a_lead_designation_note_may_name_the_denouncer_in_the_trail(api, world, make_case):
    """A denunciation bounced A → B → A is escalated as evaded to the province, whose head
    designates the lead through POST /api/v1/escalations/{id}/lead with a note that names
    the denouncer ("Ông Nguyễn Văn A tố cáo …").

    Wrong: accepted (200). The note is kept in the case's trail ("lead_designated" {note}),
    in the routing's reason and as the escalation's action_note, all read by staff who
    may not know who denounced (the departments the case bounced between, the lists of
    escalations) — Law on Denunciations Art. 8(3). Every other text of the trail refuses
    it: the case notes, the acknowledgement's note (QA round 53), the inspector's own
    set_lead (inspector_actions.set_lead). escalation_patterns.designate_lead does not
    check its note.
    Right: 422 on "note" (REASON_NAMES_DENOUNCER), nothing recorded. Fix: check the note
    with intake.trail_text / reason_names_denouncer in designate_lead (both the page and
    the API call it).
    """
    case = make_case(actor=world.reception, kind="denunciation", received_on=date(2026, 10, 1))
    name = case.petitions[0].signers[0].petitioner.full_name
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=D)
    workflow.transfer(case, "SO-B", "Sai thẩm quyền", world.head_a, NOW, TODAY, decided_on=D)
    workflow.transfer(case, "SO-A", "Sai thẩm quyền", world.head_b, NOW, TODAY, decided_on=D)
    escalation = db.session.scalar(select(Escalation).where(Escalation.reason == "evaded"))
    assert escalation is not None
    db.session.commit()
    answer = api(world.province_head, "POST", f"/escalations/{escalation.id}/lead",
                 json={"agency_code": "SO-A",
                       "note": f"Ông {name} tố cáo nhiều lần, giao Sở A chủ trì"})
    db.session.expire_all()
    kept = [e.get("note") for e in _events(case.id, "lead_designated")]
    assert answer.status_code == 422 and "note" in answer.get_json()["errors"], (
        answer.status_code, kept)


# --- 4. two admins stop the last two fields of law --------------------------------------------

def test_two_admins_stop_the_last_two_fields_at_once(app, make_user):
    """Two fields of law are still offered; two administrators (two instances) each stop
    one of them at the same moment.

    Wrong: both are stopped; no field is left for a new petition, and every intake is
    refused (the reception form offers nothing), which set_field_active refuses to do for
    one admin ("Đây là lĩnh vực cuối cùng đang dùng"). The count of the other active
    fields is read without a lock, so each admin sees the other's field still active.
    Right: the second waits for the first and is refused. Fix: take a lock that every
    stopping of a field takes (e.g. lock the active field rows, SELECT … FOR UPDATE, or a
    no-op UPDATE of them) before counting.
    """
    first_admin, second_admin = make_user("admin"), make_user("admin")
    rows = list(db.session.scalars(select(Field).order_by(Field.id)))
    for row in rows[2:]:
        admin_service.set_field_active(row, False, first_admin, NOW, reason="Gộp lĩnh vực")
    db.session.commit()
    ids, admins = (rows[0].id, rows[1].id), (first_admin.id, second_admin.id)

    def work(i: int) -> None:
        admin_service.set_field_active(db.session.get(Field, ids[i]), False,
                                       db.session.get(User, admins[i]), NOW,
                                       reason="Ngừng dùng")

    with meet_before_first_write(2):
        failures = run_at_once(app, 2, work)
    db.session.remove()
    unexpected = [f for f in failures if not isinstance(f, ValidationFailed)]
    assert unexpected == [], [repr(f)[:300] for f in unexpected]
    active = db.session.scalar(select(func.count(Field.id)).where(Field.active.is_(True)))
    assert active == 1, (active, len(failures))


# --- 5. a full disk while a file is added after intake (API) ---------------------------------

def _stored_files(app) -> list[str]:
    root = attachments.Path(app.config["UPLOAD_DIR"])
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) \
        if root.is_dir() else []


def test_guard_a_full_disk_while_the_agency_adds_a_file_saves_nothing(
        app, api, world, routed_case, monkeypatch):
    """Guard (SQLite and PostgreSQL): the disk fills while department A's head adds its
    decision through POST /api/v1/cases/{code}/attachments (ENOSPC at fsync). The answer
    names the storage failure (not 201, not a bare 500); no attachment row, no
    "attachment_added" event, no partial file; the next file goes through and its event
    names its row; every chain verifies."""
    routed_case.status  # noqa: B018  (loaded before the commit below)
    code, case_id = routed_case.tracking_code, routed_case.id
    db.session.commit()

    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    fsync = attachments.os.fsync
    monkeypatch.setattr(attachments.os, "fsync", full)  # the module's `os` is os itself
    answer = api(world.head_a, "POST", f"/cases/{code}/attachments",
                 data={"purpose": "decision", "file": (io.BytesIO(PDF), "qd.pdf")},
                 content_type="multipart/form-data")
    assert answer.status_code in (503, 507), (answer.status_code, answer.get_json())
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    assert _events(case_id, "attachment_added") == []
    assert _stored_files(app) == []
    # Only this patch: undo() also ended fixed_clock, and the token issued at NOW had
    # expired by the real clock.
    monkeypatch.setattr(attachments.os, "fsync", fsync)
    ok = api(world.head_a, "POST", f"/cases/{code}/attachments",
             data={"purpose": "decision", "file": (io.BytesIO(PDF), "qd.pdf")},
             content_type="multipart/form-data")
    assert ok.status_code == 201, ok.get_json()
    db.session.expire_all()
    row = db.session.scalar(select(Attachment))
    assert [e["attachment"] for e in _events(case_id, "attachment_added")] == [row.id]
    assert len(_stored_files(app)) == 1
    assert verify_chains()[1] == []


# --- 6. backup and restore with notes, later files, a reissued PIN, a stopped field -----------

@dump_tools
def test_guard_backup_round_trip_with_the_newest_rows(app, runner, world, routed_case,
                                                      tmp_path):
    """Guard (SQLite and PostgreSQL): a database holding a work note, a file added after
    intake, a reissued PIN, an acknowledged escalation, a new field of law and a stopped one
    comes back from `flask backup` / `flask restore` row for row; every chain verifies, the
    reissued PIN still opens the case and the old one does not."""
    from complaints.services import escalation as escalation_service
    from complaints.services import public
    from complaints.services.escalation import escalate_due
    from tests.integration.test_backup import _snapshot

    case = routed_case
    old_pin = case.test_pin
    notes.add_note(case, "Đã xác minh hiện trạng thửa đất", world.head_a, NOW)
    attachments.add_document(case, PDF, "bien-ban.pdf", "evidence", world.head_a, NOW)
    new_pin = intake.reissue_pin(case, "Công dân mất giấy biên nhận", world.reception, NOW)
    escalate_due(ladder_dates(case)[1], NOW)
    escalation_service.acknowledge(db.session.scalars(select(Escalation)).one(), "urge",
                                   "Đã nhắc chuyên viên", world.head_a, NOW)
    admin = User(username="quantri", role="admin", full_name="Quản trị")
    admin.set_password("correct-horse-9")
    db.session.add(admin)
    db.session.flush()
    made = admin_service.create_field(admin_service.FieldData(
        code="qa55", name_vi="Lĩnh vực thử", name_en="Test field",
        report_category=db.session.scalars(select(Field.report_category)).first()), admin, NOW)
    admin_service.set_field_active(made, False, admin, NOW, reason="Thử")
    db.session.commit()
    code = case.tracking_code
    before = _snapshot()
    target = tmp_path / "b.bak"
    result = runner.invoke(args=["backup", "--output", str(target)])
    assert result.exit_code == 0, result.output
    db.session.execute(text("UPDATE cases SET pin_hash = NULL"))
    db.session.execute(text("DELETE FROM attachments"))
    db.session.commit()
    db.session.remove()
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert "0 broken chains" in result.output
    db.session.remove()
    assert _snapshot() == before
    assert verify_chains()[1] == []
    assert public.lookup(code, new_pin) is not None and public.lookup(code, old_pin) is None


# --- 7. the personal-data export and files brought later --------------------------------------

def test_the_export_leaves_out_the_scan_a_petitioner_brought_later(app, world, routed_case,
                                                                   make_user):
    """The only petitioner of a complaint brings the signed original of her letter to the
    desk a week later; the desk adds its scan to the case (reception's "Thêm tài liệu":
    attachments.add_document, purpose "petition" — "a scan brought later"). She then asks
    for everything held about her (personal_data.export_petitioner).

    Wrong: the export's "files" lists the scans handed in with her letter at intake only
    (attachments whose petition_id is one of her petitions); the scan of the same letter,
    showing her hand and name, added after intake has no petition_id and is left out. The
    export is what a petitioner is told the agency holds (PDPL 91/2025 right of access;
    QA round 47 added the outbox for the same reason).
    Right: the files of her cases that are her letters (purpose "petition", added by the
    desk), at least on a case she signed alone, are listed. Fix: link a desk's later scan
    to the petition it belongs to (add_document with a petition), or list the case's
    petition-purpose files with petition_id NULL in the export.
    """
    case = routed_case
    person = case.petitions[0].signers[0].petitioner
    attachments.add_document(case, PNG, "ban-goc-don.png", "petition", world.reception, NOW)
    db.session.commit()
    admin = make_user("admin")
    data = personal_data.export_petitioner(person, admin, NOW, ground="Phiếu yêu cầu số 7")
    assert [f["filename"] for f in data["files"]] == ["ban-goc-don.png"], data["files"]


# --- 8. status e-mails told again, then anonymised ---------------------------------------------

def test_guard_status_emails_told_again_are_exported_and_anonymised(app, world, make_case,
                                                                    make_user):
    """Guard (SQLite and PostgreSQL): a status reached again (routed, returned, routed
    again) is e-mailed under a numbered key ("status:<case>:routed.2:<person>:mail"); the
    export lists every one of them and anonymisation clears every address."""
    case = make_case(actor=world.reception, received_on=date(2025, 1, 6))
    person = case.petitions[0].signers[0].petitioner
    person.email = "nguoidan@example.vn"
    db.session.flush()
    on = date(2025, 1, 7)
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=on)
    workflow.return_case(case, "Không thuộc thẩm quyền", "SO-B", world.head_a, NOW, TODAY,
                         decided_on=on)
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=on)
    keys = sorted(db.session.scalars(select(Notification.dedupe_key).where(
        Notification.case_id == case.id, Notification.dedupe_key.like("status:%"))))
    assert keys == [f"status:{case.id}:{s}:{person.id}:mail"
                    for s in ("returned", "routed.2", "routed")], keys
    admin = make_user("admin")
    exported = personal_data.export_petitioner(person, admin, NOW, ground="Yêu cầu")
    assert len(exported["messages"]) == 3
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=on)
    workflow.resolve(case, "right", "QĐ 1/QĐ", "Giải quyết", world.head_a, NOW, TODAY,
                     decided_on=on)
    workflow.close(case, world.head_a, NOW, TODAY, reason="Đã thi hành")
    db.session.flush()
    personal_data.anonymise_petitioner(person, "retention_expired", admin, NOW,
                                       date(2032, 1, 1), 5)
    db.session.commit()
    left = db.session.scalars(select(Notification.email_to).where(
        Notification.case_id == case.id, Notification.dedupe_key.like("status:%"))).all()
    assert left and set(left) == {None}, left
    assert verify_chains()[1] == []


# --- 9. notes and files at once -------------------------------------------------------------

def test_guard_notes_and_files_added_at_once_are_all_kept(app, world, routed_case):
    """Guard (SQLite and PostgreSQL): the head and the assigned officer each add a work
    note, and the head and the desk each add a file, all at the same moment: four changes,
    four events, two rows, no database error, every chain verifies."""
    case_id = routed_case.id
    db.session.commit()
    who = (world.head_a.id, world.officer_a.id, world.head_a.id, world.reception.id)

    def work(i: int) -> None:
        case, actor = db.session.get(Case, case_id), db.session.get(User, who[i])
        if i < 2:
            notes.add_note(case, f"Ghi chú số {i}", actor, NOW)
        else:
            attachments.add_document(case, PDF if i == 2 else PNG, f"tep-{i}", "evidence",
                                     actor, NOW)

    failures = run_at_once(app, 4, work)
    db.session.remove()
    assert failures == [], [repr(f)[:300] for f in failures]
    assert len(_events(case_id, notes.EVENT)) == 2
    assert len(_events(case_id, "attachment_added")) == 2
    assert db.session.scalar(select(func.count(Attachment.id))) == 2
    assert verify_chains()[1] == []
