"""Helpers of the QA round 72 reproducers: threads that each run in their own app context
(own session, own connection), released together, and a barrier that holds each caller of a
patched function until every other caller has made its call (never sleeps)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from complaints.extensions import db

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
