"""Inspectors' console: monitoring lists (the inspector actions: services/inspector_actions.py).

Monitoring lists: overdue cases, escalations, evasion, repeats, clusters.

Every list starts from queries.cases_visible_to(user) (agency heads: their own agency), is
filtered in SQL by a CaseFilter, sorted and paginated; exports reuse the same query.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from complaints.domain import escalation as rules
from complaints.domain import states
from complaints.domain.catalog import FLAGS, KINDS
from complaints.domain.confidentiality import MASK
from complaints.domain.escalation import SYSTEM_CLOSURES
from complaints.domain.states import STATUSES
from complaints.extensions import db
from complaints.models import (
    Agency,
    Case,
    CaseDeadline,
    Cluster,
    Escalation,
    Field,
    Locality,
    Petition,
    Petitioner,
    PetitionSigner,
    Routing,
    User,
)
from complaints.permissions import can_list_identity
from complaints.services import queries, search
from complaints.services.escalation_patterns import people_by_case
from complaints.services.inspector_actions import (  # noqa: F401  (re-exported)
    INSPECTOR_ACTIONS,
    add_finding,
    findings,
    order_reexamination,
    set_lead,
    take_up,
    urge,
)

SORTS = {
    "received": (Case.received_on.desc(), Case.id.desc()),
    "received_asc": (Case.received_on, Case.id),
    "level": (Case.escalation_level.desc(), Case.received_on, Case.id),
    # ix_case_deadlines_running (due_on, case_id; rowid = id) gives this order: the first
    # page reads 25 index entries instead of sorting every overdue stage.
    "due": (CaseDeadline.due_on, CaseDeadline.case_id, CaseDeadline.id),
}
PER_PAGE_MAX = 200
# The escalation queue's orders, by the list's sort codes (ux.md: sortable; QA 111): the
# highest level first (default), the newest first, the oldest first.
ESCALATION_SORTS = {
    "level": (Escalation.level.desc(), Escalation.as_of.desc(), Escalation.id),
    "received": (Escalation.as_of.desc(), Escalation.id.desc()),
    "received_asc": (Escalation.as_of, Escalation.id),
}
# The cluster list's orders, over its subquery of visible cases `v` (QA 111): the latest
# letter first (default), the earliest first, the most cases first.
CLUSTER_SORTS = {
    "received": lambda v: (func.max(v.c.received_on).desc(), Cluster.id.desc()),
    "received_asc": lambda v: (func.min(v.c.received_on), Cluster.id),
    "level": lambda v: (func.count(v.c.id).desc(), func.max(v.c.received_on).desc(),
                        Cluster.id.desc()),
}


@dataclass
class CaseFilter:
    """The filters of a monitoring list, as they appear in the URL."""
    agency: str = ""  # an agency code: that agency and every agency below it
    field: str = ""
    kind: str = ""
    locality: str = ""
    status: str = ""  # a status code, or "open"
    flag: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    stage: str = ""  # overdue list only
    level: int | None = None
    sort: str = ""
    page: int = 1
    per_page: int = 25

    def url_args(self, **changes) -> dict:
        """Return the non-empty filters as query arguments (dates as yyyy-mm-dd)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        out = {}
        for key, value in values.items():
            if value in (None, "") or (key == "page" and value == 1) or (
                    key == "per_page" and value == 25):
                continue
            out[key] = value.isoformat() if isinstance(value, date) else value
        return out


def _parse_date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _int(raw, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(raw)))
    except (TypeError, ValueError):
        return default


LEVELS = ("0", "1", "2", "3")


def parse_filter(args) -> CaseFilter:
    """Build a CaseFilter from request arguments; unknown codes are dropped, not errors."""
    status = args.get("status", "")
    level = args.get("level", "")
    return CaseFilter(
        agency=args.get("agency", "")[:40].strip(),
        field=args.get("field", "")[:40].strip(),
        kind=args.get("kind", "") if args.get("kind") in KINDS else "",
        locality=args.get("locality", "")[:20].strip(),
        status=status if status in STATUSES or status == "open" else "",
        flag=args.get("flag", "") if args.get("flag") in FLAGS else "",
        date_from=_parse_date(args.get("date_from")),
        date_to=_parse_date(args.get("date_to")),
        q=args.get("q", "")[:200],
        stage=args.get("stage", "") if args.get("stage") in (
            "handling", "acceptance", "resolution") else "",
        # A level nobody can choose is dropped like any unknown code, not clamped into
        # another filter (QA round 51).
        level=int(level) if level in LEVELS else None,
        sort=args.get("sort", "") if args.get("sort") in SORTS else "",
        page=_int(args.get("page"), 1, 1, 10**6),
        per_page=_int(args.get("per_page"), 25, 1, PER_PAGE_MAX),
    )


