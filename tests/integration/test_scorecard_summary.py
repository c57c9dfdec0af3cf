"""The scorecard's daily summary agrees with a direct count over the raw rows.

A seeded generator builds cases through the services (routes, transfers back and forth,
returns, acceptances and resolutions on time or late), plus ratings, escalations and flags
on past days. For several periods the scorecard's figures are compared with a direct
computation (the queries the scorecard ran before the summary existed, kept here as the
reference): with nothing built (all live), after `rebuild`, after further changes made
without a rebuild (the dirty-day listener must unlist the days they touch), and after the
job's dirty-only rebuild.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import and_, case, exists, func, or_, select

from complaints.domain import states
from complaints.extensions import db
from complaints.models import (
    Case,
    CaseDeadline,
    CitizenFeedback,
    Escalation,
    Routing,
    ScorecardBuiltDay,
)
from complaints.services import admin, scorecard, scorecard_summary, workflow
from complaints.services.calendar import get_calendar
from complaints.services.errors import NotAllowed, ValidationFailed
from tests.conftest import TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")

FIRST = date(2026, 8, 3)
CODES = ("D1", "D2", "C1", "C2")


def _on(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, tzinfo=timezone.utc)


def _direct(ids: list[int], start: date, end: date, today: date) -> dict[int, dict]:
    """The scorecard's additive figures counted straight from the raw rows."""
    out: dict[int, dict] = defaultdict(lambda: {"escalations": {}, "working_days": {}})
    for agency_id, n in db.session.execute(
            select(Routing.to_agency_id, func.count(func.distinct(Routing.case_id)))
            .where(Routing.action.in_(("route", "transfer", "designate_lead")),
                   Routing.decided_on.between(start, end), Routing.to_agency_id.in_(ids))
            .group_by(Routing.to_agency_id)):
        out[agency_id]["received"] = n
    calendar = get_calendar()
    holder = case((CaseDeadline.stage == "handling", Case.reception_agency_id),
                  else_=Case.agency_id)
    sums: dict = defaultdict(lambda: [0, 0, 0])
    # The acceptance stage counts only when the case was accepted (thụ lý) that day: not
    # when a refusal (không thụ lý) or a withdrawal stopped its clock.
    accepted = or_(CaseDeadline.stage != "acceptance",
                   Case.accepted_on == CaseDeadline.met_on)
    for agency_id, stage, begun, met, ok in db.session.execute(
            select(holder, CaseDeadline.stage, CaseDeadline.start_on, CaseDeadline.met_on,
                   CaseDeadline.met_on <= CaseDeadline.due_on)
            .join(Case, Case.id == CaseDeadline.case_id)
            .where(CaseDeadline.met_on.between(start, end), holder.in_(ids), accepted)):
        total = sums[(agency_id, stage)]
        total[0] += max(0, calendar.working_days_between(begun, met))
        total[1] += 1
        total[2] += int(bool(ok))
    for (agency_id, stage), (days, n, ok) in sums.items():
        out[agency_id]["working_days"][stage] = round(days / n, 1)
        if stage != "handling":
            out[agency_id][stage] = (n, ok)
    late = exists().where(CaseDeadline.case_id == Case.id, CaseDeadline.met_on.is_(None),
                          CaseDeadline.due_on < today)
    for agency_id, n, overdue in db.session.execute(
            select(Case.agency_id, func.count(), func.sum(case((late, 1), else_=0)))
            .where(Case.status.in_(states.OPEN_STATUSES), Case.agency_id.in_(ids))
            .group_by(Case.agency_id)):
        out[agency_id]["open"] = (n, int(overdue or 0))
    for agency_id, level, n in db.session.execute(
            select(Escalation.agency_id, Escalation.level, func.count())
            .where(Escalation.as_of.between(start, end), Escalation.agency_id.in_(ids))
            .group_by(Escalation.agency_id, Escalation.level)):
        out[agency_id]["escalations"][level] = n
    for agency_id, n in db.session.execute(
            select(Routing.from_agency_id, func.count())
            .join(Case, Case.id == Routing.case_id)
            .where(Routing.action.in_(("return", "transfer")), Case.flag_evaded.is_(True),
                   Routing.decided_on.between(start, end), Routing.from_agency_id.in_(ids))
            .group_by(Routing.from_agency_id)):
        out[agency_id]["evasions"] = n
    for agency_id, repeated, mass in db.session.execute(
            select(Case.agency_id, func.sum(case((Case.flag_repeated.is_(True), 1), else_=0)),
                   func.sum(case((Case.flag_mass.is_(True), 1), else_=0)))
            .where(Case.received_on.between(start, end), Case.agency_id.in_(ids))
            .group_by(Case.agency_id)):
        out[agency_id]["flags"] = (int(repeated or 0), int(mass or 0))
    since = datetime.combine(start, time.min, tzinfo=timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.utc)
    rating = (CitizenFeedback.rating_result + CitizenFeedback.rating_service) / 2.0
    for agency_id, avg, n in db.session.execute(
            select(Case.agency_id, func.avg(rating), func.count())
            .join(Case, Case.id == CitizenFeedback.case_id)
            .where(and_(CitizenFeedback.created_at >= since, CitizenFeedback.created_at < until),
                   Case.agency_id.in_(ids))
            .group_by(Case.agency_id)):
        out[agency_id]["satisfaction"] = (round(float(avg), 2), n)
    return out


