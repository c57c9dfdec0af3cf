# ruff: noqa: S608  (tampering SQL built from integer ids in tests)
"""QA round 32: the audit trail's completeness and tamper evidence.

Tests named `test_defect_*` failed on the frozen code because of a product defect (each
docstring: what is wrong, what is right, the cause); all three are fixed. Tests named
`test_held_*` are probes that pass: they pin what was checked and held.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DatabaseError

from complaints.extensions import db
from complaints.models import AuditEvent
from complaints.services import audit, audit_seals, workflow
from complaints.services import backup as backups
from tests.conftest import IS_POSTGRES, NOW, TODAY, audit_unguarded
from tests.factories import run_at_once

LATER = NOW + timedelta(hours=2)  # past the seal margin


def _trail_is_clean() -> bool:
    return audit.verify_chains()[1] == [] and audit_seals.verify_seals()[1] == []


# --- 2. tamper evidence -------------------------------------------------------------------


def test_defect_moving_an_event_to_another_case_is_not_detected(app, make_case):
    """DEFECT: an audit row re-pointed to another case (or another user) in SQL passes every
    check, chains and seals alike, and then shows on the other case's timelines.

    Wrong: `UPDATE audit_events SET case_id = <B>` on an event of case A's chain (someone
    with the database's rights lifts the triggers, as audit_unguarded does) leaves
    `verify_chains()` and `verify_seals()` clean, while the public timeline and the reception
    timeline (both select by `AuditEvent.case_id`, public.public_timeline and
    web/reception/cases._timeline) now show A's "received"/"routed" step on case B. The
    same holds for `actor_id` (who did it, as the ORM relation `AuditEvent.actor` reads it).
    Right: every stored column that the app reads back is covered by the event's hash (or
    the verifier checks `case_id` against the chain name, `case:<case_id>`), so a changed
    row is reported.
    Cause: services/audit.event_hash hashes prev_hash, chain, seq, actor_label, action,
    data and created_at only; `case_id` and `actor_id` are outside it, and the seal digest
    (audit_seals._digest) covers only `id:hash`. verify_chains never compares case_id with
    the chain name.
    """
    a, b = make_case(), make_case()
    db.session.commit()
    audit_seals.seal(LATER)
    db.session.commit()
    assert _trail_is_clean()
    received = db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.chain == f"case:{a.id}", AuditEvent.action == "received"))
    with audit_unguarded():
        db.session.execute(update(AuditEvent).where(AuditEvent.id == received)
                           .values(case_id=b.id))
        db.session.commit()
    from complaints.services.public import public_timeline

    assert len([e for e in public_timeline(b) if e.event == "received"]) == 2  # the effect
    assert not _trail_is_clean(), "an event moved to another case went unnoticed"


@pytest.mark.skipif(not IS_POSTGRES, reason="TRUNCATE is PostgreSQL's")
def test_defect_truncate_empties_the_append_only_trail_and_verify_passes(app, runner,
                                                                          make_case):
    """DEFECT (PostgreSQL): `TRUNCATE audit_events` is accepted with the append-only trigger
    in place, wipes every chain and every seal, and `flask audit verify` then passes.

    Wrong: the guard is `BEFORE UPDATE OR DELETE ... FOR EACH ROW`; TRUNCATE fires no row
    trigger (tests/conftest._empty_tables even relies on it), so the app's own database role
    removes the whole trail with one statement, without dropping any trigger — and since the
    seals are rows of the same table, they go too: verify reports "checked 0 events, 0
    broken chains; checked 0 seals, 0 broken" and exits 0 while cases exist.
    Right: TRUNCATE on audit_events is refused like DELETE (a `BEFORE TRUNCATE ... FOR EACH
    STATEMENT` trigger in models/event.APPEND_ONLY_POSTGRESQL and a migration adding it;
    conftest then empties audit_events under audit_unguarded). Verify should also report
    cases whose chain is missing (every case starts its chain with "received").
    Cause: models/event.APPEND_ONLY_POSTGRESQL covers UPDATE and DELETE only.
    """
    make_case()
    db.session.commit()
    audit_seals.seal(LATER)
    db.session.commit()
    refused = False
    try:
        db.session.execute(text("TRUNCATE audit_events"))
        db.session.commit()
    except DatabaseError:
        db.session.rollback()
        refused = True
    verified = runner.invoke(args=["audit", "verify"])
    assert refused or verified.exit_code != 0, (
        "TRUNCATE wiped the trail and verify passed:\n" + verified.output)


def _update_accepted() -> bool:
    """Try an UPDATE of audit_events in its own transaction; True if it went through."""
    try:
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET action = 'tampered'"))
    except DatabaseError as exc:
        assert "append-only" in str(exc)
        return False
    return True


@pytest.mark.skipif(IS_POSTGRES and backups.pg_program("pg_dump") is None,
                    reason="pg_dump/pg_restore are not installed")
def test_held_restore_keeps_the_trail_append_only(app, runner, tmp_path, make_case):
    """HELD: after `flask restore` of an ordinary backup, UPDATE/DELETE are still refused
    and a tampered backup (an event changed) is reported by the restore's verification."""
    make_case()
    db.session.commit()
    target = tmp_path / "ok.bak"
    assert runner.invoke(args=["backup", "--output", str(target)]).exit_code == 0
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events"))
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET action = 'x'"))


