"""Read-side queries shared by pages and the API (lists scoped by the same rules)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from complaints.domain import states
from complaints.extensions import db
from complaints.models import Case, CaseDeadline, Escalation, Petition, User


def clock_counts(due_on, status=None, suspended_on=None) -> ColumnElement[bool]:
    """SQL twin of states.clock_counts for a case's running stage due on `due_on`: its clock
    runs, or a suspension decided after the due date found it run out (the columns of a
    subquery may be passed for the case's own)."""
    status = Case.status if status is None else status
    suspended_on = Case.suspended_on if suspended_on is None else suspended_on
    return or_(status.in_(states.CLOCK_RUNNING),
               and_(status == states.SUSPENDED, suspended_on > due_on))


def cases_visible_to(user: User) -> Select:
    """Return a query of the cases this user may see (scoped in SQL, not filtered after)."""
    query = select(Case)
    if user.role in ("agency_head", "agency_officer"):
        query = query.where(Case.agency_id == user.agency_id)
    elif user.role == "reception":
        # Reception sees what its desk logged, wherever it went since.
        query = query.where(Case.reception_agency_id == user.agency_id)
    return query


def identity_visible(user: User) -> ColumnElement[bool]:
    """SQL twin of permissions.can_see_identity for the cases this user may view: those
    whose petitioners' identity they may see (a denunciation's included)."""
    if user.role == "inspector":
        return true()
    if user.agency_id is None:  # never "agency IS NULL": no agency sees nothing
        return false()
    if user.role == "reception":  # the intake staff who logged it
        return Case.reception_agency_id == user.agency_id
    if user.role == "agency_head":  # the head of the agency resolving it
        return Case.agency_id == user.agency_id
    if user.role == "agency_officer":  # the officer resolving it
        return and_(Case.agency_id == user.agency_id, Case.officer_id == user.id)
    return false()


def content_readable(user: User) -> ColumnElement[bool] | None:
    """Where a search may match the free-text content (elsewhere the subject only).

    A denunciation's letter says who wrote it ("Tôi là …, CCCD …"), so a match on it is
    a match on its author: as permissions.can_find_by_identity, only the desk that logged
    it finds a denunciation that way. Others who may read the letter read it on the case
    page after the recorded reveal; a search recorded no view (QA round 34)."""
    if user.role == "reception" and user.agency_id is not None:
        return or_(Case.kind != "denunciation", Case.reception_agency_id == user.agency_id)
    return Case.kind != "denunciation"


def reception_queue_query(user: User) -> Select:
    """A query of the cases waiting at this desk to be classified or re-routed, oldest
    first, with the deadlines its rows show (one query per page or batch, not per row)."""
    return (
        cases_visible_to(user)
        .where(Case.status.in_(states.AT_RECEPTION))
        .options(selectinload(Case.deadlines))
        .order_by(Case.received_on, Case.id)
    )


def reception_queue(user: User, limit: int = 50) -> list[Case]:
    """Cases waiting at this desk to be classified or re-routed, oldest first."""
    return list(db.session.scalars(reception_queue_query(user).limit(limit)))


def intake_count(user: User, day: date) -> int:
    """Petitions logged by this desk on a day."""
    query = (
        select(func.count(Petition.id))
        .join(Case, Case.id == Petition.case_id)
        .where(Case.reception_agency_id == user.agency_id, Petition.received_on == day)
    )
    return db.session.scalar(query) or 0


def agency_inbox(user: User, statuses, limit: int = 50) -> list[Case]:
    """The agency's cases in the given statuses, most urgent (earliest attention) first."""
    query = (
        cases_visible_to(user)
        .where(Case.status.in_(statuses))
        .order_by(Case.next_attention_on.is_(None), Case.next_attention_on, Case.id)
        .limit(limit)
    )
    if user.role == "agency_officer":
        query = query.where(Case.officer_id == user.id)
    return list(db.session.scalars(query))


def overdue_count(user: User, as_of: date) -> int:
    """Open cases of this user's scope with a stage past its due date."""
    query = (
        select(func.count(func.distinct(Case.id)))
        .join(CaseDeadline, CaseDeadline.case_id == Case.id)
        .where(
            clock_counts(CaseDeadline.due_on),
            CaseDeadline.met_on.is_(None),
            CaseDeadline.due_on < as_of,
        )
    )
    if user.role in ("agency_head", "agency_officer"):
        query = query.where(Case.agency_id == user.agency_id)
    return db.session.scalar(query) or 0


def overdue_by_level() -> dict[int, int]:
    """Open cases per escalation level (inspectors' overview)."""
    rows = db.session.execute(
        select(Case.escalation_level, func.count())
        .where(Case.status.in_(states.OPEN_STATUSES), Case.flag_overdue.is_(True))
        .group_by(Case.escalation_level)
    )
    return {level: n for level, n in rows}


def flag_counts(user: User) -> dict[str, int]:
    """Open cases per pattern flag among those the user may see (the lists these counts
    link to are scoped alike: QA round 15 found a head counting the whole province's)."""
    counts = {}
    for flag in ("evaded", "repeated", "mass"):
        column = getattr(Case, f"flag_{flag}")
        counts[flag] = db.session.scalar(
            cases_visible_to(user).with_only_columns(func.count())
            .where(Case.status.in_(states.OPEN_STATUSES), column.is_(True))) or 0
    return counts


def _open_escalations(agency_id: int | None, officer_id: int | None) -> Select:
    query = select(Escalation).where(Escalation.to_agency_id == agency_id,
                                     Escalation.acknowledged_at.is_(None))
    if officer_id is not None:
        query = query.where(Escalation.case_id.in_(
            select(Case.id).where(Case.officer_id == officer_id)))
    return query


def open_escalations_for(agency_id: int | None, limit: int = 50,
                         officer_id: int | None = None) -> list[Escalation]:
    """Unacknowledged escalations addressed to an agency; with `officer_id`, those of the
    cases assigned to that officer only (chosen before the limit, not after: QA 105)."""
    query = (_open_escalations(agency_id, officer_id)
             .options(joinedload(Escalation.case))  # the list names each case
             .order_by(Escalation.created_at.desc(), Escalation.id.desc())
             .limit(limit))
    return list(db.session.scalars(query))


def open_escalation_count(agency_id: int | None, officer_id: int | None = None) -> int:
    """How many `open_escalations_for` would list with no limit (the home says how many
    it shows of how many: QA 111)."""
    return db.session.scalar(select(func.count()).select_from(
        _open_escalations(agency_id, officer_id).subquery())) or 0


# --- The escalation page (/escalations) of an agency head or an inspectorate. ---

ACKNOWLEDGED_SHOWN = 50  # the latest acknowledged escalations the page recalls


def _escalations_to(agency_id: int | None) -> Select:
    """Escalations addressed to an agency, with what their lines print and what
    permissions.can_view reads of each case (its escalations): loaded with the list, not
    one query per row (QA round 36)."""
    cases = selectinload(Escalation.case)
    return (select(Escalation).where(Escalation.to_agency_id == agency_id)
            .options(cases.selectinload(Case.escalations), cases.selectinload(Case.agency),
                     cases.selectinload(Case.later_cases)))


def pending_escalations(agency_id: int | None) -> Select:
    """The escalations addressed to an agency not yet acknowledged, highest level first,
    then newest: a query to paginate (the page says how many wait; QA round 36 found them
    cut at 200, silently)."""
    return (_escalations_to(agency_id).where(Escalation.acknowledged_at.is_(None))
            .order_by(Escalation.level.desc(), Escalation.id.desc()))


def acknowledged_escalations(agency_id: int | None,
                             limit: int = ACKNOWLEDGED_SHOWN) -> list[Escalation]:
    """The latest escalations an agency acknowledged (or the system closed), highest level
    first, then newest."""
    return list(db.session.scalars(
        _escalations_to(agency_id).where(Escalation.acknowledged_at.is_not(None))
        .order_by(Escalation.level.desc(), Escalation.id.desc()).limit(limit)))


def acknowledged_escalations_query(agency_id: int | None) -> Select:
    """The escalations an agency acknowledged (or the system closed), newest first: a
    query to paginate (the API's list)."""
    return (_escalations_to(agency_id).where(Escalation.acknowledged_at.is_not(None))
            .order_by(Escalation.acknowledged_at.desc(), Escalation.id.desc()))


def lead_queue(agency_id: int | None) -> list[Escalation]:
    """The evasion escalations addressed to an agency whose case has no lead agency yet
    (its head designates one), acknowledged or not, pending first."""
    return list(db.session.scalars(
        _escalations_to(agency_id).join(Case, Case.id == Escalation.case_id)
        .where(Escalation.reason == "evaded", Case.lead_agency_id.is_(None))
        .order_by(Escalation.acknowledged_at.is_not(None), Escalation.level.desc(),
                  Escalation.id.desc())))
