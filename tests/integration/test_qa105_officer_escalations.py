"""QA 105 D1: an officer's home lists the open escalations of the cases assigned to them,
chosen in the query before its limit (filtered after a LIMIT 50, one older than the agency's
50 newest was lost)."""
from datetime import date, datetime, timedelta, timezone

from complaints.extensions import db
from complaints.models import Escalation
from complaints.services import workflow
from tests.conftest import NOW
from tests.integration.agency_world import *  # noqa: F401,F403  (fixtures: world, routed)


def test_officer_home_lists_own_escalation_behind_50_newer(world, routed, client, login,
                                                           fixed_clock):
    mine = routed(accept=True)
    workflow.assign(mine, world["officer"].username, world["head"], NOW)
    other = routed(accept=True)
    old = datetime(2026, 11, 1, tzinfo=timezone.utc)
    db.session.add(Escalation(case_id=mine.id, stage="resolution", started_on=date(2026, 11, 23),
                              level=0, reason="reminder", to_agency_id=world["so"].id,
                              agency_id=world["so"].id, as_of=date(2026, 11, 1),
                              created_at=old))
    for i in range(50):
        db.session.add(Escalation(case_id=other.id, stage="resolution",
                                  started_on=date(2026, 1, 1) + timedelta(days=i), level=0,
                                  reason="reminder", to_agency_id=world["so"].id,
                                  agency_id=world["so"].id, as_of=date(2026, 11, 30),
                                  created_at=old + timedelta(days=1, minutes=i)))
    db.session.commit()
    login(world["officer"])
    page = client.get("/agency/").get_data(as_text=True)
    start = page.find('data-testid="escalations"')
    listed = page[start:page.find("</ul>", start)] if start >= 0 else ""
    assert mine.tracking_code in listed, "the officer's own open escalation is not listed"
