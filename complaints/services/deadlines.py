"""Stage deadlines of cases: computed from the policy table by the one calendar service."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import bindparam, func, insert, select, update

from complaints.clock import local_day
from complaints.domain import deadlines as dl
from complaints.domain import escalation as esc_rules
from complaints.domain import states
from complaints.domain.policies import (
    PolicyRule,
    extendable,
    first_day_in_force,
    select_policy,
    source_in_english,
)
from complaints.extensions import db
from complaints.models import (
    Case,
    CaseDeadline,
    DeadlinePolicy,
    Escalation,
    EscalationStep,
    StageSpell,
)
from complaints.services import (
    audit,
    running_due,  # also keeps cases.running_due_on (listener)
)
from complaints.services.calendar import get_calendar
from complaints.services.table_cache import TableCache

logger = logging.getLogger(__name__)


# Policies and ladder steps are read by every intake and action, but change only when an
# admin adds a version (rows are never edited in place): each process keeps plain copies,
# re-checked every RECHECK_SECONDS (services/table_cache.py).


def _fingerprint() -> tuple:
    p, s = DeadlinePolicy.__table__.c, EscalationStep.__table__.c
    policies = db.session.execute(select(func.count(p.id), func.max(p.id), func.sum(p.days),
                                         func.max(p.updated_at))).one()
    steps = db.session.execute(select(func.count(s.id), func.max(s.id),
                                      func.sum(s.offset_days))).one()
    return (*policies, *steps)


def _load() -> tuple[list[tuple[PolicyRule, int]], esc_rules.Ladder]:
    rules = [
        (
            PolicyRule(stage=r.stage, kind=r.kind, round=r.round or None, variant=r.variant,
                       days=r.days, unit=r.unit, extension_days=r.extension_days,
                       max_extensions=r.max_extensions, extension_unit=r.extension_unit,
                       effective_from=r.effective_from, source=r.source),
            r.id,
        )
        for r in db.session.scalars(select(DeadlinePolicy))
    ]
    ladder_ = esc_rules.Ladder(
        esc_rules.Rung(s.level, s.code, s.offset_days, s.unit, s.effective_from, s.source)
        for s in db.session.scalars(select(EscalationStep)))
    return rules, ladder_


_rule_tables = TableCache(_fingerprint, _load)


def _tables(now: float | None = None) -> tuple[list[tuple[PolicyRule, int]], esc_rules.Ladder]:
    return _rule_tables.get(now)


def invalidate() -> None:
    """Forget the cached policies and ladder after a version is added."""
    _rule_tables.clear()


def _rules() -> list[tuple[PolicyRule, int]]:
    return _tables()[0]


# Variants an extension decision may declare (policies.py); kept on the deadline's policy.
DECLARED_VARIANTS = ("complex", "very_complex")


# A complaint found complex after its acceptance: the longer variant of its running one.
LONGER_VARIANT = {"normal": "complex", "remote": "remote_complex"}


def longer_variant(case: Case) -> str | None:
    """The variant a complaint being resolved takes when its head finds it complex after
    the acceptance (Law on Complaints Art. 28, 37), or None: no complaint, no running
    resolution deadline, or one with the complex period already."""
    row = case.deadline("resolution")
    if case.kind != "complaint" or row is None or row.met_on is not None:
        return None
    return LONGER_VARIANT.get(_stored_variant(row.policy_id))


def declared_variant(case: Case, stage: str) -> str | None:
    """Return the variant an earlier decision declared, read from the stored deadline's policy."""
    row = case.deadline(stage)
    if row is None or row.policy_id is None:
        return None
    policy = db.session.get(DeadlinePolicy, row.policy_id)
    if policy is not None and policy.variant in DECLARED_VARIANTS:
        return policy.variant
    return None


def _stored_variant(policy_id: int | None) -> str | None:
    """The variant of a stored deadline's policy (None: no such policy)."""
    return next((rule.variant for rule, pid in _rules() if pid == policy_id), None)


