"""Per-process copies of the reference rows every intake reads: fields and localities.

Neither table is edited through the app (fields are seeded, localities loaded by the
`localities load` command), so a copy re-checked every RECHECK_SECONDS is current enough;
a code the copy lacks is still looked up in the database, so a field or locality added
since is accepted at once. Rows are never deleted (cases point to them).
"""

from __future__ import annotations

from sqlalchemy import Row, func, select

from complaints.extensions import db
from complaints.models import Field, Locality
from complaints.services.table_cache import TableCache


def _field_query():
    f = Field.__table__.c
    return select(f.id, f.code, f.name_vi, f.name_en)


def _locality_query():
    loc = Locality.__table__.c
    return select(loc.code, loc.name)


def _fields_fingerprint() -> tuple:
    return tuple(tuple(row) for row in db.session.execute(_field_query().order_by("id")))


def _localities_fingerprint() -> tuple:
    loc = Locality.__table__.c
    return tuple(db.session.execute(select(func.count(), func.min(loc.code), func.max(loc.code),
                                           func.sum(func.length(loc.name)))).one())


_fields = TableCache(_fields_fingerprint,
                     lambda: {r.code: r for r in db.session.execute(_field_query())})
_localities = TableCache(_localities_fingerprint,
                         lambda: {r.code: r for r in db.session.execute(_locality_query())})


def field(code: str | None) -> Row | None:
    """The field (id, code, name_vi, name_en) with this code, or None."""
    if not code:
        return None
    found = _fields.get().get(code)
    if found is None:
        found = db.session.execute(_field_query().where(Field.__table__.c.code == code)).first()
    return found


def locality(code: str | None) -> Row | None:
    """The locality (code, name) with this code, or None."""
    if not code:
        return None
    found = _localities.get().get(code)
    if found is None:
        found = db.session.execute(
            _locality_query().where(Locality.__table__.c.code == code)).first()
    return found


def invalidate() -> None:
    """Forget the copies (after this process changed the tables)."""
    _fields.clear()
    _localities.clear()
