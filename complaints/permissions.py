"""Who may do what: predicates in one place, used by views, the API and templates alike."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from complaints.domain.messages import N_

HOME_ENDPOINTS = {
    "reception": "reception.home",
    "agency_head": "agency.home",
    "agency_officer": "agency.home",
    "inspector": "inspection.home",
    "admin": "admin.home",
}


def roles_required(*roles: str):
    """Refuse (403) a signed-in user whose role is not among `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from complaints.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# --- Predicates on plain attributes (role, agency_id): usable from services and tests. ---

AGENCY_ROLES = ("agency_head", "agency_officer")
# Actions an agency head takes on a case held by their agency.
HEAD_ACTIONS = frozenset(
    {"accept", "refuse", "return", "transfer", "assign", "extend", "declare_complex",
     "suspend", "resume", "resolve", "close", "enforce"}
)
RECEPTION_ACTIONS = frozenset({"route", "file", "guide", "forward", "extend_handling"})
# What the designated lead agency may no longer do: the designation is binding (domain.md,
# evasion). The same messages as the workflow service's refusals.
LEAD_REFUSALS = {
    "return": N_("Cơ quan chủ trì đã được chỉ định không được trả lại đơn."),
    "transfer": N_("Cơ quan chủ trì đã được chỉ định không được chuyển đơn."),
}


def lead_refusal(case, action: str) -> str | None:
    """Why the agency holding the case may not take `action` as its designated lead agency
    (a message id), or None."""
    if (action in LEAD_REFUSALS and case.lead_agency_id is not None
            and case.lead_agency_id == case.agency_id):
        return LEAD_REFUSALS[action]
    return None


def can_view(user, case) -> bool:
    """May this user open the case at all (redacted or not)?"""
    if user.role in ("inspector", "admin"):
        return True
    if user.role in AGENCY_ROLES:
        if case.agency_id is not None and case.agency_id == user.agency_id:
            return True
        # A head whose agency an escalation of the case is addressed to must read the case
        # to act on it (urge, name a lead agency): read only, a denouncer still masked.
        if (user.role == "agency_head" and user.agency_id is not None
                and any(e.to_agency_id == user.agency_id for e in case.escalations)):
            return True
        # Checked last: lists load the escalations with their cases, not the later cases.
        return case.kind == "complaint" and _reviews_first_round(user, case)
    if user.role == "reception":
        return case.reception_agency_id == user.agency_id
    return False


def _reviews_first_round(user, case) -> bool:
    """Does the user's agency resolve a second complaint against this (first-round) case?
    Its head, and the officer assigned, read the first decision and its file (Law on
    Complaints Art. 37–39; QA round 50), read only: no action is theirs here."""
    return user.agency_id is not None and any(
        later.kind == "complaint" and later.complaint_round == 2
        and later.agency_id == user.agency_id
        and (user.role == "agency_head" or later.officer_id == user.id)
        for later in case.later_cases)


def can_act(user, case, action: str) -> bool:
    """May this user take `action` on the case (its status is checked separately)?"""
    if action in RECEPTION_ACTIONS:
        return user.role == "reception" and case.reception_agency_id == user.agency_id
    if action in HEAD_ACTIONS:
        return (user.role == "agency_head" and case.agency_id == user.agency_id
                and lead_refusal(case, action) is None)
    if action == "withdraw":
        return (user.role == "reception" and case.reception_agency_id == user.agency_id) or (
            user.role == "agency_head" and case.agency_id == user.agency_id
        )
    return False


# While its agency works on it: before acceptance, during it, and after the decision
# until the case is closed (its enforcement).
_NOTED_STATUSES = ("routed", "accepted", "suspended", "resolved")


def can_note(user, case) -> bool:
    """May this user record a note of the work on the case (services/notes.py)? The head of
    the agency holding it and the officer assigned, while the agency works on it."""
    if case.agency_id is None or user.agency_id != case.agency_id:
        return False
    if case.status not in _NOTED_STATUSES:
        return False
    return user.role == "agency_head" or (user.role == "agency_officer"
                                          and case.officer_id == user.id)


def can_see_identity(user, case) -> bool:
    """May this user see the petitioners' identity? Denouncers are secret (Art. 8, 56)."""
    if not can_view(user, case):
        return False
    if case.kind != "denunciation":
        return True
    if user.role == "inspector":
        return True
    if user.role == "reception":
        return True  # the intake staff who logged it
    if user.role == "agency_head":
        return case.agency_id == user.agency_id
    if user.role == "agency_officer":
        return case.officer_id == user.id
    return False


def can_read_content(user, case) -> bool:
    """May this user read (or search) the case's free-text content?

    A denouncer writes as letters are written ("Tôi là …, CCCD …, điện thoại …"): the
    content of a denunciation is data that may reveal them (Law on Denunciations Art. 8(3)),
    so it goes with their identity. The subject, which the desk writes, stays readable.
    Searches match a denunciation's content only as can_find_by_identity finds it
    (queries.content_readable).
    """
    return can_view(user, case) and (case.kind != "denunciation"
                                     or can_see_identity(user, case))


def can_list_identity(user, case) -> bool:
    """May a list, an export or a cluster page name this case's petitioners?

    Never a denouncer's, whoever reads: a list cannot record who looked at which row, and
    every view of a denouncer's identity is audited (Law on Denunciations Art. 8, 56). A
    reader allowed to see it does so on the case page, by the recorded reveal (or by the
    API's recorded view).
    """
    return case.kind != "denunciation" and can_see_identity(user, case)


def can_find_by_identity(user, case) -> bool:
    """May a search or a duplicate check find this case by a petitioner's name, ID number or
    phone? The match itself says who signed it: a denunciation is found that way only by
    the reception desk that logged it (its own intake, shown on its case page)."""
    if case.kind != "denunciation":
        return can_view(user, case)
    return (user.role == "reception" and case.reception_agency_id is not None
            and case.reception_agency_id == user.agency_id)


def can_add_document(user, case) -> bool:
    """May this user add a file to the case after intake (services/attachments.add_document)?
    The desk that received it (a scan brought later), and the agency working on it (its
    head or assigned officer: evidence gathered, its decision), as for a work note."""
    return can_add_petition(user, case) or can_note(user, case)


def can_add_petition(user, case) -> bool:
    """May this user attach a later petition (repeat, copy, more signers) to the case?"""
    return user.role == "reception" and case.reception_agency_id == user.agency_id


def can_join_session_petition(user, case) -> bool:
    """May a petition raised at this user's reception session join the case? Only a case
    their agency holds: its desk's (reception) or its own (agency staff); a denunciation,
    only for staff who may see its denouncers. Adding signers to it and reading what the
    case then shows (its count of people, the mass flag) would otherwise tell whether
    someone typed in is one of them."""
    if user.agency_id is None:
        return False
    if user.role == "reception":
        holds = case.reception_agency_id == user.agency_id
    else:
        holds = user.role in AGENCY_ROLES and case.agency_id == user.agency_id
    return holds and (case.kind != "denunciation" or can_see_identity(user, case))


def can_see_link(user, case, other) -> bool:
    """May this user see that `case` is linked to `other` (earlier case, later case)?

    Beside a denunciation, only a reader who may see the petitioners of both: a link says
    that the same people came back, so it would say who signed it (Law on Denunciations
    Art. 8). Between other cases, whoever may open either: the agency resolving a second
    complaint must see the first-round case it reviews, and complainants are no secret
    from the agencies that hold their cases.
    """
    if "denunciation" not in (case.kind, other.kind):
        return can_view(user, case) or can_view(user, other)
    return can_see_identity(user, case) and can_see_identity(user, other)


ESCALATION_ROLES = ("agency_head", "inspector")  # who receives escalations (pages and API)


def receives_escalations(user) -> bool:
    """Does this user's role receive escalations (its agency's list, and acting on them)?"""
    return user.role in ESCALATION_ROLES


def is_addressed_to(user, escalation) -> bool:
    """Is the escalation addressed to the user's agency? Any other does not exist for them."""
    return user.agency_id is not None and escalation.to_agency_id == user.agency_id


def can_acknowledge(user, escalation) -> bool:
    """May this user acknowledge an escalation? Its addressee agency's head (or inspector)."""
    return receives_escalations(user) and is_addressed_to(user, escalation)


def can_designate_lead(user, escalation) -> bool:
    """May this user designate the lead agency of an evaded case? The supervisor's head."""
    return (escalation.reason == "evaded" and user.role == "agency_head"
            and user.agency_id is not None and escalation.to_agency_id == user.agency_id)


def can_inspect(user, case=None) -> bool:
    """May this user take inspector actions (urge, re-examine, set lead, take up, finding)?"""
    return user.role == "inspector"


def can_view_agency(user, agency) -> bool:
    """May this user open an agency's record (inspection.agency_page: the inspectors'
    findings)? Inspectors and admins, any agency; an agency head, their own agency only,
    as every monitoring page scopes a head (queries.cases_visible_to, the scorecard): a
    supervising head reads a subordinate's case through an escalation, not its record."""
    if user.role in ("inspector", "admin"):
        return True
    return (user.role == "agency_head" and user.agency_id is not None
            and agency.id == user.agency_id)


def can_mark_heated(user, case) -> bool:
    """May this user mark a case heated (gay gắt)? Its reception desk or its agency head."""
    if user.role == "reception":
        return case.reception_agency_id is not None and \
            case.reception_agency_id == user.agency_id
    return user.role == "agency_head" and case.agency_id is not None and \
        case.agency_id == user.agency_id


def can_hold_unscheduled_reception(user, case) -> bool:
    """May this user record the unscheduled reception about a case? Its holder's staff."""
    holder = case.agency_id or case.reception_agency_id
    return (user.role in ("agency_head", "agency_officer", "reception")
            and holder is not None and user.agency_id == holder)


def can_download_report(user, job) -> bool:
    """May this user download a background report's file?

    Its requester while they could still ask for it (QA round 19: a head moved to another
    agency kept the old agency's file); otherwise a user who may see the report's agency
    subtree and who would see at least the identities the file shows (they were masked for
    the requester): inspectors see every agency and identity; an admin, files asked for by
    admins (their masking is the same); an agency head, files their own agency's heads
    asked for on it.
    """
    if user.id == job.requested_by_id:
        return user.role in ("inspector", "admin") or (
            user.role == "agency_head" and user.agency_id is not None
            and job.root_agency_id == user.agency_id)
    if user.role == "inspector":
        return True
    requester = job.requested_by
    if user.role == "admin":
        return requester.role == "admin"
    if user.role == "agency_head":
        return (requester.role == "agency_head" and user.agency_id is not None
                and job.root_agency_id == user.agency_id
                and requester.agency_id == user.agency_id)
    return False
