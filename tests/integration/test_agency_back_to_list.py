"""The agency case page leads back to the list it was opened from, with its filters, sort
and page (QA 99 J2, acted on); opened from anywhere else, to the agency's home."""

from __future__ import annotations

import pytest

from tests.integration.agency_world import routed, world  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_back_to_the_filtered_list(client, login, world, routed):  # noqa: F811
    case = routed()
    login(world["head"])
    listing = "/agency/cases?status=open&overdue=1&sort=-received&page=1"
    html = client.get(f"/agency/cases/{case.tracking_code}",
                      headers={"Referer": f"http://localhost{listing}"}).get_data(as_text=True)
    assert 'data-testid="back-to-list"' in html
    assert 'href="/agency/cases?status=open&amp;overdue=1&amp;sort=-received&amp;page=1"' in html


@pytest.mark.parametrize("referer", [
    None, "http://localhost/agency/", "http://evil.example/agency/cases?status=open",
    "http://localhost/agency/cases/2026-XXXX", "http://localhost/reception/"])
def test_from_elsewhere_back_to_the_agency_home(client, login, world, routed,  # noqa: F811
                                                referer):
    case = routed()
    login(world["head"])
    headers = {"Referer": referer} if referer else {}
    html = client.get(f"/agency/cases/{case.tracking_code}", headers=headers).get_data(
        as_text=True)
    assert 'data-testid="back-to-list"' not in html
    assert '<a href="/agency/">← Về hộp hồ sơ</a>' in html
