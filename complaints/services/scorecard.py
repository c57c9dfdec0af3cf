"""Agency scorecards: per-period figures counted in SQL for all agencies at once, scored.

Attribution (shown on the page with the score rules):
- received: distinct cases routed, transferred or designated to the agency in the period;
- accepted / resolved on time: the case's acceptance / resolution deadline completed in
  the period (met_on) by the agency now holding it; on time when met_on <= due_on;
- average working days per stage: start_on → met_on in working days (calendar service);
  handling counts for the reception agency, the other stages for the holding agency;
- overdue now: open cases held with a stage past due on the given day;
- escalations by level: escalations dated in the period on cases the agency holds;
- evasions: returns and transfers made by the agency in the period on cases flagged
  evaded; repeated / mass: flagged cases held, received in the period;
- reception: the leader's own reception days (held in person) in the required blocks;
- satisfaction: citizens' ratings given in the period on the agency's cases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, case, exists, func, select

from complaints.domain import scoring, states
from complaints.extensions import db
from complaints.models import (
    Agency,
    Case,
    CaseDeadline,
    CitizenFeedback,
    Escalation,
    ReceptionSession,
    Routing,
    ScoreWeight,
    User,
)
from complaints.services import audit
from complaints.services.calendar import get_calendar
from complaints.services.errors import NotAllowed, ValidationFailed

STAGES = ("handling", "acceptance", "resolution")


@dataclass
class Card:
    agency: Agency
    metrics: scoring.Metrics
    components: dict[str, float | None] = field(default_factory=dict)
    score: float | None = None
    rank: int | None = None
    reception_gaps: list[tuple[date, date]] = field(default_factory=list)


def weights() -> dict[str, int]:
    """The score weights: the admin's rows, defaults for any metric not yet stored."""
    stored = {w.metric: w.weight for w in db.session.scalars(select(ScoreWeight))}
    return {code: stored.get(code, default)
            for code, (_vi, _en, default) in scoring.COMPONENTS.items()}


def set_weights(values: dict[str, int], actor: User, now: datetime) -> dict[str, int]:
    """Store new score weights (admin only), audited."""
    if actor.role != "admin":
        raise NotAllowed("Chỉ quản trị viên được sửa trọng số.")
    errors = {code: "Nhập số nguyên từ 0 đến 100."
              for code, value in values.items()
              if code not in scoring.COMPONENTS or not isinstance(value, int)
              or not 0 <= value <= 100}
    if not errors and sum(values.values()) == 0:
        errors = {code: "Tổng trọng số phải lớn hơn 0." for code in values}
    if errors:
        raise ValidationFailed(errors)
    before = weights()
    rows = {w.metric: w for w in db.session.scalars(select(ScoreWeight))}
    for code, value in values.items():
        row = rows.get(code) or ScoreWeight(metric=code,
                                            description=scoring.COMPONENTS[code][0])
        row.weight = value
        db.session.add(row)
    db.session.flush()
    audit.record("score_weights", "score_weights_changed", actor, now,
                 {"before": before, "after": weights()})
    return weights()


def agencies_for(user: User) -> list[Agency]:
    """The agencies whose cards this user may see: all for inspectors, own for heads."""
    query = select(Agency).where(Agency.active.is_(True), Agency.is_inspectorate.is_(False))
    if user.role not in ("inspector", "admin"):
        query = query.where(Agency.id == user.agency_id)
    return list(db.session.scalars(query.order_by(Agency.name)))


def _between(column, start: date, end: date):
    return column.between(start, end)


def _grouped(query) -> dict:
    return {row[0]: row[1:] for row in db.session.execute(query)}


