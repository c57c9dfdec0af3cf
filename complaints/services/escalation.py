"""Escalation (leo thang): the ladder sweep and the acknowledgement of an escalation.

`escalate_due(as_of, now)` is the one sweep, called by the scheduler job, by
`flask escalate` and by tests. It reads only the cases whose `next_attention_on` has come
(index ix_cases_attention), a chunk at a time, and writes set-based: escalation rows with
INSERT … ON CONFLICT DO NOTHING on (case, stage, start of the stage, level, reason) among the
escalations that stand (not lapsed: ux_escalations_standing), so that a second sweep or a
second instance adds nothing; then, for the rows really inserted, the audit events,
notifications and case updates — all of a case in the same transaction.

Patterns that escalate at once (evaded, repeated, mass) and the lead agency are in
services/escalation_patterns.py; who is told and how in services/escalation_notify.py.
Both are re-exported here for the callers of this module.
"""

from __future__ import annotations

import json
import logging
from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ARRAY, Date, DateTime, any_, bindparam, func, or_, select, text
from sqlalchemy import column as sql_column
from sqlalchemy.dialects.postgresql import distinct_on

from complaints import clock
from complaints.domain import escalation as rules
from complaints.domain import states
from complaints.domain.messages import N_
from complaints.extensions import db
from complaints.models import (
    AuditEvent,
    Case,
    CaseDeadline,
    Escalation,
    EscalationStep,
    JobRun,
    User,
)
from complaints.permissions import can_acknowledge
from complaints.services import audit, deadlines, notifications, scorecard_summary, table_cache
from complaints.services.calendar import get_calendar
from complaints.services.errors import NotAllowed, ValidationFailed
from complaints.services.escalation_notify import (  # noqa: F401  (re-exported)
    Digest,
    Directory,
    mail_rows,
    message,
    notice_rows,
    remind_unacknowledged,
)
from complaints.services.escalation_patterns import (  # noqa: F401  (re-exported)
    check_evasion,
    check_patterns,
    designate_lead,
    lead_candidates,
    open_evasion,
    recheck_mass,
)
from complaints.services.table_cache import RECHECK_SECONDS

logger = logging.getLogger(__name__)

CHUNK = 5000



@dataclass
class SweepSummary:
    """What a sweep did (or, with dry_run, would do)."""

    as_of: date
    dry_run: bool = False
    examined: int = 0
    recomputed: int | None = None  # next attention dates changed after a ladder change
    escalations: Counter = field(default_factory=Counter)  # (level, reason) → count
    notifications: int = 0

    @property
    def escalated(self) -> int:
        return sum(self.escalations.values())


def _among(column, values: list):
    """`column IN values`, with the whole list bound as one parameter.

    A sweep asks about thousands of ids at a time: as thousands of literal parameters,
    the statement costs more to compile than to run. SQLite reads a JSON array with
    json_each, PostgreSQL an array with = ANY.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(select(sql_column("value"))
                      .select_from(func.json_each(json.dumps(list(values)))))


def chain_heads(case_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Return (seq, hash) of the last audit event of each case's chain, in one pass."""
    if not case_ids:
        return {}
    a = AuditEvent.__table__.c
    chains = _among(a.chain, [f"case:{i}" for i in case_ids])
    if db.session.get_bind().dialect.name == "postgresql":
        query = (select(a.chain, a.seq, a.hash).where(chains).ext(distinct_on(a.chain))
                 .order_by(a.chain, a.seq.desc()))
    else:
        # SQLite gives the bare column `hash` from the row that holds max(seq).
        query = select(a.chain, func.max(a.seq), a.hash).where(chains).group_by(a.chain)
    return {int(chain[5:]): (seq, digest) for chain, seq, digest in db.session.execute(query)}


# --- the sweep ------------------------------------------------------------------------


def _due_ids(as_of: date) -> array:
    """Return the ids of the cases due by `as_of`, read through ix_cases_attention.

    Only ids are held (8 bytes each), and the sweep then takes them in id order: the
    case rows and the index entries it writes (audit chain, escalations, notices by case)
    are then neighbours, so each chunk dirties a few pages instead of scattering writes
    over the whole database — on a million cases that is most of the sweep's cost.
    """
    c = Case.__table__.c
    ids = array("q", db.session.execute(select(c.id).where(c.next_attention_on <= as_of))
                .scalars().all())
    return array("q", sorted(ids))