def _figures(card: scorecard.Card) -> dict:
    m = card.metrics
    return {"received": m.received, "acceptance": (m.accepted, m.accepted_on_time),
            "resolution": (m.resolved, m.resolved_on_time),
            "working_days": {k: v for k, v in m.working_days.items() if v is not None},
            "open": (m.open_now, m.overdue_now), "escalations": m.escalations,
            "evasions": m.evasions, "flags": (m.repeated, m.mass),
            "satisfaction": (m.satisfaction_avg, m.satisfaction_count)}


def _expected(raw: dict) -> dict:
    return {"received": raw.get("received", 0), "acceptance": raw.get("acceptance", (0, 0)),
            "resolution": raw.get("resolution", (0, 0)), "working_days": raw["working_days"],
            "open": raw.get("open", (0, 0)), "escalations": raw["escalations"],
            "evasions": raw.get("evasions", 0), "flags": raw.get("flags", (0, 0)),
            "satisfaction": raw.get("satisfaction", (None, 0))}


def _check(user, periods) -> int:
    compared = 0
    for start, end in periods:
        cards = scorecard.scorecards(user, start, end, TODAY)
        direct = _direct([c.agency.id for c in cards], start, end, TODAY)
        for card in cards:
            raw = direct[card.agency.id]
            raw.setdefault("escalations", {})
            raw.setdefault("working_days", {})
            assert _figures(card) == _expected(raw), (card.agency.code, start, end)
            compared += 1
    return compared


def _build(rng: random.Random, make_agency, make_user, make_case) -> dict:
    p = make_agency(code="P", level="province")
    for code in CODES:
        make_agency(code=code, parent=p, level="commune" if code[0] == "C" else "department")
    desk = make_agency(code="DESK", parent=p, level="desk")
    reception = make_user("reception", agency=desk)
    made = []
    for _n in range(28):
        day = FIRST + timedelta(days=rng.randrange(0, 100))
        c = make_case(reception, received_on=day, today=day, now=_on(day))
        made.append(c)
        holder = rng.choice(CODES)
        steps = [("route", holder)]
        for _step in range(rng.randrange(0, 4)):
            other = rng.choice([x for x in CODES if x != holder])
            steps.append((rng.choice(("transfer", "transfer", "return")), other))
            holder = other
        # Mostly accepted; some refused (không thụ lý) or withdrawn before acceptance, which
        # stop the acceptance clock without being acceptances; some withdrawn after it.
        ending = rng.choice(("accept", "accept", "accept", "refuse", "withdraw"))
        steps += [(ending, None)] + ([("resolve", None)] if ending == "accept" else [])
        for action, code in steps:
            day += timedelta(days=rng.choice((0, 1, 2, 3, 8, 12, 35)))
            if day >= TODAY:
                break
            try:
                if action == "route":
                    workflow.route(c, code, None, _on(day), day)
                elif action == "transfer":
                    workflow.transfer(c, code, "Không thuộc thẩm quyền", None, _on(day), day)
                elif action == "return":
                    workflow.return_case(c, "Trả lại", code, None, _on(day), day)
                    workflow.route(c, code, None, _on(day), day)
                elif action == "accept":
                    workflow.accept(c, None, _on(day), day)
                elif action == "refuse":
                    workflow.refuse(c, "Không thụ lý", None, _on(day), day)
                elif action == "withdraw":
                    workflow.withdraw(c, "Rút đơn", None, _on(day), day)
                elif (luck := rng.random()) < 0.15:  # withdrawn after acceptance
                    workflow.withdraw(c, "Rút đơn", None, _on(day), day)
                elif luck < 0.7:
                    workflow.resolve(c, "right", f"{c.id}/QĐ", "Giải quyết", None, _on(day), day)
            except (NotAllowed, ValidationFailed):
                break
        if rng.random() < 0.4:
            rated = day + timedelta(days=rng.randrange(0, 5))
            db.session.add(CitizenFeedback(case_id=c.id, rating_result=rng.randint(1, 5),
                                           rating_service=rng.randint(1, 5),
                                           created_at=_on(min(rated, TODAY))))
        if rng.random() < 0.3:
            db.session.add(Escalation(case_id=c.id, stage="acceptance", level=rng.randint(1, 3),
                                      reason="overdue", as_of=day, created_at=_on(day),
                                      agency_id=c.agency_id))
        c.flag_repeated = rng.random() < 0.2
        c.flag_mass = rng.random() < 0.1
    db.session.commit()
    return {"cases": made, "admin": make_user("admin")}


