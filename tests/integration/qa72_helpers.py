"""Helpers of the QA round 72 reproducers: threads that each run in their own app context
(own session, own connection), released together, and a barrier that holds each caller of a
patched function until every other caller has made its call (never sleeps). Also the pieces
the lock-order reproducers share: a request paused until another has taken a row, and the
desk's correction of a person's phone."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

from complaints.extensions import db
from complaints.models import Case, User
from complaints.services import audit, corrections, intake, splitting
from tests.conftest import NOW, TODAY

TIMEOUT = 20


def run_threads(app, works: list[Callable[[], object]]) -> tuple[list, list[BaseException]]:
    """Run each work in its own thread and app context, released together; commit after
    each, roll back on error. Return (results in order, failures)."""
    barrier = threading.Barrier(len(works))
    results: list = [None] * len(works)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=TIMEOUT)
                results[index] = works[index]()
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001  (returned to the test)
                failures.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return results, failures


def meet_after(target, name: str, parties: int, when: Callable[..., bool] = lambda *a, **k: True,
               monkeypatch=None):
    """Patch target.name so that each of `parties` calls for which when(*args) holds waits,
    after the real call returned, for the others: every caller has read before any writes."""
    real = getattr(target, name)
    barrier = threading.Barrier(parties)
    waited = threading.local()  # each thread meets the others once (its first such call)

    def wrapped(*args, **kwargs):
        result = real(*args, **kwargs)
        if when(*args, **kwargs) and not getattr(waited, "done", False):
            waited.done = True
            try:
                barrier.wait(timeout=TIMEOUT)
            except threading.BrokenBarrierError:
                pass
        return result

    monkeypatch.setattr(target, name, wrapped)
    return barrier


# --- the lock-order reproducers (QA rounds 75, 78, 80, 81) ---------------------------------
# Two requests, each in its own thread: one is paused at a point of its own code until the
# other has taken (or asked for) a row; unfixed, the two then lock in opposite orders.

HELD = 3  # seconds a request waits for another that a lock keeps out (fixed: it never comes)
PHONE = "0987654321"  # the person's corrected phone


def named(name: str, work: Callable[[], object]) -> Callable[[], object]:
    """work, run in a thread named `name`: the patched functions tell the requests apart."""
    def run():
        threading.current_thread().name = name
        return work()
    return run


def pause_at(target, name: str, *, signal: threading.Event,
             wait_for: threading.Event | None = None, thread: str | None = None,
             when: Callable[..., bool] = lambda *a, **k: True, timeout: float = HELD,
             monkeypatch) -> None:
    """Patch target.name so that each call made in the thread named `thread` (any thread:
    None) for which when(*args) holds first sets `signal`, then waits for `wait_for` (if
    given), then makes the real call. The wait is bounded (`timeout`): with the fix the
    other request waits for this one's lock and never sets `wait_for`."""
    real = getattr(target, name)

    def wrapped(*args, **kwargs):
        if thread in (None, threading.current_thread().name) and when(*args, **kwargs):
            signal.set()
            if wait_for is not None:
                wait_for.wait(timeout=timeout)
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, wrapped)


def on_lock_case(case_id: int, event: threading.Event, *, thread: str, asking: bool = False,
                 monkeypatch) -> None:
    """Patch audit.lock_case so that the thread named `thread` sets `event` once it holds
    case `case_id` (asking=True: as it asks for it, holding the cases it locked before)."""
    real = audit.lock_case

    def lock_case(locked_id):
        signal = threading.current_thread().name == thread and locked_id == case_id
        if signal and asking:
            event.set()
        real(locked_id)
        if signal and not asking:
            event.set()

    monkeypatch.setattr(audit, "lock_case", lock_case)


def correct_phone(case_id: int, person_id: int, clerk_id: int) -> None:
    """The desk corrects the person's phone through one of her cases: correct_person locks
    every case she signs, in id order, then writes her row."""
    corrections.correct_person(db.session.get(Case, case_id), person_id, {"phone": PHONE},
                               "Công dân báo số mới", db.session.get(User, clerk_id), NOW,
                               TODAY)


def correcting(case_id: int, person_id: int, clerk_id: int, *,
               after: threading.Event | None = None, wait: float = TIMEOUT):
    """A work for run_threads, in thread "correct": correct_phone, once `after` is set (at
    most `wait` seconds later)."""
    def work() -> None:
        if after is not None:
            after.wait(timeout=wait)
        correct_phone(case_id, person_id, clerk_id)
    return named("correct", work)


# --- their letters: one matter (land, in the locality given) -------------------------------

SUBJECT = "Thu hồi đất làm đường thôn Đông"


def letter(loc, people: list[intake.PetitionerData], on: date,
           subject: str = SUBJECT) -> intake.CaseData:
    """A complaint on land in `loc`: one walk-in petition signed by `people`, received `on`."""
    return intake.CaseData(kind="complaint", field_code="land", subject=subject,
                           content="Nội dung", locality_code=loc.code,
                           petition=intake.PetitionData(channel="walk_in", received_on=on,
                                                        petitioners=people))


def two_claims(data: intake.CaseData) -> intake.CaseData:
    """data made a letter of two claims (compensation, a late certificate), for a split."""
    data.subject, data.content = "Khiếu nại bồi thường đất", (
        "Khiếu nại mức bồi thường đất. Khiếu nại việc chậm cấp giấy chứng nhận.")
    return data


def split_second_claim(letter_id: int, clerk_id: int) -> int:
    """split_case: the late certificate out of a letter of two_claims; the part's id."""
    return splitting.split_case(db.session.get(Case, letter_id), splitting.SplitData(
        kind="complaint", field_code="land", subject="Khiếu nại cấp giấy chứng nhận",
        content="Khiếu nại việc chậm cấp giấy chứng nhận.",
        kept_content="Khiếu nại mức bồi thường đất."),
        db.session.get(User, clerk_id), NOW, TODAY)[0].id
