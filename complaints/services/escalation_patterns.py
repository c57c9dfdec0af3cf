"""Patterns that escalate at once (evaded, repeated, mass) and the lead agency.

Unlike the ladder sweep (services/escalation.py), these run one case at a time, right after
the event that reveals them: a return or transfer (evasion, đùn đẩy), an intake (repeated,
mass). An evaded case goes to the lowest agency supervising every agency involved, whose
head designates the lead agency; that designation is binding.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from types import SimpleNamespace

from sqlalchemy import bindparam, select, text, update
from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from complaints.domain import escalation as rules
from complaints.domain import states
from complaints.domain.messages import N_
from complaints.domain.text import name_order
from complaints.extensions import db
from complaints.models import (
    Agency,
    Case,
    Cluster,
    Escalation,
    Notification,
    Petition,
    Petitioner,
    PetitionSigner,
    Routing,
    User,
)
from complaints.permissions import can_designate_lead
from complaints.services import (
    audit,
    deadlines,
    notifications,
    pattern_rules,
    references,
    scorecard_summary,
)
from complaints.services.errors import NotAllowed, NotFound, ValidationFailed
from complaints.services.escalation_notify import (
    Directory,
    lead_notice_row,
    mail_rows,
    notice_rows,
)

# The cases of one matter as the mass check reads them: (id, cluster id, mass flag, received on).
Group = list[tuple[int, int | None, bool, date]]

logger = logging.getLogger(__name__)


@dataclass
class EscalationCopy:
    """An escalation written without the ORM, as a reader sees it (no read back)."""

    level: int
    reason: str
    stage: str
    to_agency: SimpleNamespace | None  # code, name, name_en
    as_of: date
    created_at: datetime
    acknowledged_at: datetime | None = None
    action_taken: str | None = None


def _raise(case: Case, reason: str, to_agency_id: int | None, notify: list[int | None],
           actor: User | None, now: datetime, today: date, data: dict,
           directory: Directory | None = None, events: list | None = None):
    """Insert a pattern escalation once; audit and notify only when it is new.

    Returns the Escalation, or None when it existed. With `events` (a case intake wrote
    without the ORM, see intake.write_case) the audit event is INSERTed at once and
    appended there, and an EscalationCopy is returned instead of reading the row back.
    """
    level = rules.PATTERN_LEVELS[reason]
    e = Escalation.__table__.c
    inserted = notifications.insert_ignoring_duplicates(Escalation.__table__, [{
        "case_id": case.id, "stage": rules.CASE_STAGE, "level": level, "reason": reason,
        "to_agency_id": to_agency_id, "as_of": today, "created_at": now,
        # Evasion: the case has just moved on to an agency that did nothing; the agencies
        # that bounced it carry it on their cards as evasions, so none answers for this
        # escalation (QA round 26: the recipient was scored for it).
        "agency_id": None if reason == rules.EVADED else rules.answerable(
            rules.CASE_STAGE, case.agency_id, case.reception_agency_id)}], returning=[e.id])
    if not inserted:
        return None
    scorecard_summary.unlist([today])  # a Core insert: the flush listener did not see it
    directory = directory or Directory(everyone=False)
    details = {"escalation": inserted[0].id, "stage": rules.CASE_STAGE, "level": level,
               "reason": reason, "to": directory.code.get(to_agency_id), **data}
    if events is not None:
        events.append(audit.record_now(f"case:{case.id}", "escalated", actor, now, details,
                                       case_id=case.id))
        to = (SimpleNamespace(code=directory.code[to_agency_id],
                              name=directory.name[to_agency_id],
                              name_en=directory.name_en[to_agency_id])
              if to_agency_id in directory.code else None)
        escalation = EscalationCopy(level, reason, rules.CASE_STAGE, to, today, now)
    else:
        escalation = db.session.get(Escalation, inserted[0].id)
        audit.record_case(case, "escalated", actor, now, details)
    agencies = [a for a in dict.fromkeys(notify) if a is not None]
    args = (reason, rules.CASE_STAGE, level, case.tracking_code, now)
    rows = notice_rows(inserted[0].id, case.id, agencies, *args)
    rows += mail_rows(inserted[0].id, case.id, directory.audience(level, agencies, None),
                      *args)
    notifications.insert_ignoring_duplicates(Notification.__table__, rows)
    return escalation


def check_evasion(case: Case, actor: User | None, now: datetime, today: date):
    """Escalate a case bounced between agencies (đùn đẩy) to their lowest common supervisor."""
    if case.flag_evaded or case.lead_agency_id is not None:
        return None
    rows = list(db.session.scalars(
        select(Routing).where(Routing.case_id == case.id).order_by(Routing.id)))
    moves = [rules.Move(r.action, r.from_agency_id, r.to_agency_id) for r in rows]
    # The threshold in force on the day of the latest move (the one being checked).
    on = max((r.decided_on for r in rows), default=today)
    receiver = case.reception_agency
    evasion = rules.detect_evasion(
        moves, pattern_rules.limits(on).evasion_moves,
        received_by=(receiver.id if receiver is not None and not receiver.is_reception_desk
                     else None))
    if evasion is None:
        return None
    directory = Directory(everyone=False)
    to = rules.lowest_common_supervisor(evasion.agencies, directory.parent_of)
    if to is None:
        to = directory.root(evasion.agencies[0] if evasion.agencies else None)
    case.flag_evaded = True
    return _raise(case, rules.EVADED, to, [to], actor, now, today,
                  {"why": evasion.why,
                   "agencies": [directory.code.get(a) for a in evasion.agencies]})


def check_patterns(case: Case, actor: User | None, now: datetime, today: date,
                   group: Group | None = None) -> list[str]:
    """Flag repeated and mass petitions at intake; return the patterns newly found.

    `group`: the case's `matter_group`, when the caller has just read it.
    """
    found = []
    if not case.flag_repeated and _is_repeated(case):
        case.flag_repeated = True
        directory = Directory(everyone=False)
        holder = case.agency_id or case.reception_agency_id
        to = directory.inspectorate(holder) or directory.root(holder)
        if _raise(case, rules.REPEATED, to, [to], actor, now, today, {}):
            found.append(rules.REPEATED)
    if _check_mass(case, actor, now, today, group):
        found.append(rules.MASS)
    return found


def _limits(case: Case) -> rules.PatternLimits:
    """The thresholds in force when the case's latest petition was received."""
    return pattern_rules.limits(max((p.received_on for p in case.petitions),
                                    default=case.received_on))


