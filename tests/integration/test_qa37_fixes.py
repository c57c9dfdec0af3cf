"""QA round 37: routing, returns, transfers, evasion (đùn đẩy, né tránh) and the lead agency,
checked by hand against domain.md of the specification.

World: tests/integration/test_escalation_world.py (province UBND with inspectorate TTT,
reception desk BTCD — marked a reception desk here — and departments SO-A, SO-B), plus a
department SO-C where needed. "Today" is tests.conftest.TODAY (01/12/2026) unless a move
is dated; every date below was counted by hand on the 2026 calendar (24/11 is Vietnamese
Culture Day; 31/08, 01/09 and 02/09 are days off).

DEFECTS: each test_defect_* failed on the frozen code of round 37 because of the defect
below; all four are fixed (the evasion threshold is the versioned pattern rule
`evasion_moves`; the API routes through routing.route_case; the holder of a suspended case
may be named lead, nothing moving; bounce_agencies counts a holding ended by a return apart
from the next), and the tests now pass.
- test_defect_evasion_threshold_is_not_a_versioned_policy
    "returned or transferred twice or more" is hard-coded in domain.escalation
    .detect_evasion; domain.md puts it under "Escalation ladder (defaults, local policy,
    all editable)" and says every number is a policy default versioned by date. The
    threshold table (domain.escalation.LIMIT_RULES, services/pattern_rules.py) holds only
    the mass and repeated thresholds.
- test_defect_api_route_sends_a_returned_case_back_without_a_reason
    POST /api/v1/cases/<code>/route calls workflow.route directly, not routing.route_case:
    the desk's routing rules are bypassed. A returned case goes straight back to the agency
    that just returned it with no reason (the page refuses it, 422), and a routing against
    the suggestion of the routing rules needs no reason and records no suggestion.
- test_defect_supervisor_cannot_designate_the_holder_of_a_suspended_evaded_case
    The supervisor's binding lead designation is refused (InvalidTransition) while the
    holder has suspended the case, even when the lead named is the holder itself:
    states.TRANSITIONS["designate_lead"] leaves SUSPENDED out, and move_to_lead asks the
    state machine before it sees that nothing has to move.
- test_defect_inspector_bounce_path_hides_a_case_sent_back_after_a_return
    A → (returned to the desk) → A, the very pattern that flags the case evaded
    ("sent back to an agency that already had it"), shows on the inspector's case page as
    the path "Sở A" alone, with no revisit marked: services/inspection.bounce_agencies
    skips the return and then collapses the two holdings of A into one.

PASSING probes (what held):
- test_probe_return_needs_a_reason_and_a_suggested_agency
- test_probe_return_then_routed_back_is_evasion_escalated_to_the_common_supervisor
- test_probe_a_b_a_b_flags_once_escalates_once_and_scores_the_bouncers
- test_probe_lead_may_no_longer_return_or_transfer
- test_probe_only_the_supervisors_head_designates_and_detection_ends
- test_probe_transfer_outside_the_system_is_refused_and_changes_nothing
- test_probe_moves_on_the_day_of_receipt_and_on_a_holiday
- test_probe_transfer_across_the_july_2026_policy_change
- test_probe_evasion_passes_a_closed_supervisor
- test_probe_two_heads_moving_at_once_make_one_move
- test_probe_desk_cannot_route_a_case_the_agency_accepted
- test_probe_ladder_restarts_at_the_new_holder_after_a_transfer
- test_probe_scorecard_counts_a_bounce_of_a_built_day_once_the_case_is_evaded
- test_probe_routing_history_in_the_api_and_the_evasion_list
- test_probe_withdrawn_evaded_case_refuses_a_lead_cleanly
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from complaints.domain import escalation as rules
from complaints.domain.states import InvalidTransition
from complaints.extensions import db
from complaints.models import (
    AuditEvent,
    Case,
    Escalation,
    Notification,
    Routing,
    RoutingRule,
    User,
)
from complaints.services import inspection, pattern_rules, routing, scorecard, workflow
from complaints.services.errors import NotAllowed, ValidationFailed
from complaints.services.escalation import escalate_due
from complaints.services.escalation_patterns import designate_lead
from tests.conftest import NOW, TODAY
from tests.factories import run_at_once
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)


def _on(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, tzinfo=timezone.utc)


@pytest.fixture
def w(world, make_agency, make_user):
    """The escalation world with a real reception desk and a third department SO-C."""
    world.desk.is_reception_desk = True
    c = make_agency("SO-C", parent=world.province, name="Sở C")
    world.c = c
    world.head_c = make_user("agency_head", c, "giamdoc_c")
    db.session.flush()
    return world


def _case(w, make_case, received_on=date(2026, 11, 2), **kw):
    return make_case(actor=w.reception, received_on=received_on, **kw)


def _route(case, code, w, on):
    return workflow.route(case, code, w.reception, NOW, TODAY, decided_on=on)


def _transfer(case, code, head, on, reason="Không thuộc thẩm quyền"):
    return workflow.transfer(case, code, reason, head, NOW, TODAY, decided_on=on)


def _return(case, suggested, head, on, reason="Không thuộc thẩm quyền"):
    return workflow.return_case(case, reason, suggested, head, NOW, TODAY, decided_on=on)


def _escalations(case) -> list[Escalation]:
    return list(db.session.scalars(select(Escalation).where(Escalation.case_id == case.id)
                                   .order_by(Escalation.id)))


def _events(case) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)
                                   .order_by(AuditEvent.seq)))


def _moves(case) -> list[tuple]:
    return [(r.action, r.from_agency.code if r.from_agency else None,
             r.to_agency.code if r.to_agency else None) for r in case.routings]


def _evaded_and_accepted_at_c(w, make_case) -> Case:
    """Routed to A, returned (1), routed to B, accepted, transferred to C (2: evaded),
    accepted by C on 10/11/2026."""
    case = _case(w, make_case)
    _route(case, "SO-A", w, date(2026, 11, 3))
    _return(case, "SO-B", w.head_a, date(2026, 11, 4))
    routing.route_case(case, "SO-B", w.reception, NOW, TODAY, decided_on=date(2026, 11, 5))
    workflow.accept(case, w.head_b, NOW, TODAY, decided_on=date(2026, 11, 6))
    _transfer(case, "SO-C", w.head_b, date(2026, 11, 9))
    assert case.flag_evaded
    workflow.accept(case, w.head_c, NOW, TODAY, decided_on=date(2026, 11, 10))
    return case


# --- defects -----------------------------------------------------------------------------


def test_defect_evasion_threshold_is_not_a_versioned_policy(w, make_case):
    """What is wrong: the evasion pattern's "twice" is fixed in code
    (domain.escalation.detect_evasion: `bounces >= 2`). The administrator's threshold table
    (LIMIT_RULES, services/pattern_rules.add_version) offers the mass and repeated
    thresholds only, so a province cannot set, from a date, how many returns or transfers
    make a case evaded.

    What is right (domain.md): "Every number here is a default in a policy table …
    editable by an administrator and versioned by the date from which it applies", and the
    patterns, "a case returned or transferred twice or more …", sit under "Escalation
    ladder (defaults, local policy, all editable)".
    """
    codes = [code for code in rules.LIMIT_RULES
             if any(word in code for word in ("evas", "bounce", "return", "transfer"))]
    assert codes, ("no versioned threshold for the evasion pattern: LIMIT_RULES has only "
                   f"{sorted(rules.LIMIT_RULES)}")
    # Once there is one: raised to 3 from 01/11/2026, two transfers no longer make a case
    # evaded, as the mass and repeated thresholds apply from their date.
    pattern_rules.add_version(pattern_rules.LimitData(codes[0], 3, date(2026, 11, 1),
                                                      "Quy định của tỉnh"),
                              w.province_head, date(2026, 11, 1), NOW)
    case = _case(w, make_case)
    _route(case, "SO-A", w, date(2026, 11, 3))
    _transfer(case, "SO-B", w.head_a, date(2026, 11, 4))
    _transfer(case, "SO-C", w.head_b, date(2026, 11, 5))
    assert not case.flag_evaded


def test_defect_api_route_sends_a_returned_case_back_without_a_reason(w, make_case, api,
                                                                      client, login,
                                                                      fixed_clock):
    """What is wrong: the API's route action calls workflow.route, not
    routing.route_case, so none of the desk's routing rules hold there. A case SO-A has
    just returned goes straight back to SO-A with no reason (200) — the page refuses the
    same request (422, "… vừa trả lại hồ sơ này: nêu lý do …") — and the move records no
    reason at all; routing against the routing rules' suggestion needs no reason and
    records no suggested agency either.

    What is right: the same rule on every door (permissions.py: "predicates in one place,
    used by views, the API and templates alike"). Sending a case back to the agency that
    returned it is the evasion domain.md names ("sent back to an agency that already had
    it"; a return needs a "reason and suggested agency"): the move must carry why.
    """
    db.session.add(RoutingRule(field_id=None, locality_code=None, kind=None,
                               agency_id=w.a.id, priority=0))
    page_case = _case(w, make_case)
    api_case = _case(w, make_case)
    for case in (page_case, api_case):
        routing.route_case(case, "SO-A", w.reception, NOW, TODAY,
                           decided_on=date(2026, 11, 3))
        _return(case, "SO-B", w.head_a, date(2026, 11, 4))
    db.session.commit()
    login(w.reception)
    page = client.post(f"/reception/cases/{page_case.tracking_code}/route",
                       data={"route-agency_code": "SO-A"})
    assert page.status_code == 422  # the page holds the rule
    client.post("/logout")
    answer = api(w.reception, "POST", f"/cases/{api_case.tracking_code}/route",
                 json={"agency_code": "SO-A"})
    assert answer.status_code == 422, (answer.status_code, answer.get_json()["routings"][-1])


def test_defect_supervisor_cannot_designate_the_holder_of_a_suspended_evaded_case(
        w, make_case):
    """What is wrong: the case bounced (A returned it, B transferred it: evaded, escalated
    to UBND), then SO-C accepted and suspended it. UBND's head names SO-C, the holder, as
    the lead agency: refused with InvalidTransition ("Cannot designate_lead a case that is
    suspended"), so the binding decision cannot be taken and SO-C may transfer the case on
    as soon as it resumes. states.TRANSITIONS["designate_lead"] omits SUSPENDED, and
    workflow.move_to_lead asks the state machine before it sees nothing needs to move.

    What is right (domain.md, evaded): the case is "escalated to the lowest agency that
    supervises all agencies involved, which must designate the lead agency (a binding
    decision)". A suspension pauses the clock (domain.md: "the clock pauses"); the case is
    still open and its lead can be named, the suspension kept.
    """
    case = _evaded_and_accepted_at_c(w, make_case)
    workflow.suspend(case, "Chờ kết quả giám định", w.head_c, NOW, TODAY,
                     decided_on=date(2026, 11, 11))
    try:
        designate_lead(case, "SO-C", w.province_head, NOW, TODAY, note="Sở C chủ trì")
    except InvalidTransition as exc:
        pytest.fail(f"lead designation refused on a suspended case: {exc}")
    assert case.lead_agency_id == w.c.id and case.status == "suspended"


def test_defect_inspector_bounce_path_hides_a_case_sent_back_after_a_return(
        w, make_case, client, login, app, fixed_clock):
    """What is wrong: routed to SO-A, returned by SO-A, routed to SO-A again: the case is
    flagged evaded ("sent_back"), yet the inspector's bounce path ("Đường đi của hồ sơ
    giữa các cơ quan") reads "Sở A" alone, with no agency marked as visited again.
    services/inspection.bounce_agencies skips the return (no receiving agency) and then
    drops SO-A's second holding as a repeat of the last one.

    What is right (domain.md): evaded is "sent back to an agency that already had it"; the
    path that shows inspectors the bounce (A → B → A is shown with the revisit marked)
    must show SO-A twice here, the second time marked.
    """
    case = _case(w, make_case)
    _route(case, "SO-A", w, date(2026, 11, 3))
    _return(case, "SO-B", w.head_a, date(2026, 11, 4))
    routing.route_case(case, "SO-A", w.reception, NOW, TODAY,
                       override_reason="Đất do Sở A quản lý", decided_on=date(2026, 11, 5))
    assert case.flag_evaded
    visited = [a.code for a in inspection.bounce_agencies(inspection.bounce_path(case))]
    app.config["REQUIRE_2FA_ROLES"] = ""
    login(w.inspector)
    html = client.get(f"/inspection/cases/{case.tracking_code}").get_data(as_text=True)
    path = html[html.find('data-testid="bounce-path"'):html.find('data-testid="routing-timeline"')]
    assert visited.count("SO-A") == 2 and "text-bg-danger" in path, (visited, path)


# --- probes ------------------------------------------------------------------------------


def test_probe_return_needs_a_reason_and_a_suggested_agency(w, make_case, api,
                                                           fixed_clock):
    """domain.md: returned — "reason and suggested agency required". Blank reason, no
    suggestion, the holder itself, the desk, an unknown code: all refused, nothing moved."""
    case = _case(w, make_case)
    _route(case, "SO-A", w, date(2026, 11, 3))
    db.session.commit()
    for reason, suggested, field in (("  ", "SO-B", "reason"), ("\u200b", "SO-B", "reason"),
                                     ("Sai thẩm quyền", "", "suggested_agency_code"),
                                     ("Sai thẩm quyền", "SO-A", "suggested_agency_code"),
                                     ("Sai thẩm quyền", "BTCD", "suggested_agency_code"),
                                     ("Sai thẩm quyền", "TAND-HP", "suggested_agency_code")):
        with pytest.raises(ValidationFailed) as refused:
            workflow.return_case(case, reason, suggested, w.head_a, NOW, TODAY)
        assert field in refused.value.errors
        db.session.rollback()
    answer = api(w.head_a, "POST", f"/cases/{case.tracking_code}/return",
                 json={"reason": "Sai thẩm quyền"})
    assert answer.status_code == 422
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == "routed" and _moves(case) == [("route", None, "SO-A")]


def test_probe_return_then_routed_back_is_evasion_escalated_to_the_common_supervisor(
        w, make_case):
    """A returns (one bounce: not evaded); the desk sends it back to A with a reason: "sent
    back to an agency that already had it" → evaded at once, level 2 to UBND (lowest
    supervisor of SO-A), whose head is told; the handling clock restarted on the return
    (10 working days from Wed 04/11: Wed 18/11)."""
    case = _case(w, make_case)
    _route(case, "SO-A", w, date(2026, 11, 3))
    _return(case, "SO-B", w.head_a, date(2026, 11, 4))
    assert not case.flag_evaded and _escalations(case) == []
    handling = case.deadline("handling")
    assert (handling.start_on, handling.due_on, handling.met_on) == (
        date(2026, 11, 4), date(2026, 11, 18), None)
    with pytest.raises(ValidationFailed) as refused:
        routing.route_case(case, "SO-A", w.reception, NOW, TODAY, decided_on=date(2026, 11, 5))
    assert "override_reason" in refused.value.errors
    routing.route_case(case, "SO-A", w.reception, NOW, TODAY,
                       override_reason="Đất do Sở A quản lý", decided_on=date(2026, 11, 5))
    assert case.flag_evaded
    [e] = _escalations(case)
    assert (e.reason, e.level, e.to_agency.code, e.agency_id) == ("evaded", 2, "UBND", None)
    told = db.session.scalars(select(Notification).where(Notification.case_id == case.id)).all()
    assert {n.agency_id for n in told if n.agency_id} == {w.province.id}
    assert {n.user_id for n in told if n.user_id} == {w.province_head.id}
    escalated = [ev for ev in _events(case) if ev.action == "escalated"]
    assert len(escalated) == 1 and '"why":"sent_back"' in escalated[0].data
    assert [ev.action for ev in _events(case)][:4] == ["received", "routed", "returned",
                                                       "routed"]


def test_probe_a_b_a_b_flags_once_escalates_once_and_scores_the_bouncers(w, make_case):
    """A→B (1 bounce), B→A (2, and back where it was): evaded on the second transfer; a
    third bounce raises nothing more. The scorecard counts the returns and transfers made
    on the evaded case by who made them (A 2, B 1), and the escalation against nobody."""
    case = _case(w, make_case)
    _route(case, "SO-A", w, date(2026, 11, 3))
    _transfer(case, "SO-B", w.head_a, date(2026, 11, 4))
    assert not case.flag_evaded
    _transfer(case, "SO-A", w.head_b, date(2026, 11, 5))
    assert case.flag_evaded
    _transfer(case, "SO-B", w.head_a, date(2026, 11, 6))
    [e] = _escalations(case)
    assert e.to_agency.code == "UBND" and '"agencies":["SO-A","SO-B"]' in next(
        ev.data for ev in _events(case) if ev.action == "escalated")
    cards = {c.agency.code: c.metrics for c in scorecard.scorecards(
        w.inspector, date(2026, 11, 1), date(2026, 11, 30), TODAY)}
    assert (cards["SO-A"].evasions, cards["SO-B"].evasions, cards["SO-C"].evasions) == (2, 1, 0)
    assert all(not m.escalations for m in cards.values())


def test_probe_lead_may_no_longer_return_or_transfer(w, make_case, api, fixed_clock):
    """After the designation the lead may neither return nor transfer (service, API)."""
    case = _case(w, make_case)
    _route(case, "SO-A", w, date(2026, 11, 3))
    _transfer(case, "SO-B", w.head_a, date(2026, 11, 4))
    _transfer(case, "SO-A", w.head_b, date(2026, 11, 5))
    designate_lead(case, "SO-B", w.province_head, NOW, TODAY, note="Sở B chủ trì")
    assert (case.status, case.agency.code, case.lead_agency_id) == ("routed", "SO-B", w.b.id)
    with pytest.raises(NotAllowed):
        workflow.return_case(case, "x", "SO-A", w.head_b, NOW, TODAY)
    with pytest.raises(NotAllowed):
        workflow.transfer(case, "SO-A", "x", w.head_b, NOW, TODAY)
    db.session.commit()
    for action, body in (("return", {"reason": "x", "suggested_agency_code": "SO-A"}),
                         ("transfer", {"reason": "x", "to_agency_code": "SO-A"})):
        answer = api(w.head_b, "POST", f"/cases/{case.tracking_code}/{action}", json=body)
        assert answer.status_code in (403, 409), answer.get_json()
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.agency.code == "SO-B" and _moves(case)[-1] == ("designate_lead", "SO-A", "SO-B")


def test_probe_only_the_supervisors_head_designates_and_detection_ends(w, make_case):
    """Only UBND's head may designate; candidates are UBND's agencies, never the desk; the
    designation is audited, acknowledges the escalation, and later moves (the inspector
    changing the lead) are no new evasion."""
    case = _case(w, make_case)
    _route(case, "SO-A", w, date(2026, 11, 3))
    _return(case, "SO-B", w.head_a, date(2026, 11, 4))
    routing.route_case(case, "SO-B", w.reception, NOW, TODAY, decided_on=date(2026, 11, 5))
    _return(case, "SO-C", w.head_b, date(2026, 11, 6))
    assert case.flag_evaded and case.status == "returned"
    for actor in (w.head_a, w.head_b, w.reception):
        with pytest.raises(NotAllowed):
            designate_lead(case, "SO-C", actor, NOW, TODAY)
    with pytest.raises(ValidationFailed):
        designate_lead(case, "BTCD", w.province_head, NOW, TODAY)
    designate_lead(case, "SO-C", w.province_head, NOW, TODAY, note="Sở C chủ trì")
    [e] = _escalations(case)
    assert e.action_taken == "set_lead" and e.acknowledged_by_id == w.province_head.id
    assert case.status == "routed" and case.agency.code == "SO-C"
    assert case.deadline("handling").met_on == TODAY
    assert case.deadline("acceptance").start_on == TODAY
    assert _events(case)[-1].action == "lead_designated"
    inspection.set_lead(case, "SO-A", "Thanh tra giao Sở A", w.inspector, NOW, TODAY)
    assert case.lead_agency_id == w.a.id and len(_escalations(case)) == 1


def test_probe_transfer_outside_the_system_is_refused_and_changes_nothing(w, make_case):
    """A transfer names an agency of the system; an outside body (a court) or a closed
    agency is refused, nothing recorded (the desk forwards outside: workflow.forward)."""
    case = _case(w, make_case)
    _route(case, "SO-A", w, date(2026, 11, 3))
    w.c.active = False
    db.session.commit()
    for code in ("TAND-HP", "Tòa án nhân dân thành phố", "SO-C", "BTCD"):
        with pytest.raises(ValidationFailed) as refused:
            _transfer(case, code, w.head_a, date(2026, 11, 4))
        assert "to_agency_code" in refused.value.errors
        db.session.rollback()
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.agency.code == "SO-A" and len(case.routings) == 1 and not case.flag_evaded


def test_probe_moves_on_the_day_of_receipt_and_on_a_holiday(w, make_case):
    """Routing, return and routing again on the day of receipt (Mon 02/11/2026) are
    allowed; the handling clock restarts on the return: 10 working days → Mon 16/11.
    Routed on National Day (Wed 02/09/2026; 01/09 off too): 7 working days start Thu
    03/09 → Fri 11/09; a transfer the same day restarts it on the same dates."""
    case = _case(w, make_case)
    _route(case, "SO-A", w, date(2026, 11, 2))
    _return(case, "SO-B", w.head_a, date(2026, 11, 2))
    assert case.deadline("handling").due_on == date(2026, 11, 16)
    routing.route_case(case, "SO-B", w.reception, NOW, TODAY, decided_on=date(2026, 11, 2))
    assert case.agency.code == "SO-B" and not case.flag_evaded
    holiday = _case(w, make_case, received_on=date(2026, 8, 28))
    _route(holiday, "SO-A", w, date(2026, 9, 2))
    assert holiday.deadline("acceptance").due_on == date(2026, 9, 11)
    _transfer(holiday, "SO-B", w.head_a, date(2026, 9, 2))
    acceptance = holiday.deadline("acceptance")
    assert (acceptance.start_on, acceptance.due_on) == (date(2026, 9, 2), date(2026, 9, 11))


def test_probe_transfer_across_the_july_2026_policy_change(w, make_case):
    """Routed Fri 26/06/2026: 10 calendar days → Mon 06/07 (old rule); transferred Wed
    01/07: 7 working days from the new holder's arrival → Fri 10/07; returned the same
    day: the handling clock restarts, 10 working → Wed 15/07."""
    case = _case(w, make_case, received_on=date(2026, 6, 22))
    _route(case, "SO-A", w, date(2026, 6, 26))
    first = case.deadline("acceptance")
    assert (first.days, first.unit, first.due_on) == (10, "calendar", date(2026, 7, 6))
    _transfer(case, "SO-B", w.head_a, date(2026, 7, 1))
    second = case.deadline("acceptance")
    assert (second.days, second.unit, second.due_on) == (7, "working", date(2026, 7, 10))
    _return(case, "SO-C", w.head_b, date(2026, 7, 1))
    handling = case.deadline("handling")
    assert (handling.start_on, handling.due_on) == (date(2026, 7, 1), date(2026, 7, 15))
    assert case.deadline("acceptance") is None and case.flag_evaded


def test_probe_evasion_passes_a_closed_supervisor(w, make_case, make_agency, make_user):
    """C1 and C2 under a closed agency P: the evasion goes to P's open superior, UBND."""
    p = make_agency("P", parent=w.province, name="Cơ quan đã giải thể")
    c1, c2 = make_agency("C1", parent=p), make_agency("C2", parent=p)
    h1, h2 = make_user("agency_head", c1), make_user("agency_head", c2)
    p.active = False
    case = _case(w, make_case)
    _route(case, "C1", w, date(2026, 11, 3))
    _transfer(case, "C2", h1, date(2026, 11, 3))
    _transfer(case, "C1", h2, date(2026, 11, 3))
    assert [e.to_agency.code for e in _escalations(case)] == ["UBND"]


def test_probe_two_heads_moving_at_once_make_one_move(app, w, make_case, make_user):
    """Two heads of SO-A transfer the case at the same moment, to B and to C: one move."""
    second = make_user("agency_head", w.a, "giamdoc_a2")
    case = _case(w, make_case)
    _route(case, "SO-A", w, date(2026, 11, 3))
    db.session.commit()
    case_id, heads = case.id, [w.head_a.id, second.id]

    def work(i):
        _transfer(db.session.get(Case, case_id), ("SO-B", "SO-C")[i],
                  db.session.get(User, heads[i]), date(2026, 11, 4))

    failures = run_at_once(app, 2, work)
    assert len(failures) == 1 and isinstance(failures[0], (NotAllowed, InvalidTransition))
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert len(case.routings) == 2 and not case.flag_evaded
    assert [e.action for e in _events(case)].count("transferred") == 1


def test_probe_desk_cannot_route_a_case_the_agency_accepted(w, make_case, api,
                                                          fixed_clock):
    case = _case(w, make_case)
    _route(case, "SO-A", w, date(2026, 11, 3))
    workflow.accept(case, w.head_a, NOW, TODAY, decided_on=date(2026, 11, 4))
    db.session.commit()
    answer = api(w.reception, "POST", f"/cases/{case.tracking_code}/route",
                 json={"agency_code": "SO-B", "reason": "Chuyển lại"})
    assert answer.status_code == 409
    with pytest.raises(InvalidTransition):
        routing.route_case(case, "SO-B", w.reception, NOW, TODAY, override_reason="x")
    db.session.rollback()
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.status, case.agency.code, len(case.routings)) == ("accepted", "SO-A", 1)


def test_probe_ladder_restarts_at_the_new_holder_after_a_transfer(w, make_case):
    """Routed Tue 03/11: acceptance due Thu 12/11 (7 working); overdue swept 13/11 against
    SO-A. Transferred Mon 16/11: SO-B's clock, 7 working days skipping 24/11 (Culture Day)
    → Thu 26/11; SO-A's overdue lapses but stays scored to SO-A; SO-B is reminded, then
    overdue from Fri 27/11."""
    case = _case(w, make_case)
    _route(case, "SO-A", w, date(2026, 11, 3))
    assert case.deadline("acceptance").due_on == date(2026, 11, 12)
    escalate_due(date(2026, 11, 13), NOW)
    _transfer(case, "SO-B", w.head_a, date(2026, 11, 16))
    assert case.deadline("acceptance").due_on == date(2026, 11, 26)
    [old] = _escalations(case)
    assert (old.level, old.agency_id, old.action_taken) == (1, w.a.id, "superseded")
    escalate_due(date(2026, 11, 26), NOW)  # SO-B reminded (Fri 20/11: 3 working days before)
    reminder = _escalations(case)[-1]
    assert (reminder.level, reminder.to_agency.code, reminder.as_of) == (
        0, "SO-B", date(2026, 11, 26))
    escalate_due(date(2026, 11, 27), NOW)
    new = _escalations(case)[-1]
    assert (new.level, new.to_agency.code, new.agency_id) == (1, "SO-B", w.b.id)
    assert len(_escalations(case)) == 3


def test_probe_scorecard_counts_a_bounce_of_a_built_day_once_the_case_is_evaded(w, make_case):
    from complaints.services import scorecard_summary

    case = _case(w, make_case)
    _route(case, "SO-A", w, date(2026, 11, 3))
    _transfer(case, "SO-B", w.head_a, date(2026, 11, 4))
    scorecard_summary.rebuild(date(2026, 11, 20))
    db.session.commit()
    _transfer(case, "SO-A", w.head_b, date(2026, 11, 20))
    db.session.commit()
    cards = {c.agency.code: c.metrics for c in scorecard.scorecards(
        w.inspector, date(2026, 11, 1), date(2026, 11, 30), date(2026, 11, 20))}
    assert (cards["SO-A"].evasions, cards["SO-B"].evasions) == (1, 1)


def test_probe_routing_history_in_the_api_and_the_evasion_list(w, make_case, api, client,
                                                               login, app, fixed_clock):
    """The API's routings give each move's action, from, to, suggested agency, reason and
    date; the inspectors' evasion list (flag=evaded) holds the case."""
    case = _case(w, make_case)
    _route(case, "SO-A", w, date(2026, 11, 3))
    _return(case, "SO-B", w.head_a, date(2026, 11, 4), reason="Đất do Sở B quản lý")
    routing.route_case(case, "SO-B", w.reception, NOW, TODAY, decided_on=date(2026, 11, 5))
    _transfer(case, "SO-A", w.head_b, date(2026, 11, 6))
    db.session.commit()
    moves = api(w.reception, "GET", f"/cases/{case.tracking_code}").get_json()["routings"]
    assert [(m["action"], (m["from_agency"] or {}).get("code"),
             (m["to_agency"] or {}).get("code"), (m["suggested_agency"] or {}).get("code"),
             m["decided_on"]) for m in moves] == [
        ("route", None, "SO-A", None, "2026-11-03"),
        ("return", "SO-A", None, "SO-B", "2026-11-04"),
        ("route", None, "SO-B", None, "2026-11-05"),
        ("transfer", "SO-B", "SO-A", None, "2026-11-06")]
    assert moves[1]["reason"] == "Đất do Sở B quản lý"
    assert moves[2]["reason"].startswith("Theo đề xuất của cơ quan trả lại")
    visited = [a.code for a in inspection.bounce_agencies(inspection.bounce_path(case))]
    assert visited == ["SO-A", "SO-B", "SO-A"]
    app.config["REQUIRE_2FA_ROLES"] = ""
    login(w.inspector)
    listed = client.get("/inspection/cases?flag=evaded").get_data(as_text=True)
    assert case.tracking_code in listed


def test_probe_withdrawn_evaded_case_refuses_a_lead_cleanly(w, make_case, client, login):
    """Withdrawn while bouncing: the clocks stop, the evasion's escalation lapses as ended
    (a judgement of the round, taken up: it stayed open in the lists for ever); the
    supervisor's lead form then says why it cannot (422), nothing moves."""
    case = _evaded_and_accepted_at_c(w, make_case)
    workflow.withdraw(case, "Công dân rút đơn", w.head_c, NOW, TODAY,
                      decided_on=date(2026, 11, 12))
    assert case.status == "withdrawn" and all(d.met_on for d in case.deadlines)
    [e] = _escalations(case)
    assert e.lapsed_at is not None and e.lapse_reason == rules.LAPSE_ENDED
    db.session.commit()
    login(w.province_head)
    answer = client.post(f"/escalations/{e.id}/lead",
                         data={f"lead{e.id}-agency_code": "SO-C", f"lead{e.id}-note": "x",
                               f"lead{e.id}-confirm": "y"})
    assert answer.status_code == 422
    db.session.expire_all()
    assert db.session.get(Case, case.id).lead_agency_id is None
    assert db.session.scalar(select(Routing.id).where(Routing.case_id == case.id,
                                                      Routing.action == "designate_lead")) \
        is None


def test_probe_the_trail_names_the_agency_a_case_leaves(w, make_case):
    """A judgement of the round, taken up: the audit events of a return and a transfer
    name the agency the case left ("from"), as the routing rows do, so the timeline of a
    bounced case reads who sent it where."""
    case = _case(w, make_case)
    _route(case, "SO-A", w, date(2026, 11, 3))
    _transfer(case, "SO-B", w.head_a, date(2026, 11, 4))
    _return(case, "SO-C", w.head_b, date(2026, 11, 5))
    events = {e.action: json.loads(e.data) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id))}
    assert (events["transferred"]["from"], events["transferred"]["to"]) == ("SO-A", "SO-B")
    assert (events["returned"]["from"], events["returned"]["suggested"]) == ("SO-B", "SO-C")
