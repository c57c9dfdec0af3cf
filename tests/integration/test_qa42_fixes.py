"""QA round 42 — faults, two instances, migrations and backups on what the latest commits
added: petitions.split_from_id / letter_text (83e4b79095ec), the evasion_moves threshold
(e3e8e236d3b2), the enforcements table (22d345d398c0), splitting, corrections and
enforcement records.

Defects (each test_defect_* failed on the frozen code of round 42 because of it; all three
are fixed and the tests pass: a PostgreSQL restore drops every live table first, in its
transaction; a split and a correction carry the fingerprint of what their form showed and
are refused if it changed meanwhile (the two-splits test sends it, as the page does); the
API's correction reads the particulars it was not sent under the case's lock):

1. PostgreSQL: `flask restore` of a backup taken before 83e4b79095ec (at e439db2e5eea, the
   release before) into the upgraded database fails: "cannot drop constraint pk_petitions
   on table public.petitions because other objects depend on it — constraint
   fk_petitions_split_from_id_petitions … depends on index public.pk_petitions". Nothing is
   restored. services/backup._pg_restore drops only the *tables* this release added
   (QA round 31); a foreign key this release added to an *existing* table (the
   self-reference of petitions) still blocks `pg_restore --clean`. (SQLite: held.)
2. Two desks split one case at once, each from the split form it opened before the other
   submitted: the second split overwrites the first one's restatement of what the case
   keeps (`kept_content`) with its own, written from the whole letter. The case split from
   then still states the content that was taken out (a denunciation and the person it
   denounces, read by everyone who reads the complaint; or a recommendation now in two
   cases). services/splitting.split_case trusts `kept_content` after hold() without
   checking that the case's content is still the one the desk restated.
3. Two corrections of one petitioner sent through the API at once (one the phone, one the
   address; "Omitted particulars stay as they are"): one correction is silently undone.
   web/api/routes.correct_person fills the omitted particulars from the petitioner read
   before services/corrections.correct_person takes the case's lock, so the second
   request writes the first one's field back to its old value (and its audit event says it
   corrected that field, for the other reason).

Probes (test_probe_*) hold on the databases their docstrings name.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from complaints import create_app
from complaints.domain import states
from complaints.extensions import db
from complaints.models import AuditEvent, Case, Enforcement, Petition, Petitioner, User
from complaints.services import backup as backups
from complaints.services import corrections, enforcement, splitting, workflow
from complaints.services.audit import verify_chains
from complaints.services.errors import ValidationFailed
from tests.conftest import IS_POSTGRES, NOW, TODAY, config_for_tests
from tests.factories import PASSWORD, run_at_once
from tests.integration.history_helpers import history_world
from tests.integration.test_backup import _snapshot

pytestmark = pytest.mark.usefixtures("fixed_clock")

needs_pg_dump = pytest.mark.skipif(
    not IS_POSTGRES or backups.pg_program("pg_dump") is None,
    reason="PostgreSQL with pg_dump/pg_restore installed")
sqlite_only = pytest.mark.skipif(IS_POSTGRES, reason="SQLite file restore and triggers")
dump_tools = pytest.mark.skipif(IS_POSTGRES and backups.pg_program("pg_dump") is None,
                                reason="pg_dump/pg_restore are not installed")

BEFORE_SPLITS = "e439db2e5eea"  # the revision before 83e4b79095ec

LETTER = ("Tôi khiếu nại quyết định thu hồi đất số 12/QĐ. Tôi cũng tố cáo ông Trần Văn B, "
          "cán bộ địa chính, nhận tiền của các hộ dân. Tôi kiến nghị sửa đường Lạch Tray.")
COMPLAINT = "Khiếu nại quyết định thu hồi đất số 12/QĐ."
DENOUNCED = "Tố cáo ông Trần Văn B, cán bộ địa chính, nhận tiền của các hộ dân."
RECOMMENDED = "Kiến nghị sửa đường Lạch Tray."
KEPT_SUBJECT = "Khiếu nại quyết định thu hồi đất số 12/QĐ"


@pytest.fixture
def world(make_agency, make_user, make_locality):
    return history_world(make_agency, make_user, make_locality)


def _letter_case(make_case, world) -> Case:
    """A complaint whose letter also denounces and recommends; two signers with addresses."""
    case = make_case(actor=world["reception"], kind="complaint", content=LETTER,
                     received_on=date(2026, 10, 2), petitioners=2)
    for i, signer in enumerate(case.petitions[0].signers):
        signer.petitioner.address = f"Số {i + 1} Lạch Tray"
    db.session.commit()
    return case


def _denunciation(kept: str) -> splitting.SplitData:
    return splitting.SplitData(kind="denunciation", field_code="land",
                               subject="Tố cáo cán bộ địa chính", content=DENOUNCED,
                               kept_content=kept, kept_subject=KEPT_SUBJECT)


def _recommendation(kept: str) -> splitting.SplitData:
    return splitting.SplitData(kind="recommendation", field_code="land",
                               subject="Kiến nghị sửa đường", content=RECOMMENDED,
                               kept_content=kept)


def _expected_failures(errors, *kinds) -> None:
    unexpected = [e for e in errors if not isinstance(e, kinds)]
    assert unexpected == [], [repr(e)[:300] for e in unexpected]


# --- (a, b) backup and restore ------------------------------------------------------------

@needs_pg_dump
def test_defect_postgresql_restore_of_a_backup_from_before_split_from_id(scratch_pg,
                                                                        tmp_path):
    """A backup taken at e439db2e5eea (the release before splits, the evasion threshold
    and enforcements) is restored into the running database upgraded to this release —
    the way back docs/deploy.md documents after a failed upgrade or an incident.

    Wrong: `flask restore` exits 1 and restores nothing: "psql failed: ERROR: cannot drop
    constraint pk_petitions on table public.petitions because other objects depend on it
    DETAIL: constraint fk_petitions_split_from_id_petitions on table public.petitions
    depends on index public.pk_petitions".
    Right (docs/deploy.md): "A backup of an earlier release … is restored, then migrated to
    this release as `flask db upgrade` would"; SQLite does it (probe below).
    Cause: services/backup._pg_restore drops beforehand only the tables the dump lacks
    (QA round 31). 83e4b79095ec adds a foreign key to an existing table (petitions →
    petitions); `pg_restore --clean` drops the dump's constraints, and the dump's
    pk_petitions cannot be dropped while the live, newer foreign key depends on it.
    Fix: restore into an emptied schema (DROP SCHEMA public CASCADE; CREATE SCHEMA public in
    the restore's transaction), or drop every live foreign key the dump does not hold.
    """
    from flask_migrate import upgrade

    runner, _url = scratch_pg
    upgrade(revision=BEFORE_SPLITS)
    db.session.commit()
    old = tmp_path / "before_splits.dump"
    args, env = backups._pg_args(db.engine.url)
    backups._run("pg_dump", ["--format=custom", "--no-password", "--file", str(old), *args],
                 env)
    db.session.remove()
    db.engine.dispose()
    upgrade()  # the live database is at this release
    db.engine.dispose()

    result = runner.invoke(args=["restore", str(old), "--yes"])
    assert result.exit_code == 0, (result.output, repr(result.exception))
    db.session.remove()
    assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == \
        backups.expected_revision()
    columns = {c["name"] for c in inspect(db.engine).get_columns("petitions")}
    assert {"split_from_id", "letter_text"} <= columns
    db.session.remove()


@sqlite_only
def test_probe_sqlite_restore_of_a_backup_from_before_split_from_id(app, tmp_path):
    """PROBE (held on SQLite): a backup at e439db2e5eea with a case in it is restored into a
    database at this release and migrated to the head: the case is back, petitions has
    split_from_id (with its foreign key) and letter_text, enforcements exists, the
    triggers on cases and audit_events are all there and every chain verifies."""
    from flask_migrate import upgrade

    old = tmp_path / "old.db"
    earlier = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=f"sqlite:///{old}"))
    with earlier.app_context():
        upgrade(revision=BEFORE_SPLITS)
        db.engine.dispose()
    live = tmp_path / "live.db"
    own = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=f"sqlite:///{live}"))
    with own.app_context():
        upgrade()
        db.engine.dispose()
    with sqlite3.connect(live) as conn:
        triggers = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    with own.app_context():
        result = own.test_cli_runner().invoke(args=["restore", str(old), "--yes"])
        assert result.exit_code == 0, (result.output, repr(result.exception))
        assert "0 broken chains" in result.output
        db.session.remove()
        db.engine.dispose()
    conn = sqlite3.connect(live)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == \
            backups.expected_revision()
        columns = {r[1] for r in conn.execute("PRAGMA table_info(petitions)")}
        assert {"split_from_id", "letter_text"} <= columns
        keys = {(r[2], r[3]) for r in conn.execute("PRAGMA foreign_key_list(petitions)")}
        assert ("petitions", "split_from_id") in keys
        tables = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "enforcements" in tables
        assert {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")} == triggers
        assert {"audit_events_no_update", "audit_events_no_delete",
                "cases_search_ai"} <= triggers
    finally:
        conn.close()


@dump_tools
def test_probe_backup_round_trip_with_splits_corrections_and_enforcements(
        app, runner, make_case, make_decided, make_user, world, tmp_path):
    """PROBE (held on SQLite and PostgreSQL): a database holding a split (split_from_id,
    letter_text, moved files), a corrected petitioner and eligibility, an enforcement
    record (Numeric amounts) and an evasion_moves version comes back from `flask backup`
    / `flask restore` row for row, and every audit chain verifies."""
    from complaints.models import PatternRule
    from complaints.services import audit_seals

    case = _letter_case(make_case, world)
    new, _pin = splitting.split_case(
        case, _denunciation(f"{COMPLAINT} {RECOMMENDED}"), world["reception"], NOW, TODAY)
    person = case.petitions[0].signers[0].petitioner
    corrections.correct_person(case, person.id, corrections.PersonData(
        full_name=person.full_name, id_number=person.id_number, phone="0912 345 678",
        email=person.email, address="Số 9 Lê Lợi"), "Công dân bổ sung", world["reception"],
        NOW)
    corrections.correct_eligibility(case, case.petitions[0].id, False, "Thiếu nội dung",
                                    world["reception"], NOW)
    decided = make_decided(world["reception"], world["D"], decided=date(2026, 7, 1),
                           money_to_recover=12.5, land_to_recover="100.25",
                           people_disciplined=3)
    enforcement.enforce(decided, date(2026, 8, 1), {
        "money_recovered": "12.5", "land_recovered": "100.25", "people_disciplined": 2,
        "officials_disciplined": 1}, "Đã nộp ngân sách", world["head"], NOW, TODAY)
    db.session.add(PatternRule(code="evasion_moves", value=3, effective_from=date(2027, 1, 1),
                               source="QA 42", created_at=NOW))
    audit_seals.seal(NOW)
    db.session.commit()
    new_id, letter_id = new.id, case.petitions[0].id
    before = _snapshot()
    assert before["enforcements"] and repr(LETTER) in {v for row in before["petitions"]
                                                        for v in row}
    target = tmp_path / "b.bak"
    result = runner.invoke(args=["backup", "--output", str(target)])
    assert result.exit_code == 0, result.output

    db.session.execute(text("DELETE FROM enforcements"))
    db.session.execute(text("UPDATE petitions SET split_from_id = NULL, letter_text = NULL"))
    db.session.commit()
    db.session.remove()

    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert "0 broken chains" in result.output and ", 0 broken" in result.output
    db.session.remove()
    assert _snapshot() == before
    checked, breaks = verify_chains()
    assert breaks == [] and checked > 0
    part = db.session.get(Case, new_id).petitions[0]
    assert part.split_from_id == letter_id and part.letter_text == LETTER
    row = db.session.scalar(select(Enforcement))
    assert str(row.money_recovered) in ("12.5", "12.50")


# --- (c, e) downgrade and upgrade again, reference load, the demo --------------------------

def _counts(other) -> dict[str, int]:
    with other.app_context():
        found = set(inspect(db.engine).get_table_names())
        counts = {t.name: db.session.execute(text(f"SELECT count(*) FROM {t.name}")).scalar()  # noqa: S608
                  for t in db.metadata.sorted_tables if t.name in found}
        db.session.remove()
        db.engine.dispose()
    return counts


def _schema_facts(other) -> dict:
    """Triggers (SQLite) and foreign keys of every table, to compare before and after."""
    with other.app_context():
        inspector = inspect(db.engine)
        keys = {name: sorted((tuple(fk["constrained_columns"]), fk["referred_table"])
                             for fk in inspector.get_foreign_keys(name))
                for name in inspector.get_table_names()}
        triggers = set()
        if db.engine.dialect.name == "sqlite":
            triggers = {r[0] for r in db.session.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"))}
        else:
            triggers = {r[0] for r in db.session.execute(text(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))}
        db.session.remove()
        db.engine.dispose()
    return {"keys": keys, "triggers": triggers}


def test_probe_demo_then_downgrade_and_upgrade_keep_everything_else(empty_database_url):
    """PROBE (held on SQLite and PostgreSQL): `flask db upgrade` then `flask demo load`
    (its split and enforcement stories); `flask db downgrade e439db2e5eea` and
    `flask db upgrade` again lose only what the older schema cannot hold (enforcements,
    split_from_id / letter_text, evasion_moves versions): every other table keeps its
    rows, foreign keys and triggers (SQLite's on cases and audit_events) are as before,
    `flask db check` is clean, the audit trail verifies, and `flask reference load`
    adds the evasion_moves default again (once)."""
    other = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=empty_database_url))
    cli = other.test_cli_runner()

    def run(*args):
        result = cli.invoke(args=list(args))
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        assert result.exit_code == 0, (args, result.output[-2000:], repr(result.exception))
        return result.output

    run("db", "upgrade")
    run("demo", "load")
    with other.app_context():
        splits = db.session.scalar(select(func.count()).select_from(Petition).where(
            Petition.split_from_id.is_not(None)))
        evasion = db.session.scalar(text(
            "SELECT count(*) FROM pattern_rules WHERE code = 'evasion_moves'"))
        db.session.remove()
        db.engine.dispose()
    before, facts = _counts(other), _schema_facts(other)
    assert splits >= 1 and before["enforcements"] >= 1 and evasion == 1
    run("db", "downgrade", BEFORE_SPLITS)
    run("db", "upgrade")
    after = _counts(other)
    lost = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    assert lost == {"enforcements": (before["enforcements"], 0),
                    "pattern_rules": (before["pattern_rules"], before["pattern_rules"] - 1)}
    assert _schema_facts(other) == facts
    if not IS_POSTGRES:
        path = make_url(empty_database_url).database
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            rules = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' "
                                 "AND name = 'pattern_rules'").fetchone()[0]
        # e3e8e236d3b2's batch rebuild keeps the table's other constraints.
        assert "'evasion_moves'" in rules and "value > 0" in rules
        assert "uq_pattern_rules_code_effective_from" in rules
    run("db", "check")
    assert "0 broken chains" in run("audit", "verify")
    assert "pattern_rules 1 added" in run("reference", "load")
    assert "pattern_rules 0 added" in run("reference", "load")
    assert _counts(other) == {**after, "pattern_rules": before["pattern_rules"]}


# --- (d) two at once ----------------------------------------------------------------------

def test_defect_two_splits_of_one_case_at_once_keep_the_content_taken_out(
        app, make_case, world):
    """Two desk clerks open the split form of one case (a complaint whose letter also
    denounces an official and recommends a road repair) and submit at the same moment:
    one takes the denunciation out, restating what stays as "complaint + recommendation";
    the other takes the recommendation out, restating "complaint + denunciation" (each
    form showed the whole letter).

    Wrong: both splits succeed and the second one's `kept_content` replaces the first
    one's: the complaint case ends stating the denunciation and naming the person denounced
    (readable by everyone who reads the complaint, though the denunciation's text must go
    only with the denunciation — the check in splitting._kept_errors is evaded), or it
    keeps the recommendation that is now a case of its own.
    Right: the second split, written against content that has changed meanwhile, is refused
    (the desk reloads the form and restates again), or what each split took out stays out.
    Cause: services/splitting.split_case locks the case (hold) but then writes
    data.kept_content as given, never comparing it with the content the desk was shown.
    Fix: send the content (or a version) the form showed with the split and refuse, under
    the lock, when case.content differs.
    """
    case = _letter_case(make_case, world)
    case_id, desk_id = case.id, world["reception"].id
    # Each form sends the fingerprint of the content it showed (the fix: SplitData.seen).
    seen = corrections.fingerprint(case.content)
    parts = [replace(_denunciation(f"{COMPLAINT} {RECOMMENDED}"), seen=seen),
             replace(_recommendation(f"{COMPLAINT} {DENOUNCED}"), seen=seen)]

    def split(i: int) -> None:
        splitting.split_case(db.session.get(Case, case_id), parts[i],
                             db.session.get(User, desk_id), NOW, TODAY)

    errors = run_at_once(app, 2, split)
    _expected_failures(errors, ValidationFailed, states.InvalidTransition)
    db.session.expire_all()
    content = db.session.get(Case, case_id).content
    assert errors or ("Trần Văn B" not in content and "Lạch Tray" not in content), content
    assert verify_chains()[1] == []


def test_probe_split_racing_a_routing(app, make_case, world):
    """PROBE (held on SQLite and PostgreSQL): a split and a routing of the same received
    case at once take turns (workflow.hold): either the split is refused as the case has
    been routed, or it is split and then routed; no error else, the chains verify and a
    part always names the letter it came from."""
    case = _letter_case(make_case, world)
    case_id, desk_id = case.id, world["reception"].id

    def work(i: int) -> None:
        own = db.session.get(Case, case_id)
        desk = db.session.get(User, desk_id)
        if i == 0:
            splitting.split_case(own, _denunciation(f"{COMPLAINT} {RECOMMENDED}"), desk,
                                 NOW, TODAY)
        else:
            workflow.route(own, "D", desk, NOW, TODAY, decided_on=date(2026, 10, 5))

    errors = run_at_once(app, 2, work)
    _expected_failures(errors, states.InvalidTransition)
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case.status == states.ROUTED
    parts = db.session.scalars(select(Petition).where(
        Petition.split_from_id == case.petitions[0].id)).all()
    assert len(parts) == (0 if errors else 1)
    assert verify_chains()[1] == []


def test_probe_two_enforcement_records_at_once(app, make_decided, world):
    """PROBE (held on SQLite and PostgreSQL): two heads' (or a double click's) enforcement
    records of one case at once: one row (UNIQUE case_id never hit), the second a correction
    of the first (its event says "corrected"), both events in a chain that verifies."""
    decided = make_decided(world["reception"], world["D"], decided=date(2026, 7, 1),
                           money_to_recover=12.5, people_disciplined=3)
    db.session.commit()
    case_id, head_id = decided.id, world["head"].id
    figures = [{"money_recovered": "12.5", "people_disciplined": 2},
               {"money_recovered": "10", "people_disciplined": 3}]

    def enforce(i: int) -> None:
        enforcement.enforce(db.session.get(Case, case_id), date(2026, 8, 1 + i), figures[i],
                            None, db.session.get(User, head_id), NOW, TODAY)

    errors = run_at_once(app, 2, enforce)
    assert errors == [], [repr(e)[:300] for e in errors]
    db.session.expire_all()
    rows = db.session.scalars(select(Enforcement)).all()
    assert len(rows) == 1
    events = [json.loads(e.data) for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"case:{case_id}", AuditEvent.action == enforcement.EVENT))]
    assert len(events) == 2 and sum(bool(e.get("corrected")) for e in events) == 1
    assert verify_chains()[1] == []


def test_probe_eligibility_correction_racing_a_filing(app, make_case, world):
    """PROBE (held on SQLite and PostgreSQL): the desk corrects a letter to eligible while
    another clerk files the case away as anonymous: they take turns; either the correction
    is refused (filed already for that reason) or it is made and the filing then counts
    the letter not eligible (eligible_now); never an error else, chains verify."""
    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    case.petitions[0].eligible = False
    db.session.commit()
    case_id, desk_id, petition_id = case.id, world["reception"].id, case.petitions[0].id

    def work(i: int) -> None:
        own = db.session.get(Case, case_id)
        desk = db.session.get(User, desk_id)
        if i == 0:
            corrections.correct_eligibility(own, petition_id, True, "Đã có địa chỉ", desk, NOW)
        else:
            workflow.file_away(own, "anonymous", desk, NOW, TODAY,
                               decided_on=date(2026, 10, 5))

    errors = run_at_once(app, 2, work)
    _expected_failures(errors, ValidationFailed)
    db.session.expire_all()
    petition = db.session.get(Petition, petition_id)
    assert db.session.get(Case, case_id).status == "filed"
    assert petition.filing_reason == "anonymous" and petition.eligible_now is False
    assert petition.eligible is (not errors)
    assert verify_chains()[1] == []


def test_defect_two_api_corrections_of_one_person_at_once_keep_both(app, client, make_case,
                                                                  world, monkeypatch):
    """Two clerks correct the same petitioner through the API at the same moment
    (PATCH /api/v1/cases/{code}/petitioners/{id}): one sends only the phone, the other only
    the address; "Omitted particulars stay as they are".

    Wrong: both answer 200, but the petitioner ends with only one of the two corrections:
    the request that locked the case second writes the other's field back to the value it
    read before the lock, and its audit event lists that field as corrected too (with the
    other reason). The desk has no sign that a correction was lost.
    Right: both corrections stand (phone and address both new), each event naming its own
    field.
    Cause: web/api/routes.correct_person builds PersonData from the petitioner as read at
    the start of the request (getattr(person, name) for the omitted fields), before
    services/corrections.correct_person takes the case's lock (hold) and reads it afresh.
    Fix: fill the omitted particulars inside correct_person after hold() (pass only what
    was sent), or refuse when the record changed since it was read.
    """
    from flask.testing import FlaskClient

    case = make_case(actor=world["reception"], received_on=date(2026, 10, 2))
    person = case.petitions[0].signers[0].petitioner
    person_id, code = person.id, case.tracking_code
    db.session.commit()
    token = client.post("/api/v1/tokens", json={"username": world["reception"].username,
                                                "password": PASSWORD}).get_json()["token"]
    bodies = [{"phone": "0912 345 678", "reason": "Công dân báo số điện thoại mới"},
              {"address": "Số 9 Lê Lợi, Hải Phòng", "reason": "Công dân bổ sung địa chỉ"}]
    # Both requests have read the petitioner before either takes the case's lock (the
    # deterministic form of the race; released together).
    together = threading.Barrier(2)
    real = corrections._hold

    def hold(case):
        try:
            together.wait(timeout=10)
        except threading.BrokenBarrierError:
            pass
        return real(case)

    monkeypatch.setattr(corrections, "_hold", hold)
    statuses: list = [None, None]

    def correct(i: int) -> None:
        try:
            statuses[i] = FlaskClient(app).patch(
                f"/api/v1/cases/{code}/petitioners/{person_id}", json=bodies[i],
                headers={"Authorization": f"Bearer {token}"}).status_code
        except Exception as exc:  # noqa: BLE001  (a 500 that reached the test client)
            statuses[i] = repr(exc)[:300]

    threads = [threading.Thread(target=correct, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [200, 200], statuses
    db.session.expire_all()
    person = db.session.get(Petitioner, person_id)
    assert (person.phone, person.address) == ("0912345678", "Số 9 Lê Lợi, Hải Phòng")