def _person(person: Petitioner, kind: str) -> tuple:
    """`rules.person_key` of a petitioner on a case of this `kind` (signers who withdrew
    included: a repeat is about who wrote)."""
    return rules.person_key(person.id, person.id_number, person.name_folded, person.phone,
                            person.email, denouncer=kind == "denunciation",
                            person_ref=person.person_ref)


def _load_people(petitions) -> None:
    """Read the signers' people not in memory yet in one query (the identity map then
    answers `signer.petitioner`): one query per letter grew the case page with its letters.
    Intake's detached copy has them all in memory, and reads nothing."""
    ids = {s.petitioner_id for p in petitions for s in p.signers
           if "petitioner" in sa_inspect(s).unloaded and s.petitioner_id is not None}
    if ids:
        db.session.scalars(select(Petitioner).where(Petitioner.id.in_(sorted(ids)))).all()


def _facts(case: Case) -> list[rules.PetitionFacts]:
    _load_people(case.petitions)
    return [rules.PetitionFacts(p.received_on,
                                frozenset(_person(s.petitioner, case.kind) for s in p.signers))
            for p in case.petitions]


def repeat_basis(case: Case) -> rules.RepeatBasis | None:
    """Why the case is repeated (kéo dài, nhiều lần), or None: the rule and the petitions
    that meet it (indexes in `case.petitions`). The one test behind the Repeated flag."""
    found = rules.repeat_basis(_facts(case), case.decision_on, _limits(case))
    if found is not None:
        return found
    if case.kind == "complaint" and case.complaint_round == 2:
        return None  # a second complaint is the citizen's right, not a repeat
    parent = case.parent_case
    # A denouncer is secret (Law on Denunciations Art. 8): matching the signers across the
    # link would make the flag, seen by readers of either case, say whether a person typed
    # on one of them signed the other.
    if (parent is not None and parent.decision_on is not None
            and "denunciation" not in (case.kind, parent.kind)):
        # By person, not record: a desk that may not see the earlier case's people makes
        # new records of them (QA 92).
        _load_people(parent.petitions)
        earlier = {_person(s.petitioner, parent.kind)
                   for p in parent.petitions for s in p.signers}
        back = tuple(i for i, p in sorted(enumerate(case.petitions),
                                          key=lambda pair: pair[1].received_on)
                     if any(_person(s.petitioner, case.kind) in earlier for s in p.signers))
        if back:
            return rules.RepeatBasis(rules.REPEAT_AFTER_PARENT, back)
    if case.kind == "denunciation" or case.id is None:
        # Its links are shown only to readers who may see both sides' denouncers
        # (permissions.can_see_link): a count through them would tell the others (QA 112).
        return None
    # The desk logged later letters on the matter as cases linked to the first rather than
    # joining them to it (QA 107 D3): the letters of the linked cases count with its own.
    return rules.repeat_across([p.received_on for p in case.petitions],
                               _linked_letter_days(case), _limits(case))


