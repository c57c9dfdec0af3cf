"""Per-process copies of the reference rows every intake reads: fields and localities.

Both change rarely (fields through the administrators' page, localities by the
`localities load` command), so a copy re-checked every RECHECK_SECONDS against a digest
of the rows is current enough; a code the copy lacks is still looked up in the database,
so a field or locality added since is accepted at once. Rows are never deleted (cases
point to them); a field the administrator stopped is refused by intake within that delay
in other processes (at once in the one that stopped it).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Row, select

from complaints.extensions import db
from complaints.models import Field, Locality
from complaints.services.table_cache import TableCache


def _field_query():
    f = Field.__table__.c
    return select(f.id, f.code, f.name_vi, f.name_en, f.active)


def _locality_query():
    loc = Locality.__table__.c
    return select(loc.code, loc.name)


def _digest(query) -> tuple:
    """A digest of every row: the tables are small (a few thousand localities), and a
    rename must show however long the new name is."""
    digest = hashlib.sha256()
    for row in db.session.execute(query):
        digest.update(repr(tuple(row)).encode())
    return (digest.hexdigest(),)


def _fields_fingerprint() -> tuple:
    return _digest(_field_query().order_by(Field.__table__.c.id))


def _localities_fingerprint() -> tuple:
    return _digest(_locality_query().order_by(Locality.__table__.c.code))


_fields = TableCache(_fields_fingerprint,
                     lambda: {r.code: r for r in db.session.execute(_field_query())})
_localities = TableCache(_localities_fingerprint,
                         lambda: {r.code: r for r in db.session.execute(_locality_query())})


def field(code: str | None, now: float | None = None) -> Row | None:
    """The field (id, code, name_vi, name_en, active) with this code, or None (`now`: a
    monotonic time, for tests of the re-check)."""
    if not code:
        return None
    found = _fields.get(now).get(code)
    if found is None:
        found = db.session.execute(_field_query().where(Field.__table__.c.code == code)).first()
    return found


def locality(code: str | None, now: float | None = None) -> Row | None:
    """The locality (code, name) with this code, or None."""
    if not code:
        return None
    found = _localities.get(now).get(code)
    if found is None:
        found = db.session.execute(
            _locality_query().where(Locality.__table__.c.code == code)).first()
    return found


def invalidate() -> None:
    """Forget the copies (after this process changed the tables)."""
    _fields.clear()
    _localities.clear()
