"""QA round 74: a review, with reproducers, of session 23's changes. Each test asserts
the correct behaviour and failed before its fix because of the defect it names:

- 1: a later letter joined to an open case (intake.add_petition) read the people on file
  without the lock write_case takes: an anonymisation meanwhile left the open case with a
  letter of an erased record.
- 2: numeric settings had no upper bound: API_TOKEN_HOURS=inf, SESSION_MAX_HOURS=1e300 or
  SMTP_PORT=70000 started the app, which failed at their first use.
- 3: a wrong password racing the one that locks the account was counted after the lock:
  the account left its lockout one failure down.
- 4: backups dropped all but the last host of SQLAlchemy's ?host=a:5432&host=b:5432 and
  gave pg_dump "host:port" as a host name.

Interleavings are forced with events and barriers, as in test_qa72_chain_fixes.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case, Petition, Petitioner, PetitionSigner, User
from complaints.services import accounts, intake, personal_data, workflow
from tests.conftest import NOW, TODAY
from tests.integration.qa72_helpers import run_threads

pytestmark = pytest.mark.usefixtures("fixed_clock")

WAIT = 20
HELD = 3  # seconds the anonymisation waits for a reader that a lock keeps out
ROOT = Path(__file__).resolve().parents[2]
LATER_DAY = date(2032, 1, 5)  # past five years of retention
LATER = datetime(2032, 1, 5, 3, 0, tzinfo=timezone.utc)


# --- 1: a later letter joined to an open case while its writer is anonymised -----------------

def test_a_letter_joined_to_a_case_while_its_writer_is_anonymised_names_no_erased_person(
        app, make_user, make_case, make_agency, monkeypatch):
    """intake.add_petition (a later letter joined to an existing case: the desk's "thêm
    đơn", reception sessions' joined petitions) reads the people on file and links them
    without the petitioner-row lock write_case now takes. An anonymisation that checks
    "every case of hers is final" meanwhile erases her, and the letter is then filed under
    the erased record on an OPEN case: QA round 72's fourth finding by another door."""
    clerk, admin = make_user("reception"), make_user("admin")
    agency = make_agency(code="SO-QA74")
    old = make_case(actor=clerk, received_on=date(2026, 11, 2))
    workflow.route(old, agency.code, None, NOW, TODAY, decided_on=date(2026, 11, 3))
    workflow.accept(old, None, NOW, TODAY, decided_on=date(2026, 11, 4))
    workflow.resolve(old, "right", "QĐ 1/QĐ-UBND", "Giải quyết xong", None, NOW, TODAY,
                     decided_on=date(2026, 11, 20))
    workflow.close(old, None, NOW, TODAY)
    # Another person's case, still open at the desk: her later letter joins it.
    other = make_case(actor=clerk, received_on=date(2026, 11, 2))
    db.session.commit()
    person = db.session.get(Petitioner, old.petitions[0].signers[0].petitioner_id)
    person_id, clerk_id, admin_id, other_id = person.id, clerk.id, admin.id, other.id
    typed = intake.PetitionerData(full_name=person.full_name, id_number=person.id_number,
                                  phone=person.phone)
    checked, read = threading.Event(), threading.Event()
    real_eligibility, real_matches = personal_data.eligibility, intake._matches

    def eligibility(*args, **kwargs):
        found = real_eligibility(*args, **kwargs)
        checked.set()
        # Unlocked, the desk reads her record now; locked, it waits for this commit, and
        # the wait ends after HELD seconds (what a serialised reader looks like).
        read.wait(timeout=HELD)
        return found

    def matches(*args, **kwargs):
        found = real_matches(*args, **kwargs)
        read.set()
        return found

    monkeypatch.setattr(personal_data, "eligibility", eligibility)
    monkeypatch.setattr(intake, "_matches", matches)

    def anonymise() -> None:
        personal_data.anonymise_petitioner(
            db.session.get(Petitioner, person_id), "retention_expired",
            db.session.get(User, admin_id), LATER, LATER_DAY, 5)

    def join_letter() -> None:
        checked.wait(timeout=WAIT)
        intake.add_petition(
            db.session.get(Case, other_id),
            intake.PetitionData(channel="mail", received_on=LATER_DAY, petitioners=[typed],
                                content="Thư sau cùng nội dung"),
            db.session.get(User, clerk_id), LATER, LATER_DAY)

    failures = run_threads(app, [anonymise, join_letter])[1]
    # A refusal naming the erased person is right too; any other failure is the test's.
    assert all(type(f).__name__ == "ValidationFailed" and "petitioners" in f.errors
               for f in failures), failures
    assert read.is_set()  # the letter was read while the anonymisation waited
    db.session.expire_all()
    erased_on_open = db.session.execute(
        select(Case.tracking_code, Case.status)
        .join(Petition, Petition.case_id == Case.id)
        .join(PetitionSigner, PetitionSigner.petition_id == Petition.id)
        .join(Petitioner, Petitioner.id == PetitionSigner.petitioner_id)
        .where(Petitioner.anonymised_at.is_not(None), Case.id == other_id)).all()
    assert erased_on_open == []  # an open case holds a letter of an erased person


# --- 2: numeric settings: no upper bound, infinity accepted ------------------------------------

@pytest.mark.parametrize("name, raw", [
    ("API_TOKEN_HOURS", "inf"),
    ("SESSION_MAX_HOURS", "1e300"),
    ("SMTP_PORT", "70000"),
])
def test_a_numeric_setting_out_of_range_stops_the_app_naming_it(name, raw):
    """config._number checks a minimum only: API_TOKEN_HOURS=inf, SESSION_MAX_HOURS=1e300
    or SMTP_PORT=70000 start the app, which then fails at the first use (a 500 on every
    token request: timedelta(hours=inf); every e-mail deferred forever: port must be
    0-65535) instead of stopping at start naming the setting, as QA round 73 meant."""
    env = {**os.environ, name: raw, "SECRET_KEY": "k" * 64}
    run = subprocess.run([sys.executable, "-c", "import config"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and name in (run.stderr + run.stdout)


# --- 3: a wrong password sent beside the one that locks the account counts after the lock ---

def test_a_failure_racing_the_lockout_is_not_counted_against_the_locked_account(
        app, make_user, monkeypatch):
    """accounts._add_failure counts in SQL "as in a row" (QA round 72), but the lock check
    (authenticate: locked_until > now → AccountLocked) is read before the slow password
    check and never again. Two wrong passwords at 4 failures: in a row the fifth locks and
    the sixth is refused as locked, counting nothing; in parallel the sixth waits for the
    fifth's commit and adds 1 to the count the lockout had just reset. The locked account
    comes out of its lockout with one failure already counted (4 tries, not 5), and that
    request was told "wrong password", not "locked"."""
    user = make_user("agency_officer")
    user.failed_logins = 4
    db.session.commit()
    name = user.username
    both_read = threading.Barrier(2)
    real = User.check_password

    def check_password(self, password):
        try:
            both_read.wait(timeout=WAIT)  # both passed the lock check before either counts
        except threading.BrokenBarrierError:
            pass
        return real(self, password)

    monkeypatch.setattr(User, "check_password", check_password)
    answers: list = []

    def sign_in() -> None:
        try:
            answers.append(accounts.authenticate(name, "wrong-password-1", NOW))
        except accounts.AccountLocked:
            answers.append("locked")

    assert run_threads(app, [sign_in, sign_in])[1] == []
    db.session.expire_all()
    row = db.session.scalar(select(User).where(User.username == name))
    assert row.locked_until is not None
    assert row.failed_logins == 0  # in a row: locked with a clean count


# --- 4: backups of a URL the app reads as host:port in its query --------------------------

@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="pg_dump's connection string")
def test_a_backup_reaches_the_server_the_app_reaches_with_a_host_port_in_the_query(
        app, tmp_path):
    """backup._pg_args copies the URL's query into libpq's conninfo "as the driver reads
    them", taking the last value of each key. SQLAlchemy reads ?host= values as HOST:PORT
    (its documented multi-host form: ?host=a:5432&host=b:5432, for a standby and a
    primary): the app connects, pg_dump is given host=127.0.0.1:PORT (one host name, with
    the colon) and fails; with two hosts every one but the last is dropped."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from complaints import create_app
    from complaints.services import backup as backups
    from tests.conftest import config_for_tests

    if backups.pg_program("pg_dump") is None:
        pytest.skip("no pg_dump")
    real = make_url(os.environ["TEST_DATABASE_URL"])
    hostport = f"{real.host}:{real.port}"
    url = real.set(host=None, port=None, query={"host": (hostport, hostport)})
    rendered = url.render_as_string(hide_password=False)
    engine = create_engine(rendered)
    with engine.connect() as conn:  # the app's driver reaches the server with this URL
        assert conn.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
    own = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=rendered))
    with own.app_context():
        try:
            result = backups.backup(tmp_path / "nightly.dump")
        finally:
            db.session.remove()
            db.engine.dispose()
    assert result.size > 0