LINK_DEPTH_MAX = 50  # links followed up or down from a case: a matter, not a graph walk


def _matter_case_ids(case: Case) -> set[int]:
    """The cases linked with `case` as one matter (case.parent_case_id), itself included:
    up its earlier cases to the first, then every case linked below that one, however deep
    (QA 112: A <- B <- C is one matter, and a letter joined to A meets B's). A denunciation
    is neither crossed nor included: its links are shown only to readers who may see its
    denouncers (permissions.can_see_link), and a count through it would tell the others."""
    c = Case.__table__.c
    root = case.id
    parent_id = case.parent_case_id
    for _ in range(LINK_DEPTH_MAX):
        if parent_id is None:
            break
        row = db.session.execute(select(c.kind, c.parent_case_id)
                                 .where(c.id == parent_id)).first()
        if row is None or row.kind == "denunciation":
            break
        root, parent_id = parent_id, row.parent_case_id
    found, frontier = {root}, {root}
    for _ in range(LINK_DEPTH_MAX):
        below = set(db.session.scalars(select(c.id).where(
            c.parent_case_id.in_(sorted(frontier)), c.kind != "denunciation"))) - found
        if not below:
            break
        found |= below
        frontier = below
    return found


def _linked_letter_days(case: Case) -> list[date]:
    """The days the letters of the cases linked with `case` as one matter were received
    (`_matter_case_ids`), not its own. A second complaint, the citizen's right, is not
    counted as a repeat; a letter split into several cases is one letter (QA 112: its
    parts counted as two)."""
    c = Case.__table__.c
    others = _matter_case_ids(case) - {case.id}
    if not others:
        return []
    second = (c.kind == "complaint") & (c.complaint_round == 2)
    counted = select(c.id).where(c.id.in_(sorted(others)), ~second)
    own = {p.split_from_id or p.id for p in case.petitions}
    days: dict[int, date] = {}
    for letter_id, split_from, received_on in db.session.execute(
            select(Petition.id, Petition.split_from_id, Petition.received_on)
            .where(Petition.case_id.in_(counted))):
        letter = split_from or letter_id
        if letter not in own:
            days.setdefault(letter, received_on)
    return list(days.values())


def _is_repeated(case: Case) -> bool:
    return repeat_basis(case) is not None


def _signers(case_ids: list[int]) -> dict[int, set[tuple]]:
    """The people (`rules.person_key`) still signing each of these cases: one who withdrew
    no longer stands behind the matter. A case with none is left out. A denunciation's
    signers are keyed by their own records (`person_key`'s `denouncer`)."""
    return {case_id: set().union(*(people for _on, people in letters))
            for case_id, letters in _dated_signers(case_ids).items()}


people_by_case = _signers  # the inspectors' cluster list counts people as the rule does

Letters = list[tuple[date, set[tuple]]]  # a case's letters: (received on, people)


