"""A model of the case workflow for the QA round 62 random walks: a world of agencies and
users, the actions a walk may take, and the invariants checked after every step.

The oracles here are written from domain.md, not from the services: the policy table
(stage × kind → days, unit), the day counting rules, which statuses hold which deadline,
and who may see a denouncer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from complaints.domain import states
from complaints.domain.catalog import OUTCOMES_BY_KIND
from complaints.domain.states import InvalidTransition
from complaints.extensions import db
from complaints.models import (
    Agency,
    AuditEvent,
    Case,
    CaseDeadline,
    Escalation,
    User,
)
from complaints.services import deadlines, escalation_patterns, workflow
from complaints.services.audit import verify_chains
from complaints.services.calendar import get_calendar
from complaints.services.errors import NotAllowed, NotFound, ValidationFailed

REFUSALS = (ValidationFailed, NotAllowed, InvalidTransition, NotFound)
AMENDED_2026 = date(2026, 7, 1)


def moment(day: date) -> datetime:
    """The wall-clock moment of a step taken on `day` (10:00 in Hanoi)."""
    return datetime.combine(day, time(3, 0), tzinfo=timezone.utc)


# --- domain.md's default policy table: (stage, kind, round) -> (days, unit) -------------

def expected_policy(stage: str, kind: str, complaint_round: int | None, start_on: date,
                    variant: str = "normal") -> tuple[int, str]:
    """The default deadline of domain.md for a stage started on `start_on`."""
    if stage == "handling":
        return (7, "working") if kind == "denunciation" else (10, "working")
    if stage == "acceptance":
        if kind == "complaint" and complaint_round == 2:
            return 10, "calendar"
        if kind == "complaint":
            return (7, "working") if start_on >= AMENDED_2026 else (10, "calendar")
        if kind == "denunciation":
            return 7, "working"
        return 5, "working"
    # resolution
    if kind == "complaint":
        table = {1: {"normal": 30, "complex": 45, "remote": 45, "remote_complex": 60},
                 2: {"normal": 45, "complex": 60, "remote": 60, "remote_complex": 70}}
        return table[complaint_round][variant], "calendar"
    if kind == "denunciation":
        return 30, "calendar"
    return 15, "working"


def count_due(start_on: date, days: int, unit: str) -> date:
    """domain.md "Counting days": the day of the trigger is not counted; working unit: the
    Nth working day after it; calendar unit: the Nth day, moved to the next working day."""
    cal = get_calendar()
    if unit == "working":
        day, left = start_on, days
        while left > 0:
            day += timedelta(days=1)
            if cal.is_working_day(day):
                left -= 1
        return day
    day = start_on + timedelta(days=days)
    while not cal.is_working_day(day):
        day += timedelta(days=1)
    return day


# --- the world ---------------------------------------------------------------------------

@dataclass
class World:
    province: Agency
    inspectorate: Agency
    desk: Agency
    a: Agency
    b: Agency
    c: Agency
    users: dict[str, User] = field(default_factory=dict)

    def code(self, key: str) -> str:
        return {"A": self.a.code, "B": self.b.code, "C": self.c.code,
                "DESK": self.desk.code, "UBND": self.province.code}.get(key, key)

    def head_of(self, agency_id: int | None) -> str:
        return {self.a.id: "head_a", self.b.id: "head_b", self.c.id: "head_c",
                self.province.id: "province_head"}.get(agency_id, "clerk")


def build_world(make_agency, make_user) -> World:
    province = make_agency("UBND-Q", level="province", name="UBND thành phố")
    inspectorate = make_agency("TTR-Q", parent=province, name="Thanh tra thành phố",
                               is_inspectorate=True)
    desk = make_agency("BTCD-Q", parent=province, name="Ban Tiếp công dân",
                       is_reception_desk=True)
    a = make_agency("SO-QA", parent=province, name="Sở A")
    b = make_agency("SO-QB", parent=province, name="Sở B")
    c = make_agency("SO-QC", parent=province, name="Sở C")
    world = World(province, inspectorate, desk, a, b, c)
    world.users = {
        "clerk": make_user("reception", desk, "q_tiepdan"),
        "other_clerk": make_user("reception", None, "q_tiepdan_khac"),
        "head_a": make_user("agency_head", a, "q_giamdoc_a"),
        "officer_a": make_user("agency_officer", a, "q_chuyenvien_a"),
        "officer_a2": make_user("agency_officer", a, "q_chuyenvien_a2"),
        "head_b": make_user("agency_head", b, "q_giamdoc_b"),
        "officer_b": make_user("agency_officer", b, "q_chuyenvien_b"),
        "head_c": make_user("agency_head", c, "q_giamdoc_c"),
        "province_head": make_user("agency_head", province, "q_chutich"),
        "inspector": make_user("inspector", inspectorate, "q_thanhtra"),
        "admin": make_user("admin", None, "q_admin"),
    }
    db.session.flush()
    return world


# --- actions -----------------------------------------------------------------------------

# What a successful call writes to the case's trail, by service.
TRAIL_ACTION = {
    "route": "routed", "file": "file", "guide": "guide", "forward": "forward",
    "accept": "accepted", "refuse": "refused", "assign": "assigned", "extend": "extended",
    "extend_handling": "extended", "return": "returned", "transfer": "transferred",
    "resolve": "resolved", "close": "closed", "withdraw": "withdrawn",
    "suspend": "suspended", "resume": "resumed", "designate_lead": "lead_designated",
    "declare_complex": "complexity_declared",
}


def call(world: World, case: Case, name: str, actor: User, args: dict, now: datetime,
         today: date):
    """Call the workflow service `name` with generated arguments."""
    on = args.get("decided_on")
    reason = args.get("reason", "Lý do của quyết định")
    kw = {"actor": actor, "now": now, "today": today}
    if name == "route":
        return workflow.route(case, world.code(args["agency"]), decided_on=on, **kw)
    if name == "file":
        return workflow.file_away(case, args.get("filing_reason", "duplicate"),
                                  decided_on=on, **kw)
    if name == "guide":
        return workflow.guide(case, reason, decided_on=on, **kw)
    if name == "forward":
        return workflow.forward(case, reason, decided_on=on, **kw)
    if name == "accept":
        return workflow.accept(case, decided_on=on, **kw)
    if name == "refuse":
        return workflow.refuse(case, reason, decided_on=on, **kw)
    if name == "assign":
        return workflow.assign(case, args["officer"], actor, now)
    if name == "extend":
        return workflow.extend(case, args["days"], reason, decided_on=on,
                               complexity=args.get("complexity"), **kw)
    if name == "extend_handling":
        return workflow.extend_handling(case, args["days"], reason, decided_on=on, **kw)
    if name == "return":
        return workflow.return_case(case, reason, world.code(args["agency"]),
                                    decided_on=on, **kw)
    if name == "transfer":
        return workflow.transfer(case, world.code(args["agency"]), reason, decided_on=on,
                                 **kw)
    if name == "resolve":
        return workflow.resolve(case, args["outcome"], "12/QĐ-UBND", "Kết quả giải quyết",
                                decided_on=on, **kw)
    if name == "close":
        return workflow.close(case, reason="Đã thi hành xong", **kw)
    if name == "withdraw":
        return workflow.withdraw(case, reason, decided_on=on,
                                 petitioner_ids=args.get("petitioner_ids"), **kw)
    if name == "suspend":
        return workflow.suspend(case, reason, decided_on=on, **kw)
    if name == "resume":
        return workflow.resume(case, decided_on=on, **kw)
    if name == "declare_complex":
        return workflow.declare_complex(case, reason, decided_on=on, **kw)
    if name == "designate_lead":
        return escalation_patterns.designate_lead(case, world.code(args["agency"]), actor,
                                                  now, today, note="Chỉ định")
    raise AssertionError(name)


def outcomes_for(case: Case) -> list[str]:
    return list(OUTCOMES_BY_KIND[(case.kind, case.complaint_round)])


# --- snapshots ---------------------------------------------------------------------------

COUNTED = ("cases", "petitions", "case_deadlines", "routings", "escalations",
           "audit_events", "notifications", "stage_spells", "petition_signers")


def table_counts() -> dict[str, int]:
    tables = db.metadata.tables
    return {name: db.session.scalar(select(func.count()).select_from(tables[name]))
            for name in COUNTED if name in tables}


def case_state(case_id: int) -> tuple:
    c = db.session.execute(select(Case.__table__).where(Case.id == case_id)).one()._asdict()
    c.pop("updated_at", None)
    rows = db.session.execute(select(CaseDeadline.__table__).where(
        CaseDeadline.case_id == case_id).order_by(CaseDeadline.stage)).all()
    return tuple(sorted(c.items())), tuple(tuple(r) for r in rows)


def trail(case_id: int) -> list[tuple[int, str, dict]]:
    rows = db.session.execute(select(AuditEvent.seq, AuditEvent.action, AuditEvent.data)
                              .where(AuditEvent.chain == f"case:{case_id}")
                              .order_by(AuditEvent.seq))
    return [(seq, action, json.loads(data or "{}")) for seq, action, data in rows]


# --- invariants --------------------------------------------------------------------------

STAGE_OF_STATUS = {
    states.RECEIVED: {"handling"}, states.RETURNED: {"handling"},
    states.ROUTED: {"acceptance"}, states.ACCEPTED: {"resolution"},
    states.SUSPENDED: {"resolution"},
}


def _suspensions(case_id: int, since: date) -> list[tuple[date, date]]:
    """(suspended on, resumed on) pairs from the trail, as domain.md: the clock pauses."""
    periods, start = [], None
    for _seq, action, data in trail(case_id):
        if action == "suspended":
            start = date.fromisoformat(data["on"][:10])
        elif action == "resumed" and start is not None:
            periods.append((start, date.fromisoformat(data["on"][:10])))
            start = None
    return [(s, r) for s, r in periods if s >= since]


def check_case(world: World, case_id: int, today: date, problems: list[str],
               what: str) -> None:
    """The invariants of one case after a step; append what is wrong to `problems`."""
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    tag = f"[{case.kind} {case.status} after {what}]"
    cal = get_calendar()

    # Holder: at the desk no agency holds it; from routing on an agency does.
    if case.status in states.AT_RECEPTION and case.agency_id is not None:
        problems.append(f"{tag} at reception but held by agency {case.agency_id}")
    if case.status in (states.ROUTED, states.ACCEPTED, states.SUSPENDED, states.RESOLVED,
                       states.CLOSED, states.NOT_ACCEPTED) and case.agency_id is None:
        problems.append(f"{tag} held by no agency")
    if case.officer_id is not None and case.officer.agency_id != case.agency_id:
        problems.append(f"{tag} officer of another agency")
    if (case.status == states.SUSPENDED) != (case.suspended_on is not None):
        problems.append(f"{tag} suspended_on={case.suspended_on}")

    running = [d for d in case.deadlines if d.met_on is None]
    expected_stages = STAGE_OF_STATUS.get(case.status, set())
    if {d.stage for d in running} != expected_stages:
        problems.append(f"{tag} running stages {[d.stage for d in running]}, "
                        f"expected {sorted(expected_stages)}")
    for row in case.deadlines:
        if row.met_on is not None:
            continue
        variant = "normal"
        if row.stage == "resolution" and case.kind == "complaint":
            variant = ("remote_complex" if case.is_remote and case.is_complex else
                       "remote" if case.is_remote else "complex" if case.is_complex
                       else "normal")
        days, unit = expected_policy(row.stage, case.kind, case.complaint_round,
                                     row.start_on, variant)
        if (row.days, row.unit) != (days, unit):
            problems.append(f"{tag} {row.stage} from {row.start_on}: policy "
                            f"{row.days} {row.unit}, domain.md says {days} {unit}")
            continue
        due = count_due(row.start_on, days + (row.extended_days or 0), unit)
        if row.stage == "resolution":
            from complaints.domain import deadlines as dl
            periods = _suspensions(case.id, row.start_on)
            if periods:
                due = dl.resume_due(cal, row.start_on, days + (row.extended_days or 0),
                                    unit, periods)
            if case.accepted_on != row.start_on:
                problems.append(f"{tag} resolution starts {row.start_on}, "
                                f"accepted {case.accepted_on}")
        if row.due_on != due:
            problems.append(f"{tag} {row.stage} from {row.start_on} +{days}"
                            f"(+{row.extended_days}) {unit}: stored due {row.due_on}, "
                            f"counted {due}")
        if row.stage == "acceptance":
            arrived = max((m.decided_on for m in case.routings
                           if m.to_agency_id == case.agency_id), default=None)
            if arrived != row.start_on:
                problems.append(f"{tag} acceptance starts {row.start_on}, "
                                f"arrived {arrived}")

    # running_due_on and next_attention_on follow the running deadline.
    earliest = min((d.due_on for d in running), default=None)
    if case.running_due_on != earliest:
        problems.append(f"{tag} running_due_on {case.running_due_on} != {earliest}")
    clock_runs = case.status in states.CLOCK_RUNNING and case.status != states.RESOLVED
    # Suspended after the resolution due date: no clock runs, yet the case stays late.
    late_suspension = case.status == states.SUSPENDED and any(
        d.stage == "resolution" and d.due_on < case.suspended_on for d in running)
    if not clock_runs and (case.next_attention_on is not None
                           or case.flag_overdue != late_suspension):
        problems.append(f"{tag} no clock runs but next_attention_on="
                        f"{case.next_attention_on} overdue={case.flag_overdue}")
    if clock_runs and running:
        current = min(running, key=lambda d: d.due_on)
        steps = deadlines.ladder()
        reached = deadlines.reached_level(case, current)
        from complaints.domain import escalation as rules
        want = rules.next_attention(steps.dates(cal, current.due_on), steps, reached)
        if case.next_attention_on != want:
            problems.append(f"{tag} next_attention_on {case.next_attention_on} != {want}")
        if case.flag_overdue and not current.due_on < today:
            problems.append(f"{tag} flagged overdue, due {current.due_on}, today {today}")

    # A stage met by its due date keeps no standing overdue escalation (late entry).
    for row in case.deadlines:
        if row.met_on is None or row.met_on > row.due_on:
            continue
        standing = db.session.scalars(select(Escalation).where(
            Escalation.case_id == case.id, Escalation.stage == row.stage,
            Escalation.started_on == row.start_on, Escalation.level >= 1,
            Escalation.lapsed_at.is_(None))).all()
        if standing:
            problems.append(f"{tag} {row.stage} met {row.met_on} by its due {row.due_on} "
                            f"but overdue escalations stand: "
                            f"{[(e.level, e.reason, e.as_of) for e in standing]}")

    checked, breaks = verify_chains(f"case:{case.id}")
    if breaks or checked < 1:
        problems.append(f"{tag} audit chain: {breaks}")


# --- reports -----------------------------------------------------------------------------

# (form, pending column, carried column) — reports.md: "Carried over vs received in the
# period; handled vs still pending at the cut-off": what is pending at one cut-off is
# what the next period carries over.
# 02/XLD, 03/GQKN and 04/GQTC are left out: a case that moves after a cut-off (a transfer,
# a return) breaks their chain, the forms having no column for a case that leaves or comes
# back within a period (QA round 62; an open judgement, see the closing note).
CARRIED = (("05/KQTH", "5", "2"),)
# Parts that may not exceed their whole (column ≤ column), and columns never negative.
PARTS = {"02/XLD": (("16", "7"), ("18", "3"), ("24", "23"), ("6", "1")),
         "03/GQKN": (("9", "4"), ("23", "22"), ("16", "8"), ("17", "8"), ("28", "25")),
         "04/GQTC": (("9", "4"), ("20", "12"), ("25", "22")),
         "05/KQTH": (("4", "1"), ("16", "15"))}


def check_reports(root_code: str, first: date, last: date, problems: list[str]) -> None:
    """Monthly reports from the month of `first` to that of `last`: carried over equals the
    previous cut-off's pending, per unit; no negative figure; parts within wholes."""
    from complaints.domain import reports as forms
    from complaints.services.reports import build_report

    periods, period = [], forms.period_containing(first, "month")
    while period.start <= last:
        periods.append(period)
        period = forms.period_containing(period.end + timedelta(days=1), "month")
    built = {code: [build_report(code, root_code, p) for p in periods]
             for code in ("02/XLD", "03/GQKN", "04/GQTC", "05/KQTH")}
    for code, reports in built.items():
        for report in reports:
            for unit, row in zip(report.units, report.rows, strict=True):
                negative = {k: v for k, v in row.items() if v < 0}
                if negative:
                    problems.append(f"{code} {report.period.label()} {unit.code}: "
                                    f"negative {negative}")
                for part, whole in PARTS.get(code, ()):
                    if row[part] > row[whole]:
                        problems.append(f"{code} {report.period.label()} {unit.code}: "
                                        f"col {part}={row[part]} > col {whole}={row[whole]}")
            if code == "02/XLD":
                categories = sum(report.total[str(c)] for c in range(25, 33))
                if categories != report.total["3"]:
                    problems.append(f"02/XLD {report.period.label()}: col 3="
                                    f"{report.total['3']} but cols 25–32 sum {categories}")
    for code, pending, carried in CARRIED:
        reports = built[code]
        for before, after in zip(reports, reports[1:], strict=False):
            for unit, row_b, row_a in zip(before.units, before.rows, after.rows, strict=True):
                if row_b[pending] != row_a[carried]:
                    problems.append(
                        f"{code} {unit.code}: col {pending} (pending) of "
                        f"{before.period.label()} = {row_b[pending]}, col {carried} "
                        f"(carried) of {after.period.label()} = {row_a[carried]}")
