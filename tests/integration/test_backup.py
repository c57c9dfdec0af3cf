"""`flask backup` / `flask restore`: a restored backup holds exactly the data backed up,
and every audit chain still verifies."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import delete, select

from complaints.extensions import db
from complaints.models import AuditEvent, Case
from complaints.services import backup as backups
from complaints.services import workflow
from complaints.services.audit import verify_chains
from tests.conftest import IS_POSTGRES, NOW, TODAY, audit_unguarded

pytestmark = pytest.mark.skipif(
    IS_POSTGRES and backups.pg_program("pg_dump") is None,
    reason="pg_dump/pg_restore are not installed",
)


def _snapshot() -> dict[str, list[tuple]]:
    """Return every row of every table, as sortable text, to compare databases."""
    result = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        result[table.name] = sorted(tuple(repr(v) for v in row) for row in rows)
    return result


def _world(make_case, make_user, make_agency):
    agency = make_agency(code="SO-TNMT")
    clerk = make_user("reception")
    cases = [make_case(actor=clerk) for _ in range(3)]
    workflow.route(cases[0], agency.code, clerk, NOW, TODAY)
    workflow.guide(cases[1], "Đến Tòa án nhân dân", clerk, NOW, TODAY)
    db.session.commit()
    return cases


def test_backup_then_restore_brings_back_every_row_and_valid_chains(
        runner, tmp_path, make_case, make_user, make_agency):
    cases = _world(make_case, make_user, make_agency)
    codes = [c.tracking_code for c in cases]
    before = _snapshot()
    target = tmp_path / "backups" / "one.bak"

    result = runner.invoke(args=["backup", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.is_file() and target.stat().st_size > 0

    # Afterwards: a new case, a changed one, and a tampered audit trail.
    make_case()
    cases[2].subject = "Đã bị sửa"
    with audit_unguarded():
        db.session.execute(delete(AuditEvent).where(AuditEvent.case_id == cases[0].id,
                                                    AuditEvent.seq == 1))
        db.session.commit()
    assert verify_chains()[1], "the tampering should break a chain"
    assert _snapshot() != before

    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert "0 broken chains" in result.output

    checked, breaks = verify_chains()
    assert breaks == [] and checked > 0
    assert _snapshot() == before
    restored = db.session.scalars(select(Case).order_by(Case.id)).all()
    assert [c.tracking_code for c in restored] == codes
    assert restored[0].status == "routed" and restored[1].status == "guided"
    # The app keeps working on the restored database.
    make_case()
    db.session.commit()
    assert verify_chains()[1] == []


def test_restore_asks_for_confirmation(runner, tmp_path, make_case):
    make_case()
    db.session.commit()
    target = tmp_path / "b.bak"
    assert runner.invoke(args=["backup", "--output", str(target)]).exit_code == 0
    make_case()
    db.session.commit()
    result = runner.invoke(args=["restore", str(target)], input="n\n")
    assert result.exit_code != 0
    assert len(db.session.scalars(select(Case)).all()) == 2  # nothing replaced


def test_backup_refuses_to_overwrite(runner, tmp_path):
    target = tmp_path / "exists.bak"
    target.write_text("keep me")
    result = runner.invoke(args=["backup", "--output", str(target)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert target.read_text() == "keep me"


def test_backup_default_name_under_instance(runner, app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    written = list((tmp_path / "instance" / "backups").iterdir())
    assert len(written) == 1 and written[0].name.startswith("complaints-")


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite file checks")
def test_restore_refuses_a_file_that_is_not_a_backup(runner, tmp_path, make_case):
    make_case()
    db.session.commit()
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"not a database at all" * 100)
    result = runner.invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code != 0 and "not an SQLite database" in result.output
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    result = runner.invoke(args=["restore", str(other), "--yes"])
    assert result.exit_code != 0 and "not a backup of this application" in result.output
    assert len(db.session.scalars(select(Case)).all()) == 1


def test_a_restored_older_backup_gets_its_acceptances_recovered(
        runner, tmp_path, make_case, make_user, make_agency, monkeypatch):
    """A backup from before acceptances were kept after a move (stage_spells) is upgraded
    on restore, and the acceptances its moves took away are credited again, as
    `flask scorecard recover-acceptances` does after an upgrade. (The upgrade itself is
    stood in for: this backup is at the head, with its spells removed.)"""
    from complaints.models import StageSpell

    agency, other = make_agency(code="SO-TNMT"), make_agency(code="SO-XD")
    head = make_user("agency_head", agency=agency)
    clerk = make_user("reception")
    case = make_case(actor=clerk)
    workflow.route(case, agency.code, clerk, NOW, TODAY)
    workflow.accept(case, head, NOW, TODAY)
    workflow.transfer(case, other.code, "Thuộc thẩm quyền Sở Xây dựng", head, NOW, TODAY)
    db.session.commit()
    kept = [(s.case_id, s.agency_id, s.met_on, s.due_on)
            for s in db.session.scalars(select(StageSpell))]
    assert len(kept) == 1
    db.session.execute(delete(StageSpell))
    db.session.commit()
    target = tmp_path / "old.bak"
    assert runner.invoke(args=["backup", "--output", str(target)]).exit_code == 0
    monkeypatch.setattr(backups, "_upgrade_if_earlier", lambda: True)
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert [(s.case_id, s.agency_id, s.met_on, s.due_on)
            for s in db.session.scalars(select(StageSpell))] == kept
