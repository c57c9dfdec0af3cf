"""QA 111: scorecard figures against their definitions (services/scorecard.py docstring)."""
from __future__ import annotations

from datetime import date

import pytest

from complaints.extensions import db
from complaints.services import scorecard as cards
from complaints.services import workflow
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_qa111_withdrawal_after_acceptance_is_no_resolution(world, make_case, make_user):
    """Accepted 20/11, withdrawn 25/11 by its only petitioner: no decision was issued
    (domain.md: resolved = decision or conclusion issued). The acceptance rule of the
    docstring says a withdrawal "is no acceptance"; the card still counts it resolved."""
    case = make_case(actor=world["reception"], received_on=date(2026, 11, 16))
    workflow.route(case, "SO-TNMT", None, NOW, TODAY, decided_on=date(2026, 11, 17))
    workflow.accept(case, None, NOW, TODAY, decided_on=date(2026, 11, 20))
    workflow.withdraw(case, "Đã tự hòa giải", None, NOW, TODAY, decided_on=date(2026, 11, 25))
    db.session.commit()
    assert case.status == "withdrawn"
    inspector = make_user("inspector")
    card = next(c for c in cards.scorecards(inspector, date(2026, 11, 15), date(2026, 12, 14),
                                            TODAY) if c.agency.code == "SO-TNMT")
    assert (card.metrics.resolved, card.metrics.resolved_on_time) == (0, 0), (
        card.metrics.resolved, card.metrics.resolved_on_time)
