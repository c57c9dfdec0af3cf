"""QA 96 D1: a backup whose audit trail was altered outside the app must not replace a
database whose trail verifies; `--force` keeps it anyway, reporting the breaks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, text

from complaints.extensions import db
from complaints.models import AuditEvent, Case
from complaints.models import event as guard
from complaints.services import backup as backups
from complaints.services.audit import verify_chains
from tests.conftest import IS_POSTGRES

pytestmark = pytest.mark.skipif(
    IS_POSTGRES and backups.pg_program("pg_dump") is None,
    reason="pg_dump/pg_restore are not installed",
)


def _tamper_live(case_id: int) -> None:
    """Alter the case's first event in the live database, as someone with its files could."""
    drop = guard.DROP_APPEND_ONLY_POSTGRESQL if IS_POSTGRES else guard.DROP_APPEND_ONLY_SQLITE
    keep = guard.APPEND_ONLY_POSTGRESQL if IS_POSTGRES else guard.APPEND_ONLY_SQLITE
    for statement in drop:
        db.session.execute(text(statement))
    db.session.execute(text("UPDATE audit_events SET data = '{}' WHERE chain = :c AND seq = 1"),
                       {"c": f"case:{case_id}"})
    for statement in keep:
        db.session.execute(text(statement))
    db.session.commit()


def _altered_backup(runner, tmp_path, make_case):
    """A backup whose trail is broken: taken after tampering, then the live trail mended by
    restoring a good backup — so the live database verifies and the file does not."""
    old = make_case(subject="Vụ việc trong bản sao lưu")
    db.session.commit()
    good = tmp_path / "good.bak"
    assert runner.invoke(args=["backup", "--output", str(good)]).exit_code == 0
    _tamper_live(old.id)
    bad = tmp_path / "altered.bak"
    assert runner.invoke(args=["backup", "--output", str(bad)]).exit_code == 0
    assert runner.invoke(args=["restore", str(good), "--yes"]).exit_code == 0
    db.session.remove()
    assert verify_chains()[1] == []
    return bad


def test_an_altered_backup_is_refused_and_the_database_kept(runner, app, tmp_path, make_case):
    bad = _altered_backup(runner, tmp_path, make_case)
    later = make_case(subject="Vụ việc sau bản sao lưu")  # work since the backup
    db.session.commit()
    code = later.tracking_code
    events = db.session.scalar(select(db.func.count()).select_from(AuditEvent))

    result = runner.invoke(args=["restore", str(bad), "--yes"])

    assert result.exit_code != 0
    assert "BROKEN chain=case:" in result.output and "REFUSED" in result.output
    assert "--force" in result.output
    db.session.remove()
    assert code in set(db.session.scalars(select(Case.tracking_code)))
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == events
    assert verify_chains()[1] == []
    # The copy it was put back from is kept, under the instance's backups.
    kept = result.output.split("the database as it was is kept in ")[1].split("\n")[0]
    assert Path(kept).is_file() and Path(kept).parent == Path(app.instance_path) / "backups"


def test_force_keeps_the_altered_backup_and_reports_it(runner, tmp_path, make_case):
    bad = _altered_backup(runner, tmp_path, make_case)
    later = make_case(subject="Vụ việc sau bản sao lưu")
    db.session.commit()
    code = later.tracking_code

    result = runner.invoke(args=["restore", str(bad), "--yes", "--force"])

    assert result.exit_code == 1
    assert "BROKEN chain=case:" in result.output and "REFUSED" not in result.output
    db.session.remove()
    assert code not in set(db.session.scalars(select(Case.tracking_code)))
    assert verify_chains()[1]


def test_a_sound_backup_keeps_the_copy_of_what_it_replaced(runner, app, tmp_path, make_case):
    make_case()
    db.session.commit()
    target = tmp_path / "one.bak"
    assert runner.invoke(args=["backup", "--output", str(target)]).exit_code == 0
    make_case()
    db.session.commit()
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert "the database as it was is kept in" in result.output
    kept = result.output.split("the database as it was is kept in ")[1].split("\n")[0]
    db.session.remove()
    assert db.session.scalar(select(db.func.count()).select_from(Case)) == 1
    # That copy is itself a backup the app restores: the two cases come back.
    assert runner.invoke(args=["restore", kept, "--yes"]).exit_code == 0
    db.session.remove()
    assert db.session.scalar(select(db.func.count()).select_from(Case)) == 2


def test_sqlite_file_tampered_by_hand_is_refused(runner, tmp_path, make_case):
    if IS_POSTGRES:
        pytest.skip("edits an SQLite file")
    old = make_case()
    db.session.commit()
    target = tmp_path / "t.sqlite3"
    assert runner.invoke(args=["backup", "--output", str(target)]).exit_code == 0
    conn = sqlite3.connect(target)
    for statement in guard.DROP_APPEND_ONLY_SQLITE:
        conn.execute(statement)
    conn.execute("UPDATE audit_events SET data = '{}' WHERE chain = ? AND seq = 1",
                 (f"case:{old.id}",))
    conn.commit()
    conn.close()
    later = make_case()
    db.session.commit()
    code = later.tracking_code
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code != 0 and "REFUSED" in result.output
    db.session.remove()
    assert code in set(db.session.scalars(select(Case.tracking_code)))


def test_a_failed_put_back_says_what_the_database_holds_and_names_the_copy(
        runner, tmp_path, make_case, monkeypatch):
    """QA 98: the altered backup fails verification and putting the database back fails
    too (a worker holds the lock): the operator must learn that the database may now hold
    the altered backup, and where the copy of the real one is."""
    bad = _altered_backup(runner, tmp_path, make_case)
    real, calls = backups._replace, []

    def flaky(path, kind):
        calls.append(path)
        if len(calls) == 2:  # the put-back
            raise backups.ValidationFailed({"path": "restore failed: database is locked"})
        return real(path, kind)

    monkeypatch.setattr(backups, "_replace", flaky)
    result = runner.invoke(args=["restore", str(bad), "--yes"])
    assert result.exit_code != 0 and len(calls) == 2
    assert "may now hold the backup" in result.output
    assert f"flask restore {calls[1]} --yes" in " ".join(result.output.split())


def test_a_restore_failing_midway_puts_the_copy_back(runner, tmp_path, make_case,
                                                     monkeypatch):
    """QA 98: the copy is taken, then the restore fails (here the upgrade of the backup):
    the database is put back from the copy, and the output names it."""
    make_case(subject="Vụ việc trong bản sao lưu")
    db.session.commit()
    good = tmp_path / "good.bak"
    assert runner.invoke(args=["backup", "--output", str(good)]).exit_code == 0
    later = make_case(subject="Vụ việc sau bản sao lưu")
    db.session.commit()
    code = later.tracking_code
    real, calls = backups._upgrade_if_earlier, []

    def upgrade_fails_once():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("migration failed")
        return real()

    monkeypatch.setattr(backups, "_upgrade_if_earlier", upgrade_fails_once)
    result = runner.invoke(args=["restore", str(good), "--yes"])
    assert result.exit_code != 0
    assert "RuntimeError: migration failed" in result.output
    assert "put back as it was, from" in result.output and "before-restore-" in result.output
    db.session.remove()
    assert code in set(db.session.scalars(select(Case.tracking_code)))