def _dated_signers(case_ids: list[int]) -> dict[int, Letters]:
    """The people still signing each of these cases, by the day each letter was received
    (`rules.mass_members` counts every letter on its own day); as `_signers`."""
    p = Petitioner.__table__.c
    letters: dict[int, dict[date, set[tuple]]] = {}
    for r in db.session.execute(
            select(Petition.case_id, Petition.received_on, Case.kind, p.id, p.id_number,
                   p.name_folded, p.phone, p.email, p.person_ref)
            .join(PetitionSigner, PetitionSigner.petitioner_id == p.id)
            .join(Petition, Petition.id == PetitionSigner.petition_id)
            .join(Case, Case.id == Petition.case_id)
            .where(Petition.case_id.in_(case_ids), PetitionSigner.withdrawn_on.is_(None))):
        letters.setdefault(r.case_id, {}).setdefault(r.received_on, set()).add(
            rules.person_key(r.id, r.id_number, r.name_folded, r.phone, r.email,
                             denouncer=r.kind == "denunciation", person_ref=r.person_ref))
    return {case_id: sorted(days.items()) for case_id, days in letters.items()}


def letters_of(case: Case) -> Letters:
    """A case's letters in memory, each with its people (those who withdrew left out)."""
    return [(petition.received_on,
             people_of(((s.petitioner, s.withdrawn_on) for s in petition.signers), case.kind))
            for petition in case.petitions]


def people_of(signers, kind: str) -> set[tuple]:
    """The people (`rules.person_key`) of petition signers in memory, those who withdrew
    left out; `signers`: (petitioner, withdrawn_on) pairs of a case of this `kind`."""
    return {_person(person, kind) for person, withdrawn_on in signers if withdrawn_on is None}


def matter_group(case: Case, folded: str | None = None) -> Group:
    """Return (id, cluster id, mass flag, received on) of the case and of every case on the
    same matter (the case first).

    The same matter: same locality and field, received within the mass window, with a
    similar subject. The candidates are read as plain rows through the locality index.
    `folded`: the case's subject already folded (`rules.fold_subject`).
    """
    group = [(case.id, case.cluster_id, case.flag_mass, case.received_on)]
    if case.locality_code and case.field_id:
        _settle_one_at_a_time(case.locality_code, case.field_id)
        folded = folded if folded is not None else rules.fold_subject(case.subject)
        span = timedelta(days=_limits(case).mass_window_days)
        # Every letter counts on its own day: the cases with a letter on or after the
        # window of this case's earliest letter (one joined later may be dated before the
        # case was received: QA round 29). Any later day may hold a letter of either.
        earliest = min([case.received_on, *(p.received_on for p in case.petitions
                                            if p.received_on is not None)])
        candidates = db.session.execute(_same_place(), {
            "locality": case.locality_code, "field": case.field_id, "case": case.id,
            "first": earliest - span}).all()
        if len(candidates) >= SAME_PLACE_CAP:
            logger.warning("mass check of case %s: more than %s cases of its locality and "
                           "field in the window; the newest were compared", case.id,
                           SAME_PLACE_CAP)
        limits = _limits(case)
        group += [(r.id, r.cluster_id, r.flag_mass, r.received_on) for r in candidates
                  if rules.similar_subjects(folded, rules.fold_subject(r.subject),
                                            limits.similar_subject)]
    return group


def _settle_one_at_a_time(locality_code: str, field_id: int) -> None:
    """Let one transaction at a time read and settle the matters of a locality and field.

    Two intakes about one matter that read it at once would each miss the other's case
    (neither committed yet) and neither would see five people. SQLite's single write lock,
    held since the case was written, already keeps them apart; on PostgreSQL a transaction
    advisory lock does, released at commit, and the next reader's statement then sees the
    committed case (READ COMMITTED).

    The mass check then writes cases of the matter: a transaction holding a case's row
    when it asks deadlocks with one holding the matter and writing that case (QA round
    80). A caller that holds, or will take, case rows takes its matters first
    (`lock_matters`); a matter held already costs no statement.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    held = db.session.info.setdefault(_MATTERS, set())
    if (locality_code, field_id) in held:
        return
    digest = hashlib.blake2b(f"matter:{locality_code}:{field_id}".encode(), digest_size=8)
    db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                       {"key": int.from_bytes(digest.digest(), "big", signed=True)})
    held.add((locality_code, field_id))


Matter = tuple[str | None, int | None]  # (locality code, field id)


def lock_matters(*matters: Matter) -> None:
    """Take the matters' locks (`_settle_one_at_a_time`), sorted, before any case row: the
    one order every writer of a matter's cases takes them in (QA round 80). A matter with
    no locality or field is none (the mass check skips it)."""
    for locality_code, field_id in sorted({(loc, f) for loc, f in matters if loc and f}):
        _settle_one_at_a_time(locality_code, field_id)


def matter_of(case: Case) -> Matter:
    """The matter a case's mass check settles (`lock_matters`)."""
    return case.locality_code, case.field_id


