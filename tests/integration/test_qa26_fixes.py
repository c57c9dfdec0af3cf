"""QA26: defects in the official report figures and the inspectors' scorecard.

Units: province P (root), department D, commune C, reception desk DESK. Complaint
acceptance is 7 working days from routing, complaint and denunciation resolution 30
calendar days from acceptance (domain.md). Every test here fails on a product defect.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from complaints.domain import reports as forms
from complaints.extensions import db
from complaints.services import reports, scorecard, workflow
from tests.conftest import TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")

Q3 = forms.quarter_period(2026, 3)  # 15/06 – 14/09/2026
OCT = (date(2026, 10, 1), date(2026, 10, 31))


def _on(day):
    return datetime(day.year, day.month, day.day, 3, tzinfo=timezone.utc)


@pytest.fixture
def world(make_agency, make_user, make_case):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    d = make_agency(code="D", parent=p, level="department", name="Sở")
    c = make_agency(code="C", parent=p, level="commune", name="Xã")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban TCD")
    r = make_user("reception", agency=desk)

    def new(kind="complaint", received=date(2026, 7, 1)):
        return make_case(r, kind=kind, received_on=received, today=received,
                         now=_on(received))

    return {"P": p, "D": d, "C": c, "DESK": desk, "new": new,
            "inspector": make_user("inspector")}


def _do(fn, *args, on):
    """A step decided and entered on the same day `on`."""
    return fn(*args, _on(on), on, decided_on=on)


def _accepted(world, received, routed, accepted, unit="D", kind="complaint"):
    case = world["new"](kind, received)
    _do(workflow.route, case, unit, None, on=routed)
    _do(workflow.accept, case, None, on=accepted)
    return case


def _cards(world, start=OCT[0], end=OCT[1]):
    return {c.agency.code: c
            for c in scorecard.scorecards(world["inspector"], start, end, TODAY)}


def test_03_gqkn_withdrawal_during_suspension_is_counted_late(world):
    """03/GQKN counts a matter withdrawn while its clock was suspended as resolved LATE.

    domain.md: suspension (tạm đình chỉ) stops the clock; it resumes from the decision to
    continue. reports.md: resolved matters are counted on time or late (03/GQKN 9 / 10=4-9).
    Hand count: complaint accepted by D 03/07/2026, due 03/08 (30 days, 02/08 a Sunday);
    suspended 10/07 with 24 days left; withdrawn 20/08 while still suspended. The clock never
    ran past its due day, so column 9 (on time) = 1 and column 10 (late) = 0.
    Observed: 9 = 0, 10 = 1, because workflow.withdraw stamps met_on = 20/08 on the
    resolution deadline whose due_on still reads 03/08 (resume() is what shifts it), and
    services/reports._on_time compares met_on <= due_on.
    """
    case = _accepted(world, date(2026, 7, 1), date(2026, 7, 2), date(2026, 7, 3))
    assert case.deadline("resolution").due_on == date(2026, 8, 3)
    _do(workflow.suspend, case, "Chờ kết quả giám định", None, on=date(2026, 7, 10))
    _do(workflow.withdraw, case, "Rút đơn", None, on=date(2026, 8, 20))
    db.session.commit()
    report = reports.build_report("03/GQKN", "P", Q3)
    d = {u.code: r for u, r in zip(report.units, report.rows, strict=True)}["D"]
    assert {k: d[k] for k in ("4", "8", "18", "9", "10")} == {
        "4": 1, "8": 1, "18": 1, "9": 1, "10": 0}


def test_scorecard_withdrawal_during_suspension_is_scored_late(world):
    """The scorecard's "share resolved on time" counts a matter withdrawn while suspended as
    late (same root cause as the 03/GQKN test, in scorecard_summary.count_days: on time is
    met_on <= due_on, with due_on never moved by a suspension that did not end).

    Hand count: accepted by D 02/09/2026, due 02/10; suspended 10/09; withdrawn 20/10 while
    suspended (clock stopped, 22 days left). October: resolved 1, resolved on time 1
    (component 1.0). Observed: resolved 1, on time 0 (component 0.0), dragging D's score.
    """
    case = _accepted(world, date(2026, 9, 1), date(2026, 9, 1), date(2026, 9, 2))
    assert case.deadline("resolution").due_on == date(2026, 10, 2)
    _do(workflow.suspend, case, "Chờ kết quả giám định", None, on=date(2026, 9, 10))
    _do(workflow.withdraw, case, "Rút đơn", None, on=date(2026, 10, 20))
    db.session.commit()
    m = _cards(world)["D"].metrics
    assert (m.resolved, m.resolved_on_time) == (1, 1)


def test_scorecard_late_acceptance_is_erased_by_a_later_transfer(world):
    """An agency's late acceptance vanishes from a closed period's scorecard when it later
    transfers the case away, and its score jumps.

    domain.md (measures inspectors use): on-time acceptance rate per agency. The product's
    own rule (domain.escalation.answerable): "a later transfer must not carry the overdue to
    the next holder (đùn đẩy would clear the scorecard of the agency that let the deadline
    pass)". Hand count, October 2026: complaint routed to D 02/10 (acceptance due 13/10),
    accepted by D 14/10 (one day late) -> D accepted 1, on time 0, and that must stay so
    after D transfers the case to C on 20/11. Observed after the transfer: D accepted 0
    (component left out), D's score 16.7 -> 50.0, and C does not get it either.
    Cause: workflow.transfer restarts the acceptance deadline row (set_deadline clears
    met_on) and drops the resolution row, and scorecard_summary.count_days counts an
    acceptance only from those current rows attributed to Case.agency_id (the holder now);
    no history is read, unlike reports' report_history.moved_spells.
    """
    a = world["new"]("complaint", date(2026, 10, 2))
    _do(workflow.route, a, "D", None, on=date(2026, 10, 2))
    assert a.deadline("acceptance").due_on == date(2026, 10, 13)
    _do(workflow.accept, a, None, on=date(2026, 10, 14))
    db.session.commit()
    before = _cards(world)["D"].metrics
    assert (before.accepted, before.accepted_on_time) == (1, 0)
    _do(workflow.transfer, a, "C", "Thuộc thẩm quyền xã", None, on=date(2026, 11, 20))
    db.session.commit()
    after = _cards(world)["D"].metrics
    assert (after.accepted, after.accepted_on_time) == (1, 0)


def test_scorecard_evasion_escalation_is_charged_to_the_innocent_recipient(world,
                                                                          make_agency):
    """The evasion (đùn đẩy) escalation is scored against the agency the case was just
    bounced TO, which did nothing, and not against the agencies that bounced it.

    domain.md: evaded = returned or transferred twice or more; escalated to the lowest
    common supervisor. Hand count, October 2026: routed to D 01/10; D returns it 02/10;
    routed to C 03/10; C transfers it to commune E 05/10 -> second bounce, evaded, level-2
    escalation raised 05/10. The agencies answerable are D and C (each has evasions = 1 on
    its card); E received the case that very day. Expected: E's card shows no escalation.
    Observed: E's card shows {2: 1}. Cause: escalation_patterns._raise stores
    agency_id = answerable(CASE_STAGE, case.agency_id, ...), read after the move already set
    case.agency_id to the recipient E.
    """
    make_agency(code="E", parent=world["P"], level="commune", name="Xã E")
    case = world["new"]("complaint", date(2026, 10, 1))
    _do(workflow.route, case, "D", None, on=date(2026, 10, 1))
    _do(workflow.return_case, case, "Không thuộc thẩm quyền", "C", None, on=date(2026, 10, 2))
    _do(workflow.route, case, "C", None, on=date(2026, 10, 3))
    _do(workflow.transfer, case, "E", "Thuộc xã E", None, on=date(2026, 10, 5))
    assert case.flag_evaded
    db.session.commit()
    cards = _cards(world)
    assert (cards["D"].metrics.evasions, cards["C"].metrics.evasions) == (1, 1)
    assert cards["E"].metrics.escalations == {}
