"""QA round 29: acceptance spells, history corrections, sessions, the mass check by letter.

Units (mass tests): province UBND with inspectorate TTT, desk BTCD, departments SO-A and
SO-B (tests/integration/test_escalation_world.py); petitions on one matter share a
locality, the field "land" and the subject S. Units (spell tests): province P, department
D, commune C, desk DESK (tests/integration/test_acceptance_spells.py).

FAILING on the frozen code (product defects, fixed since; the tests now pass):
- test_mass_check_finds_a_joined_letter_dated_before_the_case_was_received
- test_mass_check_of_a_new_case_finds_an_earlier_joined_letter_of_another_case
- test_anonymising_one_name_leaves_a_co_signers_longer_name_whole (from the review)

PASSING guards (probes that held; kept because they pin the new features):
- test_guard_spells_over_a_chain_of_moves_live_rebuilt_and_recovered_agree
- test_guard_spells_kept_by_inspector_lead_designations_match_the_recovery
- test_guard_correcting_a_letters_history_through_the_api_is_the_desks_alone
"""

# ruff: noqa: F811  (pytest fixtures imported from other modules)
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select

from complaints.extensions import db
from complaints.models import Case, StageSpell
from complaints.services import inspector_actions, scorecard_summary, stage_spells, workflow
from tests.conftest import NOW, TODAY
from tests.integration.test_acceptance_spells import _do, _figures, _on  # noqa: F401
from tests.integration.test_acceptance_spells import world as spell_world  # noqa: F401
from tests.integration.test_qa28_fixes import (
    PEOPLE,
    _join,
    _mass,
    _receive,
    world,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.usefixtures("fixed_clock")


# --- DEFECTS --------------------------------------------------------------------------------


def test_mass_check_finds_a_joined_letter_dated_before_the_case_was_received(
        world, make_locality):
    """FAILS: a letter joined to a case but dated before the case's own first letter is
    left out of the mass-petition check, so five people on one matter within 30 days are
    not flagged.

    Case A: four people, received 15/10/2026. Case B: one person, received 20/11/2026.
    A letter of a sixth person on B's matter, received by post on 20/10/2026, is joined to
    B later (intake.add_petition accepts the date). The 30 days 15/10–14/11 now hold a
    letter of B and five distinct people: a mass petition (domain.md, "mass": 5 or more
    distinct petitioners on the same matter within 30 days; each letter dated on its own
    day, QA round 28). Neither case is flagged.

    Cause: escalation_patterns.matter_group looks for the other cases of the matter from
    `case.received_on - 30 days` (and `_same_place` keeps only cases whose
    `received_on <= last`): it takes the case's receipt day as its earliest letter, but
    add_petition keeps `received_on` and only moves `last_petition_on` forward, so a joined
    letter dated before the case's receipt is outside the window searched. Fix: keep the
    case's earliest letter day too (or lower the bound to min(petition.received_on)) and
    search from it; or refuse a joined letter dated before the case's receipt.
    """
    loc = make_locality()
    a = _receive(world, loc, PEOPLE[:4], date(2026, 10, 15))
    b = _receive(world, loc, PEOPLE[4:5], date(2026, 11, 20))
    assert not _mass(a) and not _mass(b)
    _join(world, db.session.get(Case, b.id), PEOPLE[5:6], date(2026, 10, 20))
    assert _mass(b), "B's letter of 20/10 makes five people with A's four within 30 days"
    assert _mass(a)


def test_mass_check_of_a_new_case_finds_an_earlier_joined_letter_of_another_case(
        world, make_locality):
    """FAILS: the same matter seen from the other side. Case B (received 20/11/2026) holds
    a joined letter dated 20/10/2026; case A, four people, received 15/10/2026, is logged
    after it. The 30 days 15/10–14/11 hold A's letter and B's letter of 20/10: five
    distinct people, a mass petition (domain.md). A is not flagged.

    Cause: as above: matter_group's candidate query keeps only cases with
    `received_on <= A's last letter + 30 days` (14/11); B's receipt day (20/11) is after it
    although one of its letters is inside. Fix: as above (the case's earliest letter day).
    """
    loc = make_locality()
    b = _receive(world, loc, PEOPLE[4:5], date(2026, 11, 20))
    _join(world, db.session.get(Case, b.id), PEOPLE[5:6], date(2026, 10, 20))
    a = _receive(world, loc, PEOPLE[:4], date(2026, 10, 15))
    assert _mass(a), "A's four people and B's letter of 20/10 are five within 30 days"
    assert _mass(b)


# --- PASSING GUARDS -------------------------------------------------------------------------

_SPELL = (StageSpell.case_id, StageSpell.agency_id, StageSpell.stage, StageSpell.start_on,
          StageSpell.due_on, StageSpell.met_on, StageSpell.left_on)


def _kept_live_rebuilt_recovered(world):
    kept = sorted(db.session.execute(select(*_SPELL)).all())
    live = _figures(world)
    scorecard_summary.rebuild(TODAY)
    db.session.commit()
    rebuilt = _figures(world)
    db.session.execute(delete(StageSpell))
    db.session.commit()
    stage_spells.recover()
    db.session.commit()
    return kept, live, rebuilt, sorted(db.session.execute(select(*_SPELL)).all())


def test_guard_spells_over_a_chain_of_moves_live_rebuilt_and_recovered_agree(spell_world):
    """GUARD (passes): D accepts, transfers to C; C accepts, transfers back to D (ping-pong);
    D accepts, returns; the desk routes back to D, which accepts. D gave three acceptances,
    C one, all on time; the summary and the recovery say what the workflow kept."""
    w = spell_world
    case = w["new"]()
    _do(workflow.route, case, "D", None, on=date(2026, 10, 2))
    _do(workflow.accept, case, None, on=date(2026, 10, 5))
    _do(workflow.transfer, case, "C", "Thuộc thẩm quyền xã", None, on=date(2026, 10, 6))
    _do(workflow.accept, case, None, on=date(2026, 10, 7))
    _do(workflow.transfer, case, "D", "Thuộc thẩm quyền sở", None, on=date(2026, 10, 8))
    _do(workflow.accept, case, None, on=date(2026, 10, 9))
    _do(workflow.return_case, case, "Không thuộc thẩm quyền", "C", None, on=date(2026, 10, 12))
    _do(workflow.route, case, "D", None, on=date(2026, 10, 13))
    _do(workflow.accept, case, None, on=date(2026, 10, 14))
    db.session.commit()
    kept, live, rebuilt, recovered = _kept_live_rebuilt_recovered(w)
    assert len(kept) == 3 and recovered == kept
    assert live == rebuilt
    assert (live["D"][:2], live["C"][:2]) == ((3, 3), (1, 1))


def test_guard_spells_kept_by_inspector_lead_designations_match_the_recovery(spell_world):
    """GUARD (passes): an inspector names C, then D, the lead of a case D had accepted; each
    designation keeps the acceptance of the agency it takes the case from."""
    w = spell_world
    case = w["new"]()
    _do(workflow.route, case, "D", None, on=date(2026, 10, 2))
    _do(workflow.accept, case, None, on=date(2026, 10, 5))
    inspector_actions.set_lead(case, "C", "Giao xã chủ trì", w["inspector"],
                               _on(date(2026, 10, 7)), date(2026, 10, 7))
    _do(workflow.accept, case, None, on=date(2026, 10, 8))
    inspector_actions.set_lead(case, "D", "Giao sở chủ trì", w["inspector"],
                               _on(date(2026, 10, 9)), date(2026, 10, 9))
    db.session.commit()
    kept, live, rebuilt, recovered = _kept_live_rebuilt_recovered(w)
    assert len(kept) == 2 and recovered == kept
    assert live == rebuilt
    assert (live["D"][:2], live["C"][:2]) == ((1, 1), (1, 1))


def test_guard_correcting_a_letters_history_through_the_api_is_the_desks_alone(
        world, make_locality, make_user, make_agency, api):
    """GUARD (passes): PATCH …/petitions/{id} — another desk and an agency head do not see
    the case (404), an inspector and an admin are refused (403), the desk that logged it
    corrects (200, audited with the value before), an unknown letter is 404, the same
    value again and a blank reason are refused (422)."""
    case = _receive(world, make_locality(), PEOPLE[:1], date(2026, 11, 2))
    db.session.commit()
    pid = case.petitions[0].id
    path = f"/cases/{case.tracking_code}/petitions/{pid}"
    body = {"history": "repeated", "reason": "Đơn ghi đã gửi lần trước ngày 01/10/2026"}
    other_desk = make_user("reception", make_agency("BTCD2", is_reception_desk=True))
    for user, status in ((other_desk, 404), (world.head_a, 404), (world.inspector, 403),
                         (make_user("admin"), 403)):
        assert api(user, "PATCH", path, json=body).status_code == status, user.role
    answer = api(world.reception, "PATCH", path, json=body)
    assert answer.status_code == 200
    event = answer.get_json()["timeline"][-1]
    assert event["action"] == "petition_history_corrected"
    assert (event["data"]["history_before"], event["data"]["history"]) == ("first", "repeated")
    assert api(world.reception, "PATCH", f"/cases/{case.tracking_code}/petitions/999999",
               json=body).status_code == 404
    again = api(world.reception, "PATCH", path, json={"history": "repeated", "reason": "  "})
    assert again.status_code == 422
    assert set(again.get_json()["errors"]) == {"history", "reason"}


def test_anonymising_one_name_leaves_a_co_signers_longer_name_whole(world, make_case,
                                                                     make_user):
    """Found in review of round 27's fix: the name was replaced as a plain substring, so
    anonymising "Trần Văn Minh" also cut a co-signer's "Trần Văn Minh Anh" in the stored
    withdrawal e-mail to "Người đã được ẩn danh Anh". Only the whole name is replaced."""
    from datetime import datetime, timezone

    from complaints.models import Notification
    from complaints.services import personal_data

    case = make_case(actor=world.reception, petitioners=2)
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 11, 3))
    a, b = (s.petitioner for s in case.petitions[0].signers)
    a.full_name, b.full_name = "Trần Văn Minh", "Trần Văn Minh Anh"
    db.session.commit()
    workflow.withdraw(case, "Đã được giải quyết ổn thỏa", world.reception, NOW, TODAY,
                      decided_on=TODAY, petitioner_ids=[a.id, b.id])
    db.session.commit()
    admin = make_user("admin", None, "quantri")
    later = datetime(2032, 12, 10, 3, 0, tzinfo=timezone.utc)
    personal_data.anonymise_petitioner(a, "retention_expired", admin, later, later.date(), 5)
    db.session.commit()
    bodies = [n.body for n in db.session.scalars(
        select(Notification).where(Notification.case_id == case.id))
        if "rút đơn" in n.body or "withdrew" in n.body]
    assert bodies and all("Trần Văn Minh Anh" in body for body in bodies)
    assert all("Trần Văn Minh," not in body and "Trần Văn Minh " not in
               body.replace("Trần Văn Minh Anh", "") for body in bodies)