def matter_typed(locality_code: str | None, field_code: str | None) -> Matter:
    """The matter a locality and a field code as typed name (None where either is blank or
    unknown: validation refuses it later, and `lock_matters` skips it)."""
    field = references.field(field_code.strip()) if field_code else None
    return (locality_code or "").strip() or None, field.id if field is not None else None


# The matters this transaction holds the lock of; forgotten whenever a transaction or a
# savepoint ends (a rolled-back savepoint gives its locks back).
_MATTERS = "matters_held"


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_matters(session: Session, transaction) -> None:
    if transaction.parent is None or transaction.nested:
        session.info.pop(_MATTERS, None)


SAME_PLACE_CAP = 2000  # cases of one locality and field compared per mass check


@cache
def _same_place():
    """The cases of one locality and field within a window (built once: every intake asks)."""
    c = Case.__table__.c
    # Newest letters first, and a cap that is logged when reached: the oldest were cut
    # first, and 500 unrelated cases in a busy ward hid the matter's own (QA round 34).
    return (select(c.id, c.subject, c.cluster_id, c.flag_mass, c.received_on)
            .where(c.locality_code == bindparam("locality"), c.field_id == bindparam("field"),
                   c.id != bindparam("case"),
                   c.last_petition_on >= bindparam("first"))
            .order_by(c.last_petition_on.desc())
            .limit(SAME_PLACE_CAP))


def joinable(case: Case, members: Group) -> int | None:
    """The cluster a new case simply joins, or None.

    `members`: the cases it is a mass petition with (`mass_cases`). It simply joins when
    every other one of them is already in one cluster and escalated: then only the new case
    changes (see `join_detached`). Cases of the matter outside its 30 days (not in
    `members`) are left as they are, whatever their cluster.
    """
    clustered = next((cluster_id for _id, cluster_id, _flag, _on in members if cluster_id),
                     None)
    if clustered is None or any(cluster_id != clustered or not flag
                                for member_id, cluster_id, flag, _on in members
                                if member_id != case.id):
        return None
    return clustered


def may_be_repeated(case: Case) -> bool:
    """Could `_is_repeated` hold for this new case? (It has a parent case, or its own
    petitions are repeated already.) Reads nothing: `case` may be intake's detached copy."""
    return case.parent_case_id is not None or rules.is_repeated(
        _facts(case), case.decision_on, _limits(case))


def mass_cases(case: Case, group: Group, own: Letters) -> Group:
    """The cases of `group` (the case's `matter_group`) that make a mass petition with it,
    the case included; empty when it is none (`rules.mass_members`: 5+ people within 30
    days holding a letter of the case).

    `own`: the case's own letters with their people (`letters_of`, in memory); the other
    cases' are read in one query. A cluster already on the matter decides nothing by
    itself: a case joins it only if it makes five people with cluster members within 30
    days of it, so the people are read for a joining case too (one query; a count kept on
    the cluster could not tell which of them are within the new case's 30 days).
    """
    others = [member_id for member_id, *_ in group if member_id != case.id]
    letters = _dated_signers(others) if others else {}
    letters[case.id] = own
    found = rules.mass_members([letters.get(member_id, ()) for member_id, *_ in group],
                               next(i for i, (member_id, *_) in enumerate(group)
                                    if member_id == case.id), _limits(case))
    return [group[i] for i in sorted(found)]


def becomes_mass(case: Case, group: Group, own: Letters) -> bool:
    """Is the case a mass petition: 5+ people on its matter within 30 days holding it?"""
    return bool(mass_cases(case, group, own))