def agency_subtree(code: str) -> list[int]:
    """Return the ids of the agency with this code and of every agency below it."""
    rows = db.session.execute(select(Agency.id, Agency.parent_id, Agency.code)).all()
    root = next((r.id for r in rows if r.code == code), None)
    if root is None:
        return []
    children: dict[int | None, list[int]] = {}
    for r in rows:
        children.setdefault(r.parent_id, []).append(r.id)
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        if node in out:
            continue
        out.append(node)
        stack.extend(children.get(node, []))
    return out


def _filtered(user: User, f: CaseFilter) -> Select:
    query = queries.cases_visible_to(user)
    if f.agency:
        # A case waiting at a desk (received, or returned) has no holder: the desk answers
        # for it, as the scorecard and the escalation queue count it (QA round 51).
        ids = agency_subtree(f.agency) or [-1]
        query = query.where(or_(Case.agency_id.in_(ids),
                                and_(Case.agency_id.is_(None),
                                     Case.reception_agency_id.in_(ids))))
    if f.field:
        query = query.where(Case.field_id.in_(select(Field.id).where(Field.code == f.field)))
    if f.kind:
        query = query.where(Case.kind == f.kind)
    if f.locality:
        query = query.where(Case.locality_code == f.locality)
    if f.status == "open":
        query = query.where(Case.status.in_(states.OPEN_STATUSES))
    elif f.status:
        query = query.where(Case.status == f.status)
    if f.flag:
        query = query.where(getattr(Case, f"flag_{f.flag}").is_(True))
    if f.date_from:
        query = query.where(Case.received_on >= f.date_from)
    if f.date_to:
        query = query.where(Case.received_on <= f.date_to)
    if f.level is not None:
        query = query.where(Case.escalation_level == f.level)
    return query


@dataclass
class Row:
    """One line of a monitoring list, with the identity already masked for the reader."""
    case: Case
    stage: str | None = None
    due_on: date | None = None
    petitioner: str = ""
    petitioners: int = 0
    extra: dict = field(default_factory=dict)


@dataclass
class Page:
    rows: list[Row]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _petitioner_names(user: User, cases: list[Case]) -> dict[int, tuple[str, int]]:
    """First signer's name and signer count; a denouncer is always masked (a list records
    no view: permissions.can_list_identity)."""
    if not cases:
        return {}
    rows = db.session.execute(
        select(Petition.case_id, Petitioner.full_name)
        .join(PetitionSigner, PetitionSigner.petition_id == Petition.id)
        .join(Petitioner, Petitioner.id == PetitionSigner.petitioner_id)
        .where(Petition.case_id.in_([c.id for c in cases]))
        .order_by(Petition.case_id, Petition.id, PetitionSigner.petitioner_id)
    ).all()
    names: dict[int, list[str]] = {}
    for case_id, name in rows:
        names.setdefault(case_id, []).append(name)
    out = {}
    for case in cases:
        people = list(dict.fromkeys(names.get(case.id, [])))
        first = people[0] if people else ""
        if first and not can_list_identity(user, case):
            first = MASK
        out[case.id] = (first, len(people))
    return out


def _rows(user: User, pairs: list[tuple[Case, CaseDeadline | None]]) -> list[Row]:
    names = _petitioner_names(user, [c for c, _ in pairs])
    return [Row(case=c, stage=d.stage if d else None, due_on=d.due_on if d else None,
                petitioner=names[c.id][0], petitioners=names[c.id][1],
                extra={"deadline": d} if d else {}) for c, d in pairs]


def _options(query: Select) -> Select:
    return query.options(selectinload(Case.agency), selectinload(Case.field),
                         selectinload(Case.locality))


def overdue_query(user: User, f: CaseFilter, today: date) -> Select:
    """Open cases with a stage past its due date, one row per overdue stage."""
    query = _filtered(user, f).add_columns(CaseDeadline).join(
        CaseDeadline, and_(CaseDeadline.case_id == Case.id, CaseDeadline.met_on.is_(None),
                           CaseDeadline.due_on < today))
    query = query.where(queries.clock_counts(CaseDeadline.due_on))
    if f.stage:
        query = query.where(CaseDeadline.stage == f.stage)
    query, rank = search.apply(query, f.q, user)
    if rank is not None:
        # Equal ranks are many (the same words): a unique tie-breaker keeps each row on one
        # page, and the export's OFFSET batches whole, on PostgreSQL too (QA round 36).
        return query.order_by(rank, CaseDeadline.case_id, CaseDeadline.id)
    return query.order_by(*SORTS.get(f.sort or "due"))


