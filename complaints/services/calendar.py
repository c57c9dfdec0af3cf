"""The working-day calendar as configured: the holidays package plus admin overrides."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from complaints.domain.calendar import WorkingCalendar
from complaints.extensions import db
from complaints.models import CalendarOverride

# Several app processes share one database, so a process cannot rely on being told of a
# change: every RECHECK_SECONDS it compares a cheap fingerprint of the overrides table
# and rebuilds the calendar when it moved. invalidate() forces that in the writing process.
RECHECK_SECONDS = 30.0
_cached: dict[str, tuple[tuple, float, WorkingCalendar]] = {}


def _fingerprint() -> tuple:
    row = db.session.execute(
        select(func.count(CalendarOverride.id), func.max(CalendarOverride.id),
               func.coalesce(func.sum(CalendarOverride.id), 0),
               func.max(CalendarOverride.created_at))
    ).one()
    return tuple(row)


def get_calendar(now: float | None = None) -> WorkingCalendar:
    """Return the calendar with the government's day swaps applied."""
    key = db.engine.url.render_as_string()
    moment = time.monotonic() if now is None else now
    entry = _cached.get(key)
    if entry is not None and moment - entry[1] < RECHECK_SECONDS:
        return entry[2]
    fingerprint = _fingerprint()
    if entry is not None and entry[0] == fingerprint:
        _cached[key] = (fingerprint, moment, entry[2])
        return entry[2]
    overrides = list(db.session.scalars(select(CalendarOverride)))
    calendar = WorkingCalendar(
        extra_days_off=[o.day for o in overrides if o.kind == "day_off"],
        makeup_working_days=[o.day for o in overrides if o.kind == "working_day"],
        day_off_names={o.day: o.description for o in overrides if o.kind == "day_off"},
    )
    _cached[key] = (fingerprint, moment, calendar)
    return calendar


def invalidate() -> None:
    """Forget the cached calendar after an override is added, changed or removed."""
    _cached.clear()