def join_detached(case: Case, cluster_id: int, actor: User | None, now: datetime,
                  today: date, events: list) -> EscalationCopy | None:
    """Join a new case to its mass cluster and escalate it, as `_check_mass` would, for a
    case intake wrote without the ORM (`case` is its detached copy, updated here too).

    Only when `joinable` found the cluster among the cases the new one makes five people
    with within 30 days (`mass_cases`): being near a cluster is not enough."""
    c = Case.__table__.c
    db.session.connection().execute(update(Case.__table__).where(c.id == case.id).values(
        cluster_id=cluster_id, flag_mass=True, is_complex=True))
    case.cluster_id, case.flag_mass, case.is_complex = cluster_id, True, True
    directory = Directory(everyone=False)
    holder = case.agency_id or case.reception_agency_id
    root = directory.root(holder)
    return _raise(case, rules.MASS, root, [root, directory.inspectorate(holder)], actor, now,
                  today, {"cluster": cluster_id}, directory=directory, events=events)


def _check_mass(case: Case, actor, now, today, group=None) -> bool:
    """Cluster the matter when 5+ distinct people stand behind it within 30 days.

    Only the cases that change are loaded as objects: a matter that is already a cluster
    of hundreds of cases costs one light query and one update per new petition.
    """
    folded = rules.fold_subject(case.subject)
    group = group if group is not None else matter_group(case)
    members = mass_cases(case, group, letters_of(case))
    if not members:
        return False
    # Only the cases within the qualifying 30 days are clustered (`mass_cases`); they join
    # the cluster of one of them, else the matter's cluster from earlier days (one matter,
    # one cluster for the inspectors), else a new one.
    clustered = next((cluster_id for _id, cluster_id, _flag, _on in [*members, *group]
                      if cluster_id), None)
    if clustered is None:
        cluster = Cluster(locality_code=case.locality_code, field_id=case.field_id,
                          subject_folded=folded[:500], created_at=now)
        db.session.add(cluster)
        db.session.flush()
        clustered = cluster.id
    directory = None
    new = False
    for member_id, cluster_id, flag_mass, _on in members:
        if cluster_id == clustered and flag_mass:
            continue  # already in this cluster and escalated: nothing to write
        member = case if member_id == case.id else db.session.get(Case, member_id)
        member.cluster_id = clustered
        if member.flag_mass:
            continue
        member.flag_mass, member.is_complex = True, True
        directory = directory or Directory(everyone=False)
        holder = member.agency_id or member.reception_agency_id
        root = directory.root(holder)
        inspectorate = directory.inspectorate(holder)
        new |= _raise(member, rules.MASS, root, [root, inspectorate], actor, now, today,
                      {"cluster": clustered},
                      directory=directory) is not None
    db.session.flush()
    return new


def recheck_mass(case: Case, now: datetime, on: date, cause: str | None = None) -> list[Case]:
    """Clear the mass flag of the cases that withdrawals on `case` (dated `on`) left below
    the threshold; return them. Called by workflow.withdraw after the signers withdrew, and
    by corrections.correct_particulars after the case moved to another matter (`cause`: the
    audit action that did it, kept in each flag's clearing event; None: a withdrawal).

    A withdrawal can only matter to the cases whose people were counted with its own: the
    case and the flagged cases of its cluster within the mass window of it. Each still open
    is checked as intake checks a new case (`mass_cases`, those who withdrew left out);
    one no longer mass loses the flag, audited, and its open mass escalation is closed by
    the system. Its cluster and complexity stay, and so does every running deadline (the
    variant a stage started under is kept: deadlines._pick_variant).
    """
    if not case.flag_mass:
        return []
    db.session.flush()  # the signers just withdrawn, which the checks below read
    # First, as intake does: one transaction at a time settles the matter (PostgreSQL).
    groups = {case.id: matter_group(case)}
    ids = [case.id]
    if case.cluster_id is not None:
        c, span = Case.__table__.c, timedelta(days=_limits(case).mass_window_days)
        ids += db.session.scalars(select(c.id).where(
            c.cluster_id == case.cluster_id, c.flag_mass.is_(True), c.id != case.id,
            c.status.not_in(tuple(states.FINAL_STATUSES)),
            c.last_petition_on >= min([case.received_on,
                                       *(p.received_on for p in case.petitions)]) - span)
            .order_by(c.id)).all()
    cleared = []
    for member in [case, *(db.session.get(Case, i) for i in ids[1:])]:
        group = groups.get(member.id) or matter_group(member)
        if not mass_cases(member, group, letters_of(member)):
            _clear_mass(member, now, on, cause)
            cleared.append(member)
    db.session.flush()
    return cleared


