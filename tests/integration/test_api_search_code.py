"""The API's case list searched by a tracking code (QA round 52's judgement)."""

from __future__ import annotations

import pytest

from tests.integration.agency_world import *  # noqa: F401,F403  (fixtures: world, routed)

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_the_api_list_finds_a_case_by_its_tracking_code(world, routed, api):
    """GET /api/v1/cases?q=<code> finds the case (QA round 52: no word of a code matched),
    in any case; another agency's code finds nothing."""
    mine, other = routed(), routed()
    found = api(world["head"], "GET", f"/cases?q={mine.tracking_code.lower()}").get_json()
    assert [c["tracking_code"] for c in found["items"]] == [mine.tracking_code]
    assert other.tracking_code != mine.tracking_code
    assert api(world["other_head"], "GET",
               f"/cases?q={mine.tracking_code}").get_json()["total"] == 0
