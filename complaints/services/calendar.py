"""The working-day calendar as configured: the holidays package plus admin overrides."""

from __future__ import annotations

from sqlalchemy import func, select

from complaints.domain.calendar import WorkingCalendar
from complaints.extensions import db
from complaints.models import CalendarOverride
from complaints.services.table_cache import TableCache


def _fingerprint() -> tuple:
    row = db.session.execute(
        select(func.count(CalendarOverride.id), func.max(CalendarOverride.id),
               func.coalesce(func.sum(CalendarOverride.id), 0),
               func.max(CalendarOverride.created_at))
    ).one()
    return tuple(row)


def _load() -> WorkingCalendar:
    overrides = list(db.session.scalars(select(CalendarOverride)))
    return WorkingCalendar(
        extra_days_off=[o.day for o in overrides if o.kind == "day_off"],
        makeup_working_days=[o.day for o in overrides if o.kind == "working_day"],
        day_off_names={o.day: o.description for o in overrides if o.kind == "day_off"},
    )


# Re-checked against the overrides table every RECHECK_SECONDS (services/table_cache.py).
_calendar = TableCache(_fingerprint, _load)


def get_calendar(now: float | None = None) -> WorkingCalendar:
    """Return the calendar with the government's day swaps applied."""
    return _calendar.get(now)


def invalidate() -> None:
    """Forget the cached calendar after an override is added, changed or removed."""
    _calendar.clear()