def _due_chunk(ids, as_of: date, lock: bool):
    """Return those of `ids` still due (another instance may have swept some), locked."""
    c = Case.__table__.c
    query = (select(c.id, c.next_attention_on, c.status, c.agency_id, c.reception_agency_id,
                    c.officer_id, c.tracking_code, c.suspended_on)
             .where(_among(c.id, ids), c.next_attention_on <= as_of).order_by(c.id))
    if lock:
        # A second instance skips the cases this one holds instead of waiting for them.
        query = query.with_for_update(skip_locked=True, of=Case.__table__)
    return db.session.execute(query).all()


def _hold_writes(case_id: int) -> None:
    """SQLite: take the write lock before a chunk's reads (a no-op write, as lock_case).

    The driver begins a transaction only at the first write, and the sweep commits after
    each chunk: later chunks were read outside any transaction, so a decision committed
    between the read and the write (a refusal) was written over (QA round 72). Under the
    write lock a decision committed before is read, and one made after waits for the
    chunk's commit.
    """
    db.session.execute(text("UPDATE cases SET id = id WHERE id = :id"), {"id": case_id})


def _running_deadlines(case_ids: list[int]) -> dict[int, tuple[str, date, date]]:
    """Return each case's running stage, due date and the stage's start (the earliest unmet
    deadline)."""
    d = CaseDeadline.__table__.c
    found: dict[int, tuple[str, date, date]] = {}
    rows = db.session.execute(select(d.case_id, d.stage, d.due_on, d.start_on)
                              .where(_among(d.case_id, case_ids), d.met_on.is_(None)))
    for r in rows:
        if r.case_id not in found or r.due_on < found[r.case_id][1]:
            found[r.case_id] = (r.stage, r.due_on, r.start_on)
    return found


def _reached(case_ids: list[int]) -> dict[tuple[int, str, date], int]:
    """The level each (case, stage, start of the stage) reached: a stage started again
    climbs from the bottom, and a lapsed escalation counts for nothing."""
    e = Escalation.__table__.c
    rows = db.session.execute(select(e.case_id, e.stage, e.started_on, func.max(e.level))
                              .where(_among(e.case_id, case_ids), e.lapsed_at.is_(None))
                              .group_by(e.case_id, e.stage, e.started_on))
    return {(case_id, stage, started_on): level
            for case_id, stage, started_on, level in rows}


def escalate_due(as_of: date, now: datetime, dry_run: bool = False, chunk_size: int = CHUNK,
                 commit: Callable[[], None] | None = None) -> SweepSummary:
    """Escalate every case whose next ladder step has come by `as_of` (one sweep).

    Only the level due now is raised (a case that skipped levels gets one escalation).
    `commit`, given by the job and the CLI, is called after each chunk: a crash loses at
    most the chunk in progress, and never half of a case's changes.
    """
    summary = SweepSummary(as_of=as_of, dry_run=dry_run)
    db.session.flush()
    table_cache.recheck_all()  # an admin's change in another process, seconds ago
    if attention_outdated():
        # A dry run recomputes too (its caller rolls everything back), or it would
        # under-report the cases a new rung version brings forward.
        summary.recomputed = catch_up_attention(now, None if dry_run else commit)
    steps = deadlines.ladder()
    cal = get_calendar()
    lock = db.session.get_bind().dialect.name == "postgresql" and not dry_run
    hold = not lock and not dry_run  # SQLite, which has no row lock for _due_chunk
    directory: Directory | None = None
    ladder_dates: dict[tuple[date, int], tuple] = {}
    if not dry_run:  # escalations go in through Core: no flush listener sees them
        scorecard_summary.unlist([as_of])
    due = _due_ids(as_of)
    for start in range(0, len(due), chunk_size):
        if hold:
            _hold_writes(due[start])
        chunk = _due_chunk(due[start:start + chunk_size], as_of, lock)
        if not chunk:
            continue
        summary.examined += len(chunk)
        directory = directory or Directory()
        _sweep_chunk(chunk, as_of, now, steps, cal, directory, summary, dry_run, ladder_dates)
        if commit is not None and not dry_run:
            commit()
    if not dry_run and summary.examined:
        db.session.expire_all()  # the ORM's copies of the swept cases are stale now
    return summary


ATTENTION_JOB = "ladder_attention"  # JobRun: the last recomputation after a ladder change




