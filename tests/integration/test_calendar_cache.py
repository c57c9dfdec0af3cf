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


def test_the_sweep_reads_a_change_made_elsewhere_at_once(app):
    """QA round 90: the scheduler's copy could be 30 s older than an admin's change made in
    a web process; a sweep in that window judged its cases on the old calendar."""
    from complaints.services.escalation import escalate_due
    from tests.conftest import NOW, TODAY

    saturday = date(2027, 2, 20)
    assert not calendar.get_calendar().is_working_day(saturday)  # this process's copy
    db.session.add(CalendarOverride(day=saturday, kind="working_day", description="Làm bù"))
    db.session.flush()
    assert not calendar.get_calendar().is_working_day(saturday)  # not told
    escalate_due(TODAY, NOW)
    assert calendar.get_calendar().is_working_day(saturday)


def test_a_recheck_keeps_the_copy_when_nothing_changed(app):
    first = calendar.get_calendar()
    table_cache.recheck_all()
    assert calendar.get_calendar() is first  # the fingerprint read, nothing reloaded
