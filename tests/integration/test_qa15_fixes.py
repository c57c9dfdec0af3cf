"""QA round 15 (the inspectors' console and escalations seen by supervisors): each test
failed before its fix."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import AuditEvent, Case, Cluster, Escalation, Notification
from complaints.services import intake, workflow
from complaints.services import scorecard as cards
from complaints.services.escalation import escalate_due
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403
from tests.integration.test_escalation_world import ladder_dates

pytestmark = pytest.mark.usefixtures("fixed_clock")


D = date(2026, 10, 2)


def test_escalation_queue_agency_filter_follows_the_answerable_agency(
        client, login, world, routed_case):
    """Escalations carry the agency answerable when raised (Escalation.agency_id); the
    scorecard and the workbook count them there. The queue filtered by agency must too."""
    escalate_due(ladder_dates(routed_case)[1], NOW)
    esc = db.session.scalars(select(Escalation)).one()
    assert esc.agency_id == world.a.id
    workflow.transfer(routed_case, "SO-B", "Sai thẩm quyền", world.head_a, NOW, TODAY,
                      decided_on=ladder_dates(routed_case)[1])
    db.session.commit()
    login(world.inspector)
    code = routed_case.tracking_code
    for_a = client.get("/inspection/escalations?state=all&agency=SO-A").text
    for_b = client.get("/inspection/escalations?state=all&agency=SO-B").text
    assert code in for_a, "A's overdue is missing from A's escalation list"
    assert code not in for_b, "A's overdue is listed against B"


def test_home_flag_counts_scoped_for_agency_head(client, login, world, make_case):
    """An agency head on the console home sees counts of their own agency only (every other
    figure of the page is scoped: queries.cases_visible_to)."""
    case = make_case(actor=world.reception, received_on=date(2026, 11, 20))
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 11, 20))
    workflow.transfer(case, "SO-B", "Sai", world.head_a, NOW, TODAY, decided_on=date(2026, 11, 21))
    workflow.transfer(case, "SO-A", "Sai", world.head_b, NOW, TODAY, decided_on=date(2026, 11, 22))
    db.session.commit()
    assert case.flag_evaded and case.agency_id == world.a.id
    login(world.head_b)
    page = client.get("/inspection/").text
    count = re.search(r'data-testid="flag-evaded">(\d+)<', page).group(1)
    listed = client.get("/inspection/cases?flag=evaded&status=open").text
    assert case.tracking_code not in listed
    assert count == "0", f"head of B sees {count} evaded case(s) held by A"


def _person(name, phone):
    return intake.PetitionerData(full_name=name, phone=phone)


def test_cluster_people_counts_people_not_records(client, login, world, make_locality):
    """The mass rule counts people (a person without ID writing again is one person,
    name+phone); the clusters list's 'people' must agree."""
    loc = make_locality()
    def receive(names, on):
        data = intake.CaseData(kind="complaint", field_code="land", subject="Ô nhiễm bãi rác",
                               content="Nội dung", locality_code=loc.code,
                               petition=intake.PetitionData(channel="walk_in", received_on=on,
                                                            petitioners=names))
        return intake.receive_case(data, world.reception, NOW, TODAY)[0]
    people = [_person(f"Trần Văn {c}", f"09120000{i:02d}") for i, c in enumerate("ABCDE")]
    receive(people[:3], date(2026, 11, 10))
    receive([_person("Trần Văn A", "0912000000"), _person("Trần Văn B", "0912000001")]
            + people[3:], date(2026, 11, 11))
    db.session.commit()
    cluster = db.session.scalars(select(Cluster)).one()
    login(world.inspector)
    html = client.get("/inspection/clusters").text
    row = html[html.index(f'data-testid="cluster-{cluster.id}"'):]
    row = row[:row.index("</tr>")]
    assert "<td>5</td><td>2</td>" in row, row


def test_cluster_people_leave_out_who_withdrew(client, login, world, make_case):
    case = make_case(actor=world.reception, petitioners=6, subject="Ô nhiễm bãi rác thôn 2",
                     received_on=date(2026, 11, 10))
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 11, 10))
    signer = case.petitions[0].signers[-1]
    workflow.withdraw(case, "Đã được giải thích", world.head_a, NOW, TODAY,
                      decided_on=date(2026, 11, 12), petitioner_ids=[signer.petitioner_id])
    db.session.commit()
    cluster = db.session.scalars(select(Cluster)).one()
    login(world.inspector)
    html = client.get("/inspection/clusters").text
    row = html[html.index(f'data-testid="cluster-{cluster.id}"'):]
    row = row[:row.index("</tr>")]
    assert "<td>5</td><td>1</td>" in row, row


def _audits(case, action):
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == action))


