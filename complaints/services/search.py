"""Full-text search over cases: ranked, accent-insensitive, scoped like every list.

SQLite uses the FTS5 table `case_search` (bm25 rank); PostgreSQL uses the GIN expression
index over unaccent() (ts_rank). Both are built in complaints/models/search_index.py.

The global search box (`search_cases`) ranks within a bounded candidate set: the newest
CANDIDATES matching cases this user may see (read in index order and stopped there), so a
common word costs the same as a rare one; lists filtered by q (`apply`) rank every match.
The reception desk's box (`desk_matches`) adds the code and the petitioners' names and
numbers, and lists at most DESK_BOUND matches, a page at a time.

A denunciation's content is searched only for readers who may see its denouncer
(permissions.can_read_content): the letter may name them, and a match on a name or a phone
would tell who denounced. For other readers it matches on its subject alone, and is ranked
on its subject alone. The index stays one document per case: the full match still uses it
(FTS5, or the GIN index on PostgreSQL), and the subject test only rechecks the rows it
found (PostgreSQL: to_tsvector of the subject on those rows; SQLite: the same FTS5 table
with a column filter on `subject`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, column, func, literal_column, or_, select, table, text
from sqlalchemy.orm import selectinload

from complaints.domain.text import fold, normal_tracking_code
from complaints.extensions import db
from complaints.models import Case, User
from complaints.services import queries

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12
CANDIDATES = 1000  # search_cases ranks the newest this many matches

_fts = table("case_search", column("rowid"))
_PG_DOCUMENT = ("to_tsvector('simple'::regconfig, "
                "case_search_fold(cases.subject || ' ' || cases.content))")
_PG_SUBJECT = "to_tsvector('simple'::regconfig, case_search_fold(cases.subject))"
# bm25 over the subject column only (weights: subject 1, content 0).
_BM25_SUBJECT = "bm25(case_search, 1.0, 0.0)"


def terms(q: str | None) -> list[str]:
    """Return the folded words of a query ("Đất  đai!" → ["dat", "dai"])."""
    return _WORD.findall(fold(q))[:MAX_TERMS]


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _fts_match(words: list[str]) -> str:
    """FTS5: each word quoted (no operators from user input), all required."""
    return " ".join(f'"{w}"' for w in words)


def _subject_hits(words: list[str]) -> Select:
    """FTS5: the ids of the cases whose subject holds every word."""
    match = " AND ".join(f'subject : "{w}"' for w in words)
    # Never correlated: the global search box joins the same table around it.
    return select(_fts.c.rowid).select_from(_fts).where(
        text("case_search MATCH :subject_match").bindparams(subject_match=match)
    ).correlate(None)


def _pg_match(words: list[str], readable) -> tuple[list, object]:
    """PostgreSQL: the conditions of a match (the content only where `readable`) and its
    rank (best first ascending)."""
    tsquery = func.to_tsquery("simple", " & ".join(words))
    document = literal_column(_PG_DOCUMENT)
    conditions = [document.op("@@")(tsquery)]
    rank = -func.ts_rank(document, tsquery)
    if readable is None:
        return conditions, rank
    # Rechecks only the rows the GIN index found: a subject match is a document match.
    subject = literal_column(_PG_SUBJECT)
    conditions.append(or_(readable, subject.op("@@")(tsquery)))
    return conditions, case((readable, rank), else_=-func.ts_rank(subject, tsquery))


def apply(query: Select, q: str | None, user: User) -> tuple[Select, object | None]:
    """Restrict a query over Case to the cases matching q for this reader; return it and a
    rank to sort by.

    The rank orders best first when used ascending. With no words, the query is unchanged.
    A denunciation whose content the reader may not read matches on its subject only.
    """
    words = terms(q)
    if not words:
        return query, None
    readable = queries.content_readable(user)
    if _dialect() == "postgresql":
        conditions, rank = _pg_match(words, readable)
        return query.where(*conditions), rank
    hits = (
        select(_fts.c.rowid.label("case_id"), literal_column("bm25(case_search)").label("rank"),
               literal_column(_BM25_SUBJECT).label("subject_rank"))
        .select_from(_fts)
        .where(text("case_search MATCH :match").bindparams(match=_fts_match(words)))
        .subquery("hits")
    )
    query = query.join(hits, hits.c.case_id == Case.id)
    if readable is None:
        return query, hits.c.rank
    query = query.where(or_(readable, Case.id.in_(_subject_hits(words))))
    return query, case((readable, hits.c.rank), else_=hits.c.subject_rank)


def search_cases(user: User, q: str, limit: int = 50) -> list[Case]:
    """Return the cases this user may see that match q, best match first.

    Ranked among the newest CANDIDATES matching cases (by id) that the user may see.
    """
    query = search_query(user, q, limit)
    return [] if query is None else list(db.session.scalars(query))


def search_query(user: User, q: str, limit: int = 50) -> Select | None:
    """The query behind `search_cases` (None when q has no words)."""
    words = terms(q)
    if not words:
        return None
    visible = queries.cases_visible_to(user)
    readable = queries.content_readable(user)
    if _dialect() == "postgresql":
        conditions, rank = _pg_match(words, readable)
        newest = (visible.with_only_columns(Case.id.label("case_id")).where(*conditions)
                  .order_by(Case.id.desc()).limit(CANDIDATES).subquery("newest"))
        query = (select(Case).join(newest, newest.c.case_id == Case.id)
                 .order_by(rank, Case.id.desc()))
    else:
        # FTS5 reads its doclist newest first and stops at CANDIDATES visible rows; bm25
        # is computed for those only.
        rank = literal_column("bm25(case_search)")
        if readable is not None:
            visible = visible.where(or_(readable, Case.id.in_(_subject_hits(words))))
            rank = case((readable, rank), else_=literal_column(_BM25_SUBJECT))
        newest = (visible.with_only_columns(Case.id.label("case_id"), rank.label("rank"))
                  .join(_fts, _fts.c.rowid == Case.id)
                  .where(text("case_search MATCH :match").bindparams(
                      match=_fts_match(words)))
                  .order_by(_fts.c.rowid.desc()).limit(CANDIDATES).subquery("newest"))
        query = (select(Case).join(newest, newest.c.case_id == Case.id)
                 .order_by(newest.c.rank, Case.id.desc()))
    return query.limit(limit)


_TRACKING_CODE = re.compile(r"\d{4}-[A-Z0-9]{8}")
_WORD_LETTERS = re.compile(r"[^\W\d_]")  # a letter: the query is a name or words


DESK_BOUND = CANDIDATES  # the desk's search lists at most this many matches


@dataclass(frozen=True)
class DeskMatches:
    """What the desk's search box found: case ids, best first, each once."""
    ids: list[int]
    # More cases may match than `ids` holds: a source reached the bound, or the words'
    # ranking window (the newest CANDIDATES matches) was full.
    more: bool
    # Those found by a petitioner's name or number, or by words that may be the letter's
    # (its content): beside a denunciation such a hit says who denounced.
    by_person: frozenset[int] = frozenset()


