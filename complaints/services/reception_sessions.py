"""Citizen-reception sessions (tiếp công dân) and the leaders' frequency rule.

Agency heads and their staff record each session with its counts; the compliance check
holds each agency's leader to the frequency of domain.md (scoring.RECEPTION_FREQUENCY:
commune chair weekly, provincial chair and department heads monthly), counting only the
days the head received citizens in person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, false, select

from complaints.domain import history as histories
from complaints.domain import reception as rules
from complaints.domain import scoring
from complaints.domain.catalog import RECEPTION_KINDS
from complaints.domain.messages import N_
from complaints.domain.policies import DENUNCIATION, RECEPTION_SESSION
from complaints.domain.text import name_order, normal_tracking_code
from complaints.extensions import db
from complaints.models import Agency, Case, Petition, ReceptionSession, User
from complaints.permissions import (
    AGENCY_ROLES,
    can_hold_unscheduled_reception,
    can_join_session_petition,
    can_see_identity,
)
from complaints.services import audit, escalation_patterns, intake, workflow
from complaints.services.errors import NotAllowed, ValidationFailed

COUNTS = ("turns", "people", "matters_first", "matters_repeated", "delegations",
          "delegation_people", "delegation_matters")
RECORDING_ROLES = ("agency_head", "agency_officer", "reception")
MAX_PETITIONS = 100  # petitions recorded with one session


@dataclass
class JoinedPetition:
    """A petition raised at the session on a matter that already has a case."""

    tracking_code: str
    petition: intake.PetitionData
    note: str = ""  # what the citizens presented this time, kept on the petition


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
    # Petitions raised at the session: each becomes a case in the same step, or joins the
    # case already open on the same matter (đơn trùng, đơn nhiều lần).
    petitions: list[intake.CaseData | JoinedPetition] = field(default_factory=list)
    case_id: int | None = None  # the heated or mass case an unscheduled session is about


def can_record(user: User) -> bool:
    """Agency heads and their staff record their own agency's sessions."""
    return user.role in RECORDING_ROLES and user.agency_id is not None


def record_session(data: SessionData, actor: User, now: datetime, today: date
                   ) -> ReceptionSession:
    """Record a reception session of the actor's agency, audited."""
    return record_session_with_petitions(data, actor, now, today)[0]


