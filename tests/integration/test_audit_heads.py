"""The chain heads a transaction already holds: later events skip the lock and the look-up,
and every way a transaction can end (commit, rollback, savepoint) or a bulk writer can
append beside record() leaves the chain whole."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from complaints.extensions import db
from complaints.models import AuditEvent, Case
from complaints.services import audit
from tests.conftest import NOW


def _seqs(case_id: int) -> list[int]:
    return list(db.session.scalars(select(AuditEvent.seq).where(
        AuditEvent.chain == f"case:{case_id}").order_by(AuditEvent.seq)))


def _statements(fn) -> list[str]:
    seen: list[str] = []

    def spy(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", spy)
    try:
        fn()
        db.session.flush()
    finally:
        event.remove(db.engine, "before_cursor_execute", spy)
    return seen


def _record(case_id: int, n: int):
    return audit.record_case(db.session.get(Case, case_id), "identity_viewed", None, NOW,
                             {"n": n})


def test_second_event_of_a_transaction_needs_no_lock_or_look_up(app, make_case):
    case = make_case()
    db.session.commit()
    first = _statements(lambda: _record(case.id, 1))
    assert any(s.startswith("UPDATE cases SET id = id") for s in first)
    assert any(s.startswith("SELECT audit_events.seq") for s in first)
    second = _statements(lambda: _record(case.id, 2))
    assert not any(s.startswith("UPDATE cases SET id = id") for s in second)
    assert not any(s.startswith("SELECT audit_events.seq") for s in second)
    db.session.commit()
    assert _seqs(case.id)[-2:] == [_seqs(case.id)[-1] - 1, _seqs(case.id)[-1]]
    assert audit.verify_chains(f"case:{case.id}")[1] == []
    # A new transaction takes the lock again.
    again = _statements(lambda: _record(case.id, 3))
    assert any(s.startswith("UPDATE cases SET id = id") for s in again)
    db.session.commit()


def test_a_new_case_chain_starts_without_reading(app, make_case):
    case = make_case()
    db.session.flush()
    assert _seqs(case.id)[0] == 1 and audit.verify_chains(f"case:{case.id}")[1] == []


def test_rollback_and_savepoint_forget_the_head(app, make_case):
    case = make_case()
    db.session.commit()
    before = _seqs(case.id)
    _record(case.id, 1)
    db.session.rollback()  # the event is gone: its head must be too
    _record(case.id, 2)
    db.session.commit()
    assert _seqs(case.id) == [*before, before[-1] + 1]

    _record(case.id, 3)
    savepoint = db.session.begin_nested()
    _record(case.id, 4)
    savepoint.rollback()
    _record(case.id, 5)
    db.session.commit()
    assert _seqs(case.id) == list(range(1, before[-1] + 4))
    assert audit.verify_chains(f"case:{case.id}")[1] == []


def test_an_explicit_head_makes_the_known_one_stale(app, make_case):
    case = make_case()
    db.session.commit()
    _record(case.id, 1)
    db.session.flush()
    row = db.session.execute(select(AuditEvent.seq, AuditEvent.hash).where(
        AuditEvent.chain == f"case:{case.id}").order_by(AuditEvent.seq.desc()).limit(1)).one()
    # A bulk writer (the sweep) appends with the head it read itself.
    audit.record(f"case:{case.id}", "escalated", None, NOW, {}, case_id=case.id,
                 head=(row.seq, row.hash))
    _record(case.id, 2)  # must follow that event, not the head known before it
    db.session.commit()
    seqs = _seqs(case.id)
    assert seqs == list(range(1, len(seqs) + 1))
    assert audit.verify_chains(f"case:{case.id}")[1] == []


def test_the_database_refuses_to_change_or_delete_an_event(app, make_case):
    from sqlalchemy import delete, update
    from sqlalchemy.exc import DatabaseError

    case = make_case()
    db.session.commit()
    for statement in (update(AuditEvent).where(AuditEvent.case_id == case.id)
                      .values(data="{}"),
                      delete(AuditEvent).where(AuditEvent.case_id == case.id)):
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(statement)
            db.session.flush()
        db.session.rollback()
    assert _seqs(case.id)[0] == 1 and audit.verify_chains(f"case:{case.id}")[1] == []
