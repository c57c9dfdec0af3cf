"""Deadline policies and the escalation ladder are cached per process: a version added here
takes effect at once, one added by another process after the re-check interval."""

from datetime import date

from complaints.extensions import db
from complaints.models import DeadlinePolicy, EscalationStep
from complaints.services import deadlines, table_cache


def test_change_made_elsewhere_is_picked_up_after_recheck(app):
    first = deadlines._tables(now=1000.0)
    levels = [s.level for s in first[1]]
    count = len(first[0])
    # Another process adds a ladder rung and a policy version: this one was not told.
    db.session.add(EscalationStep(level=max(levels) + 1, code="province", offset_days=20,
                                  unit="working", effective_from=date(2026, 1, 1)))
    db.session.add(DeadlinePolicy(stage="resolution", kind="feedback", round=0,
                                  variant="normal", days=7, unit="working",
                                  effective_from=date(2027, 7, 1), source="test"))
    db.session.flush()
    assert len(deadlines._tables(now=1001.0)[0]) == count
    later = deadlines._tables(now=1000.0 + table_cache.RECHECK_SECONDS + 1)
    assert len(later[0]) == count + 1
    assert [s.level for s in later[1]] == [*levels, max(levels) + 1]


def test_ladder_is_plain_data_that_outlives_the_session(app):
    steps = deadlines.ladder()
    db.session.commit()
    db.session.expunge_all()
    assert [s.level for s in deadlines.ladder()] == [s.level for s in steps]
    assert all(isinstance(s.offset_days, int) for s in steps)