def _periods(rng: random.Random) -> list[tuple[date, date]]:
    periods = [(FIRST, TODAY), (date(2026, 9, 15), date(2026, 10, 14)),
               (date(2026, 10, 1), TODAY + timedelta(days=10))]
    for _n in range(4):
        start = FIRST + timedelta(days=rng.randrange(0, 110))
        periods.append((start, start + timedelta(days=rng.randrange(0, 60))))
    return periods


@pytest.mark.parametrize("seed", [1, 7, 2026])
def test_summary_agrees_with_direct_count(seed, make_agency, make_user, make_case):
    rng = random.Random(seed)
    world = _build(rng, make_agency, make_user, make_case)
    inspector = make_user("inspector")
    periods = _periods(rng)

    assert _check(inspector, periods)  # nothing built: all counted live

    built = scorecard_summary.rebuild(TODAY)
    db.session.commit()
    assert built.days == (TODAY - built.first).days and built.rows > 0
    assert _check(inspector, periods)  # built days from the summary, today live

    # Changes on past days, no rebuild: the listener unlists the days they touch.
    before = db.session.scalar(select(func.count()).select_from(ScorecardBuiltDay))
    cases = world["cases"]
    moved = next(c for c in cases if c.agency_id is not None)
    moved.agency_id = next(c.agency_id for c in cases
                           if c.agency_id not in (None, moved.agency_id))
    cases[1].flag_evaded = not cases[1].flag_evaded
    cases[2].flag_mass = not cases[2].flag_mass
    db.session.add(CitizenFeedback(case_id=cases[3].id, rating_result=2, rating_service=3,
                                   created_at=_on(date(2026, 10, 20)))
                   if db.session.scalar(select(CitizenFeedback.id).where(
                       CitizenFeedback.case_id == cases[3].id)) is None
                   else Escalation(case_id=cases[3].id, stage="resolution", level=2,
                                   reason="urged", as_of=date(2026, 10, 20),
                                   created_at=_on(date(2026, 10, 20)),
                                   agency_id=cases[3].agency_id))
    deadline = db.session.scalar(select(CaseDeadline).where(CaseDeadline.met_on.is_not(None))
                                 .order_by(CaseDeadline.id))
    deadline.met_on -= timedelta(days=1)
    # Acceptance clocks stopped on past days by a refusal and a withdrawal, and an accepted
    # case withdrawn: none of them an acceptance, each day unlisted by the listener.
    waiting = [c for c in cases if c.status == states.ROUTED]
    past = TODAY - timedelta(days=1)
    for c, act in zip(waiting, ("refuse", "withdraw"), strict=False):
        if act == "refuse":
            workflow.refuse(c, "Không thụ lý", None, _on(TODAY), TODAY, decided_on=past)
        else:
            workflow.withdraw(c, "Rút đơn", None, _on(TODAY), TODAY, decided_on=past)
    taken = next((c for c in cases if c.status == states.ACCEPTED), None)
    if taken is not None:
        workflow.withdraw(taken, "Rút đơn", None, _on(TODAY), TODAY, decided_on=past)
    db.session.commit()
    admin.add_calendar_override(date(2026, 10, 28), "day_off", "Nghỉ bù", world["admin"],
                                _on(date(2026, 10, 27)))
    db.session.commit()
    assert _check(inspector, periods)
    after = db.session.scalar(select(func.count()).select_from(ScorecardBuiltDay))
    assert after < before

    refreshed = scorecard_summary.rebuild(TODAY, only_dirty=True)
    db.session.commit()
    assert refreshed.days == before - after
    assert _check(inspector, periods)


def test_ranges_and_received_again():
    d = date(2026, 10, 1)
    assert scorecard_summary.ranges_of([d + timedelta(days=i) for i in (3, 0, 1, 5, 4)]) == [
        (d, d + timedelta(days=1)), (d + timedelta(days=3), d + timedelta(days=5))]
    counts = scorecard_summary.Counts()
    counts.values["received"] = 3  # one case received on d, d+4 and d+9
    counts.rereceipts[(d + timedelta(days=4), d)] = 1
    counts.rereceipts[(d + timedelta(days=9), d + timedelta(days=4))] = 1
    assert counts.received_in(d) == 1
    later = scorecard_summary.Counts()  # the same case over a period from d+1: d+4, d+9
    later.values["received"] = 2
    later.rereceipts[(d + timedelta(days=4), d)] = 1
    later.rereceipts[(d + timedelta(days=9), d + timedelta(days=4))] = 1
    assert later.received_in(d + timedelta(days=1)) == 1
