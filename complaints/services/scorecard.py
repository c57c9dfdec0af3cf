"""Agency scorecards: per-period figures counted in SQL for all agencies at once, scored.

Attribution (shown on the page with the score rules):
- received: distinct cases routed, transferred or designated to the agency in the period;
- accepted / resolved on time: the case's acceptance / resolution deadline completed in
  the period (met_on) by the agency now holding it, or, for an acceptance, by the agency
  that gave it when a move has taken the case away since (models.StageSpell); on time
  when met_on <= due_on. Only an acceptance (thụ lý) completes the acceptance stage for
  the scorecard: a refusal (không thụ lý) or a withdrawal before acceptance stops that
  clock too but is no acceptance, and counts neither in "accepted", its on-time share
  nor its average working days. A withdrawal after acceptance does complete the resolution
  stage: the official forms count a matter "withdrawn after explanation" among those
  resolved (reports.md; 03/GQKN, 04/GQTC), so "resolved" here counts it too, on time or
  late by its date;
- average working days per stage: start_on → met_on in working days (calendar service);
  handling counts for the reception agency, the other stages for the holding agency;
- overdue now: open cases held with a stage past due on the given day;
- escalations by level: escalations dated in the period, against the agency answerable
  when each was raised;
- evasions: returns and transfers made by the agency in the period on cases flagged
  evaded; repeated / mass: flagged cases held, received in the period;
- reception: the leader's own reception days (held in person) in the required blocks;
- satisfaction: citizens' ratings given in the period on the agency's cases.

The additive figures come from the per-agency daily summary for days already built and are
counted live for the others (services/scorecard_summary.py); open and overdue now are
counted live from the indexed columns.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from complaints.domain import scoring, states
from complaints.domain.messages import N_
from complaints.domain.text import name_order
from complaints.extensions import db
from complaints.models import (
    Agency,
    Case,
    ReceptionSession,
    ScoreWeight,
    User,
)
from complaints.services import audit, queries, scorecard_summary
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
        raise NotAllowed(N_("Chỉ quản trị viên được sửa trọng số."))
    errors = {code: N_("Nhập số nguyên từ 0 đến 100.")
              for code, value in values.items()
              if code not in scoring.COMPONENTS or not isinstance(value, int)
              or not 0 <= value <= 100}
    if not errors and sum(values.values()) == 0:
        errors = {code: N_("Tổng trọng số phải lớn hơn 0.") for code in values}
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


def least_on_time(user: User, start: date, end: date, today: date, limit: int) -> list[Card]:
    """The agencies that resolved cases late in [start, end], lowest share on time first
    (the most resolved first on a tie); agencies all on time or with none resolved are left
    out. Reads only the additive daily figures, not the whole scorecard."""
    agencies = {a.id: a for a in agencies_for(user)}
    if not agencies:
        return []
    measured = []
    for agency_id, counts in scorecard_summary.read(start, end, today, list(agencies)).items():
        card = Card(agencies[agency_id], scoring.Metrics())
        _apply(card.metrics, counts, start)
        rate = card.metrics.resolution_rate
        if rate is not None and rate < 1:
            measured.append(card)
    measured.sort(key=lambda c: (c.metrics.resolution_rate, -c.metrics.resolved,
                                 name_order(c.agency.name)))
    return measured[:limit]


def agencies_for(user: User) -> list[Agency]:
    """The agencies whose cards this user may see: all for inspectors, own for heads.

    Closed agencies too: their figures stay in the periods they worked in, as in the official
    reports (QA round 60: a closed unit's late resolutions vanished from past periods and
    the others' ranks changed); `scorecards` leaves out a closed one with nothing in the
    period."""
    query = select(Agency).where(Agency.is_inspectorate.is_(False))
    if user.role not in ("inspector", "admin"):
        query = query.where(Agency.id == user.agency_id)
    return sorted(db.session.scalars(query), key=lambda a: name_order(a.name))


def _between(column, start: date, end: date):
    return column.between(start, end)


def scorecards(user: User, start: date, end: date, today: date) -> list[Card]:
    """Count, score and rank the cards of every agency this user may see for [start, end]."""
    agencies = agencies_for(user)
    ids = [a.id for a in agencies]
    cards = {a.id: Card(a, scoring.Metrics()) for a in agencies}
    if not ids:
        return []

    # The additive figures: the daily summary for built days, counted live for the rest.
    totals = scorecard_summary.read(start, end, today, ids)
    for agency_id, counts in totals.items():
        _apply(cards[agency_id].metrics, counts, start)

    # Open and overdue now, live: open cases by holder, and the running stages past due
    # (the partial index ix_case_deadlines_running) on open cases.
    for agency_id, n in db.session.execute(
            select(Case.agency_id, func.count())
            .where(Case.status.in_(states.OPEN_STATUSES), Case.agency_id.in_(ids))
            .group_by(Case.agency_id)):
        cards[agency_id].metrics.open_now = n
    # A case no agency holds waits at the desk that received it, which answers for its
    # handling deadline (QA round 15: the desk's card showed 0/0 beside its escalations).
    at_desk = (Case.agency_id.is_(None), Case.status.in_(states.OPEN_STATUSES))
    for agency_id, n in db.session.execute(
            select(Case.reception_agency_id, func.count())
            .where(*at_desk, Case.reception_agency_id.in_(ids))
            .group_by(Case.reception_agency_id)):
        cards[agency_id].metrics.open_now += n
    # A case is overdue when its earliest unmet stage is past due: cases.running_due_on,
    # read from ix_cases_running_due alone. No agency filter in SQL, and SQLite is told the
    # index (with the status test it would drive from the 600k open cases instead).
    for agency_id, n in db.session.execute(
            select(Case.agency_id, func.count())
            .with_hint(Case, "INDEXED BY ix_cases_running_due", "sqlite")
            .where(Case.running_due_on.is_not(None), Case.running_due_on < today,
                   queries.clock_counts(Case.running_due_on))
            .group_by(Case.agency_id)):
        if agency_id in cards:
            cards[agency_id].metrics.overdue_now = n
    for agency_id, n in db.session.execute(
            select(Case.reception_agency_id, func.count())
            .where(*at_desk, Case.running_due_on.is_not(None), Case.running_due_on < today,
                   Case.status.in_(states.CLOCK_RUNNING), Case.reception_agency_id.in_(ids))
            .group_by(Case.reception_agency_id)):
        cards[agency_id].metrics.overdue_now += n

    _reception(cards, ids, start, end, today)
    for agency_id, card in list(cards.items()):
        if not card.agency.active and not _worked(card.metrics):
            del cards[agency_id]

    # The period has begun and the records reach into it: duties count as data (has_data).
    first = db.session.scalar(select(func.min(Case.received_on)))
    standing = start <= today and first is not None and first <= end
    weight = weights()
    for card in cards.values():
        card.components = scoring.components(card.metrics)
        card.score = scoring.score(card.metrics, weight, standing)
    ranked = scoring.rank({a: cards[a].score for a in cards})
    out = []
    for agency_id, _score, position in ranked:
        cards[agency_id].rank = position
        out.append(cards[agency_id])
    return out


def _worked(m: scoring.Metrics) -> bool:
    """Whether a closed agency has figures in the period (events, or cases still open): its
    card is kept; the reception duty it no longer has is no figure."""
    return scoring.has_data(m) or bool(m.open_now)


def _apply(m: scoring.Metrics, counts: scorecard_summary.Counts, start: date) -> None:
    """Set the period's additive metrics from the summed daily counts."""
    v = counts.values
    m.received = counts.received_in(start)
    m.accepted, m.accepted_on_time = v["accepted"], v["accepted_on_time"]
    m.resolved, m.resolved_on_time = v["resolved"], v["resolved_on_time"]
    for stage, (done, _timely, days) in scorecard_summary.STAGE_COLUMNS.items():
        m.working_days[stage] = round(v[days] / v[done], 1) if v[done] else None
    m.escalations = {level: n for level, n in sorted(counts.escalations.items()) if n}
    m.evasions, m.repeated, m.mass = v["evasions"], v["repeated"], v["mass"]
    if v["ratings_count"]:
        m.satisfaction_avg = round(v["ratings_sum"] / 2 / v["ratings_count"], 2)
        m.satisfaction_count = v["ratings_count"]


def _reception(cards: dict[int, Card], ids: list[int], start: date, end: date,
               today: date) -> None:
    """The leader's own reception days against the weekly or monthly blocks over by today."""
    held: dict[int, list[date]] = defaultdict(list)
    for agency_id, day in db.session.execute(
            select(ReceptionSession.agency_id, ReceptionSession.held_on).distinct()
            .where(ReceptionSession.agency_id.in_(ids),
                   ReceptionSession.kind.in_(scoring.LEADER_KINDS),
                   ReceptionSession.scheduled.is_(True),
                   _between(ReceptionSession.held_on, start, end))):
        held[agency_id].append(day)
    for card in cards.values():
        level = card.agency.level
        days = held.get(card.agency.id, [])
        card.metrics.reception_required = scoring.required_reception_days(level, start, end,
                                                                          today)
        card.metrics.reception_held = scoring.held_in_required(level, days, start, end, today)
        card.reception_gaps = scoring.reception_gaps(level, days, start, end, today)
