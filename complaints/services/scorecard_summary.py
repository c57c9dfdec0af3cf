"""The scorecard's daily summary: count per agency and day, rebuild, and keep it honest.

The additive figures of the scorecard (services/scorecard.py) are counted per agency and
day by `count_days`, straight from the raw tables. `rebuild` stores those counts in the
summary tables (models/scorecard.py) for whole days before `today` and lists the days as
built; the scorecard reads the summary for built days and calls `count_days` for the rest
(today, and any day changed since its last build), so its figures are the same either way.

Days are unlisted ("dirty") in the same transaction as the change, by a flush listener on
the ORM session: any new, changed or deleted routing, deadline, escalation or rating
unlists its own day(s); a case whose holder, reception agency, flags or receipt day change
unlists every day its facts fall on (they are attributed to the agency holding it now,
except escalations: they keep the agency answerable when they were raised); a
calendar override unlists every built day from its date on (working days change). Bulk
Core writes bypass the listener and must call `unlist` themselves (the escalation sweep
does) or be followed by `rebuild` (the demo bulk loader does).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cache

from sqlalchemy import and_, bindparam, case, delete, event, func, insert, or_, select, text
from sqlalchemy.orm import Session, aliased

from complaints.clock import LOCAL_TZ, local_day
from complaints.domain import escalation as rules
from complaints.extensions import db
from complaints.models import (
    CalendarOverride,
    Case,
    CaseDeadline,
    CitizenFeedback,
    Escalation,
    Routing,
    ScorecardBuiltDay,
    ScorecardDay,
    ScorecardEscalation,
    ScorecardRereceipt,
    StageSpell,
)
from complaints.services.calendar import get_calendar

RECEIVING = ("route", "transfer", "designate_lead")
_REBUILD_LOCK = 0x5C0AEC4D  # the advisory lock the summary's rebuilds take (PostgreSQL)
EVADING = rules.BOUNCING_MOVES
STAGE_COLUMNS = {"handling": ("handled", None, "handled_days"),
                 "acceptance": ("accepted", "accepted_on_time", "accepted_days"),
                 "resolution": ("resolved", "resolved_on_time", "resolved_days")}
COUNT_COLUMNS = ("received", "handled", "handled_days", "accepted", "accepted_on_time",
                 "accepted_days", "resolved", "resolved_on_time", "resolved_days", "evasions",
                 "repeated", "mass", "ratings_sum", "ratings_count")

Ranges = list[tuple[date, date]]
# Runs of days per statement: `_in` writes one OR term per run, and SQLite refuses an
# expression deeper than 1000 (QA round 60: a long period over scattered unbuilt days
# answered 503). Statements over more runs are made per chunk and their sums added.
MAX_RANGES = 200


@dataclass
class Counts:
    """Additive figures of one agency (over a day or summed over days)."""

    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_COLUMNS, 0))
    escalations: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    # (day received again, day last received before) → cases
    rereceipts: dict[tuple[date, date], int] = field(default_factory=lambda: defaultdict(int))

    def add(self, other: Counts) -> None:
        for key, value in other.values.items():
            self.values[key] += value
        for level, n in other.escalations.items():
            self.escalations[level] += n
        for key, n in other.rereceipts.items():
            self.rereceipts[key] += n

    def received_in(self, start: date) -> int:
        """Distinct cases received in a period starting on `start` (the days summed here)."""
        again = sum(n for (_day, previous), n in self.rereceipts.items() if previous >= start)
        return self.values["received"] - again


def ranges_of(days: Iterable[date]) -> Ranges:
    """Collapse days into sorted inclusive (first, last) runs of consecutive days."""
    out: Ranges = []
    for day in sorted(set(days)):
        if out and out[-1][1] + timedelta(days=1) == day:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def _in(column, ranges: Ranges):
    return or_(*(column.between(a, b) if a != b else column == a for a, b in ranges))


def _chunks(ranges: Ranges) -> Iterator[Ranges]:
    for index in range(0, len(ranges), MAX_RANGES):
        yield ranges[index:index + MAX_RANGES]


def not_overtaken():
    """SQL: the escalation still counts (Escalation): only a lapse as "overtaken" (a due
    date decided while the deadline ran, entered late) says it should not have been raised
    (QA round 11); the workbook's escalation sheet lists by the same test (QA round 60)."""
    return or_(Escalation.lapse_reason.is_(None),
               Escalation.lapse_reason != rules.LAPSE_OVERTAKEN)


