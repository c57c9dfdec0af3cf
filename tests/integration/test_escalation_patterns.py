"""Patterns that escalate at once: evaded (đùn đẩy), repeated, mass; the lead agency;
acknowledgement and daily reminders."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case, Cluster, Escalation, Notification, Routing
from complaints.services import escalation as esc
from complaints.services import intake, notifications, workflow
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)

D = date(2026, 10, 2)


def _evaded(case):
    return db.session.scalar(select(Escalation).where(Escalation.case_id == case.id,
                                                      Escalation.reason == "evaded"))


def test_bounce_a_b_a_goes_to_the_common_supervisor_who_designates_a_lead(world, routed_case):
    case = routed_case
    workflow.transfer(case, "SO-B", "Không thuộc thẩm quyền", world.head_a, NOW, TODAY,
                      decided_on=D)
    assert not case.flag_evaded
    workflow.transfer(case, "SO-A", "Không thuộc thẩm quyền", world.head_b, NOW, TODAY,
                      decided_on=D)
    escalation = _evaded(case)
    assert case.flag_evaded and "evaded" in case.flags
    assert (escalation.stage, escalation.level, escalation.to_agency.code) == ("case", 2, "UBND")
    # One notice to the supervising agency, read by its head, not by the agencies below.
    assert [n.agency_id for n in db.session.scalars(select(Notification).where(
        Notification.escalation_id == escalation.id, Notification.channel == "in_app"))] == [
        world.province.id]
    assert escalation.id in [i.escalation_id for i in notifications.inbox(world.province_head)]
    assert escalation.id not in [i.escalation_id for i in notifications.inbox(world.head_a)]

    with pytest.raises(NotAllowed):
        esc.designate_lead(case, "SO-B", world.head_a, NOW, TODAY)
    with pytest.raises(ValidationFailed):
        esc.designate_lead(case, "NOPE", world.province_head, NOW, TODAY)
    esc.designate_lead(case, "SO-B", world.province_head, NOW, TODAY, note="Sở B chủ trì")
    assert case.lead_agency_id == world.b.id and case.agency_id == world.b.id
    assert case.status == "routed" and case.deadline("acceptance").start_on == TODAY
    assert escalation.acknowledged_at is not None and escalation.action_taken == "set_lead"
    last = db.session.scalars(select(Routing).where(Routing.case_id == case.id)
                              .order_by(Routing.id.desc())).first()
    assert last.action == "designate_lead" and last.to_agency_id == world.b.id

    # Binding: the lead agency can no longer return or transfer the case.
    with pytest.raises(NotAllowed):
        workflow.return_case(case, "Không phải của tôi", "SO-A", world.head_b, NOW, TODAY)
    with pytest.raises(NotAllowed):
        workflow.transfer(case, "SO-A", "Không phải của tôi", world.head_b, NOW, TODAY)


def test_second_return_is_evasion(world, routed_case):
    case = routed_case
    workflow.return_case(case, "Sai thẩm quyền", "SO-B", world.head_a, NOW, TODAY, decided_on=D)
    workflow.route(case, "SO-B", world.reception, NOW, TODAY, decided_on=D)
    assert not case.flag_evaded
    workflow.return_case(case, "Sai thẩm quyền", "SO-A", world.head_b, NOW, TODAY, decided_on=D)
    assert case.flag_evaded and _evaded(case).to_agency_id == world.province.id


def test_acknowledge(world, routed_case):
    escalation = Escalation(case_id=routed_case.id, stage="acceptance", level=1,
                            reason="overdue", to_agency_id=world.a.id, as_of=TODAY,
                            created_at=NOW)
    db.session.add(escalation)
    db.session.flush()
    with pytest.raises(NotAllowed):
        esc.acknowledge(escalation, "urge", None, world.head_b, NOW)
    with pytest.raises(ValidationFailed):
        esc.acknowledge(escalation, "note", "", world.head_a, NOW)
    # A measure taken outside the system says what was done; a lead designation is no
    # acknowledgement's to claim (designate_lead records it when it happens).
    for action, note, field in (("urge", None, "note"), ("urge", "  ", "note"),
                                ("reassign", "", "note"),
                                ("set_lead", "Đã chỉ định Sở B", "action"),
                                ("nope", "Đã làm", "action")):
        with pytest.raises(ValidationFailed) as refused:
            esc.acknowledge(escalation, action, note, world.head_a, NOW)
        assert set(refused.value.errors) == {field}, action
    assert escalation.acknowledged_at is None and escalation.action_taken is None
    esc.acknowledge(escalation, "urge", "Đã đôn đốc chuyên viên", world.head_a, NOW)
    assert escalation.acknowledged_by_id == world.head_a.id
    with pytest.raises(ValidationFailed):
        esc.acknowledge(escalation, "urge", None, world.head_a, NOW)


def test_daily_reminder_of_unacknowledged(world, routed_case):  # on working days
    db.session.add(Escalation(case_id=routed_case.id, stage="acceptance", level=1,
                              reason="overdue", to_agency_id=world.a.id,
                              as_of=date(2026, 11, 20), created_at=NOW))
    db.session.flush()
    assert esc.remind_unacknowledged(date(2026, 11, 23), NOW) == 1
    assert esc.remind_unacknowledged(date(2026, 11, 23), NOW) == 0
    assert esc.remind_unacknowledged(date(2026, 11, 25), NOW) == 1  # 24/11: a day off


def _petition(names, received_on, ids=None):
    people = [intake.PetitionerData(full_name=n, id_number=(ids or {}).get(n),
                                    is_representative=(i == 0 and len(names) >= 5))
              for i, n in enumerate(names)]
    return intake.PetitionData(channel="walk_in", received_on=received_on, petitioners=people)


def test_five_petitioners_across_three_petitions_is_mass(world, make_locality):
    loc = make_locality("31001")

    def receive(subject, names, on):
        data = intake.CaseData(kind="complaint", field_code="land", subject=subject,
                               content="Nội dung", locality_code=loc.code,
                               petition=_petition(names, on))
        return intake.receive_case(data, world.reception, NOW, TODAY)[0]

    first = receive("Thu hồi đất làm đường ở thôn Đông", ["Lê Văn An", "Trần Thị Bình"],
                    date(2026, 11, 2))
    second = receive("Thu hoi dat lam duong thon Dong", ["Phạm Văn Cường"], date(2026, 11, 5))
    assert not first.flag_mass and not second.flag_mass
    other = receive("Ô nhiễm tiếng ồn quán karaoke", ["Vũ Văn Dũng", "Hồ Thị Em"],
                    date(2026, 11, 6))
    third = receive("Thu hồi đất làm đường thôn Đông", ["Đỗ Văn Dũng", "Ngô Thị Em"],
                    date(2026, 11, 9))
    cases = [db.session.get(Case, c.id) for c in (first, second, third)]
    assert all(c.flag_mass and c.is_complex for c in cases)
    assert len({c.cluster_id for c in cases}) == 1 and cases[0].cluster_id is not None
    assert not other.flag_mass and other.cluster_id is None
    assert db.session.get(Cluster, cases[0].cluster_id).locality_code == loc.code
    rows = db.session.scalars(select(Escalation).where(Escalation.reason == "mass")).all()
    assert sorted(e.case_id for e in rows) == sorted(c.id for c in cases)
    assert {e.to_agency_id for e in rows} == {world.province.id}
    inspector_notes = [i for i in notifications.inbox(world.inspector)
                       if i.escalation_id in {e.id for e in rows}]
    assert len(inspector_notes) == 3

    # A later petition on the same matter joins the cluster and is flagged at intake.
    fourth = receive("Thu hồi đất làm đường thôn Đông", ["Mai Văn Giang"], date(2026, 11, 20))
    assert fourth.flag_mass and fourth.cluster_id == cases[0].cluster_id


FAR = date(2027, 12, 31)


def _receive(world, loc, subject, people, on):
    data = intake.CaseData(kind="complaint", field_code="land", subject=subject,
                           content="Nội dung", locality_code=loc.code,
                           petition=intake.PetitionData(channel="walk_in", received_on=on,
                                                        petitioners=[
        intake.PetitionerData(full_name=n, id_number=i) for n, i in people]))
    return intake.receive_case(data, world.reception, NOW, FAR)[0]


def test_five_people_spread_over_60_days_are_no_mass(world, make_locality):
    # Found by QA: the window was ±30 days around the new case, so 2 + 1 + 2 people on
    # 1 Sep, 1 Oct and 31 Oct made a mass petition of the one of 1 Oct.
    loc = make_locality("31902")
    s = "Ô nhiễm khói bụi nhà máy gạch xã Đông"
    _receive(world, loc, s, [("A Một", "031200000011"), ("A Hai", "031200000012")],
             date(2026, 9, 1))
    _receive(world, loc, s, [("C Một", "031200000031"), ("C Hai", "031200000032")],
             date(2026, 10, 31))
    mid = _receive(world, loc, s, [("B Một", "031200000021")], date(2026, 10, 1))
    assert not db.session.get(Case, mid.id).flag_mass
    assert db.session.scalar(select(db.func.count()).select_from(Cluster)) == 0


def test_a_case_joins_a_mass_cluster_only_with_five_people_within_30_days(world,
                                                                            make_locality):
    loc = make_locality("31903")
    s = "Đền bù giải phóng mặt bằng dự án cầu Z"
    first = _receive(world, loc, s, [(f"A {i}", f"03120000010{i}") for i in range(4)],
                     date(2026, 9, 1))
    second = _receive(world, loc, s, [("B", "031200000201")], date(2026, 9, 25))
    cluster_id = db.session.get(Case, first.id).cluster_id
    assert cluster_id and db.session.get(Case, second.id).cluster_id == cluster_id
    # 20 Oct is within 30 days of 25 Sep only: two people there, and 1 Sep's four are
    # more than 30 days before it.
    near = _receive(world, loc, s, [("C", "031200000301")], date(2026, 10, 20))
    near = db.session.get(Case, near.id)
    assert not near.flag_mass and near.cluster_id is None
    # 25 Sep … 22 Oct: 1 + 1 + 3 people. Those three cases are mass, in the matter's cluster.
    late = _receive(world, loc, s, [(f"D {i}", f"03120000040{i}") for i in range(3)],
                    date(2026, 10, 22))
    cases = [db.session.get(Case, c.id) for c in (first, second, near, late)]
    assert all(c.flag_mass and c.cluster_id == cluster_id for c in cases)
    mass = db.session.scalars(select(Escalation.case_id).where(Escalation.reason == "mass"))
    assert sorted(mass) == sorted(c.id for c in cases)


def test_a_mass_flag_raised_after_acceptance_keeps_the_running_deadline(world, make_locality,
                                                                         make_user):
    # Found by QA: a case found mass after its acceptance became complex; a later calendar
    # change recomputed its resolution deadline (30 days) as complex (45) when it had ever
    # been suspended, and kept it normal when not.
    from complaints.services import admin

    loc = make_locality("31921")
    s = "Đền bù giải phóng mặt bằng dự án đường Y"
    people = [(n, f"03120000030{i}") for i, n in enumerate("ABCDEFGH")]

    def accepted(case, on):
        workflow.route(case, "SO-A", world.reception, NOW, FAR, decided_on=on)
        workflow.accept(case, world.head_a, NOW, FAR, decided_on=on)
        return case

    suspended = accepted(_receive(world, loc, s, people[:1], date(2026, 10, 1)),
                         date(2026, 10, 5))  # due 4/11
    plain = accepted(_receive(world, loc, s, people[1:2], date(2026, 10, 1)),
                     date(2026, 10, 5))
    later = _receive(world, loc, s, people[2:5], date(2026, 10, 6))
    for case in (suspended, plain, later):
        case = db.session.get(Case, case.id)
        assert case.flag_mass and case.is_complex
    workflow.suspend(suspended, "chờ", world.head_a, NOW, FAR, decided_on=date(2026, 10, 7))
    workflow.resume(suspended, world.head_a, NOW, FAR, decided_on=date(2026, 10, 7))
    # Its resolution starts after the flag: complex, 45 days.
    accepted(db.session.get(Case, later.id), date(2026, 10, 9))
    admin_user = make_user("admin")
    admin.add_calendar_override(date(2026, 10, 12), "day_off", "nghỉ", admin_user, NOW)
    # A new version of the complex policy applies to the stages started complex only.
    admin.add_policy_version(admin.PolicyData(
        stage="resolution", kind="complaint", round=1, variant="complex", days=50,
        unit="calendar", extension_days=0, max_extensions=0,
        effective_from=date(2026, 10, 1), source="Quy định mới"), admin_user, NOW)

    def due(case):
        return db.session.get(Case, case.id).deadline("resolution").due_on

    assert due(suspended) == due(plain) == date(2026, 11, 4)
    assert due(later) == date(2026, 11, 30)  # 50 days: Saturday 28/11 → Monday 30/11
    from complaints.services import deadlines

    assert deadlines.recompute_open(NOW, admin_user, reason="check") == 0


def test_group_petition_of_five_is_mass(world, make_case):
    case = make_case(actor=world.reception, petitioners=5)
    assert case.flag_mass and case.cluster_id is not None


def test_repeat_petition_after_decision_is_flagged(world, routed_case):
    case = routed_case
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=date(2026, 10, 5))
    workflow.resolve(case, "wrong", "5/QĐ", "Không có cơ sở", world.head_a, NOW, TODAY,
                     decided_on=date(2026, 10, 20))
    signer = case.petitions[0].signers[0].petitioner
    again = intake.PetitionData(channel="mail", received_on=date(2026, 11, 10), petitioners=[
        intake.PetitionerData(full_name=signer.full_name, id_number=signer.id_number)])
    intake.add_petition(case, again, world.reception, NOW, TODAY)
    assert case.flag_repeated and "repeated" in case.flags
    escalation = db.session.scalar(select(Escalation).where(Escalation.case_id == case.id,
                                                            Escalation.reason == "repeated"))
    assert escalation.to_agency_id == world.inspectorate.id and escalation.level == 3


def test_one_persons_letters_and_withdrawn_signers_make_no_mass(world, make_case):
    # Found by QA (round 6): a case of 3 signers (one withdrawn) got two more letters from
    # one person without an ID number (same phone): 5 "people", a mass escalation.
    case = make_case(actor=world.reception, petitioners=3)
    gone = case.petitions[0].signers[2].petitioner_id
    workflow.withdraw(case, "Một người rút đơn", None, NOW, TODAY, decided_on=TODAY,
                      petitioner_ids=[gone])
    assert case.status == "received"
    again = intake.PetitionerData(full_name="Người Số Một", phone="0912000111",
                                  address="Số 1 Lạch Tray")
    for day in (date(2026, 11, 25), date(2026, 11, 26)):
        intake.add_petition(case, intake.PetitionData(channel="mail", received_on=day,
                                                      petitioners=[again]),
                            world.reception, NOW, TODAY)
    db.session.flush()
    assert not case.flag_mass  # 2 signers remain, and one person wrote twice
    newcomers = [intake.PetitionerData(full_name=f"Người Mới {i}", id_number=f"03129999000{i}")
                 for i in range(3)]
    intake.add_petition(case, intake.PetitionData(channel="walk_in",
                                                  received_on=date(2026, 11, 27),
                                                  petitioners=newcomers),
                        world.reception, NOW, TODAY)
    db.session.flush()
    assert db.session.get(Case, case.id).flag_mass  # 2 + 1 + 3 = 6 people now


def test_no_reminder_on_a_day_off_the_next_working_day_lists_them(world, routed_case):
    """QA round 90: the daily reminder went out on weekends and through Tết, one more
    in-app message per leader per day off; the next working day's lists the same."""
    db.session.add(Escalation(case_id=routed_case.id, stage="acceptance", level=1,
                              reason="overdue", to_agency_id=world.a.id,
                              as_of=date(2026, 11, 20), created_at=NOW))
    db.session.flush()
    assert esc.remind_unacknowledged(date(2026, 11, 21), NOW) == 0  # Saturday
    assert esc.remind_unacknowledged(date(2026, 11, 22), NOW) == 0  # Sunday
    assert esc.remind_unacknowledged(date(2026, 11, 23), NOW) == 1  # Monday
    assert esc.remind_unacknowledged(date(2027, 2, 8), NOW) == 0  # Tết 2027 (4–10/02)
    assert esc.remind_unacknowledged(date(2027, 2, 11), NOW) == 1
