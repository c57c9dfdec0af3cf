"""The page number of a paginated list, read from the query string."""

from __future__ import annotations

from flask import request

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