def cases_query(user: User, f: CaseFilter) -> Select:
    """All cases matching the filters (search ranked first when q is given)."""
    query, rank = search.apply(_filtered(user, f), f.q, user)
    if rank is not None:
        return query.order_by(rank, Case.id.desc())
    sort = f.sort if f.sort in SORTS and f.sort != "due" else "received"
    return query.order_by(*SORTS[sort])


def _count(query: Select) -> int:
    return db.session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery())) or 0


def overdue_page(user: User, f: CaseFilter, today: date) -> Page:
    """One page of the overdue list with its total."""
    query = overdue_query(user, f, today)
    pairs = db.session.execute(
        _options(query).limit(f.per_page).offset((f.page - 1) * f.per_page)).all()
    return Page(_rows(user, [(c, d) for c, d in pairs]), _count(query), f.page, f.per_page)


def cases_page(user: User, f: CaseFilter) -> Page:
    """One page of the filtered case list with its total."""
    query = cases_query(user, f)
    cases = list(db.session.scalars(
        _options(query).limit(f.per_page).offset((f.page - 1) * f.per_page)))
    return Page(_rows(user, [(c, None) for c in cases]), _count(query), f.page, f.per_page)


def iter_rows(user: User, query: Select, with_deadline: bool, batch: int = 1000
              ) -> Iterator[Row]:
    """Stream every row of a list query (for exports), masking identities batch by batch."""
    offset = 0
    while True:
        chunk = db.session.execute(_options(query).limit(batch).offset(offset)).all()
        if not chunk:
            return
        pairs = [(r[0], r[1] if with_deadline else None) for r in chunk]
        yield from _rows(user, pairs)
        offset += batch


def overdue_summary(user: User, today: date) -> dict[tuple[str, int], int]:
    """Overdue open cases counted by stage and escalation level."""
    scoped = queries.cases_visible_to(user).where(
        Case.status.in_(states.OPEN_STATUSES)).subquery()
    rows = db.session.execute(
        select(CaseDeadline.stage, scoped.c.escalation_level, func.count())
        .join(scoped, scoped.c.id == CaseDeadline.case_id)
        .where(CaseDeadline.met_on.is_(None), CaseDeadline.due_on < today,
               queries.clock_counts(CaseDeadline.due_on, scoped.c.status,
                                    scoped.c.suspended_on))
        .group_by(CaseDeadline.stage, scoped.c.escalation_level))
    return {(stage, level): n for stage, level, n in rows}


# --- escalations, evasion, repeats, clusters -----------------------------------------------


NO_MEASURE = ("note", *SYSTEM_CLOSURES)


def answerable_in(agency_ids) -> ColumnElement[bool]:
    """SQL: the escalation is counted against one of the agencies (Escalation joined to
    its Case): its answerable agency; for an evasion, which has none, an agency that
    returned or transferred the case, as the scorecard counts it (QA 100: it was listed
    under the agency that had just been sent the case); else the case's holder."""
    bounced = exists().where(Routing.case_id == Escalation.case_id,
                             Routing.action.in_(rules.BOUNCING_MOVES),
                             Routing.from_agency_id.in_(agency_ids))
    unanswered = Escalation.agency_id.is_(None)
    return or_(Escalation.agency_id.in_(agency_ids),
               and_(unanswered, Escalation.reason == rules.EVADED, bounced),
               and_(unanswered, Escalation.reason != rules.EVADED,
                    Case.agency_id.in_(agency_ids)))


def escalation_queue(user: User, state: str, f: CaseFilter) -> Page:
    """Escalations by state: open (unacknowledged), acknowledged, acted on (action taken).

    The agency filter takes the escalations counted against the agencies
    (Escalation.agency_id), wherever their cases are now, as the scorecard counts them
    (QA round 15: a transfer moved them to the next agency's list); an evasion by the
    agencies that bounced the case; another counted against no agency (a pattern on a case
    not yet routed) by the case's holder (`answerable_in`)."""
    if f.agency:
        query = (select(Escalation).join(Case, Case.id == Escalation.case_id)
                 .where(Escalation.case_id.in_(_filtered(user, replace(f, agency=""))
                                               .with_only_columns(Case.id)),
                        answerable_in(agency_subtree(f.agency) or [-1])))
    else:
        visible = _filtered(user, f).with_only_columns(Case.id)
        query = select(Escalation).where(Escalation.case_id.in_(visible))
    if state == "open":
        query = query.where(Escalation.acknowledged_at.is_(None))
    elif state == "acknowledged":
        # Closed with no measure: noted, or closed by the system (the case moved on or got
        # a new due date; too few people left for a mass petition).
        query = query.where(Escalation.acknowledged_at.is_not(None),
                            Escalation.action_taken.in_(NO_MEASURE) |
                            Escalation.action_taken.is_(None))
    elif state == "acted":
        query = query.where(Escalation.acknowledged_at.is_not(None),
                            Escalation.action_taken.is_not(None),
                            Escalation.action_taken.not_in(NO_MEASURE))
    query = query.order_by(*ESCALATION_SORTS.get(f.sort, ESCALATION_SORTS["level"]))
    items = list(db.session.scalars(
        query.options(selectinload(Escalation.case), selectinload(Escalation.to_agency),
                      selectinload(Escalation.agency))
        .limit(f.per_page).offset((f.page - 1) * f.per_page)))
    rows = [Row(case=e.case, extra={"escalation": e}) for e in items]
    return Page(rows, _count(query), f.page, f.per_page)


