"""QA round 63: UI defects — links that end in 404, refused citizens' forms out of sight,
numbers and file sizes printed without the page's locale, unmarked required fields,
skipped heading levels, staff error summaries without the field's label."""

from __future__ import annotations

import pytest

from complaints.permissions import can_view_agency
from tests.integration.test_qa41_fixes import _second_round
from tests.integration.test_qa41_fixes import world as world  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("fixed_clock")  # complaints.clock → NOW/TODAY


def _html(response) -> str:
    return response.get_data(as_text=True)


# --- 1. the agency record link on the inspection case page ----------------------------------


def test_agency_record_link_only_where_it_opens(client, login, world, make_case):  # noqa: F811
    """The province head reads the ward's first-round case (they resolve the second round):
    the page linked "Hồ sơ cơ quan UBND xã", which answered 404 to them."""
    first, second = _second_round(world, make_case)
    login(world["head_province"])
    html = _html(client.get(f"/inspection/cases/{first.tracking_code}"))
    assert "/inspection/agencies/UBND-X" not in html
    assert client.get("/inspection/agencies/UBND-X").status_code == 404
    # Their own agency's case links their own record, which opens.
    html = _html(client.get(f"/inspection/cases/{second.tracking_code}"))
    assert 'href="/inspection/agencies/UBND-T"' in html
    assert client.get("/inspection/agencies/UBND-T").status_code == 200


def test_agency_record_link_for_inspectors(client, login, world, make_case):  # noqa: F811
    first, _second = _second_round(world, make_case)
    login(world["inspector"])
    html = _html(client.get(f"/inspection/cases/{first.tracking_code}"))
    assert 'href="/inspection/agencies/UBND-X"' in html
    assert client.get("/inspection/agencies/UBND-X").status_code == 200


def test_can_view_agency_is_the_route_rule(world):  # noqa: F811
    assert can_view_agency(world["inspector"], world["commune"])
    assert can_view_agency(world["head_province"], world["province"])
    assert not can_view_agency(world["head_province"], world["commune"])
    assert not can_view_agency(world["reception"], world["province"])
