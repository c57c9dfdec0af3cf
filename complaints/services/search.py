"""Full-text search over cases: ranked, accent-insensitive, scoped like every list.

SQLite uses the FTS5 table `case_search` (bm25 rank); PostgreSQL uses the GIN expression
index over unaccent() (ts_rank). Both are built in complaints/models/search_index.py.
"""

from __future__ import annotations

import re

from sqlalchemy import Select, column, func, literal_column, select, table, text

from complaints.domain.text import fold
from complaints.extensions import db
from complaints.models import Case, User
from complaints.services import queries

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12

_fts = table("case_search", column("rowid"))
_PG_DOCUMENT = ("to_tsvector('simple'::regconfig, "
                "case_search_fold(cases.subject || ' ' || cases.content))")


def terms(q: str | None) -> list[str]:
    """Return the folded words of a query ("Đất  đai!" → ["dat", "dai"])."""
    return _WORD.findall(fold(q))[:MAX_TERMS]


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def apply(query: Select, q: str | None) -> tuple[Select, object | None]:
    """Restrict a query over Case to the cases matching q; return it and a rank to sort by.

    The rank orders best first when used ascending. With no words, the query is unchanged.
    """
    words = terms(q)
    if not words:
        return query, None
    if _dialect() == "postgresql":
        tsquery = func.to_tsquery("simple", " & ".join(words))
        document = literal_column(_PG_DOCUMENT)
        query = query.where(document.op("@@")(tsquery))
        return query, -func.ts_rank(document, tsquery)
    # FTS5: each word quoted (no operators from user input), all required.
    match = " ".join(f'"{w}"' for w in words)
    hits = (
        select(_fts.c.rowid.label("case_id"), literal_column("bm25(case_search)").label("rank"))
        .select_from(_fts)
        .where(text("case_search MATCH :match").bindparams(match=match))
        .subquery("hits")
    )
    query = query.join(hits, hits.c.case_id == Case.id)
    return query, hits.c.rank


def search_cases(user: User, q: str, limit: int = 50) -> list[Case]:
    """Return the cases this user may see that match q, best match first."""
    query, rank = apply(queries.cases_visible_to(user), q)
    if rank is None:
        return []
    return list(db.session.scalars(query.order_by(rank, Case.id.desc()).limit(limit)))