def variant_for(case: Case, stage: str, start_on: date | None = None) -> str:
    """Return the policy variant that applies to a case at a stage started on `start_on`
    (None: the stage's running deadline's start, if any)."""
    row = case.deadline(stage)
    running = None
    if row is not None and row.met_on is None and start_on in (None, row.start_on):
        running = _stored_variant(row.policy_id)
    at_reception = stage == "handling" and any(
        p.channel == "reception_session" for p in case.petitions)
    return _pick_variant(stage, at_reception, running, case.is_remote, case.is_complex)


def _pick_variant(stage: str, at_reception_session: bool, running: str | None,
                  is_remote: bool, is_complex: bool) -> str:
    """The variant of a stage's policy (variant_for, and the bulk recomputation from its
    rows). `running`: the variant of the stage's running deadline, which it keeps; the
    facts of the case pick the variant of a stage (re)started only.

    The one place deciding this. A flag raised after the stage started (a mass petition
    found after acceptance makes the case complex) must not lengthen its deadline
    silently, and every recomputation (calendar, policy, extension, per case or in bulk)
    must give the same due date: the head extends the deadline, or declares complexity
    (`set_complexity`, which names the variant), and the next stage uses the facts.
    """
    if running:
        return running
    if stage == "handling":
        return "reception_session" if at_reception_session else "normal"
    if stage == "resolution":
        if is_remote and is_complex:
            return "remote_complex"
        if is_remote:
            return "remote"
        if is_complex:
            return "complex"
    return "normal"


def policy_for(case: Case, stage: str, on: date,
               variant: str | None = None) -> tuple[PolicyRule, int]:
    """Return the policy rule (and its row id) in force on a date for the case's stage."""
    rules = _rules()
    round_ = case.complaint_round if case.kind == "complaint" else None
    rule = select_policy([r for r, _ in rules], stage, case.kind, round_,
                         variant or variant_for(case, stage, on), on)
    if rule is None:
        raise LookupError(f"No deadline policy for {stage}/{case.kind} on {on}")
    policy_id = next(pid for r, pid in rules if r == rule)
    return rule, policy_id


def handling_policy_from(kind: str, channel: str) -> date | None:
    """Return the first day a new petition of this kind, received by this channel, has a
    handling deadline policy in force (None: none at all), as `set_deadline` will look."""
    variant = _pick_variant("handling", channel == "reception_session", None, False, False)
    return first_day_in_force([r for r, _ in _rules()], "handling", kind, None, variant)


def _computed(case: Case, stage: str, start_on: date, extended_days: int = 0,
              variant: str | None = None):
    """The stage's deadline from `start_on` by the policy in force, with its rule."""
    rule, policy_id = policy_for(case, stage, start_on, variant)
    deadline = dl.compute_deadline(get_calendar(), stage, start_on, rule.days, rule.unit,
                                   rule.source, extended_days=extended_days)
    return deadline, rule, policy_id


def due_for(case: Case, stage: str, start_on: date) -> date:
    """The due date `set_deadline` gives the stage started on `start_on` (nothing stored)."""
    return _computed(case, stage, start_on)[0].due_on


def set_deadline(case: Case, stage: str, start_on: date, extended_days: int = 0,
                 variant: str | None = None) -> CaseDeadline:
    """Compute and store the stage's due date from `start_on` (replacing an earlier one)."""
    deadline, rule, policy_id = _computed(case, stage, start_on, extended_days, variant)
    row = case.deadline(stage)
    if row is None:
        row = CaseDeadline(stage=stage)
        case.deadlines.append(row)
    row.start_on, row.due_on = deadline.start_on, deadline.due_on
    row.days, row.unit, row.extended_days = rule.days, rule.unit, extended_days
    row.policy_id, row.rule, row.met_on = policy_id, deadline.explain("vi"), None
    # A recomputed resolution deadline (extension, declared complexity, a calendar or policy
    # change) keeps the time its suspensions added, or it would move back before them.
    _reapply_suspensions(case, row)
    return row


