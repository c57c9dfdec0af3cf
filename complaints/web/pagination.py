"""Paginated lists: the page number read from the query string, and a page of a list that
is already in memory (for the same `pager` macro as db.paginate's pages)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import request
from flask_sqlalchemy.pagination import Pagination

# Far past the end of any list here (100,000 pages of 25 rows), yet small enough that
# (page - 1) * per_page fits a database integer: SQLite raised OverflowError (HTTP 500)
# for ?page=99999999999999999999.
PAGE_MAX = 100_000


def page_arg(name: str = "page") -> int:
    """Return the `name` query argument as a page number in 1..PAGE_MAX.

    Missing or not a whole number → 1; below 1 → 1; above PAGE_MAX → PAGE_MAX, which is
    past the end, so the list shows its usual "this page is empty" state.
    """
    value = request.args.get(name, 1, type=int)
    return min(max(value, 1), PAGE_MAX)


class CountedPagination(Pagination):
    """A page whose rows and total were read elsewhere (the inbox's read notices), with
    the attributes the pager macro reads."""

    def __init__(self, items: list, total: int, page: int, per_page: int) -> None:
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False,
                         items=items, total=total)

    def _query_items(self) -> list:
        return self._query_args["items"]

    def _query_count(self) -> int:
        return self._query_args["total"]


class ListPagination(Pagination):
    """One page of a list ordered in Python (the agency tree, the desk's merged search),
    with the attributes of db.paginate's pages: items, total, pages, iter_pages()…

    `load`, when given, turns the page's slice into the rows it shows (ids → cases), so
    only the rows of the page are loaded. A page past the end has no items (no 404), as
    db.paginate(..., error_out=False).
    """

    def __init__(self, rows: Sequence, page: int, per_page: int,
                 load: Callable[[list], list] | None = None) -> None:
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False,
                         rows=rows, load=load)

    def _query_items(self) -> list:
        start = self._query_offset
        chunk = list(self._query_args["rows"][start:start + self.per_page])
        load = self._query_args["load"]
        return load(chunk) if load is not None and chunk else chunk

    def _query_count(self) -> int:
        return len(self._query_args["rows"])