@pytest.mark.skipif(IS_POSTGRES and backups.pg_program("pg_dump") is None,
                    reason="pg_dump/pg_restore are not installed")
def test_defect_restore_of_an_unguarded_backup_leaves_the_trail_writable(
        app, runner, tmp_path, make_case):
    """DEFECT: `flask restore` of a backup taken while the append-only triggers were lifted
    brings back a database whose audit_events accept UPDATE and DELETE, and says nothing.

    Wrong: the restore checks the backup's tables, columns and revision (backup.
    schema_problems) and verifies chains and seals, but not the guard: a backup of a
    database whose triggers someone dropped (to tamper, or by a hand-made copy) is restored
    at this release's revision with no trigger, so the trail is no longer append-only —
    and `_upgrade_if_earlier` does not run the append-only migration again at the head.
    Right: after the restore the app re-creates the guard (models/event.APPEND_ONLY_* are
    idempotent: CREATE ... IF NOT EXISTS / CREATE OR REPLACE), or refuses the backup.
    Cause: services/backup.restore never (re)applies APPEND_ONLY_SQLITE/POSTGRESQL.
    """
    make_case()
    db.session.commit()
    target = tmp_path / "unguarded.bak"
    with audit_unguarded():
        db.session.commit()  # the DROP TRIGGERs, visible to the backup's own connection
        assert runner.invoke(args=["backup", "--output", str(target)]).exit_code == 0
    assert not _update_accepted(), "the live database lost its guard"
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert not _update_accepted(), "the restored trail accepts UPDATE"


def _tamper_data(case_id):
    return [f"UPDATE audit_events SET data = '{{}}' WHERE chain = 'case:{case_id}' AND seq = 1"]


def _tamper_delete_middle(case_id):
    return [f"DELETE FROM audit_events WHERE chain = 'case:{case_id}' AND seq = 2"]


def _tamper_reorder(case_id):
    chain = f"'case:{case_id}'"
    return [f"UPDATE audit_events SET seq = 100 WHERE chain = {chain} AND seq = 1",
            f"UPDATE audit_events SET seq = 1 WHERE chain = {chain} AND seq = 2",
            f"UPDATE audit_events SET seq = 2 WHERE chain = {chain} AND seq = 100"]


def _tamper_hash(case_id):
    return [f"UPDATE audit_events SET hash = '{'f' * 64}' WHERE chain = 'case:{case_id}' "
            f"AND seq = (SELECT max(seq) FROM audit_events WHERE chain = 'case:{case_id}')"]


def _tamper_tail(case_id):
    return [f"DELETE FROM audit_events WHERE chain = 'case:{case_id}' "
            f"AND seq = (SELECT max(seq) FROM audit_events WHERE chain = 'case:{case_id}')"]


def _tamper_whole_chain(case_id):
    return [f"DELETE FROM audit_events WHERE chain = 'case:{case_id}'"]


def _tamper_forge_seal(case_id):
    return ["UPDATE audit_events SET data = replace(data, '\"digest\":\"', '\"digest\":\"0') "
            "WHERE chain = 'seal'"]


@pytest.mark.parametrize("tamper", [_tamper_data, _tamper_delete_middle, _tamper_reorder,
                                    _tamper_hash, _tamper_tail, _tamper_whole_chain,
                                    _tamper_forge_seal])
