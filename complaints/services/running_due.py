"""Keep `cases.running_due_on`: the due date of a case's earliest unmet stage.

"Overdue now" (the scorecard, per agency) is then a range read of one index of cases
instead of a join of every past-due running stage with its case. The value is derived
from the case's deadlines only, so it is kept by a flush listener on the ORM session:
whenever a deadline is added, changed or deleted, its case's value is recomputed in SQL in
the same transaction. Core bulk writers of deadlines (the demo bulk loader) set the
column themselves; `refresh_all` recomputes every case (the migration uses the same SQL).
"""

from __future__ import annotations

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from complaints.models import Case, CaseDeadline

_KEY = "running_due_cases"


def _earliest_unmet():
    d = CaseDeadline.__table__.c
    return (select(func.min(d.due_on)).where(d.case_id == Case.__table__.c.id,
                                             d.met_on.is_(None))
            .scalar_subquery())


def refresh(connection, case_ids: list[int]) -> None:
    """Recompute the column for these cases (in the caller's transaction)."""
    ids = sorted(set(case_ids))
    for start in range(0, len(ids), 500):
        connection.execute(update(Case.__table__)
                           .where(Case.__table__.c.id.in_(ids[start:start + 500]))
                           .values(running_due_on=_earliest_unmet()))


def refresh_all(connection) -> None:
    connection.execute(update(Case.__table__).values(running_due_on=_earliest_unmet()))


def _before_flush(session: Session, _context, _instances) -> None:
    touched = set()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, CaseDeadline):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            case_id = obj.case_id if obj.case_id is not None else getattr(obj.case, "id", None)
            touched.add(case_id if case_id is not None else obj)
    if touched:
        session.info.setdefault(_KEY, []).append(touched)


def _after_flush(session: Session, _context) -> None:
    pending = session.info.pop(_KEY, None)
    if not pending:
        return
    ids = set()
    for batch in pending:
        for item in batch:
            # A deadline added with its new case had no case id before the flush.
            ids.add(item if isinstance(item, int) else item.case_id)
    ids.discard(None)
    if ids:
        refresh(session.connection(), sorted(ids))


event.listen(Session, "before_flush", _before_flush)
event.listen(Session, "after_flush", _after_flush)
