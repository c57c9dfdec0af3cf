"""QA round 72 (concurrency and races), the audit chains and anonymisation. Each test
asserts the correct behaviour and failed before its fix because of the race it names:

- 1: two writers on one audit chain of no case (a petitioner's, a user's) both read the
  chain's head and wrote the same seq: the second request was a 500 and its audited act
  was lost (audit._head locked case chains only).
- 4: an anonymisation checked "every case closed" while the desk logged a new letter of
  the same person, filed under her record: the petitioner of an open case was erased.

Interleavings are forced with events and barriers; a barrier that times out is what a
serialised writer looks like (the second is held at the lock while the first waits).
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timezone

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import AuditEvent, Case, Petitioner, User
from complaints.services import audit, intake, personal_data, workflow
from tests.conftest import IS_POSTGRES, NOW, TODAY
from tests.factories import PASSWORD
from tests.integration.qa72_helpers import run_threads

pytestmark = pytest.mark.usefixtures("fixed_clock")

WAIT = 20  # seconds an event is awaited: far more than any step here takes
HELD = 3  # seconds the first writer waits for a second one that a lock keeps out


def _read_heads_together(monkeypatch, chain: str) -> None:
    """Let the first two readers of `chain`'s head wait for each other after reading: two
    unserialised writers both read before either writes; a locked chain keeps the second
    out until the first commits (the barrier then breaks after HELD seconds)."""
    real = audit._head
    barrier = threading.Barrier(2)
    seen = threading.local()

    def head(name, *args, **kwargs):
        found = real(name, *args, **kwargs)
        if name == chain and not getattr(seen, "done", False):
            seen.done = True
            try:
                barrier.wait(timeout=HELD)
            except threading.BrokenBarrierError:
                pass
        return found

    monkeypatch.setattr(audit, "_head", head)


def _chain_problems(chain: str) -> list:
    db.session.expire_all()
    return audit.verify_chains(chain)[1]


def test_two_admins_opening_one_petitioner_at_once_are_both_recorded(
        app, make_user, make_case, monkeypatch):
    """1: both views of one person's data are recorded on "petitioner:<id>"; the second
    failed on the unique (chain, seq)."""
    case = make_case(actor=make_user("reception"))
    admins = [make_user("admin").id, make_user("admin").id]
    db.session.commit()
    person_id = case.petitions[0].signers[0].petitioner_id
    chain = f"petitioner:{person_id}"
    _read_heads_together(monkeypatch, chain)

    def view(admin_id):
        return lambda: personal_data.record_view(
            db.session.get(Petitioner, person_id), "Phiếu yêu cầu số 7",
            db.session.get(User, admin_id), NOW)

    assert run_threads(app, [view(a) for a in admins])[1] == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count(AuditEvent.id))
                             .where(AuditEvent.chain == chain)) == 2
    assert _chain_problems(chain) == []


@pytest.mark.skipif(not IS_POSTGRES, reason="SQLite's write gate serialised these already")
def test_two_token_requests_of_one_account_at_once_both_get_a_token(app, make_user,
                                                                    monkeypatch):
    """1: POST /api/v1/tokens twice at once for one account: two 201s; the second was a
    500 (both appended "api_token_issued" to "user:<id>" with one seq)."""
    user = make_user("agency_officer")
    db.session.commit()
    chain = f"user:{user.id}"
    _read_heads_together(monkeypatch, chain)
    answers: list = []
    start = threading.Barrier(2)

    def ask() -> None:
        start.wait(timeout=WAIT)
        try:
            answers.append(FlaskClient(app).post("/api/v1/tokens", json={
                "username": user.username, "password": PASSWORD}).status_code)
        except Exception as exc:  # noqa: BLE001  (a 500 propagates under TESTING)
            answers.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert answers == [201, 201]
    assert _chain_problems(chain) == []


LATER_DAY = date(2032, 1, 5)  # past five years of retention
LATER = datetime(2032, 1, 5, 3, 0, tzinfo=timezone.utc)


def test_a_letter_logged_while_its_writer_is_anonymised_is_filed_under_a_new_person(
        app, make_user, make_case, make_agency, make_locality, monkeypatch):
    """4: the anonymisation checks a closed case's petitioner and waits; the desk reads her
    record for a new letter (same ID number) meanwhile. The anonymisation completes, and
    the letter is filed under a new person with the ID number typed; the new case's
    petitioner was erased."""
    clerk, admin = make_user("reception"), make_user("admin")
    loc = make_locality()
    agency = make_agency(code="SO-QA72")
    old = make_case(actor=clerk, received_on=date(2026, 11, 2))
    workflow.route(old, agency.code, None, NOW, TODAY, decided_on=date(2026, 11, 3))
    workflow.accept(old, None, NOW, TODAY, decided_on=date(2026, 11, 4))
    workflow.resolve(old, "right", "QĐ 1/QĐ-UBND", "Giải quyết xong", None, NOW, TODAY,
                     decided_on=date(2026, 11, 20))
    workflow.close(old, None, NOW, TODAY)
    db.session.commit()
    person = db.session.get(Petitioner, old.petitions[0].signers[0].petitioner_id)
    person_id, clerk_id, admin_id = person.id, clerk.id, admin.id
    typed = intake.PetitionerData(full_name=person.full_name, id_number=person.id_number,
                                  phone=person.phone)
    checked, read = threading.Event(), threading.Event()
    real_eligibility, real_matches = personal_data.eligibility, intake._matches

    def eligibility(*args, **kwargs):  # checked: now let the desk read her record
        found = real_eligibility(*args, **kwargs)
        checked.set()
        read.wait(timeout=WAIT)
        return found

    def matches(*args, **kwargs):  # the desk's look-up of the people on file
        found = real_matches(*args, **kwargs)
        read.set()
        return found

    monkeypatch.setattr(personal_data, "eligibility", eligibility)
    monkeypatch.setattr(intake, "_matches", matches)
    opened: list = []

    def anonymise() -> None:
        personal_data.anonymise_petitioner(
            db.session.get(Petitioner, person_id), "retention_expired",
            db.session.get(User, admin_id), LATER, LATER_DAY, 5)

    def log_letter() -> None:
        checked.wait(timeout=WAIT)
        data = intake.CaseData(
            kind="complaint", field_code="land", subject="Khiếu nại mới về đất",
            content="Nội dung mới", locality_code=loc.code,
            petition=intake.PetitionData(channel="walk_in", received_on=LATER_DAY,
                                         petitioners=[typed]))
        case, _pin = intake.receive_case(data, db.session.get(User, clerk_id), LATER,
                                         LATER_DAY)
        opened.append(case.id)

    assert run_threads(app, [anonymise, log_letter])[1] == []
    db.session.expire_all()
    assert db.session.get(Petitioner, person_id).anonymised_at is not None
    case = db.session.get(Case, opened[0])
    signer = db.session.get(Petitioner, case.petitions[0].signers[0].petitioner_id)
    assert (signer.id != person_id, signer.anonymised_at, signer.id_number) == (
        True, None, typed.id_number)
    assert case.status == "received"