def tracking_code_in(q: str | None) -> str | None:
    """The tracking code `q` spells (any case, spaces or hyphens ignored), or None."""
    code = normal_tracking_code(q)
    return code if _TRACKING_CODE.fullmatch(code) else None


def desk_matches(user: User, q: str, bound: int | None = None) -> DeskMatches:
    """The reception desk's search box: the cases its desk logged that match `q` — the
    tracking code itself, then a petitioner's name, ID number or phone (newest first), then
    words of the subject or content (best first) — each case once, at most `bound` of them
    (DESK_BOUND by default).

    Ids only, so a long list costs little; the page shown loads its own rows
    (`cases_in_order`). Only for readers who see petitioners (reception logged them,
    identity included): an agency's search must not find a case by the name of a secret
    denouncer.
    """
    from complaints.domain import contacts
    from complaints.domain.text import digits
    from complaints.models import Petition, Petitioner, PetitionSigner

    bound = DESK_BOUND if bound is None else bound
    q = (q or "").strip()[:200]
    if not q:
        return DeskMatches([], False)
    visible = queries.cases_visible_to(user).with_only_columns(Case.id)
    found: list[int] = []
    code = normal_tracking_code(q)
    if _TRACKING_CODE.fullmatch(code):
        found += db.session.scalars(visible.where(Case.tracking_code == code))
    people = select(PetitionSigner.petition_id).join(
        Petitioner, Petitioner.id == PetitionSigner.petitioner_id)
    if digits(q) and not _WORD_LETTERS.search(q):
        # A number is read as intake stores it (contacts.py: "+84 912 …" → "0912…").
        numbers = contacts.stored_forms(q)
        people = (people.where(Petitioner.id_number.in_(numbers)
                               | Petitioner.phone.in_(numbers)) if numbers else None)
    elif fold(q).strip():
        people = people.where(Petitioner.name_folded.contains(fold(q).strip(),
                                                              autoescape=True))
    else:
        people = None
    by_code = len(found)
    if people is not None:
        found += db.session.scalars(
            visible.where(Case.id.in_(select(Petition.case_id)
                                      .where(Petition.id.in_(people))))
            .order_by(Case.id.desc()).limit(bound + 1))
    worded = search_query(user, q, bound + 1)
    by_words = [] if worded is None else list(
        db.session.scalars(worded.with_only_columns(Case.id)))
    found += by_words
    seen: set[int] = set()
    ids = [i for i in found if not (i in seen or seen.add(i))]
    return DeskMatches(ids[:bound], len(ids) > bound or len(by_words) >= CANDIDATES,
                       frozenset(found[by_code:]))


def record_identity_hits(cases: list[Case], matches: DeskMatches, user: User,
                         now: datetime) -> bool:
    """Audit the denunciations a desk's search showed because of who signed or wrote them
    (a name, a number, words of the letter): each such hit tells the searcher who
    denounced, and every view of a denouncer's identity is audited (domain.md; QA round
    103). Found by their tracking code alone, they reveal no one. The query is not kept:
    it may be the person's name, which the audit chain could never erase. Returns
    whether it recorded any (a write to commit)."""
    from complaints.services import audit

    hits = [c for c in cases if c.kind == "denunciation" and c.id in matches.by_person]
    for hit in hits:
        audit.record_case(hit, "identity_viewed", user, now, {"via": "search"})
    return bool(hits)


def cases_in_order(ids: list[int]) -> list[Case]:
    """The cases of these ids, in the order given (a page of `desk_matches`)."""
    if not ids:
        return []
    rows = db.session.scalars(select(Case).where(Case.id.in_(ids))
                              .options(selectinload(Case.agency)))
    by_id = {case.id: case for case in rows}
    return [by_id[i] for i in ids if i in by_id]


def agency_match(query: Select, q: str, user: User) -> Select:
    """Narrow an agency's case list to `q`: its tracking code, or words of the subject or
    content (never a petitioner's name: an agency must not find a case by the name of a
    secret denouncer, nor by the content of a denunciation it may not read)."""
    code = normal_tracking_code(q)
    if _TRACKING_CODE.fullmatch(code):
        return query.where(Case.tracking_code == code)
    matched, _rank = apply(query, q, user)
    return matched
