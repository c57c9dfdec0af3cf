"""The working-day calendar as configured: the holidays package plus admin overrides."""

from __future__ import annotations

from sqlalchemy import select

from complaints.domain.calendar import WorkingCalendar
from complaints.extensions import db
from complaints.models import CalendarOverride

# Rebuilt only when an override changes (see invalidate()); cheap to read per request.
_cached: dict[str, WorkingCalendar] = {}


def get_calendar() -> WorkingCalendar:
    """Return the calendar with the government's day swaps applied."""
    key = db.engine.url.render_as_string()
    calendar = _cached.get(key)
    if calendar is None:
        overrides = list(db.session.scalars(select(CalendarOverride)))
        calendar = WorkingCalendar(
            extra_days_off=[o.day for o in overrides if o.kind == "day_off"],
            makeup_working_days=[o.day for o in overrides if o.kind == "working_day"],
            day_off_names={o.day: o.description for o in overrides if o.kind == "day_off"},
        )
        _cached[key] = calendar
    return calendar


def invalidate() -> None:
    """Forget the cached calendar after an override is added, changed or removed."""
    _cached.clear()
