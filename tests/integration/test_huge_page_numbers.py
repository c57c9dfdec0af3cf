"""A huge ?page= number is a page past the end, never a server error.

Found by a QA pass: /agency/cases?page=99999999999999999999 (and /reception/,
/inspection/reports/mine) answered 500 — "OverflowError: Python int too large to convert
to SQLite INTEGER" — the offset was handed to the database as it came.
"""

from __future__ import annotations

import pytest

from complaints.extensions import db
from complaints.services import workflow
from complaints.web.pagination import PAGE_MAX, page_arg
from tests.conftest import NOW, TODAY

HUGE = "99999999999999999999"
ODD = [HUGE, "-" + HUGE, "0", "-3", "1e9", "abc", "", " 2 ", "9" * 5000]


@pytest.mark.parametrize(("raw", "expected"), [
    (None, 1), ("1", 1), ("7", 7), (str(PAGE_MAX), PAGE_MAX), (str(PAGE_MAX + 1), PAGE_MAX),
    (HUGE, PAGE_MAX), ("0", 1), ("-5", 1), ("-" + HUGE, 1), ("abc", 1), ("1.5", 1),
    ("", 1), ("9" * 5000, 1),  # beyond Python's int-from-text digit limit: not a number
])
def test_page_arg_is_clamped(app, raw, expected):
    query = {} if raw is None else {"page": raw}
    with app.test_request_context("/", query_string=query):
        assert page_arg() == expected


@pytest.fixture
def world(make_agency, make_user, make_case):
    province = make_agency(code="UBND-T", level="province")
    agency = make_agency(code="SO-A", parent=province)
    desk = make_agency(code="BTCD", parent=province)
    ttt = make_agency(code="TTT", parent=province, is_inspectorate=True)
    users = {"reception": make_user("reception", agency=desk),
             "agency_head": make_user("agency_head", agency=agency),
             "inspector": make_user("inspector", agency=ttt)}
    make_case(users["reception"])  # waits at the desk
    routed = make_case(users["reception"])
    workflow.route(routed, "SO-A", users["reception"], NOW, TODAY)
    routed.heated_on = TODAY  # an unscheduled-reception prompt, paginated on its page
    db.session.commit()
    return users


PAGES = {
    "reception": ["/reception/"],
    "agency_head": ["/agency/cases", "/inspection/reception", "/inspection/reports/mine"],
    "inspector": ["/inspection/reports/mine", "/inspection/reception", "/inspection/cases",
                  "/inspection/overdue", "/inspection/escalations",
                  "/inspection/clusters"],
}


@pytest.mark.parametrize("role", list(PAGES))
def test_a_huge_page_number_is_an_empty_page_not_a_500(client, login, world, role):
    login(world[role])
    for path in PAGES[role]:
        for raw in ODD:
            response = client.get(path, query_string={"page": raw})
            assert response.status_code == 200, (path, raw[:30])


@pytest.mark.parametrize(("role", "path"), [("reception", "/reception/"),
                                          ("agency_head", "/agency/cases")])
def test_the_lists_say_the_page_is_past_the_end(client, login, world, role, path):
    login(world[role])
    page = client.get(path, query_string={"page": HUGE}).text
    assert 'data-testid="page-out-of-range"' in page


@pytest.mark.parametrize("path", ["/cases", "/localities", "/reception-sessions"])
def test_the_api_refuses_a_huge_page_with_422(api, world, path):
    for raw in (HUGE, "-" + HUGE, "9" * 5000):
        response = api(world["inspector"], "GET", path, query_string={"page": raw})
        assert response.status_code == 422, (path, raw[:30], response.get_json())
        assert "page" in response.get_json()["errors"]