def attention_outdated() -> bool:
    """Whether some case's next attention date may predate a rung version an
    administrator added: then the sweep recomputes them all before it looks for due cases.

    True when no recomputation finished since the latest version, and also when the last
    one started less than RECHECK_SECONDS after it: other processes hold a copy of the
    ladder for that long, and a case they opened meanwhile got a date from the old one.
    """
    latest = db.session.scalar(select(func.max(EscalationStep.created_at)))
    if latest is None:
        return False  # only the seeded defaults: every date was computed from them
    run = db.session.get(JobRun, ATTENTION_JOB)
    if run is None or run.last_started_at is None or run.last_success_at is None:
        return True
    started = clock.as_utc(run.last_started_at)
    if clock.as_utc(run.last_success_at) < started:
        return True  # the last one did not finish
    return started <= clock.as_utc(latest) + timedelta(seconds=RECHECK_SECONDS)


def catch_up_attention(now: datetime, commit: Callable[[], None] | None = None) -> int:
    """Recompute every next attention date, recording the run (see attention_outdated)."""
    # Two instances may both get here first: the row is made without a key collision.
    notifications.insert_ignoring_duplicates(JobRun.__table__, [{"name": ATTENTION_JOB}])
    run = db.session.get(JobRun, ATTENTION_JOB)
    run.last_started_at = now
    deadlines.invalidate()  # read the ladder as committed, not this process's copy
    changed = recompute_attention(now, commit=commit)
    run = db.session.get(JobRun, ATTENTION_JOB)
    run.last_success_at, run.last_error = now, None
    if commit is not None:
        commit()
    logger.info("next attention dates recomputed after a ladder change: %s changed", changed)
    return changed


def attention_changes(steps: rules.Ladder, chunk_size: int = CHUNK):
    """Yield, per chunk of waiting cases in id order, (case id, stored date, date under
    `steps`) for each case whose next attention date `steps` would change.

    Only cases with a date can change: a case without one is closed, or at the top of the
    ladder, and a rung version neither adds levels nor reopens cases.
    """
    c = Case.__table__.c
    cal = get_calendar()
    ids = array("q", sorted(db.session.execute(
        select(c.id).where(c.next_attention_on.is_not(None))).scalars()))
    decided: dict[tuple[date, int], date | None] = {}
    for start in range(0, len(ids), chunk_size):
        chunk = list(ids[start:start + chunk_size])
        stored = dict(db.session.execute(select(c.id, c.next_attention_on)
                                         .where(_among(c.id, chunk))).all())
        running, reached = _running_deadlines(chunk), _reached(chunk)
        rows = []
        for case_id in chunk:
            if case_id not in running or case_id not in stored:
                continue  # closed meanwhile, or between stages: the next action sets it
            stage, due_on, started_on = running[case_id]
            key = (due_on, reached.get((case_id, stage, started_on), -1))
            if key not in decided:  # many cases share a due date: decide each once
                decided[key] = rules.next_attention(steps.dates(cal, due_on), steps, key[1])
            if decided[key] != stored[case_id]:
                rows.append((case_id, stored[case_id], decided[key]))
        yield rows


def recompute_attention(now: datetime, chunk_size: int = CHUNK,
                        commit: Callable[[], None] | None = None) -> int:
    """Recompute every waiting case's next attention date from the ladder as it is now.

    After an administrator adds a rung version, a case may be due sooner than the date
    stored for it, and the sweep reads only cases due by its day. Returns how many dates
    changed. Racing a sweep is harmless: reading a level before the sweep raised it gives
    an earlier date, and a sweep that finds nothing due on a date writes the right one.
    """
    changed = 0
    for rows in attention_changes(deadlines.ladder(), chunk_size):
        if rows:
            writer = _Writer(now, date.min)
            writer.update("UPDATE cases SET next_attention_on = ? WHERE id = ? "
                          "AND next_attention_on IS NOT NULL",
                          [(writer.day(new) if new else None, case_id)
                           for case_id, _stored, new in rows])
            changed += len(rows)
        if commit is not None:
            commit()
    if changed:
        db.session.expire_all()  # the ORM's copies of these cases are stale now
    return changed