def test_held_direct_sql_tampering_is_reported_by_flask_audit_verify(app, runner, make_case,
                                                                     make_agency, tamper):
    """HELD: a row changed, a middle or last event deleted, seq reordered, a hash changed, a
    whole chain deleted, or a seal's record forged (triggers lifted, on SQLite and
    PostgreSQL): `flask audit verify` exits 1 once the events are sealed."""
    agency = make_agency(code="SO-QA32")
    case = make_case()
    workflow.route(case, agency.code, None, NOW, TODAY)
    db.session.commit()
    audit_seals.seal(LATER)
    db.session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with audit_unguarded():
        for statement in tamper(case.id):
            db.session.execute(text(statement))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN" in result.output, result.output


@pytest.mark.skipif(not IS_POSTGRES, reason="real concurrency needs PostgreSQL")
def test_held_concurrent_steps_on_one_case_leave_one_unbroken_chain(app, make_case,
                                                                    make_user, make_agency):
    """HELD (PostgreSQL): an identity view, a later petition and a seal written at once on
    one case's chain: every request succeeds, seqs are 1..n with no fork or gap, and the
    chains and seals verify."""
    from complaints.services import intake

    agency = make_agency(code="SO-QA32C")
    clerk = make_user("reception")
    case = make_case(actor=clerk)
    workflow.route(case, agency.code, None, NOW, TODAY)
    db.session.commit()
    case_id, clerk_id = case.id, clerk.id
    petition = intake.PetitionData(
        channel="walk_in", received_on=TODAY - timedelta(days=1),
        petitioners=[intake.PetitionerData(full_name="Trần Thị QA", id_number="031299887766",
                                           phone="0912000032")])

    def work(i: int) -> None:
        from complaints.models import Case, User

        mine = db.session.get(Case, case_id)
        if i % 3 == 0:
            audit.record_case(mine, "identity_viewed", None, NOW, {"via": f"t{i}"})
        elif i % 3 == 1:
            intake.add_petition(mine, petition, db.session.get(User, clerk_id), NOW, TODAY)
        else:
            audit_seals.seal(LATER + timedelta(hours=i))

    failures = run_at_once(app, 6, work)
    assert failures == []
    db.session.expire_all()
    seqs = list(db.session.scalars(select(AuditEvent.seq).where(
        AuditEvent.chain == f"case:{case_id}").order_by(AuditEvent.seq)))
    assert seqs == list(range(1, len(seqs) + 1))
    assert _trail_is_clean()


# --- 4. personal data ------------------------------------------------------------------------


def test_held_anonymising_keeps_every_chain_and_leaves_no_name_in_the_trail(
        app, make_case, make_user, make_agency):
    """HELD: a petitioner who withdrew, on a case later closed, is anonymised after
    retention: no audit row is rewritten (every chain and seal verifies), and no audit
    row's data, nor the staff timeline of the case, holds their name, ID number or phone."""
    from datetime import date, datetime, timezone

    from complaints.models import Petitioner
    from complaints.services import case_view, personal_data

    later, later_day = datetime(2032, 1, 5, 3, 0, tzinfo=timezone.utc), date(2032, 1, 5)
    admin, clerk = make_user("admin"), make_user("reception")
    case = make_case(actor=clerk, petitioners=2)
    db.session.commit()
    person = db.session.get(Petitioner, case.petitions[0].signers[0].petitioner_id)
    name, number, phone = person.full_name, person.id_number, person.phone
    workflow.withdraw(case, "Rút đơn", clerk, NOW, TODAY, petitioner_ids=[person.id])
    workflow.guide(case, "Đến Tòa án nhân dân", clerk, NOW, TODAY)
    db.session.commit()
    audit_seals.seal(LATER)
    db.session.commit()
    rows_before = db.session.execute(select(AuditEvent.id, AuditEvent.hash)).all()
    personal_data.anonymise_petitioner(person, "retention_expired", admin, later, later_day, 5)
    db.session.commit()
    assert set(rows_before) <= set(db.session.execute(select(AuditEvent.id, AuditEvent.hash)))
    assert _trail_is_clean()
    for data, label in db.session.execute(select(AuditEvent.data, AuditEvent.actor_label)):
        for secret in (name, number, phone):
            assert secret not in data and secret not in label
    shown = repr(case_view.timeline(case, masked=False, user=admin))
    assert name not in shown and number not in shown and phone not in shown
