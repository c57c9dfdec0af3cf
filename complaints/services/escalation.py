"""Escalation (leo thang): the ladder sweep, evasion, repeated and mass petitions, lead agency.

`escalate_due(as_of, now)` is the one sweep, called by the scheduler job, by
`flask escalate` and by tests. It reads only the cases whose `next_attention_on` has come
(index ix_cases_attention), a chunk at a time, and writes set-based: escalation rows with
INSERT … ON CONFLICT DO NOTHING on (case, stage, level, reason), so that a second sweep or a
second instance adds nothing; then, for the rows really inserted, the audit events,
notifications and case updates — all of a case in the same transaction.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Date, DateTime, and_, func, select, tuple_

from complaints.domain import catalog, states
from complaints.domain import escalation as rules
from complaints.extensions import db
from complaints.models import (
    Agency,
    AuditEvent,
    Case,
    CaseDeadline,
    Cluster,
    Escalation,
    Notification,
    Petition,
    PetitionSigner,
    Routing,
    User,
)
from complaints.permissions import can_acknowledge, can_designate_lead
from complaints.services import audit, deadlines, notifications
from complaints.services.calendar import get_calendar
from complaints.services.errors import NotAllowed, NotFound, ValidationFailed

logger = logging.getLogger(__name__)

CHUNK = 5000
STAGE_LABELS = {
    "handling": ("xử lý đơn", "petition handling"),
    "acceptance": ("thụ lý", "acceptance"),
    "resolution": ("giải quyết", "resolution"),
    "case": ("vụ việc", "case"),
}
HEAD_ROLES = ("agency_head", "inspector")


@dataclass
class SweepSummary:
    """What a sweep did (or, with dry_run, would do)."""

    as_of: date
    dry_run: bool = False
    examined: int = 0
    escalations: Counter = field(default_factory=Counter)  # (level, reason) → count
    notifications: int = 0

    @property
    def escalated(self) -> int:
        return sum(self.escalations.values())


@dataclass(frozen=True)
class LadderStep:
    """A plain copy of an EscalationStep row (ORM attribute access is slow in a hot loop)."""

    level: int
    code: str
    offset_days: int
    unit: str


@dataclass
class Recipient:
    user_id: int
    email: str | None
    lang: str


class _Directory:
    """Agencies and staff, loaded once per sweep (lazily: an idle sweep loads nothing)."""

    def __init__(self) -> None:
        rows = db.session.execute(select(Agency.id, Agency.parent_id, Agency.code,
                                         Agency.is_inspectorate)).all()
        self.parent_of = {r.id: r.parent_id for r in rows}
        self.code = {r.id: r.code for r in rows}
        self.inspectorates = [r.id for r in rows if r.is_inspectorate]
        self.roots = [r.id for r in rows if r.parent_id is None and not r.is_inspectorate]
        self.staff: dict[int, list[Recipient]] = defaultdict(list)
        self.heads: dict[int, list[Recipient]] = defaultdict(list)
        self.user: dict[int, Recipient] = {}
        self._people: dict[tuple, list[Recipient]] = {}
        users = db.session.execute(select(User.id, User.agency_id, User.role, User.email,
                                          User.locale).where(User.active.is_(True)))
        for u in users:
            person = Recipient(u.id, u.email, u.locale or "vi")
            self.user[u.id] = person
            if u.agency_id is not None:
                self.staff[u.agency_id].append(person)
                if u.role in HEAD_ROLES:
                    self.heads[u.agency_id].append(person)

    def leaders(self, agency_id: int | None) -> list[Recipient]:
        """The heads of an agency (all its staff when it has no head account)."""
        if agency_id is None:
            return []
        return self.heads.get(agency_id) or self.staff.get(agency_id, [])

    def people(self, level: int, holder: int | None, officer_id: int | None) -> list[Recipient]:
        """Everyone told of a ladder escalation (cached: few distinct combinations)."""
        key = (level, holder, officer_id if level == 0 else None)
        found = self._people.get(key)
        if found is None:
            _to, notify = self.target(level, holder)
            found = self._people[key] = _people(self, level, notify, key[2])
        return found

    def root(self, agency_id: int | None) -> int | None:
        if agency_id is None:
            return self.roots[0] if self.roots else None
        return rules.root_of(agency_id, self.parent_of)

    def inspectorate(self, agency_id: int | None) -> int | None:
        return rules.nearest_inspectorate(agency_id, self.parent_of, self.inspectorates)

    def target(self, level: int, holder: int | None) -> tuple[int | None, list[int]]:
        """Return the agency an escalation is addressed to, and every agency to notify."""
        if level <= 1:
            return holder, [holder]
        if level == 2:
            parent = self.parent_of.get(holder) if holder else None
            to = parent or holder
            return to, [to]
        to = self.inspectorate(holder) or self.root(holder)
        return to, [to, self.root(holder)]


def _message(reason: str, stage: str, level: int, tracking_code: str, lang: str,
             due_on: date | None = None, extra: str = "") -> tuple[str, str]:
    """Subject and body of a staff notification, in the recipient's language."""
    en = lang == "en"
    what = catalog.label(catalog.ESCALATION_REASONS, reason, lang)
    stage_label = STAGE_LABELS.get(stage, (stage, stage))[1 if en else 0]
    subject = f"[{what}] {'Case' if en else 'Hồ sơ'} {tracking_code}"
    if en:
        body = f"Case {tracking_code}, stage {stage_label}: escalation level {level} ({what})."
        if due_on:
            body += f" Due date: {due_on:%d/%m/%Y}."
    else:
        body = f"Hồ sơ {tracking_code}, giai đoạn {stage_label}: leo thang mức {level} ({what})."
        if due_on:
            body += f" Hạn: {due_on:%d/%m/%Y}."
    return subject, body + (f" {extra}" if extra else "")