def _midnight(day: date) -> datetime:
    """The UTC moment a Vietnamese day begins (ratings are stored in UTC)."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def _accepted():
    """The acceptance stage stopped by an acceptance (thụ lý): the case's resolution clock
    started that day. A refusal (không thụ lý) or a withdrawal also stops the acceptance
    clock, but starts none, and is no acceptance; a later withdrawal does not undo one.

    The holding agency's resolution deadline exists only while its acceptance stands (a
    return, a transfer or a lead designation drops it and restarts or drops the acceptance
    stage, whose day the flush listener then unlists), and keeps its start through
    extensions, suspensions and recomputations.
    """
    resolution = aliased(CaseDeadline)
    return (select(resolution.id)
            .where(resolution.case_id == CaseDeadline.case_id,
                   resolution.stage == "resolution",
                   resolution.start_on == CaseDeadline.met_on)
            .exists())


def _add_stages(out: dict[tuple[int, date], Counts], calendar, rows) -> None:
    """Add completed stages (agency, stage, start, met, count, on time) to the day counts."""
    for agency_id, stage, begun, met, n, ok in rows:
        done, timely, days = STAGE_COLUMNS[stage]
        values = out[(agency_id, met)].values
        values[done] += n
        if timely:
            values[timely] += int(ok or 0)
        values[days] += max(0, calendar.working_days_between(begun, met)) * n


def count_days(ranges: Ranges, agency_ids: list[int] | None = None
               ) -> dict[tuple[int, date], Counts]:
    """Count the additive scorecard figures per (agency, day) over the given day ranges.

    Attribution is the scorecard's (see services/scorecard.py). agency_ids=None: all.
    """
    out: dict[tuple[int, date], Counts] = defaultdict(Counts)
    if not ranges:
        return out
    if len(ranges) > MAX_RANGES:
        for chunk in _chunks(ranges):  # disjoint days: each (agency, day) from one chunk
            for key, counts in count_days(chunk, agency_ids).items():
                out[key].add(counts)
        return out

    def only(column):
        return [column.in_(agency_ids)] if agency_ids is not None else []

    # Received: distinct cases per day, and the day each was last received before.
    earlier = aliased(Routing)
    previous = (select(func.max(earlier.decided_on))
                .where(earlier.case_id == Routing.case_id,
                       earlier.to_agency_id == Routing.to_agency_id,
                       earlier.action.in_(RECEIVING), earlier.decided_on < Routing.decided_on)
                .scalar_subquery())
    for agency_id, day, _case_id, before in db.session.execute(
            select(Routing.to_agency_id, Routing.decided_on, Routing.case_id, previous)
            .where(Routing.action.in_(RECEIVING), _in(Routing.decided_on, ranges),
                   Routing.to_agency_id.is_not(None), *only(Routing.to_agency_id))
            .group_by(Routing.to_agency_id, Routing.decided_on, Routing.case_id)):
        counts = out[(agency_id, day)]
        counts.values["received"] += 1
        if before is not None:
            counts.rereceipts[(day, before)] += 1

    # Stages completed: count, on time, working days (handling: the reception agency).
    calendar = get_calendar()
    holder = case((CaseDeadline.stage == "handling", Case.reception_agency_id),
                  else_=Case.agency_id)
    on_time = case((CaseDeadline.met_on <= CaseDeadline.due_on, 1), else_=0)
    _add_stages(out, calendar, db.session.execute(
            select(holder, CaseDeadline.stage, CaseDeadline.start_on, CaseDeadline.met_on,
                   func.count(), func.sum(on_time))
            .join(Case, Case.id == CaseDeadline.case_id)
            # Each stage's case looked up in the narrow holders index, not the wide table.
            .with_hint(Case, "INDEXED BY ix_cases_holders", "sqlite")
            .where(_in(CaseDeadline.met_on, ranges), holder.is_not(None), *only(holder),
                   or_(CaseDeadline.stage != "acceptance", _accepted()))
            .group_by(holder, CaseDeadline.stage, CaseDeadline.start_on, CaseDeadline.met_on)))

    # Acceptances given by an agency the case has left since: to that agency's credit (a
    # move starts the acceptance stage again at the next holder; see models.StageSpell).
    spell_on_time = case((StageSpell.met_on <= StageSpell.due_on, 1), else_=0)
    _add_stages(out, calendar, db.session.execute(
            select(StageSpell.agency_id, StageSpell.stage, StageSpell.start_on,
                   StageSpell.met_on, func.count(), func.sum(spell_on_time))
            .where(_in(StageSpell.met_on, ranges), *only(StageSpell.agency_id))
            .group_by(StageSpell.agency_id, StageSpell.stage, StageSpell.start_on,
                      StageSpell.met_on)))

    # Against the agency answerable when it was raised, not the case's holder today: a
    # transfer after the overdue does not hand it to the next agency.
    for agency_id, day, level, n in db.session.execute(
            select(Escalation.agency_id, Escalation.as_of, Escalation.level, func.count())
            .where(_in(Escalation.as_of, ranges), Escalation.agency_id.is_not(None),
                   not_overtaken(),
                   *only(Escalation.agency_id))
            .group_by(Escalation.agency_id, Escalation.as_of, Escalation.level)):
        out[(agency_id, day)].escalations[level] += n

    for agency_id, day, n in db.session.execute(
            select(Routing.from_agency_id, Routing.decided_on, func.count())
            .join(Case, Case.id == Routing.case_id)
            .where(Routing.action.in_(EVADING), Case.flag_evaded.is_(True),
                   _in(Routing.decided_on, ranges), Routing.from_agency_id.is_not(None),
                   *only(Routing.from_agency_id))
            .group_by(Routing.from_agency_id, Routing.decided_on)):
        out[(agency_id, day)].values["evasions"] += n

    # A case no agency holds (not routed yet, returned, or closed at the desk) counts at the
    # desk that received it, as its open and overdue figures do (QA 92: a mass petition
    # waiting at the desk was on no card while the inspectors' home counted it).
    answerable = func.coalesce(Case.agency_id, Case.reception_agency_id)
    for agency_id, day, repeated, mass in db.session.execute(
            select(answerable, Case.received_on,
                   func.sum(case((Case.flag_repeated.is_(True), 1), else_=0)),
                   func.sum(case((Case.flag_mass.is_(True), 1), else_=0)))
            .where(_in(Case.received_on, ranges), answerable.is_not(None),
                   (Case.flag_repeated.is_(True)) | (Case.flag_mass.is_(True)),
                   *only(answerable))
            .group_by(answerable, Case.received_on)):
        values = out[(agency_id, day)].values
        values["repeated"] += int(repeated or 0)
        values["mass"] += int(mass or 0)

    # Ratings by the Vietnamese day they were given: a period runs from Vietnamese midnight
    # to Vietnamese midnight, as every other fact's day (QA round 60: 03:00 in Hà Nội on the
    # 15th, 20:00 UTC on the 14th, fell in the period before).
    moments = [(_midnight(a), _midnight(b + timedelta(days=1))) for a, b in ranges]
    for agency_id, moment, total in db.session.execute(
            select(Case.agency_id, CitizenFeedback.created_at,
                   CitizenFeedback.rating_result + CitizenFeedback.rating_service)
            .join(Case, Case.id == CitizenFeedback.case_id)
            .where(or_(*(and_(CitizenFeedback.created_at >= a, CitizenFeedback.created_at < b)
                         for a, b in moments)),
                   Case.agency_id.is_not(None), *only(Case.agency_id))):
        values = out[(agency_id, local_day(moment))].values
        values["ratings_sum"] += total
        values["ratings_count"] += 1
    return out


def read(start: date, end: date, today: date, agency_ids: list[int]) -> dict[int, Counts]:
    """Sum the additive figures per agency over [start, end]: summary for built days before
    `today`, counted live for the others."""
    built_until = min(end, today - timedelta(days=1))
    built = set(db.session.scalars(
        select(ScorecardBuiltDay.day).where(ScorecardBuiltDay.day.between(start, built_until))))
    built_ranges = ranges_of(built)
    live_ranges = ranges_of(d for d in _days(start, end) if d not in built)
    out: dict[int, Counts] = defaultdict(Counts)
    for (agency_id, _day), counts in count_days(live_ranges, agency_ids).items():
        out[agency_id].add(counts)
    sums = [func.coalesce(func.sum(getattr(ScorecardDay, c)), 0) for c in COUNT_COLUMNS]
    for chunk in _chunks(built_ranges):
        for agency_id, *values in db.session.execute(
                select(ScorecardDay.agency_id, *sums)
                .where(_in(ScorecardDay.day, chunk), ScorecardDay.agency_id.in_(agency_ids))
                .group_by(ScorecardDay.agency_id)):
            counts = out[agency_id]
            for column, value in zip(COUNT_COLUMNS, values, strict=True):
                counts.values[column] += int(value)
        for agency_id, level, n in db.session.execute(
                select(ScorecardEscalation.agency_id, ScorecardEscalation.level,
                       func.sum(ScorecardEscalation.count))
                .where(_in(ScorecardEscalation.day, chunk),
                       ScorecardEscalation.agency_id.in_(agency_ids))
                .group_by(ScorecardEscalation.agency_id, ScorecardEscalation.level)):
            out[agency_id].escalations[level] += int(n)
        for agency_id, day, before, n in db.session.execute(
                select(ScorecardRereceipt.agency_id, ScorecardRereceipt.day,
                       ScorecardRereceipt.previous_on, ScorecardRereceipt.count)
                .where(_in(ScorecardRereceipt.day, chunk),
                       ScorecardRereceipt.previous_on >= start,
                       ScorecardRereceipt.agency_id.in_(agency_ids))):
            out[agency_id].rereceipts[(day, before)] += n
    return out


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def first_day() -> date | None:
    """The earliest day any scorecard fact falls on (None: no facts at all)."""
    firsts = [db.session.scalar(select(func.min(column))) for column in (
        Case.received_on, Routing.decided_on, CaseDeadline.met_on, Escalation.as_of)]
    rated = db.session.scalar(select(func.min(CitizenFeedback.created_at)))
    firsts.append(local_day(rated) if rated is not None else None)
    return min((d for d in firsts if d is not None), default=None)


@dataclass
class RebuildSummary:
    first: date | None = None
    last: date | None = None
    days: int = 0
    rows: int = 0


def rebuild(today: date, start: date | None = None, only_dirty: bool = False,
            chunk_days: int = 31) -> RebuildSummary:
    """Count and store the summary for the days from `start` (default: the first day with
    facts) to the day before `today`, and list them as built. only_dirty: just the days
    not listed as built. Flushes; the caller commits (per chunk if it wants)."""
    summary = RebuildSummary()
    # Two schedulers fire the nightly rebuild in the same minute: on PostgreSQL the second
    # waits here for the first to commit, then finds its days built (QA round 31: both
    # inserted the same days' rows and one failed). SQLite's write lock orders them anyway.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _REBUILD_LOCK})
    start = start or first_day()
    last = today - timedelta(days=1)
    if start is None or start > last:
        return summary
    days = list(_days(start, last))
    if only_dirty:
        built = set(db.session.scalars(select(ScorecardBuiltDay.day)
                                       .where(ScorecardBuiltDay.day.between(start, last))))
        days = [d for d in days if d not in built]
    summary.first, summary.last = (days[0], days[-1]) if days else (None, None)
    for index in range(0, len(days), chunk_days):
        chunk = ranges_of(days[index:index + chunk_days])
        summary.rows += _store(chunk)
        summary.days += len(days[index:index + chunk_days])
    return summary


def _store(ranges: Ranges) -> int:
    for table in (ScorecardDay, ScorecardEscalation, ScorecardRereceipt, ScorecardBuiltDay):
        db.session.execute(delete(table).where(_in(table.day, ranges)))
    counted = count_days(ranges)
    rows, escalations, rereceipts = [], [], []
    for (agency_id, day), counts in counted.items():
        rows.append({"agency_id": agency_id, "day": day, **counts.values})
        escalations.extend({"agency_id": agency_id, "day": day, "level": level, "count": n}
                           for level, n in counts.escalations.items() if n)
        rereceipts.extend({"agency_id": agency_id, "day": day, "previous_on": before,
                           "count": n} for (_day, before), n in counts.rereceipts.items())
    for table, values in ((ScorecardDay, rows), (ScorecardEscalation, escalations),
                          (ScorecardRereceipt, rereceipts)):
        if values:
            db.session.execute(insert(table), values)
    db.session.execute(insert(ScorecardBuiltDay),
                       [{"day": d} for a, b in ranges for d in _days(a, b)])
    db.session.flush()
    return len(rows)


def unlist(days: Iterable[date], session: Session | None = None) -> None:
    """Mark days as no longer built (their summary is recounted live until rebuilt)."""
    days = sorted({d for d in days if d is not None})
    if not days:
        return
    connection = (session or db.session).connection()
    for index in range(0, len(days), 500):
        connection.execute(_unlist(), {"days": days[index:index + 500]})


@cache
def _unlist():
    """Built once: every intake runs it."""
    table = ScorecardBuiltDay.__table__
    return delete(table).where(table.c.day.in_(bindparam("days", expanding=True)))


# --------------------------------------------------------------------------------------
# Dirty-day tracking: a flush listener on every ORM session
# --------------------------------------------------------------------------------------

_CASE_ATTRIBUTION = ("agency_id", "reception_agency_id", "flag_evaded", "flag_repeated",
                     "flag_mass", "received_on")
_FACT_DAYS = {Routing: ("decided_on",), CaseDeadline: ("met_on",), Escalation: ("as_of",),
              CitizenFeedback: ("created_at",), StageSpell: ("met_on",)}


def _values(obj, name: str, changed_only: bool) -> list:
    """The attribute's current value and its value before this flush (if changed)."""
    from sqlalchemy import inspect

    history = inspect(obj).attrs[name].history
    if changed_only and not history.has_changes():
        return []
    values = [*history.added, *history.deleted, *history.unchanged]
    return [local_day(v) if isinstance(v, datetime) else v for v in values if v is not None]


