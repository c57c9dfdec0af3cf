"""QA round 75: a review, with reproducers, of session 23's latest changes. Each test
asserts the correct behaviour and failed before its fix because of the defect it names:

- 1: a later letter took the signer's row before the case's, the other order from a
  correction of that person: the two deadlocked on PostgreSQL (a 500).
- 2: the commands' schema check passed a database without a revision (built by
  db.create_all) whatever its tables: one kept from an earlier release failed the command
  in a traceback.
- 3: the README's ranges of the numeric settings were not the code's.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from complaints import create_app
from complaints.extensions import db
from complaints.models import Case, Petitioner, User
from complaints.services import corrections, intake
from tests.conftest import IS_POSTGRES, NOW, TODAY, config_for_tests
from tests.integration.qa72_helpers import PHONE, correcting, named, pause_at, run_threads

pytestmark = pytest.mark.usefixtures("fixed_clock")

ROOT = Path(__file__).resolve().parents[2]
WAIT = 20


# --- 1: add_petition takes the petitioner before the case; correct_person the other way -----

@pytest.mark.skipif(not IS_POSTGRES, reason="row locks: SQLite has one write lock, no cycle")
def test_joining_a_letter_while_the_desk_corrects_its_signer_does_not_deadlock(
        app, make_user, make_case, monkeypatch):
    """intake._add_petition now runs `UPDATE petitioners SET id=id WHERE id_number IN (…)`
    first, and only then writes the case (last_petition_on, the audit chain's lock_case):
    petitioner row, then case row. corrections.correct_person locks every case the person
    signs (lock_case, in id order), then updates the petitioner row: case, then petitioner.
    The desk joining her later letter to her case while a colleague corrects her phone on
    it deadlocks on PostgreSQL: one request ends in a 500 (DeadlockDetected). Before the
    new UPDATE the letter only took FOR KEY SHARE on her row (the petition_signers foreign
    key), which an UPDATE of her phone does not conflict with."""
    clerk = make_user("reception")
    case = make_case(actor=clerk)
    db.session.commit()
    person = case.petitions[0].signers[0].petitioner
    person_id, case_id, clerk_id = person.id, case.id, clerk.id
    # The letter gives the new number too: in either order the person ends with it.
    typed = intake.PetitionerData(full_name=person.full_name, id_number=person.id_number,
                                  phone=PHONE)
    case_locked, person_locked = threading.Event(), threading.Event()
    # correct_person holds the case rows here and has not written the person yet. Unfixed,
    # the letter takes her row meanwhile; fixed, it waits for the case this request holds,
    # and this request's wait ends after HELD seconds.
    pause_at(corrections, "_person_errors", signal=case_locked, wait_for=person_locked,
             monkeypatch=monkeypatch)
    # _add_petition has run its UPDATE petitioners here and not touched the case yet.
    pause_at(intake, "_matches", thread="join", signal=person_locked, monkeypatch=monkeypatch)

    def join_letter() -> None:
        case_locked.wait(timeout=WAIT)
        intake.add_petition(
            db.session.get(Case, case_id),
            intake.PetitionData(channel="mail", received_on=TODAY, petitioners=[typed],
                                content="Thư sau cùng nội dung"),
            db.session.get(User, clerk_id), NOW, TODAY)

    failures = run_threads(app, [correcting(case_id, person_id, clerk_id),
                                 named("join", join_letter)])[1]
    assert person_locked.is_set()
    assert failures == [], f"one request failed: {failures!r}"  # DeadlockDetected
    db.session.expire_all()
    assert db.session.get(Petitioner, person_id).phone == PHONE
    assert len(db.session.get(Case, case_id).petitions) == 2


# --- 2: a database without alembic_version is taken as current whatever its tables --------

def test_a_revisionless_database_missing_a_table_is_refused_in_one_line(
        app, empty_database_url):
    """cli/schema.schema_problem(): a database with no alembic_version passes as soon as it
    has `cases` and `audit_events` ("the tests build the schema with db.create_all(),
    which ... always has the models' current shape"). A database built that way by an
    earlier release (bench/queries.py --reuse, bench/report.py: "the report_jobs table, on
    a database built before it existed") passes the check, and the command ends in the
    very traceback the check was written to replace (QA round 73: "no such table"). The
    restore already compares such a database's tables and columns with the models
    (backup.schema_problems); the check does not."""
    own = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=empty_database_url))
    with own.app_context():
        db.create_all()
        db.session.execute(text("DROP TABLE report_jobs"))
        db.session.commit()
        result = own.test_cli_runner().invoke(args=["reports", "run-pending"])
        db.session.remove()
        db.engine.dispose()
    assert isinstance(result.exception, SystemExit), (
        f"a traceback, not the one-line refusal: {result.exception!r}")
    assert result.exit_code == 1
    assert "db upgrade" in result.output


# --- 3: README's ranges of the numeric settings ------------------------------------------

def test_the_readme_gives_each_numeric_setting_the_range_the_code_checks():
    """README said "hours up to a year", and config.py bounds SESSION_MAX_HOURS at a week:
    SESSION_MAX_HOURS=720 stopped every process. Each `_number` setting of config.py is
    named in the README with its range as the code checks it."""
    import re

    code = (ROOT / "config.py").read_text()
    readme = " ".join((ROOT / "README.md").read_text().split())

    def number(text: str) -> float:  # "24 * 7", "1_000_000", "0.1"
        value = 1.0
        for factor in text.replace("_", "").split("*"):
            value *= float(factor)
        return value

    settings = re.findall(r'_number\("([A-Z_]+)", [^,]+, least=([^,]+), most=([^,)]+)', code)
    assert len(settings) >= 14
    for name, least, most in settings:
        said = re.search(rf"`{name}`(?: and `[A-Z_]+`)? ([0-9.,]+)–([0-9.,]+)", readme) or \
            re.search(rf"`[A-Z_]+` and `{name}` ([0-9.,]+)–([0-9.,]+)", readme)
        assert said, f"{name}: no range in the README"
        low, high = (float(x.rstrip(".,").replace(",", "")) for x in said.groups())
        assert (low, high) == (number(least), number(most)), name