def scorecards(user: User, start: date, end: date, today: date) -> list[Card]:
    """Count, score and rank the cards of every agency this user may see for [start, end]."""
    agencies = agencies_for(user)
    ids = [a.id for a in agencies]
    cards = {a.id: Card(a, scoring.Metrics()) for a in agencies}
    if not ids:
        return []

    received = _grouped(
        select(Routing.to_agency_id, func.count(func.distinct(Routing.case_id)))
        .where(Routing.action.in_(("route", "transfer", "designate_lead")),
               _between(Routing.decided_on, start, end), Routing.to_agency_id.in_(ids))
        .group_by(Routing.to_agency_id))
    for agency_id, (n,) in received.items():
        cards[agency_id].metrics.received = n

    _stages(cards, ids, start, end)

    late = exists().where(CaseDeadline.case_id == Case.id, CaseDeadline.met_on.is_(None),
                          CaseDeadline.due_on < today)
    rows = _grouped(
        select(Case.agency_id, func.count(), func.sum(case((late, 1), else_=0)))
        .where(Case.status.in_(states.OPEN_STATUSES), Case.agency_id.in_(ids))
        .group_by(Case.agency_id))
    for agency_id, (n, overdue) in rows.items():
        cards[agency_id].metrics.open_now = n
        cards[agency_id].metrics.overdue_now = int(overdue or 0)

    for agency_id, level, n in db.session.execute(
            select(Case.agency_id, Escalation.level, func.count())
            .join(Case, Case.id == Escalation.case_id)
            .where(_between(Escalation.as_of, start, end), Case.agency_id.in_(ids))
            .group_by(Case.agency_id, Escalation.level)):
        cards[agency_id].metrics.escalations[level] = n

    evasions = _grouped(
        select(Routing.from_agency_id, func.count())
        .join(Case, Case.id == Routing.case_id)
        .where(Routing.action.in_(("return", "transfer")), Case.flag_evaded.is_(True),
               _between(Routing.decided_on, start, end), Routing.from_agency_id.in_(ids))
        .group_by(Routing.from_agency_id))
    for agency_id, (n,) in evasions.items():
        cards[agency_id].metrics.evasions = n

    flags = _grouped(
        select(Case.agency_id,
               func.sum(case((Case.flag_repeated.is_(True), 1), else_=0)),
               func.sum(case((Case.flag_mass.is_(True), 1), else_=0)))
        .where(_between(Case.received_on, start, end), Case.agency_id.in_(ids),
               (Case.flag_repeated.is_(True)) | (Case.flag_mass.is_(True)))
        .group_by(Case.agency_id))
    for agency_id, (repeated, mass) in flags.items():
        cards[agency_id].metrics.repeated = int(repeated or 0)
        cards[agency_id].metrics.mass = int(mass or 0)

    _reception(cards, ids, start, end)
    _satisfaction(cards, ids, start, end)

    weight = weights()
    for card in cards.values():
        card.components = scoring.components(card.metrics)
        card.score = scoring.score(card.metrics, weight)
    ranked = scoring.rank({a: cards[a].score for a in cards})
    out = []
    for agency_id, _score, position in ranked:
        cards[agency_id].rank = position
        out.append(cards[agency_id])
    return out


def _stages(cards: dict[int, Card], ids: list[int], start: date, end: date) -> None:
    """One pass over the deadlines completed in the period: counts, on time, working days.

    Rows are grouped by (agency, stage, start, completion) so that identical date pairs are
    counted in working days once; handling counts for the reception agency.
    """
    calendar = get_calendar()
    holder = case((CaseDeadline.stage == "handling", Case.reception_agency_id),
                  else_=Case.agency_id)
    on_time = case((CaseDeadline.met_on <= CaseDeadline.due_on, 1), else_=0)
    rows = db.session.execute(
        select(holder, CaseDeadline.stage, CaseDeadline.start_on, CaseDeadline.met_on,
               func.count(), func.sum(on_time))
        .join(Case, Case.id == CaseDeadline.case_id)
        .where(_between(CaseDeadline.met_on, start, end), holder.in_(ids))
        .group_by(holder, CaseDeadline.stage, CaseDeadline.start_on, CaseDeadline.met_on))
    sums: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for agency_id, stage, begun, met, n, ok in rows:
        days = max(0, calendar.working_days_between(begun, met))
        total = sums[(agency_id, stage)]
        total[0] += days * n
        total[1] += n
        total[2] += int(ok or 0)
    for card in cards.values():
        m = card.metrics
        for stage in STAGES:
            days, n, ok = sums.get((card.agency.id, stage), (0, 0, 0))
            m.working_days[stage] = round(days / n, 1) if n else None
            if stage == "acceptance":
                m.accepted, m.accepted_on_time = n, ok
            elif stage == "resolution":
                m.resolved, m.resolved_on_time = n, ok


def _reception(cards: dict[int, Card], ids: list[int], start: date, end: date) -> None:
    """The leader's own reception days against the required weekly or monthly blocks."""
    held: dict[int, list[date]] = defaultdict(list)
    for agency_id, day in db.session.execute(
            select(ReceptionSession.agency_id, ReceptionSession.held_on).distinct()
            .where(ReceptionSession.agency_id.in_(ids),
                   ReceptionSession.kind.in_(scoring.LEADER_KINDS),
                   _between(ReceptionSession.held_on, start, end))):
        held[agency_id].append(day)
    for card in cards.values():
        level = card.agency.level
        days = held.get(card.agency.id, [])
        card.metrics.reception_required = scoring.required_reception_days(level, start, end)
        card.metrics.reception_held = scoring.held_in_required(level, days, start, end)
        card.reception_gaps = scoring.reception_gaps(level, days, start, end)


def _satisfaction(cards: dict[int, Card], ids: list[int], start: date, end: date) -> None:
    since = datetime.combine(start, time.min, tzinfo=timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.utc)
    rating = (CitizenFeedback.rating_result + CitizenFeedback.rating_service) / 2.0
    rows = _grouped(
        select(Case.agency_id, func.avg(rating), func.count())
        .join(Case, Case.id == CitizenFeedback.case_id)
        .where(and_(CitizenFeedback.created_at >= since, CitizenFeedback.created_at < until),
               Case.agency_id.in_(ids))
        .group_by(Case.agency_id))
    for agency_id, (avg, n) in rows.items():
        cards[agency_id].metrics.satisfaction_avg = round(float(avg), 2)
        cards[agency_id].metrics.satisfaction_count = n