def extended_due(case: Case, stage: str, days: int, variant: str | None = None) -> date:
    """The due date the stage's running deadline would have with `days` more (a
    confirmation page shows it; nothing changes), as set_deadline would compute it.

    `variant`: the complexity the same decision declares (set_complexity). A resolution
    deadline keeps the time its suspensions added, as _reapply_suspensions does.
    """
    row = case.deadline(stage)
    rule, _ = policy_for(case, stage, row.start_on, variant)
    total = rule.days + (row.extended_days or 0) + days
    periods = _suspensions(case, row) if stage == "resolution" and case.id is not None else []
    if periods:
        return dl.resume_due(get_calendar(), row.start_on, total, rule.unit, periods)
    return dl.compute_due(get_calendar(), row.start_on, total, rule.unit)


def explain(row: CaseDeadline, lang: str) -> str:
    """How a stored deadline's due date was computed, in `lang` (stored in Vietnamese)."""
    if not lang.startswith("en") or row.due_on is None or row.start_on is None:
        return row.rule or ""
    rule = next((r for r, policy_id in _rules() if policy_id == row.policy_id), None)
    return dl.explain_stored(get_calendar(), row.stage, row.start_on, row.due_on, row.days,
                             row.unit, row.extended_days or 0,
                             rule.source if rule else "",
                             (rule.source_en or source_in_english(rule.source)) if rule else "",
                             row.rule or "", lang)


def meet(case: Case, stage: str, on: date) -> None:
    """Mark a stage as completed on a date (its clock stops)."""
    row = case.deadline(stage)
    if row is not None and row.met_on is None:
        row.met_on = on


def keep_acceptance(case: Case, left_on: date) -> None:
    """Keep the holder's acceptance (thụ lý) to its credit before a move takes the case away
    and starts the acceptance stage again elsewhere (models.StageSpell). Only an acceptance
    that stands counts, as the scorecard reads one: its resolution clock started that day.
    Call it before the move changes the holder."""
    acceptance, resolution = case.deadline("acceptance"), case.deadline("resolution")
    if (case.agency_id is None or case.id is None or acceptance is None
            or acceptance.met_on is None or resolution is None
            or resolution.start_on != acceptance.met_on):
        return
    db.session.add(StageSpell(case_id=case.id, agency_id=case.agency_id, stage="acceptance",
                              start_on=acceptance.start_on, due_on=acceptance.due_on,
                              met_on=acceptance.met_on, left_on=left_on))


def drop(case: Case, stage: str) -> None:
    """Remove a stage's deadline that no longer runs (e.g. acceptance after a return)."""
    row = case.deadline(stage)
    if row is not None:
        case.deadlines.remove(row)


def active_deadline(case: Case) -> CaseDeadline | None:
    """Return the running (unmet) deadline, the earliest if several."""
    running = [d for d in case.deadlines if d.met_on is None]
    return min(running, key=lambda d: d.due_on) if running else None


def ladder() -> esc_rules.Ladder:
    """Return the escalation ladder: every version of every rung (plain copies)."""
    return _tables()[1]


def reached_level(case: Case, row: CaseDeadline) -> int:
    """Return the highest ladder level already escalated for the running deadline `row`
    (-1: none). A stage started again (transfer, return and new routing) starts from the
    bottom: the new holder is reminded and told of its own overdue. A lapsed escalation
    (Escalation.lapsed_at: an extension took its overdue step back) counts for nothing."""
    if case.id is None:
        return -1
    level = db.session.scalar(
        select(func.max(Escalation.level)).where(Escalation.case_id == case.id,
                                                 Escalation.stage == row.stage,
                                                 Escalation.started_on == row.start_on,
                                                 Escalation.lapsed_at.is_(None)))
    return -1 if level is None else level