def _validate(data: SessionData, actor: User, today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.held_on is None:
        errors["held_on"] = N_("Nhập ngày tiếp.")
    elif data.held_on > today:
        errors["held_on"] = N_("Ngày tiếp không được ở tương lai.")
    if data.kind not in RECEPTION_KINDS:
        errors["kind"] = N_("Chọn hình thức tiếp.")
    if data.kind in ("head", "deputy") and not data.leader_name.strip():
        errors["leader_name"] = N_("Nhập họ tên người chủ trì buổi tiếp.")
    for name in COUNTS:
        value = data.counts.get(name, 0)
        if not isinstance(value, int) or value < 0:
            errors[name] = N_("Nhập số không âm.")
    counts = counts_with_petitions(data)  # the figures stored: typed, or the petitions'
    if not errors:
        if counts["delegation_people"] < 5 * counts["delegations"]:
            errors["delegation_people"] = N_("Mỗi đoàn đông người có từ 5 người trở lên.")
        # The delegations' figures are part of the session's (01/TCD prints both): a part
        # larger than its whole, or matters of no delegation, cannot be reported.
        elif counts["delegation_people"] > counts["people"]:
            errors["delegation_people"] = N_(
                "Số người trong đoàn không được nhiều hơn số người được tiếp.")
        if counts["delegation_matters"] and not counts["delegations"]:
            errors["delegation_matters"] = N_(
                "Có vụ việc của đoàn đông người thì phải nhập số đoàn.")
        elif counts["delegation_matters"] > (counts["matters_first"]
                                             + counts["matters_repeated"]):
            errors["delegation_matters"] = N_(
                "Số vụ việc của đoàn đông người không được nhiều hơn số vụ việc được tiếp "
                "(lần đầu và nhiều lần).")
        # Each delegation is received in at least one turn, and each turn receives at
        # least one person (QA round 21: 3 delegations in 1 turn reached 01/TCD).
        if counts["delegations"] > counts["turns"]:
            errors["delegations"] = N_("Số đoàn không được nhiều hơn số lượt tiếp: mỗi đoàn "
                                       "được tiếp ít nhất một lượt.")
        if counts["people"] < counts["turns"]:
            errors["people"] = N_("Số người được tiếp không được ít hơn số lượt tiếp.")
    if not errors and not data.scheduled and rules.is_empty(counts["turns"], counts["people"]):
        errors["turns"] = N_("Buổi tiếp đột xuất phải có công dân được tiếp: nhập số lượt "
                             "tiếp, số người (hoặc ghi đơn thư công dân trình bày).")
    if data.case_id is not None:
        case = db.session.get(Case, data.case_id)
        if case is None or not can_hold_unscheduled_reception(actor, case):
            errors["case"] = N_("Hồ sơ không do cơ quan của bạn giải quyết.")
        elif data.scheduled:
            errors["scheduled"] = N_("Buổi tiếp về vụ việc gay gắt, đông người là tiếp đột "
                                 "xuất: bỏ chọn tiếp định kỳ.")
    if len(data.petitions) > MAX_PETITIONS:
        errors["petitions"] = N_("Tối đa %(n)s đơn mỗi buổi tiếp.", n=MAX_PETITIONS)
        return errors
    for i, row in enumerate(data.petitions):
        # Raised at the session: its channel and date are the session's.
        row.petition.channel = RECEPTION_SESSION
        row.petition.received_on = data.held_on or today
        prefix = f"petitions.{i}."
        if isinstance(row, JoinedPetition):
            # What was presented this time is the joined letter's own text (its "content").
            row.petition.content = row.note.strip() or None
            errors.update(intake.validate_petition(row.petition, today, prefix))
            case = joined_case(row, actor)
            if case is None:
                errors[prefix + "join_code"] = N_(
                    "Không có hồ sơ này trong các hồ sơ cơ quan của bạn đang giữ; để trống để "
                    "mở hồ sơ mới.")
            else:
                intake.history_errors(errors, case.kind, case.complaint_round,
                                      row.petition.history, prefix, joined=case.tracking_code)
        else:
            errors.update(intake.validate_case(row, today, prefix=prefix, actor=actor))
        # QA round 52: found here, under the row's prefix, as the desk's form finds it;
        # intake's own check at writing keyed it with no petition ("petitioners.0…").
        for key, message in intake.identity_problems(row.petition.petitioners, actor,
                                                     prefix).items():
            errors.setdefault(key, message)
    return errors


def petition_counts(petitions: list[intake.CaseData | JoinedPetition],
                    saved: list[str] | None = None) -> dict[str, int]:
    """The session's figures as the petitions recorded at it show them: a turn and its
    signers per petition, a new matter per case opened (a repeated one if its letter says
    the matter was raised before), a repeated one per case joined,
    a delegation (đoàn đông người) per petition of 5 or more people, and a delegation's
    matter once per matter, as the matters are: two delegations on one case joined are one
    matter (QA round 57: counted per letter, they exceeded the matters received and the
    session could not be recorded). `saved`: the history each new case's letter was
    written with, in order (a blank is derived at intake: a second complaint's matter was
    decided before, QA round 33)."""
    out = dict.fromkeys(COUNTS, 0)
    joined = set()
    joined_by_delegations = set()
    written = iter(saved or ())
    for row in petitions:
        # People, not form rows: one typed twice (one ID number) came once (QA 109).
        size = len(intake.rows_by_person(row.petition.petitioners))
        out["turns"] += 1
        out["people"] += size
        code = normal_tracking_code(row.tracking_code) if isinstance(row, JoinedPetition) else None
        if code is not None:
            joined.add(code)
        elif (next(written) if saved is not None else row.petition.history) in (
                None, histories.FIRST):
            out["matters_first"] += 1
        else:  # a new case here, but the citizen raised the matter before (domain.history)
            out["matters_repeated"] += 1
        if size >= intake.GROUP_SIZE:
            out["delegations"] += 1
            out["delegation_people"] += size
            if code is None:  # a case opened: a matter of its own
                out["delegation_matters"] += 1
            else:
                joined_by_delegations.add(code)
    out["matters_repeated"] += len(joined)
    out["delegation_matters"] += len(joined_by_delegations)
    return out


def _matter_key(history: str | None) -> str:
    return "matters_first" if history in (None, histories.FIRST) else "matters_repeated"


def history_corrected(session_id: int, before: str, after: str) -> None:
    """A letter that opened a case at the session had its history corrected: its matter
    moves between first-time and repeated in the session's stored figures (01/TCD), as
    02/XLD follows the correction (session 16 left this out)."""
    old, new = _matter_key(before), _matter_key(after)
    session = db.session.get(ReceptionSession, session_id)
    if session is None or old == new:
        return
    setattr(session, old, max(0, getattr(session, old) - 1))
    setattr(session, new, getattr(session, new) + 1)


def matter_split(session_id: int, history: str, people: int) -> None:
    """A letter raised at the session was split into one more case (services/splitting.py):
    one more matter there, of a delegation too when five or more signed it; the turn and
    the people were counted with the letter."""
    session = db.session.get(ReceptionSession, session_id)
    if session is None:
        return
    key = _matter_key(history)
    setattr(session, key, getattr(session, key) + 1)
    if people >= intake.GROUP_SIZE:
        session.delegation_matters += 1


def counts_with_petitions(data: SessionData, saved: list[str] | None = None
                          ) -> dict[str, int]:
    """The figures stored with a session: each typed figure, raised to what the petitions
    recorded at the session show (citizens received without a petition are the officer's
    to add, so a larger typed figure stands)."""
    derived = petition_counts(data.petitions, saved)
    return {name: max(_count(data.counts.get(name, 0)), derived[name]) for name in COUNTS}


def _count(value) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def joined_case(row: JoinedPetition, actor: User) -> Case | None:
    """The case a petition joins, if the actor's agency holds it (else None)."""
    case = db.session.scalar(select(Case).where(
        Case.tracking_code == normal_tracking_code(row.tracking_code)))
    if case is None or not can_join_session_petition(actor, case):
        return None
    return case


def _matter(row: intake.CaseData | JoinedPetition, actor: User) -> escalation_patterns.Matter:
    """The matter a session's letter is checked on: its case's, or the one typed."""
    if isinstance(row, JoinedPetition):
        return escalation_patterns.matter_of(joined_case(row, actor))
    return escalation_patterns.matter_typed(row.locality_code, row.field_code)


def record_session_with_petitions(data: SessionData, actor: User, now: datetime, today: date
                                  ) -> tuple[ReceptionSession, list[tuple[Case, str]]]:
    """Record a session and open a case for each petition raised at it, all or nothing.

    Every row is validated (by intake's own rules) before anything is written, so one bad
    row leaves nothing behind. Petitions raised at a session an agency's staff recorded go
    straight to that agency (chờ thụ lý); a reception desk's stay in its queue. A petition
    on a matter the agency already holds joins that case instead (no new case, no PIN).
    Returns the session and (case, citizen's PIN) for each case opened.
    """
    if not can_record(actor):
        raise NotAllowed(N_("Chỉ cán bộ của cơ quan được ghi buổi tiếp công dân."))
    errors = _validate(data, actor, today)
    if errors:
        raise ValidationFailed(errors)
    # Every matter its letters touch, sorted, before the first case: a letter joined locks
    # its case, and a case opened after it on another matter would ask for that matter
    # with the case held (a deadlock on PostgreSQL with an intake holding it: QA round 80).
    escalation_patterns.lock_matters(*(_matter(row, actor) for row in data.petitions))
    # Then every case the letters' people on file sign, the cases joined and the one the
    # session was held about, in one sorted pass (QA round 81: row by row, the second
    # row's cases came after the first row's person, and deadlocked with a correction).
    intake.lock_letters_cases(
        [row.petition for row in data.petitions],
        [joined_case(row, actor).id for row in data.petitions
         if isinstance(row, JoinedPetition)] + ([data.case_id] if data.case_id else []))
    counts = counts_with_petitions(data)
    session = ReceptionSession(
        agency_id=actor.agency_id, kind=data.kind, scheduled=data.scheduled,
        is_dialogue=data.is_dialogue, held_on=data.held_on, place=data.place.strip() or None,
        leader_name=data.leader_name.strip() or None,
        leader_id=actor.id if data.kind == "head" and actor.role == "agency_head" else None,
        notes=data.notes.strip() or None, created_by_id=actor.id, case_id=data.case_id,
        **counts)
    db.session.add(session)
    db.session.flush()
    opened: list[tuple[Case, str]] = []
    joined: list[Case] = []
    for row in data.petitions:
        if isinstance(row, JoinedPetition):
            case = joined_case(row, actor)
            intake.add_petition(case, row.petition, actor, now, today,
                                reception_session_id=session.id)
            joined.append(case)
        else:
            opened.append(intake.open_case(row, actor, now, today,
                                           reception_session_id=session.id))
    # Counted again by the histories the letters were written with (a blank is derived).
    counts = counts_with_petitions(data, [case.petitions[0].history for case, _pin in opened])
    for name, value in counts.items():
        setattr(session, name, value)
    if actor.role in AGENCY_ROLES and opened:
        agency_code = db.session.get(Agency, actor.agency_id).code
        for case, _pin in opened:
            # The head received it in person: it is the agency's to accept or pass on.
            # Routed by the system on the session's behalf (reception routes in can_act).
            workflow.route(case, agency_code, None, now, today,
                           reason="Đơn tiếp nhận tại buổi tiếp công dân của cơ quan.",
                           decided_on=data.held_on, basis={"how": "session"})
    audit.record(f"agency:{actor.agency_id}", "reception_session_recorded", actor, now,
                 {"session": session.id, "held_on": data.held_on, "kind": data.kind,
                  "scheduled": data.scheduled,
                  "petitions": [case.tracking_code for case, _pin in opened],
                  "joined": [case.tracking_code for case in joined], **counts})
    if session.case is not None:
        audit.record_case(session.case, "unscheduled_reception_held", actor, now,
                          {"session": session.id, "held_on": data.held_on, "kind": data.kind})
    return session, opened


def _shown(user: User, case: Case) -> bool:
    """Is this case listed to `user` beside the session it was raised at? A denunciation
    only to those who may know its denouncer: beside the session's day, place and head
    count it says who came to denounce to anyone who saw who came (QA round 103)."""
    return case.kind != DENUNCIATION or can_see_identity(user, case)


def session_cases(session: ReceptionSession,
                  user: User) -> tuple[list[tuple[Case, Petition]], int]:
    """The cases of the petitions raised at this session (opened, or joined as a repeat),
    with each petition, in the order received, as far as `user` may see them listed; and
    how many denunciations were left out."""
    rows = list(db.session.execute(
        select(Case, Petition).join(Petition, Petition.case_id == Case.id)
        .where(Petition.reception_session_id == session.id)
        .order_by(Petition.id)).all())
    shown = [(case, petition) for case, petition in rows if _shown(user, case)]
    return shown, len(rows) - len(shown)


def petitions_of(session_ids: list[int],
                 user: User) -> dict[int, tuple[list[tuple[str, bool]], int]]:
    """(tracking code, joined an existing case?) of each session's petitions that `user`
    may see listed, and how many denunciations were left out, in one read."""
    out: dict[int, tuple[list[tuple[str, bool]], int]] = {i: ([], 0) for i in session_ids}
    if session_ids:
        for session_id, case, joined in db.session.execute(
                select(Petition.reception_session_id, Case, Petition.is_duplicate)
                .join(Case, Petition.case_id == Case.id)
                .where(Petition.reception_session_id.in_(session_ids))
                .order_by(Petition.id)):
            listed, hidden = out[session_id]
            if _shown(user, case):
                listed.append((case.tracking_code, bool(joined)))
            else:
                out[session_id] = (listed, hidden + 1)
    return out


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


def compliance(user: User, start: date, end: date,
               today: date | None = None) -> list[Compliance]:
    """Each leader's reception days against the rule, worst first (scoped like scorecards).

    With `today`, only the weeks or months over by then are required.
    """
    query = select(Agency).where(Agency.active.is_(True),
                                 Agency.level.in_(tuple(scoring.RECEPTION_FREQUENCY)))
    if user.role not in ("inspector", "admin"):
        query = query.where(Agency.id == user.agency_id)
    agencies = sorted(db.session.scalars(query), key=lambda a: name_order(a.name))
    held: dict[int, list[date]] = {}
    for agency_id, day in db.session.execute(
            select(ReceptionSession.agency_id, ReceptionSession.held_on).distinct()
            .where(ReceptionSession.agency_id.in_([a.id for a in agencies]),
                   ReceptionSession.kind.in_(scoring.LEADER_KINDS),
                   ReceptionSession.scheduled.is_(True),
                   ReceptionSession.held_on.between(start, end))):
        held.setdefault(agency_id, []).append(day)
    out = []
    for agency in agencies:
        days = held.get(agency.id, [])
        out.append(Compliance(
            agency, scoring.RECEPTION_FREQUENCY[agency.level],
            scoring.required_reception_days(agency.level, start, end, today),
            scoring.held_in_required(agency.level, days, start, end, today),
            scoring.reception_gaps(agency.level, days, start, end, today)))
    return sorted(out, key=lambda c: (not c.below, c.held - c.required, name_order(c.agency.name)))


def visible_sessions(user: User) -> Select:
    """The sessions this user may see, newest first: all for inspectors and admins, their
    own agency's for its staff (and a reception desk's for the desk)."""
    query = select(ReceptionSession).order_by(ReceptionSession.held_on.desc(),
                                              ReceptionSession.id.desc())
    if user.role in ("inspector", "admin"):
        return query
    if user.role in RECORDING_ROLES and user.agency_id is not None:
        return query.where(ReceptionSession.agency_id == user.agency_id)
    return query.where(false())


def sessions_held(user: User, start: date, end: date) -> Select:
    """The sessions this user may see held from `start` to `end`, newest first (QA round
    52: the page listed the 50 newest whatever the period asked, with no paging)."""
    return visible_sessions(user).where(ReceptionSession.held_on.between(start, end))
