"""QA round 72: concurrency and races (two app instances on one database).

Each test asserts the correct behaviour and failed before its fix because of the defect
it names:

- F2: wrong passwords (or codes) sent in parallel were lost updates of the failure count,
  so the account never locked.
- F3: the outbox leased a claimed e-mail from the start of its run, so a run longer than
  CLAIM_LEASE let the next run send the same e-mail again.
- F5 (SQLite): the sweep read every chunk after the first outside a write transaction, so
  it escalated a case refused after its read.

Interleavings are forced with barriers and events, never with sleeps. Each thread has its
own app context, session and connection.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from complaints import clock, jobs
from complaints.extensions import db
from complaints.models import AuditEvent, Case, Escalation, Notification, UnknownSignIn, User
from complaints.services import accounts, audit, escalation, notifications, workflow
from tests.conftest import IS_POSTGRES, NOW, TODAY
from tests.integration.qa72_helpers import TIMEOUT, meet_after, run_threads
from tests.integration.test_escalation_world import world  # noqa: F401  (fixture)

pg_only = pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL (TEST_DATABASE_URL)")
sqlite_only = pytest.mark.skipif(IS_POSTGRES, reason="PostgreSQL's row locks hold here")

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _locks(user_id: int) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.chain == f"user:{user_id}", AuditEvent.action == "login_locked"))


# --- F2: failed sign-ins in parallel ------------------------------------------------------


def test_parallel_wrong_passwords_lock_the_account(app, make_user, monkeypatch):
    """Five wrong passwords for one account sent at once (five connections, or five workers
    behind the proxy) lock it, as five in a row do, and the lockout is audited once.

    Failed before: each request read failed_logins = 0 before the slow password check and
    wrote 1 (accounts._count_failure added one in Python), so the account ended with
    failed_logins = 1 and was never locked.
    """
    user = make_user("agency_officer")
    db.session.commit()
    user_id, username = user.id, user.username
    meet_after(User, "check_password", 5, monkeypatch=monkeypatch)

    def guess(i):
        return lambda: accounts.authenticate(username, f"wrong-guess-{i}", NOW, 5, 15)

    results, failures = run_threads(app, [guess(i) for i in range(5)])
    assert failures == [] and results == [None] * 5
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.locked_until is not None, (
        f"five failures at once left failed_logins={user.failed_logins}, not locked")
    assert (user.failed_logins, _locks(user_id)) == (0, 1)


def test_parallel_wrong_codes_lock_the_account(app, make_user, monkeypatch):
    """Five wrong sign-in codes (second factor) for one account sent at once lock it.

    Failed before: verify_second_factor counted through the same read-modify-write as the
    passwords: every request wrote failed_logins = 1.
    """
    user = make_user("agency_officer")
    secret = pyotp.random_base32()
    user.totp_secret = secret
    db.session.commit()
    user_id = user.id
    valid = {pyotp.TOTP(secret).at(NOW + timedelta(seconds=s)) for s in (-30, 0, 30)}
    wrong = next(code for code in ("000000", "111111", "222222", "333333")
                 if code not in valid)
    meet_after(accounts, "_use_code", 5, monkeypatch=monkeypatch)

    def guess():
        return accounts.verify_second_factor(db.session.get(User, user_id), wrong, NOW, 5, 15)

    results, failures = run_threads(app, [guess] * 5)
    assert failures == [] and results == [False] * 5
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.locked_until is not None, (
        f"five wrong codes at once left failed_logins={user.failed_logins}, not locked")
    assert _locks(user_id) == 1


@pg_only
def test_parallel_wrong_passwords_for_an_unknown_name_lock_it(app, monkeypatch):
    """A name that is no account locks after as many failures as an account, in parallel
    too (else the lockout would tell which names exist).

    Failed before: _unknown_failure read the name's row, then wrote its count + 1 from
    Python: four failures at once after a first one left the count at 2.
    (SQLite: the clean-up DELETE before the read takes the write lock, so the requests
    were serialised there.)
    """
    name = "khong-ai-ca-qa72"
    assert accounts.authenticate(name, "first-guess", NOW, 5, 15) is None
    db.session.commit()
    meet_after(clock, "as_utc", 4, monkeypatch=monkeypatch)  # called right after the read

    def guess(i):
        return lambda: accounts.authenticate(name, f"wrong-guess-{i}", NOW, 5, 15)

    results, failures = run_threads(app, [guess(i) for i in range(4)])
    assert failures == [] and results == [None] * 4
    db.session.expire_all()
    row = db.session.get(UnknownSignIn, name)
    assert row.locked_until is not None, (
        f"five failures left failed_logins={row.failed_logins}, not locked")


# --- F3: the outbox's claim lease ---------------------------------------------------------


class _Slow:
    """An SMTP connection that runs `before[address]` just before sending to it."""

    def __init__(self, sent: list, before: dict | None = None):
        self.sent, self.before = sent, before or {}

    def send_message(self, message):
        action = self.before.get(message["To"])
        if action is not None:
            action()
        self.sent.append(message["To"])

    def quit(self):
        pass


def test_an_email_being_sent_by_a_long_outbox_run_is_not_sent_again(app, monkeypatch):
    """Scheduler A's outbox job starts at 10:00 and is slow (a busy relay): at 10:11 it
    claims its second e-mail and sends it. Scheduler B's job of 10:11 must not send it too.

    Failed before: jobs.deliver read the clock once per run, and each claim leased its
    e-mail until that start + CLAIM_LEASE (10:10), already past when A claimed it at 10:11:
    B found the e-mail pending and due, claimed and sent it, and A sent it as well.
    """
    for i in range(2):
        db.session.add(Notification(dedupe_key=f"qa72-mail-{i}", channel="email",
                                    email_to=f"p{i}@example.vn", subject="Tình trạng",
                                    body="…", status="pending", next_attempt_at=NOW))
    db.session.commit()
    wall = [NOW]
    monkeypatch.setattr(clock, "now", lambda: wall[0])
    later = NOW + notifications.CLAIM_LEASE + timedelta(minutes=1)
    sent_a: list[str] = []
    sent_b: list[str] = []
    reports: list = []

    def send_p0_slowly() -> None:
        wall[0] = later

    def instance_b() -> None:  # its own thread, app context and connection
        thread = threading.Thread(target=lambda: reports.append(
            jobs.deliver(app, lambda: _Slow(sent_b))))
        thread.start()
        thread.join(timeout=60)

    reports.append(jobs.deliver(app, lambda: _Slow(sent_a, {
        "p0@example.vn": send_p0_slowly, "p1@example.vn": instance_b})))
    assert None not in reports, "a job failed"
    assert sorted(sent_a + sent_b) == ["p0@example.vn", "p1@example.vn"], (
        f"A sent {sent_a}, B sent {sent_b}: an e-mail went out twice")
    db.session.expire_all()
    attempts = db.session.scalars(select(Notification.attempts)
                                  .order_by(Notification.id)).all()
    assert attempts == [1, 1]


# --- F5: SQLite: the sweep's later chunks -------------------------------------------------


@sqlite_only
def test_sweep_beside_a_refusal_escalates_no_refused_case(app, world, make_case,  # noqa: F811
                                                          monkeypatch):
    """The scheduler's sweep and an agency head's refusal of an overdue case run at once on
    SQLite: the refused case ends with no standing escalation and is not overdue.

    Failed before: the sweep read the second chunk's cases, stages and levels outside any
    transaction (pysqlite begins one only at the first write, and the chunk's row lock is
    PostgreSQL's), the refusal committed, and the sweep then wrote what it had planned: a
    standing "overdue" escalation and flag_overdue on a not_accepted case.
    The sweep pauses after reading its second chunk until the refusal has committed, or,
    when the sweep holds the write lock by then (the fix), until the refusal has reached
    its own lock, where it waits for the sweep's commit.
    """
    ids = []
    for i in range(2):
        case = make_case(actor=world.reception, received_on=date(2026, 9, 1),
                         subject=f"Vụ việc {i} về chế độ chính sách {i * 7919}")
        workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 9, 2))
        ids.append(case.id)
    db.session.commit()
    case_id, head_id = max(ids), world.head_a.id  # swept in the second chunk
    planned, deciding, refused = threading.Event(), threading.Event(), threading.Event()
    real_reached, real_hold = escalation._reached, workflow.hold
    calls = []

    def reached_then_wait(ids):
        found = real_reached(ids)
        calls.append(ids)
        if len(calls) == 2:  # the second chunk, read after the first chunk's commit
            planned.set()
            writing = db.session.connection().connection.driver_connection.in_transaction
            (deciding if writing else refused).wait(timeout=TIMEOUT)
        return found

    def hold_when_told(case):
        deciding.set()
        real_hold(case)

    monkeypatch.setattr(escalation, "_reached", reached_then_wait)
    monkeypatch.setattr(workflow, "hold", hold_when_told)
    failures: list = []

    def sweep() -> None:
        with app.app_context():
            try:
                escalation.escalate_due(TODAY, NOW, chunk_size=1, commit=db.session.commit)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001  (returned to the test)
                failures.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    def refuse() -> None:
        with app.app_context():
            try:
                planned.wait(timeout=TIMEOUT)
                workflow.refuse(db.session.get(Case, case_id), "Không thuộc thẩm quyền",
                                db.session.get(User, head_id), NOW, TODAY)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001  (returned to the test)
                failures.append(exc)
                db.session.rollback()
            finally:
                refused.set()
                db.session.remove()

    threads = [threading.Thread(target=sweep), threading.Thread(target=refuse)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert failures == [] and len(calls) == 2
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case.status == "not_accepted"
    standing = db.session.scalars(select(Escalation).where(
        Escalation.case_id == case_id, Escalation.lapsed_at.is_(None))).all()
    assert (case.flag_overdue, [(e.stage, e.level) for e in standing]) == (False, []), (
        "the refused case was escalated as overdue after its refusal")
    assert audit.verify_chains(f"case:{case_id}")[1] == []
