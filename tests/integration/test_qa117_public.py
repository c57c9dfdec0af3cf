"""QA 117: citizen side."""
from __future__ import annotations

from datetime import date

import pytest

from complaints.extensions import db
from complaints.models import Case
from complaints.services import workflow
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403

pytestmark = pytest.mark.usefixtures("fixed_clock")


def open_case(client, case, secret=None):
    db.session.commit()
    client.get("/cong-dan/tra-cuu")
    r = client.post("/cong-dan/tra-cuu", data={"tracking_code": case.tracking_code,
                                              "secret": secret or case.test_pin})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    return client.get("/cong-dan/ho-so").get_data(as_text=True)


def test_public_page_says_a_late_suspension_is_still_late(world, make_case, client):
    """The page has a wording for a suspension decided after the deadline (QA 104), but
    PublicCaseSchema drops `late_suspension`, so the citizen is told the clock is paused."""
    r, head = world["reception"], world["head"]
    case = make_case(actor=r, kind="recommendation", received_on=date(2026, 10, 1))
    pin = case.test_pin
    workflow.route(case, "SO-TNMT", r, NOW, TODAY, decided_on=date(2026, 10, 2))
    workflow.accept(case, head, NOW, TODAY, decided_on=date(2026, 10, 5))  # due 26/10
    db.session.commit()
    workflow.suspend(db.session.get(Case, case.id), "Chờ giám định", head, NOW, TODAY,
                     decided_on=date(2026, 11, 20))
    db.session.commit()
    case = db.session.get(Case, case.id)
    case.test_pin = pin
    html = open_case(client, case)
    assert "thời hạn giải quyết tạm dừng" not in html
    assert "quyết định sau khi thời hạn giải quyết đã hết" in html
