"""QA round 80: the matter's lock taken after a case's row lock.

The mass check (`escalation_patterns.matter_group`) takes a transaction advisory lock per
matter (locality, field) on PostgreSQL, then `_check_mass` writes every case of the matter
not yet flagged, each row-locked. A letter joined to an existing case locked that case
first and the matter second; an intake of a new case on the same matter from new people
takes the matter, then writes the existing case when the matter becomes mass: the one
waited for the other's advisory lock, the other for the one's row lock, and PostgreSQL
broke the deadlock by failing one request (a 500, its letter lost). The same held for every
path that runs the mass check while it holds case rows: a letter joined, the intake of a
person on file (her cases locked first), a correction of a person or of a case's
particulars, a withdrawal, a split (its part written with the letter's signers' cases held), a
reception session (a letter joined, then a case opened on another matter). Each now
takes the matters' locks first, sorted.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest

from complaints.extensions import db
from complaints.models import Case, User
from complaints.services import (
    audit,
    corrections,
    escalation_patterns,
    intake,
    reception_sessions,
    workflow,
)
from tests.conftest import IS_POSTGRES, NOW, TODAY
from tests.integration.qa72_helpers import (
    HELD,
    SUBJECT,
    correct_phone,
    letter,
    named,
    run_threads,
    split_second_claim,
    two_claims,
)
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)
from tests.integration.test_escalation_world import receive_matter

pytestmark = [pytest.mark.usefixtures("fixed_clock"),
              pytest.mark.skipif(not IS_POSTGRES,
                                 reason="advisory and row locks: SQLite has one write lock")]

PERSON = intake.PetitionerData(full_name="Lê Văn An", id_number="031278000001")


def _people(*names: str) -> list[intake.PetitionerData]:
    return [intake.PetitionerData(full_name=name) for name in names]


def _matter_after(monkeypatch, first: str, second: str, locality: str | None = None):
    """Patch the matter lock so that thread `second` asks for it only once thread `first`
    holds it, and `first` goes on only once `second` is about to ask (each wait ends after
    HELD seconds: with the fix, one of them waits for the other's commit meanwhile).
    `locality`: the matter's, when the threads take others too. Returns the event set
    when `first` holds the matter."""
    real = escalation_patterns._settle_one_at_a_time
    held, asking = threading.Event(), threading.Event()
    seen = threading.local()

    def settle(locality_code, field_id):
        name = threading.current_thread().name
        if locality is not None and locality_code != locality:
            return real(locality_code, field_id)
        if name == second and not getattr(seen, "done", False):
            seen.done = True
            asking.set()
            held.wait(timeout=HELD)
        real(locality_code, field_id)
        if name == first and not getattr(seen, "done", False):
            seen.done = True
            held.set()
            asking.wait(timeout=HELD)

    monkeypatch.setattr(escalation_patterns, "_settle_one_at_a_time", settle)
    return held


def _chains_whole(*case_ids: int) -> None:
    for case_id in case_ids:
        assert audit.verify_chains(f"case:{case_id}")[1] == []


def _race(app, held: threading.Event, *works) -> list:
    """Run the requests at once: the interleaving was reached and none failed (unfixed, one
    ends in DeadlockDetected: a 500, its write lost). Their results; the session expired."""
    results, failures = run_threads(app, list(works))
    assert held.is_set()
    assert failures == [], f"one request failed: {failures!r}"  # DeadlockDetected
    db.session.expire_all()
    return results


def _three_people_case(world, loc) -> Case:
    case = intake.receive_case(letter(loc, [PERSON, *_people("Trần Thị Bình",
                                                             "Phạm Văn Cường")],
                                      date(2026, 11, 25)), world.reception, NOW, TODAY)[0]
    db.session.commit()
    assert not case.flag_mass
    return case


def _making_mass(loc, clerk_id: int):
    """An intake of two more people: five on the matter, which writes the first case."""
    def receive() -> int:
        return intake.receive(letter(loc, _people("Đỗ Văn Dũng", "Ngô Thị Em"),
                                     date(2026, 11, 27)),
                              db.session.get(User, clerk_id), NOW, TODAY).case_id
    return named("intake", receive)


def _her_new_case(loc, clerk_id: int):
    """Her new letter on the matter of `loc`: the intake of a person on file."""
    def receive() -> int:
        return intake.receive(letter(loc, [PERSON], date(2026, 11, 27)),
                              db.session.get(User, clerk_id), NOW, TODAY).case_id
    return named("intake", receive)


def _joining(case_id: int, clerk_id: int):
    """A letter of one new person joined to the case (add_petition)."""
    def join() -> None:
        intake.add_petition(db.session.get(Case, case_id), intake.PetitionData(
            channel="walk_in", received_on=date(2026, 11, 28), content="Thư sau",
            petitioners=_people("Vũ Thị Giang")), db.session.get(User, clerk_id), NOW, TODAY)
    return named("join", join)


def test_a_letter_joined_to_a_case_while_a_new_case_makes_its_matter_mass(
        world, make_locality, app, monkeypatch):
    """Case A, three people. A letter joins A (it locks A, then reads the matter) while a
    new case B of two other people is logged: B holds the matter, finds five people and
    writes A; the letter holds A and waits for the matter: a deadlock, unless the letter
    takes the matter before A."""
    loc = make_locality("31080")
    a = receive_matter(world, loc, SUBJECT, ["Lê Văn An", "Trần Thị Bình", "Phạm Văn Cường"],
                       date(2026, 11, 25))
    db.session.commit()
    assert not a.flag_mass
    a_id, clerk_id = a.id, world.reception.id
    held = _matter_after(monkeypatch, first="intake", second="join")

    results = _race(app, held, _joining(a_id, clerk_id), _making_mass(loc, clerk_id))
    a, b = db.session.get(Case, a_id), db.session.get(Case, results[1])
    assert len(a.petitions) == 2
    assert a.flag_mass and b.flag_mass and a.cluster_id == b.cluster_id
    _chains_whole(a_id, b.id)


def test_a_known_persons_new_case_while_a_letter_joins_her_older_one(
        world, make_locality, app, monkeypatch):
    """Her case A. Her new letter on the same matter locks her cases (A) before her row
    (QA round 78), then reads the matter; a letter joined to A meanwhile holds the matter
    and waits for A: a deadlock, unless her intake takes the matter before her cases."""
    loc = make_locality("31080")
    a = intake.receive_case(letter(loc, [PERSON, *_people("Trần Thị Bình")],
                                   date(2026, 11, 25)), world.reception, NOW, TODAY)[0]
    db.session.commit()
    a_id, clerk_id = a.id, world.reception.id
    held = _matter_after(monkeypatch, first="join", second="intake")

    results = _race(app, held, _joining(a_id, clerk_id), _her_new_case(loc, clerk_id))
    a, b = db.session.get(Case, a_id), db.session.get(Case, results[1])
    assert len(a.petitions) == 2
    assert b.petitions[0].signers[0].petitioner_id == a.petitions[0].signers[0].petitioner_id
    _chains_whole(a_id, b.id)


@pytest.mark.parametrize("what", ["person", "particulars"])
def test_a_correction_while_a_new_case_makes_its_matter_mass(
        world, make_locality, app, monkeypatch, what):
    """A correction of a signer, or of the case's subject, holds the case, then runs the
    mass check on it (QA round 39; the matter it joins), which asks for the matter; the
    intake holding it writes the case: a deadlock, unless the correction takes the matter
    first."""
    loc = make_locality("31080")
    a = _three_people_case(world, loc)
    a_id, clerk_id = a.id, world.reception.id
    person_id = a.petitions[0].signers[0].petitioner_id
    held = _matter_after(monkeypatch, first="intake", second="correct")

    def correct() -> None:
        if what == "person":
            correct_phone(a_id, person_id, clerk_id)
        else:
            corrections.correct_particulars(db.session.get(Case, a_id), None, None,
                                            SUBJECT + " (đoạn qua chợ)", "Gõ thiếu",
                                            db.session.get(User, clerk_id), NOW, TODAY)

    results = _race(app, held, named("correct", correct), _making_mass(loc, clerk_id))
    a, b = db.session.get(Case, a_id), db.session.get(Case, results[1])
    assert a.flag_mass and b.flag_mass and a.cluster_id == b.cluster_id
    _chains_whole(a_id, b.id)


def test_two_withdrawals_from_one_mass_matter(world, make_locality, app, monkeypatch):
    """Cases A (three people) and X (two) make a mass matter. One person withdraws from
    each at once: each withdrawal holds its case, then rechecks the matter; the one that
    gets the matter first finds four people and clears the other case's flag, which the
    other holds while it waits for the matter: a deadlock, unless each takes the matter
    before its case."""
    loc = make_locality("31080")
    a = _three_people_case(world, loc)
    x = receive_matter(world, loc, SUBJECT, ["Đỗ Văn Dũng", "Ngô Thị Em"], date(2026, 11, 26))
    db.session.commit()
    db.session.expire_all()
    a, x = db.session.get(Case, a.id), db.session.get(Case, x.id)
    assert a.flag_mass and x.flag_mass
    ids = {c.id: [s.petitioner_id for s in c.petitions[0].signers][-1] for c in (a, x)}
    clerk_id = world.reception.id
    held = _matter_after(monkeypatch, first="x", second="a")

    def withdraw(case_id: int):
        def run() -> None:
            workflow.withdraw(db.session.get(Case, case_id), "Rút đơn",
                              db.session.get(User, clerk_id), NOW, TODAY,
                              decided_on=date(2026, 11, 30), petitioner_ids=[ids[case_id]])
        return run

    _race(app, held, named("a", withdraw(a.id)), named("x", withdraw(x.id)))
    for case_id in ids:
        case = db.session.get(Case, case_id)
        assert not case.flag_mass
        assert [s.petitioner_id for s in case.petitions[0].signers
                if s.withdrawn_on is not None] == [ids[case_id]]
    _chains_whole(*ids)


def test_a_split_while_a_new_case_makes_its_matter_mass(world, make_locality, app,
                                                        monkeypatch):
    """Her case A (three people) and her letter S. Splitting S locks her cases, A among
    them (QA round 78), and S, then writes the part and reads its matter; an intake of two
    more people holds the matter and writes A: a deadlock, unless the split takes the
    part's matter first."""
    loc = make_locality("31080")
    a = _three_people_case(world, loc)
    her_letter = intake.receive_case(two_claims(letter(loc, [PERSON], date(2026, 11, 26))),
                                     world.reception, NOW, TODAY)[0]
    db.session.commit()
    a_id, letter_id, clerk_id = a.id, her_letter.id, world.reception.id
    held = _matter_after(monkeypatch, first="intake", second="split")

    split = named("split", lambda: split_second_claim(letter_id, clerk_id))
    results = _race(app, held, split, _making_mass(loc, clerk_id))
    a, b = db.session.get(Case, a_id), db.session.get(Case, results[1])
    assert a.flag_mass and b.flag_mass
    _chains_whole(a_id, letter_id, b.id, results[0])


def test_a_session_joining_a_case_and_opening_one_on_another_matter(
        world, make_locality, app, monkeypatch):
    """A session joins a letter to her case J (matter 1: J locked), then opens a case on
    matter 2 and asks for it; meanwhile her new letter on matter 2 holds that matter and
    locks her cases (J) before her row: a deadlock, unless the session takes both matters,
    sorted, before any case."""
    one, two = make_locality("31080"), make_locality("31081")
    j = intake.receive_case(letter(one, [PERSON, *_people("Trần Thị Bình")],
                                   date(2026, 11, 25)), world.reception, NOW, TODAY)[0]
    db.session.commit()
    j_id, code, clerk_id = j.id, j.tracking_code, world.reception.id
    held = _matter_after(monkeypatch, first="intake", second="session", locality=two.code)

    def record() -> None:
        reception_sessions.record_session_with_petitions(reception_sessions.SessionData(
            held_on=TODAY, kind="regular", counts={"turns": 2, "people": 2},
            petitions=[reception_sessions.JoinedPetition(code, intake.PetitionData(
                channel="walk_in", received_on=TODAY, petitioners=_people("Vũ Thị Giang"))),
                letter(two, _people("Hoàng Văn Khải"), TODAY)]),
            db.session.get(User, clerk_id), NOW, TODAY)

    results = _race(app, held, named("session", record), _her_new_case(two, clerk_id))
    assert len(db.session.get(Case, j_id).petitions) == 2
    _chains_whole(j_id, results[1])
