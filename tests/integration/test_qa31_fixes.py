"""QA round 31 — faults and two instances, on what the latest commits added: stage_spells,
ended_sessions, cases.last_petition_on, `flask scorecard recover-acceptances` and the
history correction (PATCH /api/v1/cases/{code}/petitions/{id}).

Tests named test_defect_* failed on the frozen code because of the defect their docstring
describes (all five are fixed; they run on PostgreSQL, where the defects showed). Tests
named test_probe_* are passing probes kept because they pin down a fault behaviour that
matters (they held in round 31).
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.engine import make_url

from complaints.extensions import db
from complaints.models import StageSpell
from complaints.services import backup as backups
from complaints.services import report_history, stage_spells, workflow
from tests.conftest import IS_POSTGRES, TEST_DATABASE_URL, config_for_tests
from tests.factories import run_at_once
from tests.integration.test_backup import _snapshot

pg_only = pytest.mark.skipif(not IS_POSTGRES, reason="two instances on one PostgreSQL")
needs_pg_dump = pytest.mark.skipif(
    not IS_POSTGRES or backups.pg_program("pg_dump") is None,
    reason="PostgreSQL with pg_dump/pg_restore installed")


def _on(day):
    return datetime(day.year, day.month, day.day, 3, tzinfo=timezone.utc)


def _do(fn, *args, on):
    return fn(*args, _on(on), on, decided_on=on)


@pytest.fixture
def spells_world(fixed_clock, make_agency, make_user, make_case):
    """Province P, department D, commune C, desk DESK; three cases accepted by D and then
    transferred to C (so each has one acceptance spell kept by D)."""
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    make_agency(code="D", parent=p, level="department", name="Sở")
    make_agency(code="C", parent=p, level="commune", name="Xã")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban TCD")
    r = make_user("reception", agency=desk)
    cases = []
    for i in range(3):
        received = date(2026, 10, 2)
        case = make_case(r, kind="complaint", received_on=received, today=received,
                         now=_on(received), subject=f"Khiếu nại số {i} về đất {i * 7919}")
        _do(workflow.route, case, "D", None, on=date(2026, 10, 2))
        _do(workflow.accept, case, None, on=date(2026, 10, 14))
        _do(workflow.transfer, case, "C", "Thuộc thẩm quyền xã", None, on=date(2026, 10, 20))
        cases.append(case)
    db.session.commit()
    return {"cases": cases, "reception": r}


def _spells() -> list[tuple]:
    return sorted(db.session.execute(select(
        StageSpell.case_id, StageSpell.agency_id, StageSpell.stage, StageSpell.met_on,
        StageSpell.left_on)).all())


# --- 1. `flask scorecard recover-acceptances` twice at once on PostgreSQL ------------------

@pg_only
def test_defect_two_recover_acceptances_at_once_keep_each_acceptance_once(
        app, spells_world, monkeypatch):
    """Two operators (or a deploy script on two hosts) run `flask scorecard
    recover-acceptances` at the same moment on one PostgreSQL.

    Wrong: each run reads the spells already kept, finds none for the recovered moves, and
    inserts them; both commit, so every acceptance is kept twice and the agency's scorecard
    counts it twice (accepted 2, late 2, for one late acceptance).
    Right: each acceptance kept once whatever the number of concurrent runs (the README
    calls the command idempotent).
    Cause: services/stage_spells.recover checks "already kept" with a plain SELECT, with no
    lock (no advisory lock, no SELECT … FOR UPDATE on the cases) and stage_spells has no
    UNIQUE (case_id, agency_id, stage, met_on, left_on) to refuse the second insert.
    Fix: a UNIQUE constraint on those columns plus an INSERT … ON CONFLICT DO NOTHING
    (notifications.insert_ignoring_duplicates), or a transaction-level advisory lock taken
    at the start of recover().
    """
    db.session.execute(delete(StageSpell))  # as before the upgrade: moves, no spells
    db.session.commit()
    # Both runs read what is already kept before either writes (the deterministic form of
    # the race: release them together right after their reads).
    both_read = threading.Barrier(2)
    real = report_history.spells
    waited = threading.local()

    def spells(*args, **kwargs):
        if not getattr(waited, "done", False):
            waited.done = True
            both_read.wait(timeout=20)
        return real(*args, **kwargs)

    monkeypatch.setattr(stage_spells.report_history, "spells", spells)
    errors = run_at_once(app, 2, lambda _i: stage_spells.recover())
    db.session.expire_all()
    rows = _spells()
    assert len(rows) == len(set(rows)), f"acceptances kept twice: {rows}"
    assert len(rows) == 3 and len(errors) <= 1, errors


@pg_only
def test_defect_two_recover_acceptances_cli_processes_at_once(app, spells_world, tmp_path):
    """The same, with two real `flask scorecard recover-acceptances` processes started
    together (no patching): PostgreSQL ends with duplicate stage_spells rows.
    (Racy by nature: the test repeats the pair of runs until it sees duplicates or 8 tries.)
    See test_defect_two_recover_acceptances_at_once_keep_each_acceptance_once for cause/fix.
    """
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = dict(os.environ, FLASK_APP="wsgi", DATABASE_URL=TEST_DATABASE_URL,
               SQLALCHEMY_DATABASE_URI=TEST_DATABASE_URL)
    root = str(Path(__file__).resolve().parents[2])
    script = (
        "import sys, time; from complaints import create_app;"
        "from tests.conftest import config_for_tests;"
        "from click.testing import CliRunner;"
        f"app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI={TEST_DATABASE_URL!r}));"
        "ctx = app.app_context(); ctx.push();"
        "from complaints.extensions import db; db.session.execute(db.text('SELECT 1'));"
        "db.session.rollback(); ctx.pop();"
        "time.sleep(max(0, float(sys.argv[1]) - time.time()));"
        "r = app.test_cli_runner().invoke(args=['scorecard', 'recover-acceptances']);"
        "print(r.output); sys.exit(r.exit_code)")
    duplicates = []
    for _ in range(8):
        db.session.execute(delete(StageSpell))
        db.session.commit()
        import time
        start = str(time.time() + 4)
        procs = [subprocess.Popen([sys.executable, "-c", script, start], cwd=root, env=env,  # noqa: S603
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        for p in procs:
            p.communicate(timeout=120)
        db.session.expire_all()
        rows = _spells()
        if len(rows) != len(set(rows)):
            duplicates = rows
            break
    assert duplicates == [], f"acceptances kept twice by two concurrent runs: {duplicates}"


# --- 2. Restore of a backup taken at an older migration -------------------------------------

BEFORE_SPELLS = "c3d8e1f0a7b2"  # the revision before stage_spells (ba8c57ebc9b7)


@needs_pg_dump
def test_defect_postgresql_restore_of_a_backup_from_before_stage_spells(scratch_pg, tmp_path):
    """A backup taken before the upgrade to this release (revision c3d8e1f0a7b2, before
    stage_spells and ended_sessions) is restored into the running, upgraded PostgreSQL
    database — the documented way back after a failed upgrade or an incident.

    Wrong: `flask restore` fails (exit 1, nothing restored): "pg_restore failed: … ERROR:
    cannot drop constraint pk_users on table users because other objects depend on it
    (ALTER TABLE IF EXISTS ONLY public.users DROP CONSTRAINT IF EXISTS pk_users)".
    docs/deploy.md promises: "A backup of an earlier release … is restored, then migrated
    to this release as `flask db upgrade` would" (the SQLite path does this: the backup API
    replaces every page, new tables included — see the SQLite probe below).
    Right: the database holds the backup's data, migrated to this release's head.
    Cause: services/backup._pg_restore runs `pg_restore --clean --if-exists`, which drops
    only the objects the dump holds. The tables this release added (ended_sessions with a
    foreign key to users; stage_spells to cases and agencies) are not in the older dump, so
    their foreign keys keep the dump's primary keys from being dropped, and
    --single-transaction rolls everything back. Were they dropped, the tables themselves
    would survive and the automatic upgrade would fail creating them again.
    Fix: restore into an emptied schema (DROP SCHEMA public CASCADE; CREATE SCHEMA public, in
    one transaction with the restore, or pg_restore into a fresh database and swap), not
    with --clean over the live one.
    """
    from flask_migrate import upgrade

    runner, _url = scratch_pg
    upgrade(revision=BEFORE_SPELLS)
    db.session.commit()
    old = tmp_path / "old.dump"
    args, env = backups._pg_args(db.engine.url)
    backups._run("pg_dump", ["--format=custom", "--no-password", "--file", str(old), *args],
                 env)
    db.session.remove()
    db.engine.dispose()
    upgrade()  # the live database is at this release
    db.engine.dispose()
    assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == \
        backups.expected_revision()
    db.session.remove()

    result = runner.invoke(args=["restore", str(old), "--yes"])
    assert result.exit_code == 0, (result.output, repr(result.exception))
    db.session.remove()
    assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == \
        backups.expected_revision()


# --- 3. Backup → restore keeps the new tables and every audit chain -------------------------

@pytest.mark.skipif(IS_POSTGRES and backups.pg_program("pg_dump") is None,
                    reason="pg_dump/pg_restore are not installed")
def test_probe_backup_restore_round_trip_keeps_new_tables_and_chains(
        app, runner, spells_world, make_case, make_user, tmp_path):
    """PROBE (held): stage_spells, ended_sessions and cases.last_petition_on come back
    from `flask backup` / `flask restore` exactly, and every audit chain and seal
    verifies (SQLite backup API; pg_dump/pg_restore on PostgreSQL)."""
    from complaints.models import Case, EndedSession
    from complaints.services import accounts, audit_seals
    from complaints.services.audit import verify_chains
    from tests.conftest import NOW

    head = make_user("agency_head")
    accounts.end_session(head, "sid-one", NOW, 24)
    accounts.end_session(head, "sid-two", NOW, 24)
    case_id = spells_world["cases"][0].id
    db.session.execute(text("UPDATE cases SET last_petition_on = :d WHERE id = :i"),
                       {"d": date(2026, 10, 25), "i": case_id})
    audit_seals.seal(NOW)
    db.session.commit()
    before = _snapshot()
    assert before["stage_spells"] and len(before["ended_sessions"]) == 2
    target = tmp_path / "b.bak"
    result = runner.invoke(args=["backup", "--output", str(target)])
    assert result.exit_code == 0, result.output

    db.session.execute(delete(StageSpell))
    db.session.execute(delete(EndedSession))
    db.session.execute(text("UPDATE cases SET last_petition_on = NULL"))
    make_case()
    db.session.commit()
    db.session.remove()

    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert "0 broken chains" in result.output and ", 0 broken" in result.output
    db.session.remove()
    assert _snapshot() == before
    checked, breaks = verify_chains()
    assert breaks == [] and checked > 0
    assert db.session.get(Case, case_id).last_petition_on == date(2026, 10, 25)


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite file restore (PostgreSQL: the defect above)")
def test_probe_sqlite_restore_of_a_backup_from_before_stage_spells(app, tmp_path):
    """PROBE (held on SQLite): a backup at c3d8e1f0a7b2 (before stage_spells,
    ended_sessions, last_petition_on) is restored and migrated to the head; the new column
    is filled from the petitions and the new tables exist."""
    from flask_migrate import upgrade

    from complaints import create_app

    old = tmp_path / "old.db"
    earlier = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=f"sqlite:///{old}"))
    with earlier.app_context():
        upgrade(revision=BEFORE_SPELLS)
        db.engine.dispose()
    live = tmp_path / "live.db"
    own = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=f"sqlite:///{live}"))
    with own.app_context():
        upgrade()
        db.engine.dispose()
        result = own.test_cli_runner().invoke(args=["restore", str(old), "--yes"])
        assert result.exit_code == 0, (result.output, repr(result.exception))
        db.session.remove()
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() \
            == backups.expected_revision()
        tables = {r[0] for r in db.session.execute(text(
            "SELECT name FROM sqlite_master WHERE type='table'"))}
        assert {"stage_spells", "ended_sessions"} <= tables
        db.session.remove()
        db.engine.dispose()


# --- 4. Signing out of one session twice at once (two workers) ------------------------------

@pg_only
def test_defect_two_sign_outs_of_one_session_at_once_answer_no_500(app, make_user,
                                                                   monkeypatch):
    """The same browser session is signed out twice at the same moment — a double click
    on "Đăng xuất", or two tabs, the requests landing on two gunicorn workers.

    Wrong: one of the two fails with IntegrityError (duplicate key value violates unique
    constraint "pk_ended_sessions"); the 500 handler (web/__init__.server_error) then renders
    its page with the failed session not rolled back, so even the error page fails
    (PendingRollbackError) and the browser gets a bare 500.
    Right: both answer the redirect to the sign-in page (the session is ended once).
    Cause: accounts.end_session uses session.merge(EndedSession(...)): a SELECT by primary
    key, then an INSERT when none was found. Both requests find none and insert the same
    sid_hash; the second commit fails.
    Fix: INSERT … ON CONFLICT (sid_hash) DO NOTHING (notifications.insert_ignoring_duplicates
    already does this for both dialects), or catch the IntegrityError in a savepoint; and
    db.session.rollback() in the 500 handler as the OperationalError handler does.
    """
    from flask.testing import FlaskClient

    from complaints.services import accounts
    from tests.factories import PASSWORD

    app.config.update(PROPAGATE_EXCEPTIONS=False, TESTING=False)
    head = make_user("agency_head")
    db.session.commit()
    first = FlaskClient(app)
    from flask import g
    g.pop("_login_user", None)
    assert first.post("/login", data={"username": head.username,
                                      "password": PASSWORD}).status_code == 302
    cookie = first.get_cookie("session").value
    second = FlaskClient(app)
    second.set_cookie("session", cookie)

    # Both requests have looked the session up (merge's SELECT) before either inserts:
    # the deterministic form of the race, released together before end_session's flush.
    together = threading.Barrier(2)
    real = accounts.end_session
    inside = threading.local()

    def end_session(*args, **kwargs):
        inside.yes = True
        try:
            return real(*args, **kwargs)
        finally:
            inside.yes = False

    def flush(*args, **kwargs):
        if getattr(inside, "yes", False):
            try:
                together.wait(timeout=10)
            except threading.BrokenBarrierError:
                pass
        return db.session.registry().flush(*args, **kwargs)

    monkeypatch.setattr(accounts, "end_session", end_session)
    monkeypatch.setattr(db.session, "flush", flush, raising=False)
    statuses: list = [None, None]

    def sign_out(i, browser):
        try:
            statuses[i] = browser.post("/logout").status_code
        except Exception as exc:  # noqa: BLE001  (a 500 that reached the test client)
            statuses[i] = repr(exc)[:300]

    threads = [threading.Thread(target=sign_out, args=(i, b))
               for i, b in enumerate((first, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [302, 302], statuses


# --- 5. The nightly scorecard rebuild on two schedulers at once ----------------------------

@pg_only
def test_defect_two_schedulers_nightly_scorecard_rebuild_does_not_fail(app, spells_world,
                                                                      monkeypatch):
    """Two `flask scheduler` instances on one PostgreSQL both fire the nightly
    scorecard_summary job at 00:20 (a cron trigger: the same minute on both, every night).

    Wrong: one of the two runs fails with IntegrityError (duplicate key value violates
    unique constraint "pk_scorecard_days"): `job scorecard_summary failed` is logged with a
    traceback every night, though nothing is wrong (JobRun.last_error is set, or, as here,
    overwritten by the other instance's success a moment later — so /health-style
    monitoring of JobRun cannot even be trusted to show it). (The data
    ends right — the other run built the days — but the failing run's whole rebuild is
    rolled back, and an operator is trained to ignore the error.)
    Right: with two instances each run either builds the days or finds them being built
    and skips them; no error (jobs.py: "Jobs are safe when two schedulers run at once").
    Cause: scorecard_summary.rebuild/_store deletes the days' rows then inserts them, with
    no lock: both runs delete nothing new, count, and insert the same (agency_id, day) keys;
    the second insert waits for the first commit and then violates the primary key.
    Fix: take a transaction-level advisory lock (pg_try_advisory_xact_lock) at the start of
    the job and skip when another instance holds it, or lock the chunk's days
    (SELECT … FOR UPDATE on scorecard_built_days / INSERT … ON CONFLICT DO UPDATE).
    """
    from complaints import jobs
    from complaints.models import JobRun
    from complaints.services import scorecard_summary

    both_counted = threading.Barrier(2)
    real = scorecard_summary.count_days

    def count_days(*args, **kwargs):
        counted = real(*args, **kwargs)
        try:
            both_counted.wait(timeout=10)  # both have deleted and counted before inserting
        except threading.BrokenBarrierError:
            pass
        return counted

    monkeypatch.setattr(scorecard_summary, "count_days", count_days)
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(jobs.scorecard_summary(app)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.session.expire_all()
    run = db.session.get(JobRun, "scorecard_summary")
    assert run.last_error is None, run.last_error
    assert len(results) == 2 and None not in results, results


# --- 6. SQLite locked for a while during intake ---------------------------------------------

def _hold_write_lock(path: str, seconds: float) -> threading.Thread:
    """Another process's write transaction (the sqlite3 shell, a backup) for `seconds`."""
    import sqlite3
    import time

    ready = threading.Event()

    def hold():
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        ready.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait(10)
    return thread


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite's write lock")
def test_probe_intake_waits_out_a_short_sqlite_lock(app, client, make_user, make_locality,
                                                    login, fixed_clock):
    """PROBE (held): the database locked by another writer for 2 s while a clerk saves a
    new case with a scan: the request waits (busy timeout / write gate) and saves it."""
    from complaints.models import Attachment, Case
    from tests.conftest import TODAY
    from tests.integration.reception_helpers import PNG, intake_form, person, upload

    officer = make_user("reception")
    ward = make_locality("11311", name="Phường Lê Chân")
    login(officer)
    db.session.commit()
    data = intake_form(ward.code, [person(1)], TODAY)
    data["petition_scans"] = [upload(PNG, "scan.png")]
    holder = _hold_write_lock(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database, 2)
    response = client.post("/reception/new", data=data, content_type="multipart/form-data")
    holder.join(30)
    assert response.status_code == 302, response.status_code
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite's write lock")
def test_probe_intake_under_a_long_sqlite_lock_is_a_clear_503_and_saves_nothing(
        app, client, make_user, make_locality, login, fixed_clock, monkeypatch):
    """PROBE (held): locked longer than the busy timeout (shortened to 0.3 s here): the
    clerk gets the 503 page with Retry-After (not a 500), no case or half of one is saved,
    and the same intake goes through once the lock is gone."""
    import complaints
    from complaints import sqlite_gate
    from complaints.models import Attachment, Case, Petition, Petitioner
    from tests.conftest import TODAY
    from tests.integration.reception_helpers import PNG, intake_form, person, upload

    officer = make_user("reception")
    ward_code = make_locality("11311", name="Phường Lê Chân").code
    login(officer)
    db.session.commit()
    monkeypatch.setattr(complaints, "BUSY_TIMEOUT_MS", 300)
    monkeypatch.setattr(sqlite_gate, "BUSY_TIMEOUT_MS", 300)
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    db.session.remove()
    db.engine.dispose()  # new connections take the short busy timeout

    def form():
        data = intake_form(ward_code, [person(1)], TODAY)
        data["petition_scans"] = [upload(PNG, "scan.png")]
        return data

    holder = _hold_write_lock(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database, 3)
    response = client.post("/reception/new", data=form(), content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    holder.join(30)
    assert response.status_code == 503, response.status_code
    assert "Retry-After" in response.headers and "Traceback" not in html
    db.session.remove()
    for model in (Case, Petition, Petitioner, Attachment):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    response = client.post("/reception/new", data=form(), content_type="multipart/form-data")
    assert response.status_code == 302


# --- 7. The history correction, sent twice at once ------------------------------------------

@pytest.fixture
def history_world_(make_agency, make_user, make_locality):
    from tests.integration.history_helpers import history_world

    return history_world(make_agency, make_user, make_locality)


@pg_only
def test_probe_two_identical_history_corrections_at_once_record_one(
        app, client, fixed_clock, history_world_, make_case):
    """PROBE (held on PostgreSQL): the same PATCH /petitions/{id} sent twice at once (a
    retry by a client that timed out, two workers): one 200, the other 200 or the 422 "already
    that value", never a 500; one `petition_history_corrected` event; every chain verifies.
    (workflow.hold locks the case row, then reads it afresh.)"""
    from flask.testing import FlaskClient

    from complaints.models import AuditEvent
    from complaints.services.audit import verify_chains
    from tests.factories import PASSWORD

    world = history_world_
    case = make_case(actor=world["reception"], kind="complaint", received_on=date(2026, 10, 2))
    db.session.commit()
    code, pid = case.tracking_code, case.petitions[0].id
    token = client.post("/api/v1/tokens", json={"username": world["reception"].username,
                                                 "password": PASSWORD}).get_json()["token"]
    together = threading.Barrier(2)
    out: list = [None, None]

    def send(i):
        c = FlaskClient(app)
        together.wait(timeout=10)
        r = c.patch(f"/api/v1/cases/{code}/petitions/{pid}",
                    json={"history": "court", "reason": "Đơn ghi đã có bản án"},
                    headers={"Authorization": f"Bearer {token}"})
        out[i] = r.status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(out) in ([200, 200], [200, 422]), out
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "petition_history_corrected")) == 1
    assert verify_chains()[1] == []
