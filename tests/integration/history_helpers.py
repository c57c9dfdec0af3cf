"""Shared pieces of the history-of-the-matter tests (test_petition_history.py and QA round
22): a province with one department and its desk, a later letter, an accepted case."""

from __future__ import annotations

import html as html_lib
from datetime import date, timedelta

from complaints.extensions import db
from complaints.models import Case
from complaints.services import intake, workflow
from tests.conftest import NOW, TODAY


def history_world(make_agency, make_user, make_locality) -> dict:
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    d = make_agency(code="D", parent=p, level="department", name="Sở")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân")
    db.session.commit()
    return {"P": p, "D": d, "desk": desk, "reception": make_user("reception", agency=desk),
            "head": make_user("agency_head", agency=d),
            "ward": make_locality("11311", name="Phường Lê Chân")}


def letter(on: date, history: str | None = None) -> intake.PetitionData:
    return intake.PetitionData(channel="mail", received_on=on, history=history,
                               petitioners=[intake.PetitionerData(
                                   full_name="Lê Văn Tư", address="Số 4 Lê Lợi")])


def accepted(make_case, world, kind: str, received: date, **kw) -> Case:
    case = make_case(actor=world["reception"], kind=kind, received_on=received, **kw)
    workflow.route(case, "D", None, NOW, TODAY, decided_on=received)
    workflow.accept(case, None, NOW, TODAY, decided_on=received + timedelta(days=1))
    return case


def page(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))
