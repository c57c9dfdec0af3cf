"""A stage finished after its due date says how late, in words and not in green (QA 99
J1, acted on); one finished on time keeps the green "done" badge."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from complaints.domain.deadlines import days_left
from complaints.extensions import db
from complaints.models import CaseDeadline
from complaints.services import workflow
from complaints.services.calendar import get_calendar
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import world  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.mark.parametrize("accepted_on", [date(2026, 11, 27), date(2026, 11, 5)],
                         ids=["late", "on_time"])
def test_the_acceptance_row_says_how_late_it_was_done(client, login, world,  # noqa: F811
                                                      make_case, accepted_on):
    case = make_case(actor=world["reception"])
    workflow.route(case, "SO-TNMT", world["reception"], NOW, TODAY,
                   decided_on=date(2026, 11, 3))
    workflow.accept(case, world["head"], NOW, TODAY, decided_on=accepted_on)
    db.session.commit()
    stage = db.session.scalar(select(CaseDeadline).where(
        CaseDeadline.case_id == case.id, CaseDeadline.stage == "acceptance"))
    late = -days_left(get_calendar(), stage.due_on, stage.met_on)

    pages = {"agency": (world["head"], f"/agency/cases/{case.tracking_code}"),
             "desk": (world["reception"], f"/reception/cases/{case.tracking_code}")}
    for who, (user, path) in pages.items():
        login(user)
        html = client.get(path).get_data(as_text=True)
        if accepted_on > stage.due_on:
            assert late > 0
            assert 'data-testid="done-late-acceptance"' in html, who
            assert (f"Đã xong ngày {accepted_on:%d/%m/%Y}, trễ {late} ngày làm việc"
                    in html), who
        else:
            assert 'data-testid="done-acceptance"' in html, who
            assert "trễ" not in html.split('data-testid="done-acceptance"')[1][:200], who
        client.post("/logout")