def next_step(case: Case, as_of: date) -> tuple[date, object] | None:
    """The day the sweep next escalates the case, and the rung it raises then (None: the
    case waits for no rung: closed, resolved, suspended, or at the top of the ladder)."""
    if case.next_attention_on is None:
        return None
    current = active_deadline(case)
    if current is None:
        return None
    steps = ladder()
    return esc_rules.next_step(steps.dates(get_calendar(), current.due_on), steps,
                               reached_level(case, current), as_of)


def refresh_attention(case: Case, steps: esc_rules.Ladder | None = None,
                      new: bool = False) -> None:
    """Set the date the sweep next needs this case: when the running stage's next step is due.

    The level and the overdue flag follow the running stage: a new stage starts the ladder
    again from the bottom. `new`: the case was opened in this transaction, so it has no
    escalation to look up.
    """
    current = None
    # A case suspended after its due date stays late and its ladder goes on (QA 104, 106).
    if case.clock_counts and case.status != states.RESOLVED:
        current = active_deadline(case)
    if current is None:
        # No clock runs (suspended in time, resolved, ended): nothing is overdue (QA round
        # 23: a withdrawn or suspended case kept its "overdue" flag in every list).
        case.next_attention_on = None
        case.flag_overdue = False
        if case.status == states.SUSPENDED and (paused := active_deadline(case)) is not None:
            # The level its standing steps reached: a suspension dated before the due date
            # lapses the steps raised after it (QA round 90), and the case showed level 3.
            case.escalation_level = max(reached_level(case, paused), 0)
        return
    steps = steps if steps is not None else ladder()
    reached = -1 if new else reached_level(case, current)
    dates = steps.dates(get_calendar(), current.due_on)
    case.next_attention_on = esc_rules.next_attention(dates, steps, reached)
    case.escalation_level = max(reached, 0)
    case.flag_overdue = reached >= 1


def set_complexity(case: Case, variant: str, actor, now: datetime,
                   on: date | None = None, reason: str | None = None) -> CaseDeadline:
    """Declare the case complex or very complex (vụ việc phức tạp / đặc biệt phức tạp),
    by a decision of `on` (default: the day of `now`).

    The declaration switches the resolution policy's variant, and so the extensions
    allowed (a denunciation: complex once, very complex twice; Law on Denunciations Art. 30).
    """

    if variant not in DECLARED_VARIANTS + tuple(LONGER_VARIANT.values()):
        raise ValueError(f"unknown variant {variant!r}")
    row = case.deadline("resolution")
    if row is None or row.met_on is not None:
        raise ValueError("no running resolution deadline")
    before = (variant_for(case, "resolution"), row.due_on)
    case.is_complex = True
    decided_on = on or local_day(now)
    if case.complex_on is None:  # the day it was first found complex, as accept's (QA 94)
        case.complex_on = decided_on
    set_deadline(case, "resolution", row.start_on, row.extended_days, variant=variant)
    refresh_attention(case)
    db.session.flush()
    audit.record_case(case, "complexity_declared", actor, now,
                      {"variant": variant, "from": before[0], "due_from": before[1],
                       "due_to": row.due_on, "on": decided_on,
                       **({"reason": reason} if reason else {})})
    return row


def suspension_periods(case: Case) -> list[tuple[date, date]]:
    """Return the (suspended on, resumed on) periods of the case, read from its audit trail."""
    periods, start = [], None
    for action, data in audit.case_trail(case, ("suspended", "resumed")):
        day = audit.trail_day(data)
        if day is None:
            continue
        if action == "suspended":
            start = day
        elif start is not None:
            periods.append((start, day))
            start = None
    return periods


def handling_extensions(case: Case, events=None) -> int:
    """How many times the desk extended the running handling deadline, read from the audit
    trail: a return restarts that deadline, and its extensions with it (as acceptance
    resets the resolution's count, case.extension_count). `events` as for
    audit.case_trail."""
    count = 0
    for action, data in audit.case_trail(case, ("extended", "returned"), events):
        if action == "returned":
            count = 0
        elif data.get("stage") == "handling":
            count += 1
    return count


