"""Withdrawals that leave a mass petition (khiếu kiện đông người) below five people (QA): the
flag stayed for good. It is now cleared on the cases of the matter, audited, and their open
mass escalations are closed by the system; running deadlines keep their variant."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from complaints.domain import escalation as rules
from complaints.extensions import db
from complaints.models import AuditEvent, Case, Escalation
from complaints.services import audit, intake, unscheduled_reception, workflow
from complaints.services.escalation import acknowledge
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)
from tests.integration.test_escalation_world import receive_matter

SUBJECT = "Thu hồi đất làm đường thôn Đông"
ON = date(2026, 11, 25)


def _fresh(*cases: Case) -> list[Case]:
    db.session.expire_all()
    return [db.session.get(Case, c.id) for c in cases]


def _people(case: Case) -> list[int]:
    return [s.petitioner_id for p in case.petitions for s in p.signers
            if s.withdrawn_on is None]


def _withdraw(world, case: Case, count: int = 1) -> None:
    workflow.withdraw(case, "Rút đơn", world.reception, NOW, TODAY, decided_on=ON,
                      petitioner_ids=_people(case)[:count])
    db.session.commit()


def _mass_rows(case: Case) -> list[Escalation]:
    return list(db.session.scalars(select(Escalation).where(
        Escalation.case_id == case.id, Escalation.reason == rules.MASS)
        .order_by(Escalation.id)))


def _cleared_events(case: Case) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "mass_flag_cleared")))


def _matter(world, make_locality, sizes: list[int]) -> list[Case]:
    loc = make_locality("31001")
    names = iter(["Lê Văn An", "Trần Thị Bình", "Phạm Văn Cường", "Đỗ Văn Dũng", "Ngô Thị Em",
                  "Mai Văn Giang", "Vũ Thị Hoa"])
    days = [date(2026, 11, 2), date(2026, 11, 5), date(2026, 11, 9)]
    cases = [receive_matter(world, loc, SUBJECT, [next(names) for _ in range(size)], day)
             for size, day in zip(sizes, days, strict=False)]
    db.session.commit()
    cases = _fresh(*cases)
    assert all(c.flag_mass and c.is_complex for c in cases)
    assert len({c.cluster_id for c in cases}) == 1
    return cases


def test_withdrawals_below_five_clear_the_matters_flag(world, make_locality):
    first, second, third = _matter(world, make_locality, [2, 1, 3])
    due = {c.id: c.deadline("handling").due_on for c in (first, second, third)}
    cluster_id = first.cluster_id
    _withdraw(world, third)  # six people → five: still a mass petition
    assert all(c.flag_mass for c in _fresh(first, second, third))
    assert not _cleared_events(third)

    _withdraw(world, first)  # five → four
    cases = _fresh(first, second, third)
    for case in cases:
        assert not case.flag_mass and "mass" not in case.flags
        # Complexity, cluster and deadlines stay as they were.
        assert case.is_complex and case.cluster_id == cluster_id
        assert case.deadline("handling").due_on == due[case.id]
        (row,) = _mass_rows(case)
        assert row.action_taken == rules.NO_LONGER_MASS and row.acknowledged_by_id is None
        assert row.acknowledged_at is not None and row.lapsed_at is not None
        (event,) = _cleared_events(case)
        assert event.actor_id is None and f'"cluster":{cluster_id}' in event.data
        assert audit.verify_chains(f"case:{case.id}")[1] == []
        assert unscheduled_reception.prompt_for(case) is None  # no reception to hold now


def test_a_whole_withdrawal_clears_the_others_and_itself(world, make_locality):
    first, second, third = _matter(world, make_locality, [2, 1, 2])
    _withdraw(world, second)  # its only petitioner: the case itself is withdrawn
    cases = _fresh(first, second, third)
    assert cases[1].status == "withdrawn"
    assert not any(c.flag_mass for c in cases)
    assert all(len(_cleared_events(c)) == 1 for c in cases)


def test_a_group_petition_loses_the_flag_keeps_its_deadline_and_may_be_mass_again(
        world, make_case):
    case = make_case(actor=world.reception, petitioners=5, received_on=date(2026, 10, 1))
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 10, 2))
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=date(2026, 10, 5))
    db.session.commit()
    due = case.deadline("resolution").due_on  # complex (a mass petition): 45 days
    assert due == date(2026, 11, 19)
    (raised,) = _mass_rows(case)
    acknowledge(raised, "urge", "Đã yêu cầu Sở A báo cáo", world.province_head, NOW)
    db.session.commit()

    _withdraw(world, case)  # five → four on the one case
    (case,) = _fresh(case)
    assert not case.flag_mass and case.deadline("resolution").due_on == due
    (row,) = _mass_rows(case)
    assert row.action_taken == "urge" and row.lapsed_at is not None  # what was done stays
    assert len(_cleared_events(case)) == 1

    # Two newcomers: five people again, flagged and escalated anew.
    newcomers = [intake.PetitionerData(full_name=f"Người Mới {i}", id_number=f"03129999100{i}")
                 for i in range(2)]
    intake.add_petition(case, intake.PetitionData(channel="walk_in",
                                                  received_on=date(2026, 11, 27),
                                                  petitioners=newcomers),
                        world.reception, NOW, TODAY)
    db.session.commit()
    (case,) = _fresh(case)
    assert case.flag_mass
    old, new = _mass_rows(case)
    assert old.id == raised.id and new.acknowledged_at is None and new.lapsed_at is None
    assert unscheduled_reception.prompt_for(case).since == TODAY  # a new meeting is due


def test_the_addressee_sees_why_it_closed(client, login, world, make_locality):
    first, *_ = _matter(world, make_locality, [2, 1, 2])
    _withdraw(world, first)
    (row,) = _mass_rows(first)
    login(world.province_head)
    done = client.get("/escalations").text
    assert "người đứng đơn đã rút đơn, không còn đủ số người của đơn đông người" in done
    page = client.post(f"/escalations/{row.id}/acknowledge",
                       data={f"ack{row.id}-action": "note", f"ack{row.id}-note": "Đã xem"},
                       follow_redirects=True).text
    assert "đã được xác nhận trước đó" not in page
    assert "đã hết hiệu lực: người đứng đơn đã rút đơn" in page
    client.post("/logout")
    login(world.inspector)
    page = client.get(f"/inspection/cases/{first.tracking_code}").text
    assert "Bỏ đánh dấu đơn đông người" in page
