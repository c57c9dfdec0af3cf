"""QA round 92: the patterns that escalate at once (domain.md, "Patterns that escalate at
once"), each test failing before its fix.

D1 the same petitioner back after a decision is a person, not a record: the desk writes a
   new record of someone who gives no ID number, or whom it may not see.
D2 a repeated or mass case no agency holds counts on the card of the desk that received
   it, as its open and overdue figures do.
D3 a case sent back to the agency that received it at its own reception and routed it
   away is "sent back to an agency that already had it".
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Case, Escalation, Petitioner
from complaints.services import intake, queries, scorecard, workflow
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)

D = date(2026, 10, 2)


def _person(name, id_number=None, phone=None, representative=False, address=None):
    return intake.PetitionerData(full_name=name, id_number=id_number, phone=phone,
                                 is_representative=representative, address=address)


def _data(people, on, loc, parent=None, kind="complaint"):
    return intake.CaseData(kind=kind, field_code="land",
                           subject="Bồi thường thu hồi đất dự án đường tỉnh",
                           content="Nội dung", locality_code=loc.code,
                           parent_tracking_code=parent,
                           petition=intake.PetitionData(channel="walk_in", received_on=on,
                                                        petitioners=people))


def _decide(world, case, on):
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=on)
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=on)
    workflow.resolve(case, "right", "QĐ 1/QĐ-SA", "Kết quả giải quyết", world.head_a, NOW,
                     TODAY, decided_on=on + timedelta(days=5))


def _back(world, case, person):
    intake.add_petition(case, intake.PetitionData(
        channel="walk_in", received_on=date(2026, 11, 2), petitioners=[person]),
        world.reception, NOW, TODAY)


# --- D1 ---------------------------------------------------------------------------------


def test_same_name_and_phone_back_after_decision_is_repeated(world, make_locality):
    loc = make_locality("31501")
    case = intake.receive_case(_data([_person("Trần Văn Hùng", phone="0912345678")],
                                      date(2026, 9, 1), loc), world.reception, NOW, TODAY)[0]
    _decide(world, case, date(2026, 9, 5))
    _back(world, case, _person("Trần Văn Hùng", phone="0912345678"))
    assert db.session.scalar(select(func.count()).select_from(Petitioner)) == 2  # two records
    assert case.flag_repeated
    repeated = db.session.scalar(select(Escalation).where(Escalation.case_id == case.id,
                                                          Escalation.reason == "repeated"))
    assert repeated is not None


def test_another_person_back_after_decision_is_not_repeated(world, make_locality):
    # Same name, another phone: nothing says it is the same person (one letter after the
    # decision, two in all: under the three-letter rule too).
    loc = make_locality("31503")
    case = intake.receive_case(_data([_person("Trần Văn Hùng", phone="0912345678")],
                                      date(2026, 9, 1), loc), world.reception, NOW, TODAY)[0]
    _decide(world, case, date(2026, 9, 5))
    _back(world, case, _person("Trần Văn Hùng", phone="0987654321"))
    assert not case.flag_repeated


def test_same_id_number_back_through_another_desk_is_repeated(world, make_agency, make_user,
                                                              make_locality):
    # The other desk may not see the first case's people: intake writes a new record under
    # the same ID number (intake._visible_people), and the link to the decided case is made.
    loc = make_locality("31502")
    first = intake.receive_case(_data([_person("Trần Văn Hùng", "031234567890", "0912345678")],
                                       date(2026, 9, 1), loc), world.reception, NOW, TODAY)[0]
    _decide(world, first, date(2026, 9, 5))
    desk2 = make_agency("BTCD2", parent=world.a, name="Bộ phận tiếp công dân Sở A")
    reception2 = make_user("reception", desk2, "tiepdan2")
    new = intake.receive_case(_data([_person("Trần Văn Hùng", "031234567890", "0912345678")],
                                     date(2026, 11, 2), loc, parent=first.tracking_code),
                              reception2, NOW, TODAY)[0]
    new = db.session.get(Case, new.id)
    assert new.parent_case_id == first.id
    assert db.session.scalar(select(func.count()).select_from(Petitioner)) == 2
    assert new.flag_repeated


def test_a_denunciation_still_compares_records(world, make_locality):
    # A denouncer is keyed by their own record (person_key's `denouncer`): the flag, read by
    # people who may not know who denounced, must not tell that a person typed on a later
    # letter is the denouncer (Law on Denunciations Art. 8).
    loc = make_locality("31504")
    denouncer = _person("Trần Văn Hùng", phone="0912345678", address="Số 1 Lạch Tray")
    case = intake.receive_case(_data([denouncer], date(2026, 9, 1), loc, kind="denunciation"),
                               world.reception, NOW, TODAY)[0]
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 9, 5))
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=date(2026, 9, 5))
    workflow.resolve(case, "denunciation_right", "KL 1/KL-SA", "Kết luận nội dung tố cáo",
                     world.head_a, NOW, TODAY, decided_on=date(2026, 9, 10))
    _back(world, case, denouncer)
    assert db.session.scalar(select(func.count()).select_from(Petitioner)) == 2
    assert not case.flag_repeated


# --- D2 ---------------------------------------------------------------------------------


def test_a_mass_petition_at_the_desk_counts_on_the_desks_card(world, make_locality):
    loc = make_locality("31601")
    people = [_person(f"Người dân {i}", f"03120000900{i}", representative=(i == 0))
              for i in range(5)]
    data = _data(people, date(2026, 11, 10), loc)
    case = db.session.get(Case, intake.receive_case(data, world.reception, NOW, TODAY)[0].id)
    assert case.flag_mass and case.agency_id is None  # waiting at the desk (BTCD)
    assert queries.flag_counts(world.inspector)["mass"] == 1
    cards = {c.agency.code: c for c in scorecard.scorecards(
        world.inspector, date(2026, 11, 1), date(2026, 11, 30), TODAY)}
    assert cards["BTCD"].metrics.open_now == 1
    assert cards["BTCD"].metrics.mass == 1
    assert sum(c.metrics.mass for c in cards.values()) == 1
    # Routed, it counts at the agency holding it, once.
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 11, 11))
    cards = {c.agency.code: c for c in scorecard.scorecards(
        world.inspector, date(2026, 11, 1), date(2026, 11, 30), TODAY)}
    assert cards["SO-A"].metrics.mass == 1
    assert sum(c.metrics.mass for c in cards.values()) == 1


# --- D3 ---------------------------------------------------------------------------------


def _commune(world, make_agency, make_user):
    commune = make_agency("UBX", parent=world.province, level="commune", name="UBND xã X")
    reception = make_user("reception", commune, "tiepdan_x")
    make_user("agency_head", commune, "chutich_x")
    return commune, reception


def test_bounce_back_to_the_receiving_commune_is_evasion(world, make_agency, make_user,
                                                         make_case):
    commune, reception = _commune(world, make_agency, make_user)
    case = make_case(actor=reception, received_on=date(2026, 10, 1))
    assert case.reception_agency_id == commune.id
    # The commune passes it to Sở B; Sở B passes it straight back: X → B → X.
    workflow.route(case, "SO-B", reception, NOW, TODAY, decided_on=D)
    workflow.transfer(case, "UBX", "Thuộc thẩm quyền UBND xã", world.head_b, NOW, TODAY,
                      decided_on=D)
    assert case.agency_id == commune.id
    assert case.flag_evaded
    evaded = db.session.scalar(select(Escalation).where(Escalation.case_id == case.id,
                                                        Escalation.reason == "evaded"))
    assert evaded is not None and evaded.to_agency_id == world.province.id


def test_a_commune_keeping_what_it_received_is_no_evasion(world, make_agency, make_user,
                                                          make_case):
    # Routed to itself first, then passed on once: one transfer, no agency had it twice.
    commune, reception = _commune(world, make_agency, make_user)
    case = make_case(actor=reception, received_on=date(2026, 10, 1))
    workflow.route(case, "UBX", reception, NOW, TODAY, decided_on=D)
    workflow.transfer(case, "SO-B", "Thuộc thẩm quyền Sở B",
                      _head_of(commune), NOW, TODAY, decided_on=D)
    assert not case.flag_evaded


def test_a_desk_that_received_the_case_is_no_holder(world, make_case):
    # A reception desk is never sent a case: routed to A, transferred to B, no bounce back.
    case = make_case(actor=world.reception, received_on=date(2026, 10, 1))
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=D)
    workflow.transfer(case, "SO-B", "Thuộc thẩm quyền Sở B", world.head_a, NOW, TODAY,
                      decided_on=D)
    assert not case.flag_evaded


def _head_of(agency):
    from complaints.models import User

    return db.session.scalar(select(User).where(User.agency_id == agency.id,
                                                User.role == "agency_head"))


# --- D4 ---------------------------------------------------------------------------------
# domain.md: "Unscheduled reception is due when a case is heated, complex or involves many
# people." Only mass and heated cases prompted.


def test_a_case_accepted_as_complex_prompts_an_unscheduled_reception(world, routed_case):
    from complaints.services import unscheduled_reception

    case = routed_case
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=date(2026, 10, 5),
                    is_complex=True)
    assert case.is_complex and not case.flag_mass and case.heated_on is None
    prompt = unscheduled_reception.prompt_for(case)
    assert prompt is not None and prompt.reasons == ["complex"]
    assert prompt.since == date(2026, 10, 5)
    prompts, total = unscheduled_reception.prompts(world.head_a)
    assert total == 1 and prompts[0].case.id == case.id


def test_a_case_logged_complex_prompts_from_its_receipt(world, make_case):
    from complaints.services import unscheduled_reception

    case = make_case(actor=world.reception, received_on=date(2026, 10, 1), is_complex=True)
    assert case.complex_on == date(2026, 10, 1)
    prompt = unscheduled_reception.prompt_for(case)
    assert prompt is not None and prompt.reasons == ["complex"]


def test_complexity_the_mass_rule_gave_is_the_mass_prompt(world, make_locality):
    from complaints.services import unscheduled_reception

    loc = make_locality("31602")
    people = [_person(f"Người dân {i}", f"03120000910{i}", representative=(i == 0))
              for i in range(5)]
    case = db.session.get(Case, intake.receive_case(_data(people, date(2026, 11, 10), loc),
                                                    world.reception, NOW, TODAY)[0].id)
    assert case.flag_mass and case.is_complex and case.complex_on is None
    assert unscheduled_reception.prompt_for(case).reasons == ["mass"]
