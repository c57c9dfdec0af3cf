"""QA round 78: a letter of a person on file took her row before her older cases.

`intake._write_case` locks the people on file a new letter signs as (`UPDATE petitioners
SET id = id …`), then writes the case; when the letter makes its matter a mass petition,
the mass check (`escalation_patterns._check_mass`) writes each case of the matter not yet
flagged (cluster, mass flag, complexity, an escalation and an event on its trail, which
locks it): among them the person's own older cases, final ones included (a matter's cases
are not filtered by status). The repeated check writes the new case only (a parent is
read). `corrections.correct_person` locks every case the person signs in id order, then
writes the person: case, then person; intake was person, then case, and the two
deadlocked on PostgreSQL (one request a 500, its write lost). A letter joined to her newer
case (add_petition) locked that case, her row, then her older case: the same cycle. Now
both lock her cases, in id order, before her row; a split, whose part is written that way,
locks its signers' cases before the case it splits.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, Case, Petitioner, User
from complaints.services import audit, corrections, intake, splitting, workflow
from tests.conftest import IS_POSTGRES, NOW, TODAY
from tests.integration.qa72_helpers import (
    PHONE,
    correcting,
    letter,
    named,
    on_lock_case,
    pause_at,
    run_threads,
    split_second_claim,
    two_claims,
)
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)

pytestmark = pytest.mark.usefixtures("fixed_clock")

PERSON = intake.PetitionerData(full_name="Lê Văn An", id_number="031278000001",
                               phone="0912345678")


@pytest.mark.skipif(not IS_POSTGRES, reason="row locks: SQLite has one write lock, no cycle")
@pytest.mark.parametrize("older", ["open", "guided"])
def test_a_known_persons_letter_making_a_mass_matter_while_the_desk_corrects_her(
        world, make_locality, app, monkeypatch, older):
    """Her older case, signed with two others, and her new letter with two more: five
    people, so the intake writes the older case. Meanwhile a colleague corrects her phone
    through the older case. Intake holds her row when the correction locks the older case
    and waits for her row; intake then writes the older case: a deadlock, unless intake
    locks her cases before her row, as the correction does."""
    loc = make_locality("31078")
    earlier, _pin = intake.receive_case(letter(loc, [
        PERSON, intake.PetitionerData(full_name="Trần Thị Bình"),
        intake.PetitionerData(full_name="Phạm Văn Cường")], date(2026, 11, 25)),
        world.reception, NOW, TODAY)
    if older == "guided":  # a final case of the matter is written by the mass check too
        workflow.guide(earlier, "Hướng dẫn công dân gửi đơn đến UBND xã", world.reception,
                       NOW, TODAY, decided_on=date(2026, 11, 26))
    db.session.commit()
    assert not earlier.flag_mass
    person_id = earlier.petitions[0].signers[0].petitioner_id
    earlier_id, clerk_id = earlier.id, world.reception.id

    person_locked, case_locked = threading.Event(), threading.Event()
    # _write_case has locked the people on file when it inserts the case. Unfixed, the
    # correction locks the older case meanwhile; fixed, intake holds it already, the
    # correction waits, and intake's wait ends after HELD seconds.
    pause_at(intake, "_insert", thread="intake",
             when=lambda table, *args, **kwargs: table is Case.__table__,
             signal=person_locked, wait_for=case_locked, monkeypatch=monkeypatch)
    # correct_person holds her cases here and has not written her row yet.
    pause_at(corrections, "_person_errors", signal=case_locked, monkeypatch=monkeypatch)

    def receive() -> int:
        return intake.receive(letter(loc, [
            PERSON, intake.PetitionerData(full_name="Đỗ Văn Dũng"),
            intake.PetitionerData(full_name="Ngô Thị Em")], date(2026, 11, 28)),
            db.session.get(User, clerk_id), NOW, TODAY).case_id

    results, failures = run_threads(app, [
        named("intake", receive),
        correcting(earlier_id, person_id, clerk_id, after=person_locked)])
    assert person_locked.is_set()
    assert failures == [], f"one request failed: {failures!r}"  # DeadlockDetected
    db.session.expire_all()
    new = db.session.get(Case, results[0])
    assert [s.petitioner_id for s in new.petitions[0].signers][0] == person_id
    assert db.session.get(Petitioner, person_id).phone == PHONE
    earlier = db.session.get(Case, earlier_id)
    assert earlier.flag_mass and new.flag_mass and earlier.cluster_id == new.cluster_id
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.case_id == earlier_id, AuditEvent.action == "escalated")) is not None
    for case_id in (earlier_id, new.id):
        assert audit.verify_chains(f"case:{case_id}")[1] == []


@pytest.mark.skipif(not IS_POSTGRES, reason="row locks: SQLite has one write lock, no cycle")
def test_a_known_persons_letter_joined_to_her_newer_case_while_the_desk_corrects_her(
        world, make_locality, app, monkeypatch):
    """add_petition locks the case joined, then her row (QA round 75), and the mass check
    then writes her older case of the matter. The correction locks her cases in id order:
    the older one, then waits for the case joined, while the letter waits for the older
    one: a deadlock, unless the letter locks all her cases, in id order, first."""
    loc = make_locality("31078")
    earlier = intake.receive_case(letter(loc, [
        PERSON, intake.PetitionerData(full_name="Trần Thị Bình"),
        intake.PetitionerData(full_name="Phạm Văn Cường")], date(2026, 11, 25)),
        world.reception, NOW, TODAY)[0]
    later = intake.receive_case(letter(loc, [PERSON], date(2026, 11, 27)),
                                world.reception, NOW, TODAY)[0]
    db.session.commit()
    assert earlier.id < later.id and not later.flag_mass
    person_id = earlier.petitions[0].signers[0].petitioner_id
    earlier_id, later_id, clerk_id = earlier.id, later.id, world.reception.id

    person_locked, case_locked = threading.Event(), threading.Event()
    # _add_petition has locked the people on file when it matches, and not read the matter
    # yet. Unfixed, the correction locks the older case meanwhile; fixed, the letter holds
    # it already, the correction waits, and the letter's wait ends after HELD seconds.
    pause_at(intake, "_matches", thread="join", signal=person_locked, wait_for=case_locked,
             monkeypatch=monkeypatch)
    on_lock_case(earlier_id, case_locked, thread="correct", monkeypatch=monkeypatch)

    def join() -> None:
        intake.add_petition(db.session.get(Case, later_id), intake.PetitionData(
            channel="walk_in", received_on=date(2026, 11, 28), content="Thư sau", petitioners=[
                PERSON, intake.PetitionerData(full_name="Đỗ Văn Dũng"),
                intake.PetitionerData(full_name="Ngô Thị Em")]),
            db.session.get(User, clerk_id), NOW, TODAY)

    failures = run_threads(app, [
        named("join", join), correcting(earlier_id, person_id, clerk_id, after=person_locked)])[1]
    assert person_locked.is_set()
    assert failures == [], f"one request failed: {failures!r}"  # DeadlockDetected
    db.session.expire_all()
    assert db.session.get(Petitioner, person_id).phone == PHONE
    earlier, later = db.session.get(Case, earlier_id), db.session.get(Case, later_id)
    assert len(later.petitions) == 2
    assert earlier.flag_mass and later.flag_mass and earlier.cluster_id == later.cluster_id
    for case_id in (earlier_id, later_id):
        assert audit.verify_chains(f"case:{case_id}")[1] == []


@pytest.mark.skipif(not IS_POSTGRES, reason="row locks: SQLite has one write lock, no cycle")
def test_splitting_her_newer_letter_while_the_desk_corrects_her(
        world, make_locality, app, monkeypatch):
    """The part split out is written as a new case signed by her (intake.write_case), which
    now locks her cases before her row. The split held the case it splits first: her older
    case after it, while the correction holds the older one and waits for the split one. The
    split locks the cases of the letter's signers, in id order, before anything."""
    loc = make_locality("31078")
    earlier = intake.receive_case(letter(loc, [PERSON], date(2026, 11, 20)),
                                  world.reception, NOW, TODAY)[0]
    her_letter = intake.receive_case(two_claims(letter(loc, [PERSON], date(2026, 11, 27))),
                                     world.reception, NOW, TODAY)[0]
    db.session.commit()
    assert earlier.id < her_letter.id
    person_id = earlier.petitions[0].signers[0].petitioner_id
    earlier_id, letter_id, clerk_id = earlier.id, her_letter.id, world.reception.id

    held, case_locked = threading.Event(), threading.Event()
    # split_case holds the case it splits when it checks the split, and has written
    # nothing. Unfixed, the correction locks the older case meanwhile; fixed, the split
    # holds it already, the correction waits, and the split's wait ends after HELD seconds.
    pause_at(splitting, "_refusals", signal=held, wait_for=case_locked, monkeypatch=monkeypatch)
    on_lock_case(earlier_id, case_locked, thread="correct", monkeypatch=monkeypatch)

    results, failures = run_threads(app, [
        lambda: split_second_claim(letter_id, clerk_id),
        correcting(earlier_id, person_id, clerk_id, after=held)])
    assert held.is_set()
    assert failures == [], f"one request failed: {failures!r}"  # DeadlockDetected
    db.session.expire_all()
    assert db.session.get(Petitioner, person_id).phone == PHONE
    part = db.session.get(Case, results[0])
    assert part.petitions[0].signers[0].petitioner_id == person_id
    for case_id in (earlier_id, letter_id, part.id):
        assert audit.verify_chains(f"case:{case_id}")[1] == []