def handling_extension_left(case: Case, events=None) -> bool:
    """May the desk still extend the case's running handling deadline (policy data)?
    `events` as for `handling_extensions`."""
    row = case.deadline("handling")
    if row is None or row.met_on is not None:
        return False
    try:
        rule, _ = policy_for(case, "handling", row.start_on)
    except LookupError:
        return False
    return extendable(rule, handling_extensions(case, events))


def _suspensions(case: Case, row: CaseDeadline) -> list[tuple[date, date]]:
    """The suspension periods a resolution deadline went through (not an earlier
    acceptance's, before a transfer)."""
    return [(begun, ended) for begun, ended in suspension_periods(case)
            if begun >= row.start_on]


def resumed_due(case: Case, row: CaseDeadline, suspended_on: date, resumed_on: date) -> date:
    """The resolution deadline's due date when the suspension from suspended_on ends on
    resumed_on, counted from its start through all its suspensions as a recomputation
    counts it (the remaining time of a calendar period runs from its own end)."""
    periods = [*_suspensions(case, row), (suspended_on, resumed_on)]
    return dl.resume_due(get_calendar(), row.start_on, row.days + (row.extended_days or 0),
                         row.unit, periods)


def _reapply_suspensions(case: Case, row: CaseDeadline) -> None:
    """Shift a recomputed resolution deadline again by the suspensions it went through.

    resume() moves the due date when the clock restarts; a recomputation from the policy
    must not lose that time, or a resumed case would suddenly be overdue.
    """
    if row.stage != "resolution" or case.id is None:
        return
    cal, total = get_calendar(), row.days + (row.extended_days or 0)
    periods = _suspensions(case, row)
    for number, (suspended_on, resumed_on) in enumerate(periods, start=1):
        # From the start each time: a calendar period's time left runs from its own end,
        # which a shifted due date no longer shows.
        row.due_on = dl.resume_due(cal, row.start_on, total, row.unit, periods[:number])
        row.rule += dl.suspension_note(suspended_on, resumed_on, row.due_on)


def _write_recomputed(updates: list[dict], moved: list[tuple], now: datetime, actor,
                      reason: str | None) -> None:
    """Store recomputed deadlines with Core statements; audit each moved due date as the
    per-case path does (`moved`: case id, stage, old and new due date)."""
    from complaints.models import AuditEvent
    from complaints.services import escalation

    if updates:
        table = CaseDeadline.__table__
        db.session.execute(update(table).where(table.c.id == bindparam("b_id")).values(
            due_on=bindparam("b_due"), rule=bindparam("b_rule"),
            policy_id=bindparam("b_policy"), days=bindparam("b_days"),
            unit=bindparam("b_unit")), updates)
    if moved:
        heads = escalation.chain_heads(sorted({case_id for case_id, *_ in moved}))
        events = []
        for case_id, stage, before, after in moved:
            data = {"stage": stage, "from": before, "to": after}
            if reason:
                data["reason"] = reason
            event = audit.prepare("deadline_recomputed", actor, now, data).seal(
                f"case:{case_id}", case_id, heads.get(case_id, (0, audit.GENESIS)))
            heads[case_id] = (event["seq"], event["hash"])
            events.append(event)
        db.session.execute(insert(AuditEvent.__table__), events)
        audit.forget_heads()  # written beside record(): its known heads are stale
        running_due.refresh(db.session.connection(), [case_id for case_id, *_ in moved])
    if updates:
        db.session.expire_all()  # the ORM's copies of these deadlines are stale now