def _notification_rows(escalation_id: int, case_id: int, people: Iterable[Recipient],
                       now: datetime, make_text) -> list[dict]:
    rows, seen = [], set()
    for person in people:
        if person.user_id in seen:
            continue
        seen.add(person.user_id)
        subject, body = make_text(person.lang)
        key = f"esc:{escalation_id}:u{person.user_id}"
        rows.append(notifications.row(f"{key}:app", notifications.IN_APP, subject, body, now,
                                      user_id=person.user_id, case_id=case_id,
                                      escalation_id=escalation_id))
        if person.email:
            rows.append(notifications.row(f"{key}:mail", notifications.EMAIL, subject, body,
                                          now, user_id=person.user_id, email_to=person.email,
                                          case_id=case_id, escalation_id=escalation_id))
    return rows


def _chain_heads(case_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Return (seq, hash) of the last audit event of each case's chain, in one query."""
    if not case_ids:
        return {}
    chains = [f"case:{i}" for i in case_ids]
    last = (select(AuditEvent.chain, func.max(AuditEvent.seq).label("seq"))
            .where(AuditEvent.chain.in_(chains)).group_by(AuditEvent.chain).subquery())
    rows = db.session.execute(
        select(AuditEvent.chain, AuditEvent.seq, AuditEvent.hash)
        .join(last, and_(AuditEvent.chain == last.c.chain, AuditEvent.seq == last.c.seq)))
    return {int(r.chain[5:]): (r.seq, r.hash) for r in rows}


# --- the sweep ------------------------------------------------------------------------


def _due_chunk(as_of: date, after: tuple[date, int] | None, size: int, lock: bool):
    """Return the next chunk of due cases in index order (next_attention_on, id)."""
    c = Case.__table__.c
    query = (select(c.id, c.next_attention_on, c.status, c.agency_id, c.reception_agency_id,
                    c.officer_id, c.tracking_code)
             .where(c.next_attention_on <= as_of)
             .order_by(c.next_attention_on, c.id).limit(size))
    if after is not None:
        query = query.where(tuple_(c.next_attention_on, c.id) > tuple_(*after))
    if lock:
        # A second instance skips the cases this one holds instead of waiting for them.
        query = query.with_for_update(skip_locked=True, of=Case.__table__)
    return db.session.execute(query).all()


def _running_deadlines(case_ids: list[int]) -> dict[int, tuple[str, date]]:
    """Return each case's running stage and due date (the earliest unmet deadline)."""
    d = CaseDeadline.__table__.c
    found: dict[int, tuple[str, date]] = {}
    rows = db.session.execute(select(d.case_id, d.stage, d.due_on)
                              .where(d.case_id.in_(case_ids), d.met_on.is_(None)))
    for r in rows:
        if r.case_id not in found or r.due_on < found[r.case_id][1]:
            found[r.case_id] = (r.stage, r.due_on)
    return found


def _reached(case_ids: list[int]) -> dict[tuple[int, str], int]:
    e = Escalation.__table__.c
    rows = db.session.execute(select(e.case_id, e.stage, func.max(e.level))
                              .where(e.case_id.in_(case_ids)).group_by(e.case_id, e.stage))
    return {(case_id, stage): level for case_id, stage, level in rows}


def escalate_due(as_of: date, now: datetime, dry_run: bool = False, chunk_size: int = CHUNK,
                 commit: Callable[[], None] | None = None) -> SweepSummary:
    """Escalate every case whose next ladder step has come by `as_of` (one sweep).

    Only the level due now is raised (a case that skipped levels gets one escalation).
    `commit`, given by the job and the CLI, is called after each chunk: a crash loses at
    most the chunk in progress, and never half of a case's changes.
    """
    summary = SweepSummary(as_of=as_of, dry_run=dry_run)
    db.session.flush()
    steps = [LadderStep(s.level, s.code, s.offset_days, s.unit) for s in deadlines.ladder()]
    cal = get_calendar()
    lock = db.session.get_bind().dialect.name == "postgresql" and not dry_run
    directory: _Directory | None = None
    ladder_dates: dict[tuple[date, int], tuple] = {}
    after = None
    while True:
        chunk = _due_chunk(as_of, after, chunk_size, lock)
        if not chunk:
            break
        after = (chunk[-1].next_attention_on, chunk[-1].id)
        summary.examined += len(chunk)
        directory = directory or _Directory()
        _sweep_chunk(chunk, as_of, now, steps, cal, directory, summary, dry_run, ladder_dates)
        if commit is not None and not dry_run:
            commit()
    if not dry_run and summary.examined:
        db.session.expire_all()  # the ORM's copies of the swept cases are stale now
    return summary


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


ESC_COLUMNS = ("case_id", "stage", "level", "reason", "to_agency_id", "as_of", "created_at")
AUDIT_COLUMNS = ("chain", "seq", "case_id", "actor_id", "actor_label", "action", "data",
                 "created_at", "prev_hash", "hash")
NOTE_COLUMNS = ("dedupe_key", "channel", "user_id", "email_to", "case_id", "escalation_id",
                "subject", "body", "status", "attempts", "next_attempt_at", "created_at")


def _insert_escalations(writer: _Writer, rows: list[tuple], case_ids: list[int],
                        planned: dict[int, tuple[str, int, str]]) -> dict[int, int]:
    """Insert the escalations idempotently; return case id → id of the rows WE inserted."""
    if writer.pg:
        # RETURNING names exactly the rows this transaction inserted (not the conflicts).
        e = Escalation.__table__.c
        inserted = notifications.insert_ignoring_duplicates(
            Escalation.__table__, [dict(zip(ESC_COLUMNS, r, strict=True)) for r in rows],
            returning=[e.id, e.case_id])
        return {r.case_id: r.id for r in inserted}
    # SQLite has one writer at a time, and a transaction whose snapshot went stale cannot
    # write: the keys read as absent in `_reached` were absent when we inserted them.
    writer.insert("escalations", ESC_COLUMNS, rows, ignore_duplicates=True)
    e = Escalation.__table__.c
    found = db.session.execute(select(e.id, e.case_id, e.stage, e.level, e.reason)
                               .where(e.case_id.in_(case_ids)))
    return {r.case_id: r.id for r in found
            if planned.get(r.case_id) == (r.stage, r.level, r.reason)}


def _sweep_chunk(chunk, as_of, now, steps, cal, directory: _Directory, summary, dry_run,
                 ladder_dates: dict):
    ids = sorted(r.id for r in chunk)
    running = _running_deadlines(ids)
    reached = _reached(ids)
    plans, quiet = {}, []
    for case in sorted(chunk, key=lambda r: r.id):
        stage_due = running.get(case.id)
        if stage_due is None or case.status in states.FINAL_STATUSES or case.status in (
                states.RESOLVED, states.SUSPENDED):
            quiet.append((None, case.id))
            continue
        stage, due_on = stage_due
        level_before = reached.get((case.id, stage), -1)
        key = (due_on, level_before)
        decision = ladder_dates.get(key)
        if decision is None:  # many cases share a due date: decide each (date, level) once
            dates = rules.step_dates(cal, due_on, steps)
            step = rules.due_step(dates, steps, as_of, level_before)
            decision = ladder_dates[key] = (step, rules.next_attention(
                dates, steps, step.level if step else level_before))
        step, next_on = decision
        if step is None:
            quiet.append((next_on, case.id))
            continue
        plans[case.id] = (case, stage, due_on, step, next_on)
    for _, _, _, step, _ in plans.values():
        summary.escalations[(step.level, step.code)] += 1
    if dry_run:
        for case, _stage, _due, step, _ in plans.values():
            people = directory.people(step.level, case.agency_id or case.reception_agency_id,
                                      case.officer_id)
            summary.notifications += sum(1 + bool(p.email) for p in people)
        return
    writer = _Writer(now, as_of)
    set_next = "UPDATE cases SET next_attention_on = ? WHERE id = ?"
    writer.update(set_next, [(writer.day(n) if n else None, i) for n, i in quiet])
    if not plans:
        return
    esc_rows = []
    for case, stage, _due, step, _ in plans.values():
        to, _notify = directory.target(step.level, case.agency_id or case.reception_agency_id)
        esc_rows.append((case.id, stage, step.level, step.code, to, writer.as_of, writer.now))
    new_ids = _insert_escalations(writer, esc_rows, ids, {
        case_id: (stage, step.level, step.code)
        for case_id, (_, stage, _, step, _) in plans.items()})
    heads = _chain_heads(sorted(new_ids))
    audit_rows, note_rows, case_rows = [], [], []
    label = audit.actor_label(None)
    for case_id, (case, stage, due_on, step, next_on) in plans.items():
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
        body = audit.canonical_json({
            "escalation": esc_id, "stage": stage, "level": step.level, "reason": step.code,
            "to": directory.code.get(to), "due_on": due_on, "as_of": as_of})
        audit_rows.append((chain, seq, case_id, None, label, "escalated", body, writer.now,
                           prev, audit.event_hash(prev, chain, seq, label, "escalated", body,
                                                  now)))
        texts: dict[str, tuple[str, str]] = {}
        for person in directory.people(step.level, holder, case.officer_id):
            if person.lang not in texts:
                texts[person.lang] = _message(step.code, stage, step.level, case.tracking_code,
                                              person.lang, due_on)
            subject, text_body = texts[person.lang]
            key = f"esc:{esc_id}:u{person.user_id}"
            note_rows.append((f"{key}:app", notifications.IN_APP, person.user_id, None,
                              case_id, esc_id, subject, text_body, "pending", 0, None,
                              writer.now))
            if person.email:
                note_rows.append((f"{key}:mail", notifications.EMAIL, person.user_id,
                                  person.email, case_id, esc_id, subject, text_body,
                                  "pending", 0, writer.now, writer.now))
    writer.insert("audit_events", AUDIT_COLUMNS, audit_rows)
    writer.insert("notifications", NOTE_COLUMNS, note_rows, ignore_duplicates=True)
    summary.notifications += len(note_rows)
    writer.update("UPDATE cases SET escalation_level = ?, flag_overdue = ?, "
                  "next_attention_on = ?, updated_at = ? WHERE id = ?", case_rows)


def _people(directory: _Directory, level: int, agencies: list[int | None],
            officer_id: int | None) -> list[Recipient]:
    people = [p for a in dict.fromkeys(agencies) for p in directory.leaders(a)]
    if level == 0 and officer_id in directory.user:
        people.insert(0, directory.user[officer_id])
    return people


# --- pattern escalations: one case at a time, right after the event ------------------------


def _raise(case: Case, reason: str, to_agency_id: int | None, notify: list[int | None],
           actor: User | None, now: datetime, today: date, data: dict,
           extra_text: str = "") -> Escalation | None:
    """Insert a pattern escalation once; audit and notify only when it is new."""
    level = rules.PATTERN_LEVELS[reason]
    e = Escalation.__table__.c
    inserted = notifications.insert_ignoring_duplicates(Escalation.__table__, [{
        "case_id": case.id, "stage": rules.CASE_STAGE, "level": level, "reason": reason,
        "to_agency_id": to_agency_id, "as_of": today, "created_at": now}], returning=[e.id])
    if not inserted:
        return None
    escalation = db.session.get(Escalation, inserted[0].id)
    directory = _Directory()
    audit.record_case(case, "escalated", actor, now, {
        "escalation": escalation.id, "stage": rules.CASE_STAGE, "level": level,
        "reason": reason, "to": directory.code.get(to_agency_id), **data})
    rows = _notification_rows(
        escalation.id, case.id, _people(directory, level, notify, None), now,
        lambda lang: _message(reason, rules.CASE_STAGE, level, case.tracking_code, lang,
                              extra=extra_text))
    notifications.insert_ignoring_duplicates(Notification.__table__, rows)
    return escalation


def check_evasion(case: Case, actor: User | None, now: datetime, today: date):
    """Escalate a case bounced between agencies (đùn đẩy) to their lowest common supervisor."""
    if case.flag_evaded or case.lead_agency_id is not None:
        return None
    moves = [rules.Move(r.action, r.from_agency_id, r.to_agency_id) for r in db.session.scalars(
        select(Routing).where(Routing.case_id == case.id).order_by(Routing.id))]
    evasion = rules.detect_evasion(moves)
    if evasion is None:
        return None
    directory = _Directory()
    to = rules.lowest_common_supervisor(evasion.agencies, directory.parent_of)
    if to is None:
        to = directory.root(evasion.agencies[0] if evasion.agencies else None)
    case.flag_evaded = True
    return _raise(case, rules.EVADED, to, [to], actor, now, today,
                  {"why": evasion.why,
                   "agencies": [directory.code.get(a) for a in evasion.agencies]},
                  extra_text="Cần chỉ định cơ quan chủ trì giải quyết.")


def check_patterns(case: Case, actor: User | None, now: datetime, today: date) -> list[str]:
    """Flag repeated and mass petitions at intake; return the patterns newly found."""
    found = []
    if not case.flag_repeated and _is_repeated(case):
        case.flag_repeated = True
        directory = _Directory()
        holder = case.agency_id or case.reception_agency_id
        to = directory.inspectorate(holder) or directory.root(holder)
        if _raise(case, rules.REPEATED, to, [to], actor, now, today, {}):
            found.append(rules.REPEATED)
    if _check_mass(case, actor, now, today):
        found.append(rules.MASS)
    return found


def _facts(case: Case) -> list[rules.PetitionFacts]:
    return [rules.PetitionFacts(p.received_on, frozenset(s.petitioner_id for s in p.signers))
            for p in case.petitions]


def _is_repeated(case: Case) -> bool:
    if rules.is_repeated(_facts(case), case.decision_on):
        return True
    parent = case.parent_case
    if parent is None or parent.decision_on is None:
        return False
    if case.kind == "complaint" and case.complaint_round == 2:
        return False  # a second complaint is the citizen's right, not a repeat
    people = {s.petitioner_id for p in case.petitions for s in p.signers}
    earlier = {s.petitioner_id for p in parent.petitions for s in p.signers}
    return bool(people & earlier)


def _signers(case_ids: list[int]) -> set[int]:
    return set(db.session.scalars(
        select(PetitionSigner.petitioner_id).join(Petition)
        .where(Petition.case_id.in_(case_ids))))


def _check_mass(case: Case, actor, now, today) -> bool:
    """Cluster the matter when 5+ distinct people stand behind it within 30 days."""
    folded = rules.fold_subject(case.subject)
    group = [case]
    if case.locality_code and case.field_id:
        window = [date.fromordinal(case.received_on.toordinal() - rules.MASS_WINDOW_DAYS),
                  date.fromordinal(case.received_on.toordinal() + rules.MASS_WINDOW_DAYS)]
        candidates = db.session.scalars(
            select(Case).where(Case.locality_code == case.locality_code,
                               Case.field_id == case.field_id, Case.id != case.id,
                               Case.received_on.between(*window)).limit(500))
        group += [c for c in candidates
                  if rules.similar_subjects(folded, rules.fold_subject(c.subject))]
    clustered = next((c.cluster_id for c in group if c.cluster_id), None)
    if clustered is None and not rules.is_mass(_signers([c.id for c in group])):
        return False
    if clustered is None:
        cluster = Cluster(locality_code=case.locality_code, field_id=case.field_id,
                          subject_folded=folded[:500], created_at=now)
        db.session.add(cluster)
        db.session.flush()
        clustered = cluster.id
    directory = _Directory()
    new = False
    for member in group:
        member.cluster_id = clustered
        if member.flag_mass:
            continue
        member.flag_mass, member.is_complex = True, True
        holder = member.agency_id or member.reception_agency_id
        root = directory.root(holder)
        inspectorate = directory.inspectorate(holder)
        new |= _raise(member, rules.MASS, root, [root, inspectorate], actor, now, today,
                      {"cluster": clustered},
                      extra_text="Đề nghị lãnh đạo tổ chức tiếp công dân đột xuất "
                                 "(Luật Tiếp công dân Điều 18).") is not None
    db.session.flush()
    return new


# --- acknowledgement, the lead agency, daily reminders -------------------------------------


def acknowledge(escalation: Escalation, action: str, note: str | None, actor: User,
                now: datetime) -> Escalation:
    """Record that the addressee saw the escalation and what they did about it."""
    if not can_acknowledge(actor, escalation):
        raise NotAllowed("Chỉ người nhận kiến nghị leo thang mới xác nhận được.")
    errors = {}
    if action not in rules.ACK_ACTIONS:
        errors["action"] = "Chọn biện pháp đã thực hiện."
    if action in ("note", "reassign") and not (note or "").strip():
        errors["note"] = "Nêu nội dung đã thực hiện."
    if escalation.acknowledged_at is not None:
        errors["action"] = "Kiến nghị này đã được xác nhận."
    if errors:
        raise ValidationFailed(errors)
    escalation.acknowledged_at, escalation.acknowledged_by_id = now, actor.id
    escalation.action_taken, escalation.action_note = action, (note or "").strip() or None
    audit.record_case(escalation.case, "escalation_acknowledged", actor, now, {
        "escalation": escalation.id, "level": escalation.level, "reason": escalation.reason,
        "action": action, "note": escalation.action_note})
    db.session.flush()
    return escalation


def lead_candidates(escalation: Escalation) -> list[Agency]:
    """Agencies the supervisor may designate: itself and every agency below it."""
    directory = _Directory()
    top = escalation.to_agency_id
    ids = [a for a in directory.parent_of
           if a == top or top in rules.ancestors(a, directory.parent_of)]
    return list(db.session.scalars(select(Agency).where(Agency.id.in_(ids),
                                                        Agency.active.is_(True))
                                   .order_by(Agency.name)))


def open_evasion(case: Case) -> Escalation | None:
    return db.session.scalar(select(Escalation).where(
        Escalation.case_id == case.id, Escalation.reason == rules.EVADED))


def designate_lead(case: Case, agency_code: str, actor: User | None, now: datetime,
                   today: date, note: str | None = None) -> Case:
    """Designate the lead agency of an evaded case (binding: it may no longer return it)."""
    escalation = open_evasion(case)
    if escalation is None:
        raise NotFound(case.tracking_code)
    if actor is not None and not can_designate_lead(actor, escalation):
        raise NotAllowed("Chỉ thủ trưởng cơ quan cấp trên được chỉ định cơ quan chủ trì.")
    lead = db.session.scalar(select(Agency).where(Agency.code == (agency_code or "")))
    if lead is None or lead.id not in {a.id for a in lead_candidates(escalation)}:
        raise ValidationFailed({"agency_code": "Chọn cơ quan thuộc phạm vi quản lý."})
    from complaints.services import workflow  # workflow imports this module

    workflow.move_to_lead(case, lead, actor, today, note)
    if escalation.acknowledged_at is None and actor is not None:
        escalation.acknowledged_at, escalation.acknowledged_by_id = now, actor.id
        escalation.action_taken, escalation.action_note = "set_lead", note
    deadlines.refresh_attention(case)
    db.session.flush()
    audit.record_case(case, "lead_designated", actor, now,
                      {"status": case.status, "lead": lead.code, "note": note, "on": today})
    return case


def remind_unacknowledged(today: date, now: datetime) -> int:
    """Remind the addressees of escalations still unacknowledged (once a day each)."""
    query = (select(Escalation).where(
        Escalation.acknowledged_at.is_(None), Escalation.as_of < today,
        (Escalation.last_reminded_on.is_(None)) | (Escalation.last_reminded_on < today))
        .order_by(Escalation.id))
    directory = None
    queued = 0
    for escalation in db.session.scalars(query.execution_options(yield_per=500)).all():
        directory = directory or _Directory()
        people = directory.leaders(escalation.to_agency_id)
        code = escalation.case.tracking_code
        rows = []
        for person in people:
            subject, body = _message(escalation.reason, escalation.stage, escalation.level,
                                     code, person.lang, extra="(chưa xác nhận)")
            key = f"esc:{escalation.id}:remind:{today.isoformat()}:u{person.user_id}"
            rows.append(notifications.row(f"{key}:app", notifications.IN_APP, subject, body,
                                          now, user_id=person.user_id,
                                          case_id=escalation.case_id,
                                          escalation_id=escalation.id))
        queued += len(notifications.insert_ignoring_duplicates(
            Notification.__table__, rows, returning=[Notification.__table__.c.id]))
        escalation.last_reminded_on = today
    db.session.flush()
    return queued
