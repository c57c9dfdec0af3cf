"""QA 94, R5 (c4ff3cc, 1b): a commune that received a case at its own reception routes it to Sở B,
Sở B returns it once (not its competence, suggests the commune), and the commune takes it
itself. One return, nobody passed it on twice, and the only "holder again" is the
receiver deciding to keep what it received — yet detect_evasion(received_by=commune) now
flags it "sent_back" and escalates it to the province for a lead designation."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from complaints.domain import escalation as rules
from complaints.extensions import db
from complaints.models import Escalation
from complaints.services import workflow
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)

D = date(2026, 10, 2)


def test_rule_level_return_then_receiver_keeps_it():
    X, B = 10, 20
    moves = [rules.Move("route", None, B), rules.Move("return", B, None),
             rules.Move("route", None, X)]
    assert rules.detect_evasion(moves) is None  # as before the change
    assert rules.detect_evasion(moves, received_by=X) is None, \
        rules.detect_evasion(moves, received_by=X)


def test_commune_keeping_a_case_returned_to_it_is_no_evasion(world, make_agency, make_user,
                                                             make_case):
    commune = make_agency("UBX", parent=world.province, level="commune", name="UBND xã X")
    reception = make_user("reception", commune, "tiepdan_x")
    make_user("agency_head", commune, "chutich_x")
    case = make_case(actor=reception, received_on=date(2026, 10, 1))
    workflow.route(case, "SO-B", reception, NOW, TODAY, decided_on=D)
    workflow.return_case(case, "Không thuộc thẩm quyền của Sở B", "UBX", world.head_b, NOW,
                         TODAY, decided_on=D)
    workflow.route(case, "UBX", reception, NOW, TODAY, decided_on=D)
    evaded = db.session.scalar(select(Escalation).where(Escalation.case_id == case.id,
                                                        Escalation.reason == "evaded"))
    assert not case.flag_evaded and evaded is None, (
        f"one return, then the receiving commune keeps the case: flagged evaded, escalated "
        f"to agency {evaded.to_agency_id if evaded else None}")