def _clear_mass(case: Case, now: datetime, on: date, cause: str | None = None) -> None:
    """Take the mass flag off a case and close its open mass escalation (by the system);
    `cause`: see recheck_mass."""
    case.flag_mass = False
    lapsed = list(db.session.scalars(select(Escalation).where(
        Escalation.case_id == case.id, Escalation.reason == rules.MASS,
        Escalation.lapsed_at.is_(None)).order_by(Escalation.id)))
    for e in lapsed:
        # Out of the key: if new signers make the matter mass again, it is raised again.
        e.lapsed_at, e.lapse_reason = now, rules.NO_LONGER_MASS
        if e.acknowledged_at is None:
            e.acknowledged_at, e.acknowledged_by_id = now, None
            e.action_taken, e.action_note = rules.NO_LONGER_MASS, None
    db.session.flush()
    audit.record_case(case, "mass_flag_cleared", None, now, {
        "escalation": [e.id for e in lapsed], "cluster": case.cluster_id, "on": on,
        **({"cause": cause} if cause else {})})


# --- the lead agency of an evaded case ------------------------------------------------------


def lead_candidates(escalation: Escalation) -> list[Agency]:
    """Agencies the supervisor may designate: itself and every agency below it, but no
    reception desk (it resolves nothing)."""
    directory = Directory()
    top = escalation.to_agency_id
    ids = [a for a in directory.parent_of
           if a == top or top in rules.ancestors(a, directory.parent_of)]
    return sorted(db.session.scalars(select(Agency).where(
        Agency.id.in_(ids), Agency.active.is_(True), Agency.is_reception_desk.is_(False))),
        key=lambda a: name_order(a.name))


def open_evasion(case: Case) -> Escalation | None:
    return db.session.scalar(select(Escalation).where(
        Escalation.case_id == case.id, Escalation.reason == rules.EVADED))


def designate_lead(case: Case, agency_code: str, actor: User | None, now: datetime,
                   today: date, note: str | None = None) -> Case:
    """Designate the lead agency of an evaded case (binding: it may no longer return it)."""
    from complaints.services import workflow  # workflow imports this module

    # Locked, then checked: two supervisors at once moved the case twice (QA round 55).
    workflow.hold(case)
    escalation = open_evasion(case)
    if escalation is None:
        raise NotFound(case.tracking_code)
    if actor is not None and not can_designate_lead(actor, escalation):
        raise NotAllowed(N_("Chỉ thủ trưởng cơ quan cấp trên được chỉ định cơ quan chủ trì."))
    lead = db.session.scalar(select(Agency).where(Agency.code == (agency_code or "")))
    if lead is None or lead.id not in {a.id for a in lead_candidates(escalation)}:
        raise ValidationFailed({"agency_code": N_("Chọn cơ quan thuộc phạm vi quản lý.")})
    if case.lead_agency_id == lead.id:  # sent twice (QA round 15): recorded once
        raise NotAllowed(N_("Cơ quan này đã là cơ quan chủ trì hồ sơ."))
    if case.lead_agency_id is not None:
        # Binding (an inspector's, or this queue's): moving it on again is the passing on
        # it was to end (QA round 53: the API's form let the supervisor replace it).
        raise NotAllowed(N_("Hồ sơ đã có cơ quan chủ trì được chỉ định: không chỉ định lại."))
    from complaints.services.intake import checked_trail_text

    note = checked_trail_text(note, "note", case, None)  # kept in the trail (QA round 55)
    workflow.check_not_first_round_holder(case, lead, "agency_code")
    workflow.move_to_lead(case, lead, actor, today, note, now)
    if escalation.acknowledged_at is None and actor is not None:
        escalation.acknowledged_at, escalation.acknowledged_by_id = now, actor.id
        escalation.action_taken, escalation.action_note = "set_lead", note
    deadlines.refresh_attention(case)
    db.session.flush()
    audit.record_case(case, "lead_designated", actor, now,
                      {"status": case.status, "lead": lead.code, "note": note, "on": today})
    # The lead agency's leaders are told that the case is now theirs to resolve.
    notifications.insert_ignoring_duplicates(Notification.__table__,
                                             [lead_notice_row(case, lead.id, now, today)])
    return case