def _recompute_in_bulk(where: tuple, pick_policy,
                       cal=None) -> tuple[list[dict], list[tuple], set]:
    """Recompute the unmet deadlines of open cases matching `where` from their stored
    start, extension and the policy `pick_policy(row)` returns ((rule, id), or None when
    the per-case path must decide). Returns the rows to update, the moved due dates, and
    the cases left to the per-case path: those ever suspended (their shift is read from
    their audit trail) and those pick_policy left. `cal`: the calendar to compute with
    (the configured one by default)."""
    from complaints.models import AuditEvent

    c, d, a = Case.__table__.c, CaseDeadline.__table__.c, AuditEvent.__table__.c
    where = (c.status.in_(states.OPEN_STATUSES), d.met_on.is_(None), *where)
    rows = db.session.execute(
        select(d.id, d.case_id, d.stage, d.start_on, d.due_on, d.days, d.unit,
               d.extended_days, d.rule, d.policy_id, c.kind, c.complaint_round,
               c.is_remote, c.is_complex)
        .join(Case.__table__, c.id == d.case_id).where(*where).order_by(d.case_id, d.id)).all()
    if not rows:
        return [], [], set()
    left = set(db.session.scalars(
        select(a.case_id).where(a.action == "suspended", a.case_id.in_(
            select(d.case_id).join(Case.__table__, c.id == d.case_id).where(*where)))
        .distinct()))
    cal, memo, updates, moved = cal or get_calendar(), {}, [], []
    for r in rows:
        if r.case_id in left:
            continue
        picked = pick_policy(r)
        if picked is None:
            left.add(r.case_id)
            continue
        rule, policy_id = picked
        key = (r.stage, r.start_on, policy_id, r.extended_days)
        if key not in memo:  # many deadlines share a start date: compute each once
            fresh = dl.compute_deadline(cal, r.stage, r.start_on, rule.days, rule.unit,
                                        rule.source, extended_days=r.extended_days)
            memo[key] = (fresh.due_on, fresh.explain("vi"))
        due_on, text = memo[key]
        if (due_on, text, policy_id, rule.days, rule.unit) != (r.due_on, r.rule, r.policy_id,
                                                               r.days, r.unit):
            updates.append({"b_id": r.id, "b_due": due_on, "b_rule": text,
                            "b_policy": policy_id, "b_days": rule.days, "b_unit": rule.unit})
        if due_on != r.due_on:
            moved.append((r.case_id, r.stage, r.due_on, due_on))
    return updates, moved, left


def _policy_recompute(policy: tuple[str, str, date],
                      rules: list[tuple[PolicyRule, int]]) -> tuple[list, list, set]:
    """_recompute_in_bulk for a policy version (stage, kind, effective from), with the
    policy of each deadline picked from `rules` as policy_for picks it."""
    stage, kind, effective_from = policy
    c, d = Case.__table__.c, CaseDeadline.__table__.c
    by_id = {policy_id: rule for rule, policy_id in rules}
    ids = {id(rule): policy_id for rule, policy_id in rules}
    reception_session: set = set()
    if stage == "handling":
        from complaints.models import Petition

        p = Petition.__table__.c
        reception_session = set(db.session.scalars(select(p.case_id).where(
            p.channel == "reception_session").distinct()))

    def pick(r):
        stored = by_id.get(r.policy_id)
        round_ = r.complaint_round if r.kind == "complaint" else None
        # Rows read here are running deadlines: each keeps its variant (_pick_variant).
        variant = _pick_variant(r.stage, r.case_id in reception_session,
                                stored.variant if stored else None, r.is_remote, r.is_complex)
        rule = select_policy([rule for rule, _ in rules], r.stage, r.kind, round_, variant,
                             r.start_on)
        return None if rule is None else (rule, ids[id(rule)])

    return _recompute_in_bulk((d.stage == stage, c.kind == kind,
                               d.start_on >= effective_from), pick)


def policy_impact(rule: PolicyRule) -> tuple[int, int]:
    """What adding `rule` would do, without writing: (due dates of open cases it moves,
    cases ever suspended, recomputed one by one and not counted)."""
    _updates, moved, left = _policy_recompute((rule.stage, rule.kind, rule.effective_from),
                                              [*_rules(), (rule, -1)])
    return len(moved), len(left)


def _calendar_recompute(day: date, rules: list[tuple[PolicyRule, int]],
                        cal=None) -> tuple[list, list, set]:
    """_recompute_in_bulk for a change of the calendar on `day`: each deadline keeps its
    policy, and only those running across the day can move."""
    d = CaseDeadline.__table__.c
    by_id = {policy_id: rule for rule, policy_id in rules}
    return _recompute_in_bulk(
        (d.start_on <= day, d.due_on >= day),
        lambda r: (by_id[r.policy_id], r.policy_id) if r.policy_id in by_id else None, cal)