def bounce_path(case: Case) -> list[Routing]:
    """The case's moves between agencies in order (A → B → A shows evasion)."""
    return list(db.session.scalars(
        select(Routing).where(Routing.case_id == case.id)
        .options(selectinload(Routing.from_agency), selectinload(Routing.to_agency))
        .order_by(Routing.decided_on, Routing.id)))


def bounce_agencies(path: list[Routing]) -> list[Agency]:
    """The sequence of agencies the case visited, first holder first. A holding ended by a
    return counts apart from the next one, even at the same agency: A, returned, A again
    is a visit back (QA round 37), as A → B → A is."""
    seq: list[Agency] = []
    returned = False
    for move in path:
        if not seq and move.from_agency is not None:
            seq.append(move.from_agency)
        target = move.to_agency
        if target is None and move.action == "return":
            returned = True
            continue
        if target is not None and (not seq or returned or seq[-1].id != target.id):
            seq.append(target)
            returned = False
    return seq


def repeated_chain(case: Case) -> list[Case]:
    """The chain of earlier cases this one repeats (parent first), then the case itself."""
    chain, node, seen = [], case, set()
    while node is not None and node.id not in seen:
        seen.add(node.id)
        chain.append(node)
        node = node.parent_case
    later = list(db.session.scalars(select(Case).where(Case.parent_case_id == case.id)
                                    .order_by(Case.received_on, Case.id)))
    return list(reversed(chain)) + later


def clusters(user: User, f: CaseFilter) -> Page:
    """Mass-petition clusters: locality, field, petitioners, cases, first and last dates."""
    visible = _filtered(user, f).with_only_columns(Case.id, Case.cluster_id,
                                                   Case.received_on).subquery()
    query = (
        select(Cluster, func.count(visible.c.id).label("cases"),
               func.min(visible.c.received_on).label("first_on"),
               func.max(visible.c.received_on).label("last_on"))
        .join(visible, visible.c.cluster_id == Cluster.id)
        .group_by(Cluster.id)
        .order_by(*CLUSTER_SORTS.get(f.sort, CLUSTER_SORTS["received"])(visible))
    )
    result = db.session.execute(
        query.limit(f.per_page).offset((f.page - 1) * f.per_page)).all()
    # People as the mass rule counts them (QA round 15: signer records were counted, the
    # same person on two petitions twice, and those who withdrew).
    members = db.session.execute(select(visible.c.id, visible.c.cluster_id).where(
        visible.c.cluster_id.in_([r[0].id for r in result]))).all() if result else []
    keys = people_by_case([case_id for case_id, _ in members])
    people: dict[int, set] = {}
    for case_id, cluster_id in members:
        people.setdefault(cluster_id, set()).update(keys.get(case_id, ()))
    places = dict(db.session.execute(select(Locality.code, Locality.name).where(
        Locality.code.in_({r[0].locality_code for r in result}))).all())
    topics = {x.id: x for x in db.session.scalars(select(Field).where(
        Field.id.in_({r[0].field_id for r in result})))}
    # The cluster keeps its subject folded (accent-free) for matching; people read the
    # subject of its earliest case they may see (QA round 19: another agency's showed).
    first = select(func.min(visible.c.id)).where(
        visible.c.cluster_id.in_({r[0].id for r in result})).group_by(visible.c.cluster_id)
    subjects = dict(db.session.execute(select(Case.cluster_id, Case.subject).where(
        Case.id.in_(first))).all()) if result else {}
    rows = [Row(case=None, extra={"cluster": c, "cases": n, "first_on": a, "last_on": b,
                                  "people": p, "locality": places.get(c.locality_code, ""),
                                  "field": topics.get(c.field_id),
                                  "subject": subjects.get(c.id) or c.subject_folded})
            for c, n, a, b in result
            for p in (len(people.get(c.id, ())),)]
    return Page(rows, _count(query), f.page, f.per_page)