def _before_flush(session: Session, _context, _instances) -> None:
    days: set[date] = set()
    cases: set[int] = set()
    since: list[date] = []
    for obj, deleted in ([(o, False) for o in session.new] + [(o, False) for o in session.dirty]
                         + [(o, True) for o in session.deleted]):
        kind = type(obj)
        if kind in _FACT_DAYS:
            if obj in session.dirty and not session.is_modified(obj):
                continue
            for name in _FACT_DAYS[kind]:
                days.update(_values(obj, name, changed_only=False))
            if kind is Routing and obj.case_id is not None:
                cases.add(obj.case_id)  # later receipts' "last received before" may move
        elif kind is Case:
            if obj in session.new:
                days.update(_values(obj, "received_on", changed_only=False))
                continue
            touched = False
            for name in _CASE_ATTRIBUTION:
                found = _values(obj, name, changed_only=not deleted)
                touched = touched or bool(found)
                if name == "received_on":
                    days.update(found)
            if touched and obj.id is not None:
                cases.add(obj.id)
        elif kind is CalendarOverride:
            since.extend(_values(obj, "day", changed_only=False))
    if days or cases or since:
        session.info.setdefault("scorecard_dirty", []).append((days, cases, since))


def _after_flush(session: Session, _context) -> None:
    pending = session.info.pop("scorecard_dirty", None)
    if not pending:
        return
    connection = session.connection()
    if connection.execute(select(ScorecardBuiltDay.day).limit(1)).first() is None:
        return  # nothing built: nothing to unlist
    days: set[date] = set()
    cases: set[int] = set()
    for more_days, more_cases, since in pending:
        days |= more_days
        cases |= more_cases
        if since:
            connection.execute(delete(ScorecardBuiltDay.__table__)
                               .where(ScorecardBuiltDay.__table__.c.day >= min(since)))
    if cases:
        ids = sorted(cases)
        for statement in (
                select(Routing.decided_on).where(Routing.case_id.in_(ids)),
                select(CaseDeadline.met_on).where(CaseDeadline.case_id.in_(ids),
                                                  CaseDeadline.met_on.is_not(None)),
                select(Case.received_on).where(Case.id.in_(ids))):
            days.update(connection.execute(statement).scalars())
        days.update(local_day(m) for m in connection.execute(
            select(CitizenFeedback.created_at).where(CitizenFeedback.case_id.in_(ids))).scalars())
    unlist(days, session)


event.listen(Session, "before_flush", _before_flush)
event.listen(Session, "after_flush", _after_flush)
