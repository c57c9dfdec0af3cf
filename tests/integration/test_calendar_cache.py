"""Another process's calendar change is seen after the re-check interval."""

from datetime import date

from complaints.extensions import db
from complaints.models import CalendarOverride
from complaints.services import calendar, table_cache


def test_change_made_elsewhere_is_picked_up_after_recheck(app):
    saturday = date(2027, 2, 20)
    first = calendar.get_calendar(now=1000.0)
    assert not first.is_working_day(saturday)
    # Another process adds a make-up Saturday: this process was not told.
    db.session.add(CalendarOverride(day=saturday, kind="working_day", description="Làm bù"))
    db.session.flush()
    assert not calendar.get_calendar(now=1001.0).is_working_day(saturday)
    later = calendar.get_calendar(now=1000.0 + table_cache.RECHECK_SECONDS + 1)
    assert later.is_working_day(saturday)
