"""Citizen-reception sessions (tiếp công dân) and the leaders' frequency rule.

Agency heads and their staff record each session with its counts; the compliance check
holds each agency's leader to the frequency of domain.md (scoring.RECEPTION_FREQUENCY:
commune chair weekly, provincial chair and department heads monthly), counting only the
days the head received citizens in person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from complaints.domain import scoring
from complaints.domain.catalog import RECEPTION_KINDS
from complaints.extensions import db
from complaints.models import Agency, ReceptionSession, User
from complaints.services import audit
from complaints.services.errors import NotAllowed, ValidationFailed

COUNTS = ("turns", "people", "matters_first", "matters_repeated", "delegations",
          "delegation_people", "delegation_matters")
RECORDING_ROLES = ("agency_head", "agency_officer", "reception")


@dataclass
class SessionData:
    held_on: date | None
    kind: str
    place: str = ""
    leader_name: str = ""
    scheduled: bool = True
    is_dialogue: bool = False
    notes: str = ""
    counts: dict[str, int] = field(default_factory=dict)


def can_record(user: User) -> bool:
    """Agency heads and their staff record their own agency's sessions."""
    return user.role in RECORDING_ROLES and user.agency_id is not None


def record_session(data: SessionData, actor: User, now: datetime, today: date
                   ) -> ReceptionSession:
    """Record a reception session of the actor's agency, audited."""
    if not can_record(actor):
        raise NotAllowed("Chỉ cán bộ của cơ quan được ghi buổi tiếp công dân.")
    errors: dict[str, str] = {}
    if data.held_on is None:
        errors["held_on"] = "Nhập ngày tiếp."
    elif data.held_on > today:
        errors["held_on"] = "Ngày tiếp không được ở tương lai."
    if data.kind not in RECEPTION_KINDS:
        errors["kind"] = "Chọn hình thức tiếp."
    if data.kind in ("head", "deputy") and not data.leader_name.strip():
        errors["leader_name"] = "Nhập họ tên người chủ trì buổi tiếp."
    for name in COUNTS:
        value = data.counts.get(name, 0)
        if not isinstance(value, int) or value < 0:
            errors[name] = "Nhập số không âm."
    if not errors:
        if data.counts.get("delegation_people", 0) < 5 * data.counts.get("delegations", 0):
            errors["delegation_people"] = "Mỗi đoàn đông người có từ 5 người trở lên."
    if errors:
        raise ValidationFailed(errors)
    session = ReceptionSession(
        agency_id=actor.agency_id, kind=data.kind, scheduled=data.scheduled,
        is_dialogue=data.is_dialogue, held_on=data.held_on, place=data.place.strip() or None,
        leader_name=data.leader_name.strip() or None,
        leader_id=actor.id if data.kind == "head" and actor.role == "agency_head" else None,
        notes=data.notes.strip() or None, created_by_id=actor.id,
        **{name: data.counts.get(name, 0) for name in COUNTS})
    db.session.add(session)
    db.session.flush()
    audit.record(f"agency:{actor.agency_id}", "reception_session_recorded", actor, now,
                 {"session": session.id, "held_on": data.held_on, "kind": data.kind,
                  **{name: data.counts.get(name, 0) for name in COUNTS}})
    return session


@dataclass
class Compliance:
    agency: Agency
    frequency: str  # "week" | "month"
    required: int
    held: int
    gaps: list[tuple[date, date]]

    @property
    def below(self) -> bool:
        return self.held < self.required


def compliance(user: User, start: date, end: date) -> list[Compliance]:
    """Each leader's reception days against the rule, worst first (scoped like scorecards)."""
    query = select(Agency).where(Agency.active.is_(True),
                                 Agency.level.in_(tuple(scoring.RECEPTION_FREQUENCY)))
    if user.role not in ("inspector", "admin"):
        query = query.where(Agency.id == user.agency_id)
    agencies = list(db.session.scalars(query.order_by(Agency.name)))
    held: dict[int, list[date]] = {}
    for agency_id, day in db.session.execute(
            select(ReceptionSession.agency_id, ReceptionSession.held_on).distinct()
            .where(ReceptionSession.agency_id.in_([a.id for a in agencies]),
                   ReceptionSession.kind.in_(scoring.LEADER_KINDS),
                   ReceptionSession.held_on.between(start, end))):
        held.setdefault(agency_id, []).append(day)
    out = []
    for agency in agencies:
        days = held.get(agency.id, [])
        out.append(Compliance(
            agency, scoring.RECEPTION_FREQUENCY[agency.level],
            scoring.required_reception_days(agency.level, start, end),
            scoring.held_in_required(agency.level, days, start, end),
            scoring.reception_gaps(agency.level, days, start, end)))
    return sorted(out, key=lambda c: (not c.below, c.held - c.required, c.agency.name))


def recent_sessions(user: User, limit: int = 50) -> list[ReceptionSession]:
    """The latest sessions this user may see: all for inspectors, own agency otherwise."""
    query = select(ReceptionSession).order_by(ReceptionSession.held_on.desc(),
                                              ReceptionSession.id.desc()).limit(limit)
    if user.role not in ("inspector", "admin"):
        query = query.where(ReceptionSession.agency_id == user.agency_id)
    return list(db.session.scalars(query))
