"""QA 100 D1: the inspectors' escalation queue, filtered by agency, listed an evasion (đùn
đẩy) under the agency that merely received the bounced case, and under none of the agencies
that bounced it, while the scorecard counts it against the bouncers only."""

from __future__ import annotations

from datetime import date

from complaints.services import inspection as monitoring
from complaints.services import scorecard, workflow
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403


def _reasons(user, code):
    page = monitoring.escalation_queue(user, "all", monitoring.CaseFilter(agency=code))
    return [r.extra["escalation"].reason for r in page.rows]


def test_evasion_is_listed_against_the_agencies_that_bounced_it(world, routed_case,
                                                                 make_agency, make_user):
    make_agency("SO-C", parent=world.province, name="Sở C")
    case = routed_case  # routed to SO-A
    workflow.transfer(case, "SO-B", "Không thuộc thẩm quyền", world.head_a, NOW, TODAY,
                      decided_on=date(2026, 10, 3))
    workflow.transfer(case, "SO-C", "Không thuộc thẩm quyền", world.head_b, NOW, TODAY,
                      decided_on=date(2026, 10, 5))
    assert case.flag_evaded

    cards = {c.agency.code: c.metrics for c in scorecard.scorecards(
        world.inspector, date(2026, 9, 15), date(2026, 12, 14), TODAY)}
    # The scorecard: the evasion is A's and B's (one move each), not C's.
    assert (cards["SO-A"].evasions, cards["SO-B"].evasions, cards["SO-C"].evasions) == (1, 1, 0)

    # The queue filtered by agency should say the same.
    assert "evaded" not in _reasons(world.inspector, "SO-C")
    assert "evaded" in _reasons(world.inspector, "SO-A")
    assert "evaded" in _reasons(world.inspector, "SO-B")
    # The parent's subtree holds all three: listed once.
    assert _reasons(world.inspector, world.province.code).count("evaded") == 1