def calendar_impact(day: date, cal) -> tuple[int, int]:
    """What the calendar `cal` (changed on `day`, not saved) would do, without writing:
    (due dates of open cases it moves, cases recomputed one by one and not counted)."""
    _updates, moved, left = _calendar_recompute(day, _rules(), cal)
    return len(moved), len(left)


def recompute_open(now: datetime, actor=None, reason: str | None = None, *,
                   day: date | None = None,
                   policy: tuple[str, str, date] | None = None) -> int:
    """Recompute the unmet deadlines of open cases after a calendar or policy change.

    Reading every open case through the ORM took 95 s for 85,000 of them (a web request
    that never ends), so the caller names what changed and only the deadlines it can move
    are recomputed, in bulk (_recompute_in_bulk), then every waiting case's next attention
    date. `day`: the working-day calendar changed on that day. A due date is computed from
    the days between the stage's start and its due date only (a suspension's shift
    included: its days lie between them too), so only deadlines running across the day can
    move, each with its own policy. `policy`: (stage, kind, effective from) of a new
    policy version, which applies to stages started from then on. Cases ever suspended go
    through the per-case path; with neither argument, every open case does.
    """

    changed = 0
    query = select(Case).where(Case.status.in_(states.OPEN_STATUSES)).order_by(Case.id)
    rules = _rules()
    if day is not None:
        updates, moved, left = _calendar_recompute(day, rules)
    elif policy is not None:
        updates, moved, left = _policy_recompute(policy, rules)
    batches = [query]
    later: set[int] = set()  # cases a due date moved later: an overdue may be taken back
    if day is not None or policy is not None:
        _write_recomputed(updates, moved, now, actor, reason)
        changed = len(moved)
        later = {case_id for case_id, _stage, before, after in moved if after > before}
        ids = sorted(left)  # in batches: a driver limits the parameters of one statement
        batches = [query.where(Case.id.in_(ids[i:i + 500])) for i in range(0, len(ids), 500)]
    # Materialised first: the loop writes audit events, and a streaming cursor left open
    # under those writes is fragile across database drivers.
    for case in [case for batch in batches for case in db.session.scalars(batch)]:
        for row in list(case.deadlines):
            if row.met_on is not None:
                continue
            before = row.due_on
            set_deadline(case, row.stage, row.start_on, row.extended_days)
            if row.due_on != before:
                changed += 1
                if row.due_on > before:
                    later.add(case.id)
                data = {"stage": row.stage, "from": before, "to": row.due_on}
                if reason:
                    data["reason"] = reason
                audit.record_case(case, "deadline_recomputed", actor, now, data)
        refresh_attention(case)
    db.session.flush()
    _take_back_overdue(sorted(later), now)
    if day is not None or policy is not None:
        from complaints.services import escalation

        escalation.recompute_attention(now)
    return changed


def _take_back_overdue(case_ids: list[int], now: datetime) -> None:
    """Lapse the overdue steps that a later due date shows were not due when raised, as an
    extension entered late does (escalation.lapse_overtaken; domain.md: a calendar change
    recomputes open deadlines). QA round 23: a day off entered after the sweep left the
    case flagged and its agency scored for an overdue that never was."""
    from complaints.models import Escalation
    from complaints.services import escalation

    for i in range(0, len(case_ids), 500):  # a driver limits the parameters of one statement
        overdue = select(Escalation.case_id).where(
            Escalation.case_id.in_(case_ids[i:i + 500]), Escalation.lapsed_at.is_(None),
            Escalation.level >= 1)
        for case in list(db.session.scalars(select(Case).where(Case.id.in_(overdue))
                                             .order_by(Case.id))):
            escalation.lapse_overtaken(case, now, None)