class _Writer:
    """Bulk writes through the driver's executemany: the sweep's hot path.

    SQLAlchemy's per-row parameter processing costs more than SQLite's own insert, so rows
    are plain tuples with values already in the driver's form (the dialect's own DateTime
    and Date processors, applied once per sweep since `now` and `as_of` are constants).
    """

    def __init__(self, now: datetime, as_of: date) -> None:
        conn = db.session.connection()
        self.conn, dialect = conn, conn.dialect
        self.pg = dialect.name == "postgresql"
        self.mark = "%s" if dialect.paramstyle in ("format", "pyformat") else "?"
        stamp = DateTime(timezone=True).dialect_impl(dialect).bind_processor(dialect)
        day = Date().dialect_impl(dialect).bind_processor(dialect)
        self.now = stamp(now) if stamp else now
        self.as_of = day(as_of) if day else as_of
        self.day = day or (lambda value: value)

    def insert(self, table: str, columns: tuple[str, ...], rows: list[tuple],
               ignore_duplicates: bool = False) -> None:
        if not rows:
            return
        marks = ", ".join([self.mark] * len(columns))
        verb = "INSERT OR IGNORE" if ignore_duplicates and not self.pg else "INSERT"
        sql = f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        if ignore_duplicates and self.pg:
            sql += " ON CONFLICT DO NOTHING"
        self.conn.exec_driver_sql(sql, rows)

    def update(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            self.conn.exec_driver_sql(sql.replace("?", self.mark), rows)


ESC_COLUMNS = ("case_id", "stage", "started_on", "level", "reason", "to_agency_id",
               "agency_id", "as_of", "created_at")
AUDIT_COLUMNS = ("chain", "seq", "case_id", "actor_id", "actor_label", "action", "data",
                 "created_at", "prev_hash", "hash")
NOTE_COLUMNS = ("dedupe_key", "channel", "user_id", "agency_id", "email_to", "case_id",
                "escalation_id", "subject", "body", "status", "attempts", "next_attempt_at",
                "created_at")


def _insert_escalations(writer: _Writer, rows: list[tuple], case_ids: list[int],
                        planned: dict[int, tuple[str, date, int, str]]) -> dict[int, int]:
    """Insert the escalations idempotently; return case id → id of the rows WE inserted."""
    if writer.pg:
        # RETURNING names exactly the rows this transaction inserted (not the conflicts).
        e = Escalation.__table__.c
        inserted = notifications.insert_ignoring_duplicates(
            Escalation.__table__, [dict(zip(ESC_COLUMNS, r, strict=True)) for r in rows],
            returning=[e.id, e.case_id])
        return {r.case_id: r.id for r in inserted}
    # SQLite has one writer at a time, and a transaction whose snapshot went stale cannot
    # write: once our insert succeeded, every id above the maximum read in this same
    # transaction is a row we inserted (the ignored duplicates get no id).
    # (The driver starts a transaction only at the first write: a no-op write first, so
    # that the maximum below is read under the write lock that the insert then uses.)
    writer.update("UPDATE cases SET id = id WHERE id = ?", [(case_ids[0],)])
    e = Escalation.__table__.c
    before = db.session.scalar(select(func.coalesce(func.max(e.id), 0)))
    writer.insert("escalations", ESC_COLUMNS, rows, ignore_duplicates=True)
    found = db.session.execute(select(e.id, e.case_id, e.stage, e.started_on, e.level, e.reason)
                               .where(e.id > before))
    return {r.case_id: r.id for r in found
            if planned.get(r.case_id) == (r.stage, r.started_on, r.level, r.reason)}


def _sweep_chunk(chunk, as_of, now, steps, cal, directory: Directory, summary, dry_run,
                 ladder_dates: dict):
    ids = sorted(r.id for r in chunk)
    running = _running_deadlines(ids)
    reached = _reached(ids)
    plans, quiet = {}, []
    for case in sorted(chunk, key=lambda r: r.id):
        stage_due = running.get(case.id)
        # A suspension stops the ladder only if it stopped the clock: decided after the due
        # date, the case stays late and climbs on (QA 106: a head could otherwise keep it
        # from the levels above by suspending it).
        if stage_due is None or case.status in states.FINAL_STATUSES or case.status == \
                states.RESOLVED or states.clock_stopped(case.status, case.suspended_on,
                                                        stage_due[1]):
            quiet.append((None, case.id))
            continue
        stage, due_on, started_on = stage_due
        level_before = reached.get((case.id, stage, started_on), -1)
        key = (due_on, level_before)
        decision = ladder_dates.get(key)
        if decision is None:  # many cases share a due date: decide each (date, level) once
            dates = steps.dates(cal, due_on)
            step = rules.due_step(dates, steps, as_of, level_before)
            decision = ladder_dates[key] = (step, rules.next_attention(
                dates, steps, step.level if step else level_before))
        step, next_on = decision
        if step is None:
            quiet.append((next_on, case.id))
            continue
        plans[case.id] = (case, stage, due_on, step, next_on, started_on)
    for _, _, _, step, _, _ in plans.values():
        summary.escalations[(step.level, step.code)] += 1
    if dry_run:
        mailed = set()
        for case, _stage, _due, step, _, _ in plans.values():
            holder = case.agency_id or case.reception_agency_id
            summary.notifications += len(directory.notified(step.level, holder)) + (
                step.level == 0 and case.officer_id in directory.user)
            mailed.update(p.user_id for p in directory.people(step.level, holder,
                                                              case.officer_id) if p.email)
        summary.notifications += len(mailed)  # one digest per person per chunk
        return
    writer = _Writer(now, as_of)
    set_next = "UPDATE cases SET next_attention_on = ? WHERE id = ?"
    writer.update(set_next, [(writer.day(n) if n else None, i) for n, i in quiet])
    if not plans:
        return
    esc_rows = []
    for case, stage, _due, step, _, started_on in plans.values():
        to, _notify = directory.target(step.level, case.agency_id or case.reception_agency_id)
        esc_rows.append((case.id, stage, writer.day(started_on), step.level, step.code, to,
                         rules.answerable(stage, case.agency_id, case.reception_agency_id),
                         writer.as_of, writer.now))
    new_ids = _insert_escalations(writer, esc_rows, ids, {
        case_id: (stage, started_on, step.level, step.code)
        for case_id, (_, stage, _, step, _, started_on) in plans.items()})
    heads = chain_heads(sorted(new_ids))
    audit_rows, note_rows, case_rows = [], [], []
    digest = Digest()
    label, stamp, bodies = audit.actor_label(None), audit.stamp(now), {}
    for case_id, (case, stage, due_on, step, next_on, _started) in plans.items():
        case_rows.append((step.level, step.level >= 1, writer.day(next_on) if next_on else None,
                          writer.now, case_id))
        esc_id = new_ids.get(case_id)
        if esc_id is None:
            # Someone else already raised it (another instance): count only ours.
            summary.escalations[(step.level, step.code)] -= 1
            continue
        holder = case.agency_id or case.reception_agency_id
        to, _notify = directory.target(step.level, holder)
        seq, prev = heads.get(case_id, (0, audit.GENESIS))
        chain, seq = f"case:{case_id}", seq + 1
        shape = (stage, step.level, step.code, to, due_on)
        if shape not in bodies:
            bodies[shape] = _audit_template(as_of, directory.code.get(to), *shape)
        body = str(esc_id).join(bodies[shape])
        audit_rows.append((chain, seq, case_id, None, label, "escalated", body, writer.now,
                           prev, audit.event_hash(prev, chain, seq, label, "escalated", body,
                                                  stamp)))
        # One notice per notified agency, a personal one for the officer of a reminder,
        # and a line in each person's e-mail digest of this chunk.
        subject, text = message(step.code, stage, step.level, case.tracking_code, "vi", due_on)
        for agency in directory.notified(step.level, holder):
            note_rows.append((f"esc:{esc_id}:a{agency}", notifications.IN_APP, None, agency,
                              None, case_id, esc_id, subject, text, "pending", 0, None,
                              writer.now))
        if step.level == 0 and case.officer_id in directory.user:
            note_rows.append((f"esc:{esc_id}:u{case.officer_id}:app", notifications.IN_APP,
                              case.officer_id, None, None, case_id, esc_id, subject, text,
                              "pending", 0, None, writer.now))
        digest.add(directory.people(step.level, holder, case.officer_id), step.code, stage,
                   step.level, case.tracking_code, due_on)
    if new_ids:
        note_rows += [tuple(r[c] for c in NOTE_COLUMNS)
                      for r in digest.rows(f"e{min(new_ids.values())}", now)]
    writer.insert("audit_events", AUDIT_COLUMNS, audit_rows)
    audit.forget_heads()  # written beside record(): its known heads are stale
    writer.insert("notifications", NOTE_COLUMNS, note_rows, ignore_duplicates=True)
    summary.notifications += len(note_rows)
    writer.update("UPDATE cases SET escalation_level = ?, flag_overdue = ?, "
                  "next_attention_on = ?, updated_at = ? WHERE id = ?", case_rows)


_SENTINEL = 918273645546372819  # stands for the escalation id in a cached audit body


def _audit_template(as_of: date, to_code: str | None, stage: str, level: int, reason: str,
                    _to: int | None, due_on: date) -> list[str]:
    """The canonical audit body of a sweep escalation, split where its id goes.

    Built by canonical_json itself (so the hashed form cannot drift), once per shape.
    """
    parts = audit.canonical_json({
        "escalation": _SENTINEL, "stage": stage, "level": level, "reason": reason,
        "to": to_code, "due_on": due_on, "as_of": as_of}).split(str(_SENTINEL))
    if len(parts) != 2:  # an agency code that holds this very number: never in practice
        raise RuntimeError("cannot template the audit body")
    return parts


# --- acknowledgement ----------------------------------------------------------------------


# The measures an acknowledgement records: each was taken outside the system (a call, a
# meeting, a reassignment), so each says what was done. "set_lead" (rules.ACK_ACTIONS) is
# recorded by designate_lead when the lead agency is designated, never claimed here.
ACKNOWLEDGE_ACTIONS = ("urge", "reassign", "note")


def acknowledge(escalation: Escalation, action: str, note: str | None, actor: User,
                now: datetime) -> Escalation:
    """Record that the addressee saw the escalation and what they did about it."""
    from complaints.services.workflow import hold  # workflow imports this module

    # The case locked and the escalation read again: two acknowledgements at once wrote two
    # events while the row kept the second (QA round 55).
    hold(escalation.case)
    if not can_acknowledge(actor, escalation):
        raise NotAllowed(N_("Chỉ người nhận kiến nghị leo thang mới xác nhận được."))
    errors = {}
    if action == "set_lead":
        errors["action"] = N_("Cơ quan chủ trì được chỉ định bằng mẫu chỉ định (việc chỉ định "
                              "tự ghi nhận kiến nghị), không bằng xác nhận.")
    elif action not in ACKNOWLEDGE_ACTIONS:
        errors["action"] = N_("Chọn biện pháp đã thực hiện.")
    elif rules.awaits_lead(escalation.reason, escalation.case.lead_agency_id,
                           escalation.case.status):
        errors["action"] = N_("Hồ sơ bị đùn đẩy, né tránh: kiến nghị này khép lại khi chỉ "
                              "định cơ quan chủ trì (quyết định bắt buộc), không bằng xác "
                              "nhận.")
    from complaints.services.intake import trail_text  # intake imports us

    # Kept in the case's trail, read by staff who may not know who denounced (QA round 53),
    # as every other text of the trail.
    note = trail_text(note, "note", errors, escalation.case, N_("Nêu nội dung đã thực hiện."))
    if escalation.acknowledged_at is not None:
        errors["action"] = N_("Kiến nghị này đã được xác nhận.")
    if errors:
        raise ValidationFailed(errors)
    escalation.acknowledged_at, escalation.acknowledged_by_id = now, actor.id
    escalation.action_taken, escalation.action_note = action, note
    audit.record_case(escalation.case, "escalation_acknowledged", actor, now, {
        "escalation": escalation.id, "level": escalation.level, "reason": escalation.reason,
        "action": action, "note": escalation.action_note})
    db.session.flush()
    return escalation


def supersede_ended(case: Case, now: datetime,
                    restarted: tuple[str, ...] = ()) -> list[Escalation]:
    """Close the case's open ladder escalations whose stage instance has ended by starting
    again or leaving its holder (rules.ladder_superseded): called by the steps that drop or
    restart a stage (route, return, transfer, lead designation), after they did, naming the
    stages they restarted (`restarted`).

    Their addressees can no longer act on them, so they leave the open lists and the daily
    reminder; they are closed by the system (no user, action "superseded") rather than
    deleted, so that inspectors and the scorecard keep the history.

    A stage restarted from the day the old one started (a move dated the day the case
    arrived) has the same start: its old escalations, answered ones too, lapse as ended,
    or the new holder's ladder would count them as its own and never tell it of its own
    overdue (QA round 28).
    """
    starts = {row.stage: row.start_on for row in case.deadlines}
    ended = [e for e in db.session.scalars(
        select(Escalation).where(Escalation.case_id == case.id,
                                 Escalation.lapsed_at.is_(None),
                                 Escalation.stage != rules.CASE_STAGE)
        .order_by(Escalation.id))
        if (e.acknowledged_at is None and rules.ladder_superseded(e.stage, e.started_on, starts))
        or (e.stage in restarted and starts.get(e.stage) == e.started_on)]
    lapsed = _supersede(case, ended, now, {}, rules.LAPSE_ENDED)
    if any(starts.get(e.stage) == e.started_on for e in lapsed):
        deadlines.refresh_attention(case)  # the running stage's ladder starts again
    return lapsed


def lapse_ended(case: Case, now: datetime) -> list[Escalation]:
    """Close the open ladder escalations of a case that ended before any decision
    (rules.LADDER_ENDS): their addressees can no longer act on them, and the daily reminder
    would list them for ever (QA round 23). Called by the step that ends it. An evasion's
    too: the lead agency it asks for has nothing left to resolve (QA round 37); the mass
    and repeated patterns stay, about the matter and the people rather than this case."""
    if case.id is None or case.status not in rules.LADDER_ENDS:
        return []
    open_ = list(db.session.scalars(
        select(Escalation).where(Escalation.case_id == case.id,
                                 Escalation.acknowledged_at.is_(None),
                                 Escalation.lapsed_at.is_(None),
                                 or_(Escalation.stage != rules.CASE_STAGE,
                                     Escalation.reason == rules.EVADED))
        .order_by(Escalation.id)))
    return _supersede(case, open_, now, {"status": case.status}, rules.LAPSE_ENDED)


def lapse_overtaken(case: Case, now: datetime, today: date | None) -> list[Escalation]:
    """Lapse the overdue steps a running deadline's new due date took back
    (rules.overdue_lapsed): called by the steps that move a due date later (an extension of
    the resolution or of the handling, a resumption), after they did, on the day recorded.

    An extension decided while the deadline ran is often entered after the sweep flagged
    the case overdue: the case is then no longer overdue, and the ladder climbs again from
    level 1 if the new due date passes too. A reminder whose day under the new due date is
    still to come lapses too, so that the agency is reminded again before the extended date
    (rules.overdue_lapsed with reminders); it was sent, so the scorecard still counts it
    (lapsed "ended", _lapse_unreached). An open step is closed by the system
    ("superseded", as in supersede_ended); one its addressee acknowledged keeps what they
    did. Either way it no longer stands (the level reached, the sweep's key).

    `today` None: a calendar or policy change moved the date, not a decision; each step is
    judged on the day it was raised (its as_of), as the sweep would have judged it then.
    """
    runs = running_stages(case)  # one row per (case, stage): a stage runs at most once
    if case.id is None or not runs:
        return []
    lapsed = _unreached(case, runs, today, reminders=True)
    due = {stage: due_on for stage, _start, due_on in runs}
    return _lapse_unreached(case, lapsed, now, {
        "due_on": min((due[e.stage] for e in lapsed), default=None)})


def lapse_met_in_time(case: Case, stage: str, now: datetime) -> list[Escalation]:
    """Lapse the overdue steps of a stage met before they were due: a decision is dated as
    signed, and one entered after the sweep raised "overdue" (an acceptance dated on its due
    date, entered two days later) left the agency flagged, reminded every morning and
    counted late by the scorecard (QA round 58). As lapse_overtaken, judged on the day the
    stage was met: a step whose rung falls after it was never reached.

    The stage's reminder (level 0) still open is closed too, not lapsed: it was right, and
    the step is what answered it; reminded every morning, it asked for what was done."""
    row = case.deadline(stage)
    if case.id is None or row is None or row.met_on is None:
        return []
    standing = [e for e in db.session.scalars(
        select(Escalation).where(Escalation.case_id == case.id,
                                 Escalation.lapsed_at.is_(None),
                                 Escalation.stage == stage)
        .order_by(Escalation.id)) if e.started_on == row.start_on]
    reminders = [e for e in standing if e.level < 1 and e.acknowledged_at is None]
    for e in reminders:
        e.acknowledged_at, e.acknowledged_by_id = now, None
        e.action_taken, e.action_note = rules.SUPERSEDED, None
    if reminders:
        audit.record_case(case, "reminders_closed", None, now, {
            "escalation": [e.id for e in reminders], "stage": [stage], "met_on": row.met_on})
        db.session.flush()
    lapsed = _unreached(case, [(stage, row.start_on, row.due_on)], row.met_on)
    return _lapse_unreached(case, lapsed, now, {"met_on": row.met_on})


def running_stages(case: Case) -> list[tuple[str, date, date]]:
    """The stages whose clock runs, as (stage, start, due): read before a move drops them,
    for lapse_left_in_time."""
    return [(row.stage, row.start_on, row.due_on) for row in case.deadlines
            if row.met_on is None]


def lapse_left_in_time(case: Case, left: list[tuple[str, date, date]], on: date,
                       now: datetime) -> list[Escalation]:
    """Lapse the overdue steps of the stages a return or transfer dated `on` ended (`left`:
    running_stages before the move) that were raised for days after it: the agency no
    longer held the case then. As an acceptance dated in time (lapse_met_in_time), a return
    signed before the due date and entered after the sweep left the agency counted late
    (QA round 60); lapsed "ended" by the move instead, the step still counted. Call after
    the move's own event and before supersede_ended."""
    return _lapse_unreached(case, _unreached(case, left, on), now, {"left_on": on})


def lapse_stopped_in_time(case: Case, on: date, now: datetime) -> list[Escalation]:
    """Lapse the steps (the reminder too) of the running stages that were raised for days
    after a suspension dated `on` stopped the clock. Signed before the due date and entered
    after the sweep climbed the ladder, it left the agency escalated, reminded every
    morning and counted late for the whole suspension, until a resumption was entered
    (QA round 90). As for an extension entered late (lapse_overtaken).

    Only a stage stopped by its due date: one already overdue keeps its due date on
    resumption (deadlines.resumed_due), so its rungs do not move either, and lapsing the
    steps after `on` made the first sweep after the resumption skip to the top rung
    (QA round 91)."""
    runs = [run for run in running_stages(case) if on <= run[2]]
    if case.id is None or not runs:
        return []
    return _lapse_unreached(case, _unreached(case, runs, on, reminders=True), now,
                            {"suspended_on": on})


def _unreached(case: Case, runs: list[tuple[str, date, date]], on: date | None,
               reminders: bool = False) -> list[Escalation]:
    """The open overdue steps (level 1 and up; with `reminders`, the reminder too) of the
    given stage runs — (stage, start, due), a run being a stage's instance from its start —
    whose rung falls after `on` (rules.overdue_lapsed), in the order raised. `on` None: each
    step judged on the day it was raised (its as_of), as the sweep would have judged it
    then."""
    steps, cal = deadlines.ladder(), get_calendar()
    found = []
    for stage, start_on, due_on in runs:
        dates = steps.dates(cal, due_on)
        found += [e for e in db.session.scalars(
            select(Escalation).where(Escalation.case_id == case.id,
                                     Escalation.lapsed_at.is_(None),
                                     Escalation.stage == stage,
                                     Escalation.started_on == start_on,
                                     Escalation.level >= (0 if reminders else 1)))
            if rules.overdue_lapsed(e.level, dates, steps, on if on is not None else e.as_of,
                                    reminders)]
    return sorted(found, key=lambda e: e.id)


def _lapse_unreached(case: Case, lapsed: list[Escalation], now: datetime,
                     data: dict) -> list[Escalation]:
    """Lapse steps found by _unreached, audited once with `data`, and let the running
    stage's ladder climb again from its first rung. An overdue step lapses as overtaken (it
    should not have been raised); a reminder as ended: it was right about the due date it
    came before, and the agency had it, so the scorecard keeps counting it (QA round 65)."""
    if not lapsed:
        return []
    _supersede(case, lapsed, now, data, rules.LAPSE_OVERTAKEN, reminders=rules.LAPSE_ENDED)
    deadlines.refresh_attention(case)
    db.session.flush()
    return lapsed


def _supersede(case: Case, lapsed: list[Escalation], now: datetime,
               data: dict, why: str, reminders: str | None = None) -> list[Escalation]:
    """Mark ladder escalations lapsed (`why`: rules.LAPSE_REASONS; `reminders`, when given,
    for the reminders among them), close the open ones as superseded, audit it once."""
    if not lapsed:
        return []
    for e in lapsed:
        e.lapsed_at = now
        e.lapse_reason = reminders if reminders is not None and e.level < 1 else why
        if e.acknowledged_at is None:
            e.acknowledged_at, e.acknowledged_by_id = now, None
            e.action_taken, e.action_note = rules.SUPERSEDED, None
    audit.record_case(case, "escalations_superseded", None, now, {
        "escalation": [e.id for e in lapsed],
        "stage": sorted({e.stage for e in lapsed}), "level": sorted({e.level for e in lapsed}),
        **data})
    db.session.flush()
    return lapsed