def test_urge_refused_on_a_finished_case(client, login, world, routed_case):
    """Urging (đôn đốc giải quyết) a withdrawn case: nothing more is owed (domain.md)."""
    workflow.withdraw(routed_case, "Công dân rút đơn", world.head_a, NOW, TODAY,
                      decided_on=date(2026, 10, 5))
    db.session.commit()
    assert routed_case.status == "withdrawn"
    login(world.inspector)
    page = client.get(f"/inspection/cases/{routed_case.tracking_code}").text
    offered = 'data-testid="act-urge"' in page
    r = client.post(f"/inspection/cases/{routed_case.tracking_code}/act/urge",
                    data={"urge-note": "Đề nghị giải quyết ngay"})
    assert (offered, r.status_code) == (False, 422), "urge offered and accepted on a withdrawn case"
    assert r.status_code == 422 and _audits(routed_case, "inspector_urged") == 0


def test_urge_of_a_case_at_the_desk_tells_someone(client, login, world, make_case):
    """A case overdue at the reception desk (handling) is on the overdue list; urging it
    must reach the desk, not nobody while saying 'urged'."""
    case = make_case(actor=world.reception, received_on=date(2026, 10, 1))
    db.session.commit()
    login(world.inspector)
    assert case.tracking_code in client.get("/inspection/overdue").text
    before = db.session.scalar(select(func.count()).select_from(Notification))
    r = client.post(f"/inspection/cases/{case.tracking_code}/act/urge",
                    data={"urge-note": "Đề nghị phân loại ngay"})
    assert r.status_code == 302
    after = db.session.scalar(select(func.count()).select_from(Notification))
    assert after > before, "urge recorded and flashed, but nobody was told"


def test_designating_the_lead_twice_is_not_recorded_twice(client, login, world, routed_case):
    """A double click or a second tab on the supervisor's designation: like acknowledging
    twice, said and not done again (each state change audited exactly once)."""
    from complaints.models import Routing
    case = routed_case
    D = date(2026, 10, 2)
    workflow.transfer(case, "SO-B", "Sai thẩm quyền", world.head_a, NOW, TODAY, decided_on=D)
    workflow.transfer(case, "SO-A", "Sai thẩm quyền", world.head_b, NOW, TODAY, decided_on=D)
    escalation = db.session.scalar(select(Escalation).where(Escalation.reason == "evaded"))
    login(world.province_head)
    prefix = f"lead{escalation.id}"
    data = {f"{prefix}-agency_code": "SO-B", f"{prefix}-confirm": "y",
            f"{prefix}-note": "Sở B chủ trì"}
    first = client.post(f"/escalations/{escalation.id}/lead", data=data)
    assert first.status_code == 302
    moves = db.session.scalar(select(func.count()).select_from(Routing).where(
        Routing.case_id == case.id))
    second = client.post(f"/escalations/{escalation.id}/lead", data=data)
    db.session.expire_all()
    after = db.session.scalar(select(func.count()).select_from(Routing).where(
        Routing.case_id == case.id))
    assert (_audits(case, "lead_designated"), after) == (1, moves), second.status_code


def test_inspector_lead_closes_the_open_evasion_escalation(client, login, world, routed_case):
    """Once the lead agency is designated (here by the inspector), the supervisor's evasion
    escalation asking for exactly that is no longer open: the supervisor's lead queue drops
    it, so it must not stay 'not acknowledged' in the open lists and daily reminders."""
    case = routed_case
    D = date(2026, 10, 2)
    workflow.transfer(case, "SO-B", "Sai thẩm quyền", world.head_a, NOW, TODAY, decided_on=D)
    workflow.transfer(case, "SO-A", "Sai thẩm quyền", world.head_b, NOW, TODAY, decided_on=D)
    db.session.commit()
    login(world.inspector)
    r = client.post(f"/inspection/cases/{case.tracking_code}/act/set_lead",
                    data={"set_lead-agency_code": "SO-B", "set_lead-note": "Sở B chủ trì",
                          "set_lead-confirm": "y"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).lead_agency_id == world.b.id
    evaded = db.session.scalar(select(Escalation).where(Escalation.reason == "evaded"))
    login(world.province_head)
    page = client.get("/escalations").text
    assert f"lead-{case.tracking_code}" not in page  # the lead queue dropped it
    assert evaded.acknowledged_at is not None, "still pending for the supervisor"


def test_desk_overdue_handling_counts_on_the_desk_card(client, login, world, make_case):
    """The desk answers for the handling deadline (escalations, handled days: the
    reception agency); its card's 'overdue now / open now' must show the cases overdue in
    handling at the desk, not 0/0 while the overdue list and its escalations show them."""
    make_case(actor=world.reception, received_on=date(2026, 10, 1))
    escalate_due(TODAY, NOW)
    db.session.commit()
    by_code = {c.agency.code: c for c in cards.scorecards(world.inspector, date(2026, 9, 15),
                                                          date(2026, 12, 14), TODAY)}
    desk = by_code["BTCD"].metrics
    assert sum(desk.escalations.values()) >= 1  # its handling escalations are counted here
    assert (desk.overdue_now, desk.open_now) == (1, 1), (desk.overdue_now, desk.open_now)
    login(world.inspector)
    row = client.get("/inspection/scorecard").text
    row = row[row.index('data-testid="card-BTCD"'):]
    row = row[:row.index("</tr>")]
    assert 'data-testid="overdue">1/1<' in row
