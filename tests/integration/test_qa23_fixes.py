"""QA round 23: defects of the escalation machinery (sweep, ladder targets, lapses, flags).

Each test fails because of a product defect; its docstring says what is wrong and what is
right (domain.md of the specification)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case, Escalation
from complaints.services import admin, escalation_notify, inspection, workflow
from complaints.services.escalation import escalate_due
from tests.conftest import NOW, TODAY
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)
from tests.integration.test_escalation_world import ladder_dates


def _rows(case: Case) -> list[Escalation]:
    db.session.expire_all()
    return list(db.session.scalars(select(Escalation).where(Escalation.case_id == case.id)
                                   .order_by(Escalation.id)))


def _deactivate(agency, actor, **changes) -> None:
    """Close an agency through the admin service, as an administrator would."""
    data = admin.AgencyData(code=agency.code, name=agency.name, level=agency.level,
                            parent_code=agency.parent.code if agency.parent else None,
                            is_inspectorate=agency.is_inspectorate,
                            is_reception_desk=agency.is_reception_desk, active=False,
                            reason="Sáp nhập theo quyết định của tỉnh", **changes)
    admin.update_agency(agency, data, actor, NOW)
    db.session.flush()


def test_urging_skips_a_closed_parent_agency(world, make_agency, make_user, make_case):
    """Level 2 (đôn đốc) goes to an inactive parent agency, whose accounts are all locked.

    The admin may close a department that holds no case and no active account while its
    sub-agencies (chi cục) go on. A case overdue at the sub-agency is then "urged" to the
    closed department: the escalation, its in-app notice and its daily reminder are
    addressed to an agency nobody can sign in to, so nobody above the holder hears of it
    until level 3 — the case is quietly dropped for five working days.
    Expected: a closed agency in the ladder is skipped; the urging goes to the nearest
    active supervisor (here UBND). domain.md, "Escalation ladder": level 2 goes to "the
    head of the supervising (parent) agency" — one that exists.
    At fault: services/escalation_notify.py Directory (reads Agency.active nowhere;
    _target / root / inspectorate pick inactive agencies); same for evasion's
    lowest_common_supervisor in escalation_patterns.check_evasion.
    """
    old = make_agency("SO-OLD", parent=world.province, name="Sở cũ (đã sáp nhập)")
    sub = make_agency("CHI-CUC", parent=old, name="Chi cục")
    make_user("agency_head", sub, "head_sub")
    _deactivate(old, make_user("admin", username="quantri"))
    assert not old.active
    case = make_case(actor=world.reception, received_on=date(2026, 10, 1))
    workflow.route(case, "CHI-CUC", world.reception, NOW, TODAY, decided_on=date(2026, 10, 2))
    db.session.flush()
    escalate_due(ladder_dates(case)[2], NOW)
    (row,) = _rows(case)
    assert row.level == 2
    assert row.to_agency.code == "UBND", f"urged to the closed agency {row.to_agency.code}"


def test_evasion_skips_a_closed_common_supervisor(world, make_agency, make_user, make_case):
    """An evaded case (đùn đẩy) bounced between two sub-agencies of a closed department is
    escalated to that closed department, which nobody can sign in to: nobody designates
    the lead agency. Expected: the lowest ACTIVE agency supervising both (UBND).
    domain.md, "Patterns that escalate at once": evaded → "the lowest agency that
    supervises all agencies involved, which must designate the lead agency".
    At fault: escalation_patterns.check_evasion / Directory (no Agency.active filter)."""
    old = make_agency("SO-OLD", parent=world.province, name="Sở cũ (đã sáp nhập)")
    one = make_agency("CC-1", parent=old, name="Chi cục 1")
    two = make_agency("CC-2", parent=old, name="Chi cục 2")
    head1, head2 = make_user("agency_head", one, "h1"), make_user("agency_head", two, "h2")
    _deactivate(old, make_user("admin", username="quantri"))
    case = make_case(actor=world.reception, received_on=date(2026, 10, 1))
    day = date(2026, 10, 2)
    workflow.route(case, "CC-1", world.reception, NOW, TODAY, decided_on=day)
    workflow.transfer(case, "CC-2", "Không thuộc thẩm quyền", head1, NOW, TODAY, decided_on=day)
    workflow.transfer(case, "CC-1", "Không thuộc thẩm quyền", head2, NOW, TODAY, decided_on=day)
    (row,) = [r for r in _rows(case) if r.reason == "evaded"]
    assert row.to_agency.code == "UBND", f"evasion sent to the closed agency {row.to_agency.code}"


def test_inspection_level_skips_a_closed_inspectorate(world, make_agency, make_user,
                                                      routed_case):
    """Level 3 (and the repeated/mass patterns) go to the nearest inspectorate even when it
    is closed: after the province replaced its inspectorate (old one closed, its inspectors
    moved to the new one), escalations still land in the closed one's queue.
    Expected: the active inspectorate (TTT2). domain.md: level 3 → "the inspectorate's
    queue". At fault: escalation_notify.Directory.inspectorate (domain
    nearest_inspectorate is given inactive inspectorates)."""
    new = make_agency("TTT2", parent=world.province, name="Thanh tra thành phố",
                      is_inspectorate=True)
    world.inspector.agency = new
    db.session.flush()
    _deactivate(world.inspectorate, make_user("admin", username="quantri"))
    escalate_due(ladder_dates(routed_case)[3], NOW)
    (row,) = _rows(routed_case)
    assert row.level == 3
    assert row.to_agency.code == "TTT2", f"sent to the closed inspectorate {row.to_agency.code}"


def test_a_withdrawn_cases_escalations_lapse_and_are_not_reminded(world, routed_case):
    """After every petitioner withdrew (rút đơn) the case is over, yet its open escalation
    (here level 2 "urged" to UBND) stays open, unlapsed, and the UBND head is reminded of
    it every morning, forever, until someone acknowledges a case nothing can be done on.
    Expected: as for a transfer or return (supersede_ended: "their addressees can no longer
    act on them"), the withdrawal closes the open ladder escalations, recorded as lapsed
    with a reason, and the daily reminder does not list them.
    At fault: services/workflow.withdraw (no supersede/lapse of ladder escalations);
    escalation_notify.remind_unacknowledged (reminds regardless of the case's status)."""
    case = routed_case
    dates = ladder_dates(case)
    escalate_due(dates[2], NOW)
    after = dates[2] + timedelta(days=1)
    workflow.withdraw(case, "Công dân rút đơn", world.reception, NOW, after, decided_on=after)
    db.session.flush()
    assert db.session.get(Case, case.id).status == "withdrawn"
    assert escalation_notify.remind_unacknowledged(after + timedelta(days=2), NOW) == 0
    assert all(r.lapsed_at is not None and r.lapse_reason for r in _rows(case))


def test_a_withdrawn_case_is_no_longer_flagged_overdue(world, routed_case):
    """A case flagged overdue and then withdrawn keeps flag_overdue (and its escalation
    level): its page shows the "Quá hạn" badge and the inspectors' search filtered on
    "Quá hạn" lists it, though nothing is owed any more (domain.md: withdrawn — the case
    ends; "closed: nothing more is owed"). Expected: a case whose clocks stopped is not
    flagged overdue. At fault: services/deadlines.refresh_attention returns early for a
    final status without clearing flag_overdue / escalation_level (only resolve clears it)."""
    case = routed_case
    dates = ladder_dates(case)
    escalate_due(dates[1], NOW)
    after = dates[1] + timedelta(days=1)
    workflow.withdraw(case, "Công dân rút đơn", world.reception, NOW, after, decided_on=after)
    db.session.flush()
    db.session.expire_all()
    c = db.session.get(Case, case.id)
    assert c.status == "withdrawn"
    listed = inspection.cases_page(world.inspector, inspection.CaseFilter(flag="overdue"))
    assert "overdue" not in c.flags
    assert c.id not in [row.case.id for row in listed.rows]


def test_a_suspended_case_is_not_flagged_overdue(world, routed_case):
    """A case flagged overdue during resolution and then suspended (tạm đình chỉ) keeps
    flag_overdue and shows "Quá hạn" in every list with the filter "Quá hạn", while its
    clock is stopped. domain.md: "Suspension stops the clock"; states.CLOCK_RUNNING: a
    suspended case "is neither overdue nor near its deadline however its stored due date
    compares with today". Expected: not flagged overdue while suspended (the flag returns
    on resumption if the time given back does not cover it).
    At fault: services/deadlines.refresh_attention (suspended: returns early, the flag
    stays)."""
    case = routed_case
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=date(2026, 10, 5))
    db.session.flush()
    as_of = case.deadline("resolution").due_on + timedelta(days=1)
    escalate_due(as_of, NOW)
    assert db.session.get(Case, case.id).flag_overdue
    # Decided on the due date, entered the day after the sweep flagged it: the clock was
    # stopped in time. (Decided after the due date, it stops nothing and the case stays
    # late: QA 104, test_qa104_overdue_then_suspended.)
    workflow.suspend(case, "Chờ kết quả giám định", world.head_a, NOW, as_of,
                     decided_on=case.deadline("resolution").due_on)
    db.session.flush()
    db.session.expire_all()
    c = db.session.get(Case, case.id)
    assert c.status == "suspended"
    listed = inspection.cases_page(world.inspector,
                                   inspection.CaseFilter(flag="overdue", status="open"))
    assert "overdue" not in c.flags
    assert c.id not in [row.case.id for row in listed.rows]


def test_a_day_off_entered_late_takes_the_overdue_back(world, routed_case, make_user):
    """The administrator enters the government's extra day off (here Monday 05/10/2026)
    after the sweep flagged a case overdue on 14/10 against a due date of 13/10. The
    recomputation moves the due date to 14/10, so the case was not overdue on 14/10, yet
    the level-1 "overdue" escalation stands (not lapsed), the case stays flagged overdue
    and the agency is scored for it; the ladder will not raise the real overdue of 15/10.
    Expected: as for an extension or resumption entered late (lapse_overtaken,
    LAPSE_OVERTAKEN), an overdue step the new due date has not reached lapses and the flag
    is cleared. domain.md, "Counting days": "A change to the calendar recomputes open
    deadlines." At fault: services/deadlines.recompute_open / escalation.recompute_attention
    (only next_attention_on is recomputed; no lapse_overtaken, no flag refresh)."""
    case = routed_case
    assert case.deadline("acceptance").due_on == date(2026, 10, 13)
    escalate_due(date(2026, 10, 14), NOW)
    assert db.session.get(Case, case.id).flag_overdue
    admin.add_calendar_override(date(2026, 10, 5), "day_off", "Nghỉ bù theo QĐ 1/QĐ-UBND",
                                make_user("admin", username="quantri"), NOW)
    db.session.flush()
    db.session.expire_all()
    c = db.session.get(Case, case.id)
    assert c.deadline("acceptance").due_on == date(2026, 10, 14)
    (row,) = _rows(c)
    assert row.lapsed_at is not None and row.lapse_reason == "overtaken"
    assert not c.flag_overdue
