"""QA round 81, D1 — 31c1e2e (intake locks a known person's cases before her row).

lock_signed_cases orders the cases of ONE letter. A reception session records several
letters in one transaction (reception_sessions.record_session_with_petitions): each row
calls intake.write_case / add_petition, and each takes its own people's cases in id order,
after the previous row's cases and people are already held. The cases of the whole
transaction are then no longer taken in id order, and a correction of the second row's
person (corrections.correct_person: her cases in id order, then her row) deadlocks with it
on PostgreSQL. Before 31c1e2e the first row locked only its person's row, never her cases,
and the two requests simply took turns. Now the session takes every case of its letters'
people in one sorted pass first (intake.lock_letters_cases); the correction then waits for
it (the session's wait for the correction runs out: WAIT seconds).
"""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Petitioner, User
from complaints.services import intake
from complaints.services import reception_sessions as sessions
from tests.conftest import IS_POSTGRES, NOW, TODAY
from tests.integration.qa72_helpers import (
    PHONE,
    correcting,
    letter,
    named,
    on_lock_case,
    run_threads,
)

pytestmark = pytest.mark.usefixtures("fixed_clock")

WAIT = 5  # in the fixed order the correction never gets C1 while the session runs
P = intake.PetitionerData(full_name="Lê Văn An", id_number="031278000001",
                          phone="0912345678")
R = intake.PetitionerData(full_name="Trần Thị Bình", id_number="031278000002",
                          phone="0912345679")
RECEIVED = date(2026, 11, 20)


@pytest.mark.skipif(not IS_POSTGRES, reason="row locks: SQLite has one write lock, no cycle")
def test_a_reception_session_with_two_known_people_while_the_desk_corrects_the_second(
        app, make_agency, make_user, make_locality, monkeypatch):
    province = make_agency(code="UBND-T", level="province")
    desk = make_agency(code="BTCD", parent=province, is_reception_desk=True)
    clerk = make_user("reception", agency=desk)
    loc = make_locality("31079")
    # The session's letters are about other wards: no matter (advisory) lock is shared.
    ward_a, ward_b = make_locality("31080"), make_locality("31081")
    # C1 signed by R alone; C2 signed by P and R (C1.id < C2.id).
    c1, _ = intake.receive_case(
        letter(loc, [R], RECEIVED, "Cấp giấy chứng nhận quyền sử dụng đất"), clerk, NOW, TODAY)
    c2, _ = intake.receive_case(
        letter(loc, [P, R], RECEIVED, "Bồi thường giải phóng mặt bằng"), clerk, NOW, TODAY)
    db.session.commit()
    assert c1.id < c2.id
    r_id = db.session.scalar(select(Petitioner.id).where(Petitioner.id_number == R.id_number))
    c1_id, c2_id, clerk_id = c1.id, c2.id, clerk.id

    first_row_done, correction_holds_c1 = threading.Event(), threading.Event()
    real_lock_signed = intake.lock_signed_cases
    calls = {"session": 0}

    def lock_signed(people, case_ids=()):
        if threading.current_thread().name == "session":
            calls["session"] += 1
            if calls["session"] == 2:  # row 1 holds P's cases (C2) and P; row 2 begins
                first_row_done.set()
                correction_holds_c1.wait(timeout=WAIT)
                time.sleep(0.5)  # the correction is now waiting for C2
        return real_lock_signed(people, case_ids)

    monkeypatch.setattr(intake, "lock_signed_cases", lock_signed)
    # The correction asks for C2 holding C1; C2 is the session's.
    on_lock_case(c2_id, correction_holds_c1, thread="correct", asking=True,
                 monkeypatch=monkeypatch)

    def session() -> None:
        sessions.record_session_with_petitions(sessions.SessionData(
            held_on=TODAY, kind="regular", counts={"turns": 2, "people": 2},
            petitions=[letter(ward_a, [P], TODAY, "Đường vào thôn bị sạt lở"),
                       letter(ward_b, [R], TODAY, "Cấp phép xây dựng chậm")]),
            db.session.get(User, clerk_id), NOW, TODAY)

    _results, failures = run_threads(app, [
        named("session", session),
        correcting(c1_id, r_id, clerk_id, after=first_row_done, wait=WAIT)])
    assert first_row_done.is_set() and correction_holds_c1.is_set()
    # Before the fix: psycopg.errors.DeadlockDetected in one (a 500, its write lost).
    assert failures == [], f"one request failed: {failures!r}"
    db.session.expire_all()
    assert db.session.get(Petitioner, r_id).phone == PHONE
