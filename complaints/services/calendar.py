"""The working-day calendar as configured: the holidays package plus admin overrides."""

from __future__ import annotations

from datetime import date

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


def _load(overrides: list[tuple[date, str, str]] | None = None) -> WorkingCalendar:
    if overrides is None:
        overrides = [(o.day, o.kind, o.description)
                     for o in db.session.scalars(select(CalendarOverride))]
    return WorkingCalendar(
        extra_days_off=[day for day, kind, _text in overrides if kind == "day_off"],
        makeup_working_days=[day for day, kind, _text in overrides if kind == "working_day"],
        day_off_names={day: text for day, kind, text in overrides if kind == "day_off"},
    )


# Re-checked against the overrides table every RECHECK_SECONDS (services/table_cache.py).
_calendar = TableCache(_fingerprint, _load)


def get_calendar(now: float | None = None) -> WorkingCalendar:
    """Return the calendar with the government's day swaps applied."""
    return _calendar.get(now)


def calendar_with(add: tuple[date, str, str] | None = None,
                  remove: date | None = None) -> WorkingCalendar:
    """The calendar as it would be with one override added (day, kind, description) or the
    override of one day removed: what an administrator is shown before confirming. Built
    apart and never cached, so no other request sees a change that is not saved."""
    overrides = [(o.day, o.kind, o.description)
                 for o in db.session.scalars(select(CalendarOverride)) if o.day != remove]
    if add is not None:
        overrides = [o for o in overrides if o[0] != add[0]] + [add]
    return _load(overrides)


def invalidate() -> None:
    """Forget the cached calendar after an override is added, changed or removed."""
    _calendar.clear()
