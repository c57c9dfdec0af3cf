"""The one place that reads the wall clock; services take `now`/`as_of` as arguments."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


def today() -> date:
    """Return today's date in Vietnam (a deadline's day ends at local midnight)."""
    return datetime.now(LOCAL_TZ).date()
