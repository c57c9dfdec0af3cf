"""The one place that reads the wall clock; services take `now`/`as_of` as arguments."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime: SQLite hands back naive ones (stored in
    UTC), PostgreSQL aware ones."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def local_day(moment: datetime) -> date:
    """The day in Vietnam of a stored time (UTC): 06:30 in Hà Nội is 23:30 UTC the day
    before, and every day of the system is a Vietnamese one (QA round 58)."""
    return as_utc(moment).astimezone(LOCAL_TZ).date()


def today() -> date:
    """Return today's date in Vietnam (a deadline's day ends at local midnight)."""
    return datetime.now(LOCAL_TZ).date()
