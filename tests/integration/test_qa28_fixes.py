"""QA round 28: legal deadlines and pattern checks, counted by hand against domain.md.

Units: province UBND (root) with inspectorate TTT, reception desk BTCD, departments SO-A
and SO-B (tests/integration/test_escalation_world.py). Petitions on one matter share a
locality, the field "land" and the subject S.

FAILING on the frozen code (product defects, all fixed since; the tests now pass):
- test_mass_window_counts_a_joined_petition_on_its_own_date
- test_mass_window_does_not_backdate_a_joined_petition_to_the_case
- test_transfer_dated_the_arrival_day_leaves_the_new_holder_untold_of_its_overdue

PASSING guards (hand counts that hold; kept because they pin the legal arithmetic):
- test_guard_handling_deadlines_over_holidays_and_swaps
- test_guard_resolution_deadlines_by_round_variant_and_extension
- test_guard_suspension_and_extension_shift
- test_guard_ladder_dates_over_hung_kings_and_may_day
- test_guard_mass_threshold_and_window_edges
- test_guard_repeat_window_edge
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case, Escalation
from complaints.services import intake, workflow
from complaints.services.escalation import escalate_due
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)

pytestmark = pytest.mark.usefixtures("fixed_clock")

FAR = date(2027, 12, 31)  # "today" for intake/decisions: every date below is in its past
S = "Đền bù giải phóng mặt bằng dự án cầu Z"
PEOPLE = [(f"Người {c}", f"0312000005{k:02d}") for k, c in enumerate("ABCDEFGHIJ")]


def _on(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, tzinfo=timezone.utc)


def _receive(world, loc, people, on, kind="complaint", subject=S, **extra):
    data = intake.CaseData(
        kind=kind, field_code="land", subject=subject, content="Nội dung",
        locality_code=loc.code,
        petition=intake.PetitionData(channel=extra.pop("channel", "walk_in"), received_on=on,
                                     petitioners=[
            intake.PetitionerData(full_name=n, id_number=i,
                                  address="Số 1 Lạch Tray, Hải Phòng",
                                  is_representative=(k == 0 and len(people) >= 5))
            for k, (n, i) in enumerate(people)]), **extra)
    case, _pin = intake.receive_case(data, world.reception, _on(on), FAR)
    return db.session.get(Case, case.id)


def _join(world, case, people, on):
    intake.add_petition(case, intake.PetitionData(channel="mail", received_on=on, petitioners=[
        intake.PetitionerData(full_name=n, id_number=i) for n, i in people]),
        world.reception, _on(on), FAR)
    db.session.flush()


def _do(fn, *args, on, **kw):
    """A decision dated and entered on `on` (actor None: the service's own checks only)."""
    return fn(*args, _on(on), on, decided_on=on, **kw)


def _accepted(world, loc, kind, accepted_on, routed_on=None, **extra):
    routed_on = routed_on or accepted_on
    case = _receive(world, loc, PEOPLE[:1], routed_on, kind=kind, **extra)
    _do(workflow.route, case, "SO-A", None, on=routed_on)
    _do(workflow.accept, case, None, on=accepted_on)
    return case


def _mass(case) -> bool:
    db.session.expire_all()
    return db.session.get(Case, case.id).flag_mass


# --- DEFECTS ------------------------------------------------------------------------------


def test_mass_window_counts_a_joined_petition_on_its_own_date(world, make_locality):
    """FAILS: a petition joined later is counted at its case's first date, so five people
    petitioning on one matter within 30 days are not found to be a mass petition.

    domain.md ("Patterns that escalate at once", mass): "5 or more distinct petitioners on
    the same matter (same locality and field, similar subject) within 30 days". Handling is
    per petition, and each petition (đơn) has its own received date ("A petition is one
    received letter or visit").
    Hand count: case A received 01/10/2026 from people A, B, C. Case B on the same matter
    received 20/11/2026 from D, E (50 days later: 3 + 2 people, no window of 30 days holds
    five — correctly not mass). On 25/11/2026 A, B and C write again; the desk joins the
    letter to case A (intake.add_petition). Window 26/10–25/11/2026 now holds the petitions
    of 20/11 (D, E) and 25/11 (A, B, C): 5 distinct people within 30 days → both cases are
    a mass petition (flag, cluster, complex, escalation to the province and inspectorate).
    Observed: neither case is flagged.
    Cause: escalation_patterns.matter_group / _same_place read cases by Case.received_on
    (the first petition's date) and mass_cases/rules.mass_members date each case's people by
    that one date, so the letter of 25/11 is counted on 01/10, outside B's 30 days.
    Fix: date people by their petitions (Petition.received_on joined to PetitionSigner) in
    matter_group's candidate query and in mass_members, i.e. feed (petition date, people)
    pairs instead of (case date, all people).
    """
    loc = make_locality("31928")
    a = _receive(world, loc, PEOPLE[0:3], date(2026, 10, 1))
    b = _receive(world, loc, PEOPLE[3:5], date(2026, 11, 20))
    assert not _mass(a) and not _mass(b)  # 50 days apart: rightly no mass yet
    _join(world, db.session.get(Case, a.id), PEOPLE[0:3], date(2026, 11, 25))
    assert (_mass(a), _mass(b)) == (True, True)


def test_mass_window_does_not_backdate_a_joined_petition_to_the_case(world, make_locality):
    """FAILS: people who joined a case by a later letter are counted at the case's first
    date, so people spread over more than 30 days are flagged as a mass petition.

    domain.md: mass = 5 or more petitioners on one case, or 5 or more distinct petitioners
    on the same matter within 30 days (see the test above for the same cause).
    Hand count: case A received 01/10/2026 from A alone; case B on the same matter received
    10/10/2026 from D and E; on 01/12/2026 B and C join case A by a new letter (52 days after
    B's). Case A has 3 petitioners (not 5); windows of 30 days: 01/10–31/10 holds A, D, E
    (3 people), 01/11–01/12 holds B, C (2) → no mass petition.
    Observed: A and B are flagged mass, clustered, made complex and escalated to the
    province and the inspectorate, because the letter of 01/12 is counted on 01/10.
    Cause and fix: as above (escalation_patterns.matter_group / mass_cases and
    domain.escalation.mass_members use Case.received_on for every signer of the case).
    """
    loc = make_locality("31929")
    a = _receive(world, loc, PEOPLE[0:1], date(2026, 10, 1))
    b = _receive(world, loc, PEOPLE[3:5], date(2026, 10, 10))
    assert not _mass(a) and not _mass(b)
    _join(world, db.session.get(Case, a.id), PEOPLE[1:3], date(2026, 12, 1))
    assert (_mass(a), _mass(b)) == (False, False)
    assert not db.session.scalars(select(Escalation).where(Escalation.reason == "mass")).all()


def test_transfer_dated_the_arrival_day_leaves_the_new_holder_untold_of_its_overdue(
        world, make_case):
    """FAILS: a transfer decided on the day the case arrived (entered later, as paper
    decisions are: workflow._decision_date) restarts the acceptance stage on the same start
    date, so the old holder's overdue escalation is taken as the new holder's: the new
    holder is never told of its own overdue and its ladder skips level 1.

    The product's own rule (services/deadlines.reached_level): "A stage started again
    (transfer, return and new routing) starts from the bottom: the new holder is reminded
    and told of its own overdue"; domain.escalation.ladder_superseded: a transfer "starts
    it again from a new date: what was raised against the old start is moot". domain.md
    ladder: level 1 overdue "the day after the due date → the agency head".
    Hand count: complaint routed to SO-A 02/10/2026 → acceptance 7 working days: 05–09/10
    (5), 12, 13/10 → due 13/10; the sweep of 14/10 raises level 1 to SO-A. On 15/10 SO-A
    enters its transfer to SO-B decided 02/10. SO-B's acceptance runs from 02/10 → due
    13/10, overdue since 14/10: the sweep of 15/10 must raise SO-B's own level 1 (to SO-B).
    Observed: SO-A's level-1 escalation stays open (not superseded, started_on 02/10 equals
    the new start), reached_level counts it for SO-B, and no escalation to SO-B is raised;
    the case jumps to level 2 on 20/10 without SO-B's head ever being told it is overdue.
    Cause: Escalation is keyed by (case, stage, started_on) and ladder_superseded /
    reached_level / escalation._reached identify a stage instance by its start date only;
    a transfer (or return + routing) dated the same day is indistinguishable.
    Fix: key the stage instance by something a move changes (e.g. the Routing id or the
    holder agency, stored on Escalation), or supersede the old holder's ladder escalations
    on every transfer/return regardless of the start date.
    """
    case = make_case(actor=world.reception, received_on=date(2026, 10, 1))
    _do(workflow.route, case, "SO-A", None, on=date(2026, 10, 2))
    assert case.deadline("acceptance").due_on == date(2026, 10, 13)
    db.session.commit()
    escalate_due(date(2026, 10, 14), _on(date(2026, 10, 14)))
    db.session.commit()
    case = db.session.get(Case, case.id)
    workflow.transfer(case, "SO-B", "Không thuộc thẩm quyền", None, _on(date(2026, 10, 15)),
                      date(2026, 10, 15), decided_on=date(2026, 10, 2))
    db.session.commit()
    escalate_due(date(2026, 10, 15), _on(date(2026, 10, 15)))
    db.session.commit()
    told_b = db.session.scalars(select(Escalation).where(
        Escalation.case_id == case.id, Escalation.level == 1,
        Escalation.to_agency_id == world.b.id)).all()
    assert told_b, "SO-B was never told that its acceptance deadline has passed"


# --- PASSING GUARDS -----------------------------------------------------------------------


@pytest.mark.parametrize("kind,received,channel,due", [
    # 20/04/2026 Mon: 21–24 (4), 25–26 weekend (26 Hùng Kings on a Sunday), 27 observed,
    # 28, 29 (6), 30/4 and 1/5 holidays, 4–7/5 (10) → 07/05.
    ("complaint", date(2026, 4, 20), "walk_in", date(2026, 5, 7)),
    # 13/02/2026 Fri: 16–20 Tết, 23–27 (5), 02–06/03 (10) → 06/03.
    ("complaint", date(2026, 2, 13), "walk_in", date(2026, 3, 6)),
    # Denunciation, 7 working: 23–27/02 (5), 02, 03/03 (7) → 03/03.
    ("denunciation", date(2026, 2, 13), "walk_in", date(2026, 3, 3)),
    # 21/08/2026 Fri: Sat 22/08 make-up working day (1), 24–28 (6), 31/08 swapped off,
    # 01–02/09 National Day, 03, 04, 07, 08/09 (10) → 08/09.
    ("recommendation", date(2026, 8, 21), "walk_in", date(2026, 9, 8)),
    # After a reception session, 10 working for a denunciation too (Art. 28(1)).
    ("denunciation", date(2026, 8, 21), "reception_session", date(2026, 9, 8)),
    # 24/12/2026 Thu: 25, 28–31 (5), 01/01 New Year, 04–08/01/2027 (10) → 08/01/2027.
    ("feedback", date(2026, 12, 24), "walk_in", date(2027, 1, 8)),
])
def test_guard_handling_deadlines_over_holidays_and_swaps(world, make_locality, kind,
                                                          received, channel, due):
    """PASSES: handling deadlines (10 working; denunciation 7) over Tết, Hùng Kings,
    30/4–1/5, the 2026 National Day swap and New Year (domain.md "Counting days")."""
    case = _receive(world, make_locality(), PEOPLE[:1], received, kind=kind, channel=channel)
    assert case.deadline("handling").due_on == due


@pytest.mark.parametrize("kind,extra,due", [
    # Accepted Fri 03/07/2026. 30 days → Sun 02/08 → Mon 03/08.
    ("complaint", {}, date(2026, 8, 3)),
    ("complaint", {"is_complex": True}, date(2026, 8, 17)),  # 45
    ("complaint", {"is_remote": True}, date(2026, 8, 17)),  # 45
    # 60 → Tue 01/09 (National Day eve, off), 02/09 off → Thu 03/09.
    ("complaint", {"is_remote": True, "is_complex": True}, date(2026, 9, 3)),
    ("complaint", {"complaint_round": 2}, date(2026, 8, 17)),  # 45
    ("complaint", {"complaint_round": 2, "is_complex": True}, date(2026, 9, 3)),  # 60
    ("complaint", {"complaint_round": 2, "is_remote": True}, date(2026, 9, 3)),  # 60
    ("complaint", {"complaint_round": 2, "is_remote": True, "is_complex": True},
     date(2026, 9, 11)),  # 70
    ("denunciation", {}, date(2026, 8, 3)),  # 30
    # 15 working: 06–10/07 (5), 13–17 (10), 20–24 (15) → 24/07.
    ("recommendation", {}, date(2026, 7, 24)),
    ("feedback", {}, date(2026, 7, 24)),
])
def test_guard_resolution_deadlines_by_round_variant_and_extension(world, make_locality, kind,
                                                                   extra, due):
    """PASSES: resolution deadlines per kind, round and variant (domain.md table)."""
    case = _accepted(world, make_locality(), kind, date(2026, 7, 3), date(2026, 7, 2),
                     **extra)
    assert case.deadline("resolution").due_on == due


def test_guard_suspension_and_extension_shift(world, make_locality):
    """PASSES: suspension/resumption and extensions, counted by hand.

    Complaint accepted 03/07/2026 (period ends 02/08): suspended 10/07 with 23 days left,
    resumed 20/07 → 12/08; suspended 01/08 with 11 left, resumed 10/08 → 21/08.
    Recommendation accepted 03/07 (15 working): suspended Wed 08/07 after 3 used, resumed
    Mon 13/07 → 12 more from 14/07 → 29/07; extended by 10 working → 22 left from 14/07 →
    12/08. Denunciation declared complex: +30 → 60 days → 01/09 off, 02/09 off → 03/09;
    very complex: two of 30 → 90 days → 01/10. First complaint: no extension at all.
    Acceptance: first complaint routed 30/06/2026 → 10 calendar days → 10/07; routed
    01/07/2026 → 7 working days (amended 2026) → 10/07; second complaint routed Fri 21/08
    → 10 calendar days → 31/08 swapped off, 01–02/09 off → 03/09.
    """
    loc = make_locality()
    c = _accepted(world, loc, "complaint", date(2026, 7, 3), date(2026, 7, 2))
    _do(workflow.suspend, c, "Chờ giám định", None, on=date(2026, 7, 10))
    _do(workflow.resume, c, None, on=date(2026, 7, 20))
    assert c.deadline("resolution").due_on == date(2026, 8, 12)
    _do(workflow.suspend, c, "Chờ giám định lần 2", None, on=date(2026, 8, 1))
    _do(workflow.resume, c, None, on=date(2026, 8, 10))
    assert c.deadline("resolution").due_on == date(2026, 8, 21)
    with pytest.raises(Exception):  # noqa: B017  (a first complaint has no extension)
        _do(workflow.extend, c, 1, "Gia hạn", None, on=date(2026, 8, 11))

    r = _accepted(world, loc, "recommendation", date(2026, 7, 3), date(2026, 7, 2))
    _do(workflow.suspend, r, "Chờ", None, on=date(2026, 7, 8))
    _do(workflow.resume, r, None, on=date(2026, 7, 13))
    assert r.deadline("resolution").due_on == date(2026, 7, 29)
    _do(workflow.extend, r, 10, "Gia hạn", None, on=date(2026, 7, 20))
    assert r.deadline("resolution").due_on == date(2026, 8, 12)

    d = _accepted(world, loc, "denunciation", date(2026, 7, 3), date(2026, 7, 2))
    _do(workflow.extend, d, 30, "Phức tạp", None, on=date(2026, 7, 20), complexity="complex")
    assert d.deadline("resolution").due_on == date(2026, 9, 3)
    v = _accepted(world, loc, "denunciation", date(2026, 7, 3), date(2026, 7, 2))
    _do(workflow.extend, v, 30, "Đặc biệt phức tạp", None, on=date(2026, 7, 20),
        complexity="very_complex")
    _do(workflow.extend, v, 30, "Lần hai", None, on=date(2026, 7, 21))
    assert v.deadline("resolution").due_on == date(2026, 10, 1)

    before = _receive(world, loc, PEOPLE[:1], date(2026, 6, 30))
    _do(workflow.route, before, "SO-A", None, on=date(2026, 6, 30))
    after = _receive(world, loc, PEOPLE[:1], date(2026, 6, 30))
    _do(workflow.route, after, "SO-A", None, on=date(2026, 7, 1))
    assert [(x.deadline("acceptance").unit, x.deadline("acceptance").due_on)
            for x in (before, after)] == [("calendar", date(2026, 7, 10)),
                                          ("working", date(2026, 7, 10))]
    second = _receive(world, loc, PEOPLE[:1], date(2026, 8, 21), complaint_round=2)
    _do(workflow.route, second, "SO-A", None, on=date(2026, 8, 21))
    assert second.deadline("acceptance").due_on == date(2026, 9, 3)


def test_guard_ladder_dates_over_hung_kings_and_may_day(world, make_locality):
    """PASSES: the sweep raises each rung on its day (domain.md "Escalation ladder").

    First complaint routed 20/04/2026: acceptance 10 calendar days → 30/04 holiday, 01/05
    holiday, weekend → due Mon 04/05. Reminder 3 working days before: 29, 28 (27 observed
    Hùng Kings off, weekend), 24/04. Overdue 05/05. Urged 5 working days overdue: 05, 06,
    07, 08, 11/05. Inspection 10: … 18/05. The sweep is run the day before and on each day.
    """
    case = _receive(world, make_locality(), PEOPLE[:1], date(2026, 4, 20))
    _do(workflow.route, case, "SO-A", None, on=date(2026, 4, 20))
    assert case.deadline("acceptance").due_on == date(2026, 5, 4)
    db.session.commit()
    expected = {date(2026, 4, 23): None, date(2026, 4, 24): 0, date(2026, 5, 4): None,
                date(2026, 5, 5): 1, date(2026, 5, 8): None, date(2026, 5, 11): 2,
                date(2026, 5, 15): None, date(2026, 5, 18): 3}
    seen = {}
    for day in expected:
        summary = escalate_due(day, _on(day))
        db.session.commit()
        raised = [level for (level, _code), n in summary.escalations.items() if n]
        seen[day] = raised[0] if raised else None
    assert seen == expected


@pytest.mark.parametrize("gap,mass", [(30, True), (31, False)])
def test_guard_mass_threshold_and_window_edges(world, make_locality, gap, mass):
    """PASSES: 3 + 2 people on one matter exactly 30 days apart are a mass petition, 31
    days apart are not; one case of 5 petitioners is mass, of 4 is not."""
    loc = make_locality()
    a = _receive(world, loc, PEOPLE[0:3], date(2026, 10, 1))
    b = _receive(world, loc, PEOPLE[3:5], date(2026, 10, 1) + timedelta(days=gap))
    assert (_mass(a), _mass(b)) == (mass, mass)
    other = make_locality()
    assert _mass(_receive(world, other, PEOPLE[0:5], date(2026, 10, 1), subject="Khác 5"))
    assert not _mass(_receive(world, other, PEOPLE[5:9], date(2026, 10, 1),
                              subject="Ô nhiễm tiếng ồn karaoke"))


@pytest.mark.parametrize("third,repeated", [(date(2026, 12, 1), True),
                                            (date(2026, 12, 2), False)])
def test_guard_repeat_window_edge(world, make_locality, third, repeated):
    """PASSES: three petitions on one matter within 12 months (01/12/2025, 01/06/2026 and
    01/12/2026: the window's last day) are repeated; a third on 02/12/2026 is not."""
    case = _receive(world, make_locality(), PEOPLE[0:1], date(2025, 12, 1))
    _join(world, case, PEOPLE[0:1], date(2026, 6, 1))
    assert not case.flag_repeated
    _join(world, case, PEOPLE[1:2], third)
    assert case.flag_repeated is repeated
