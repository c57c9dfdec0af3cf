"""QA 111: the agency head's home (ux.md: waiting, near/past, escalations to me, to assign;
counts link to filtered lists; an empty list says so in words)."""
from __future__ import annotations

import re

import pytest

from tests.integration.agency_world import *  # noqa: F401,F403

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_qa111_agency_home_says_no_escalations_in_words(client, login, world):
    """No escalation addressed to the agency: the section must say so in words, as the
    other lists on the page do, not vanish."""
    login(world["head"])
    html = client.get("/agency/").get_data(as_text=True)
    assert "Không có hồ sơ chờ thụ lý." in html  # the other lists say it
    assert "Kiến nghị xử lý gửi cơ quan" in html, "escalations section missing when empty"


def test_qa111_agency_home_unassigned_count_links_to_list(client, login, world, routed):
    """Cases the head must assign: a count that links to the filtered list."""
    routed(accept=True)
    routed(accept=True)
    login(world["head"])
    html = client.get("/agency/").get_data(as_text=True)
    assert 'data-testid="unassigned"' in html
    assert re.search(r'href="/agency/cases\?status=unassigned"', html), \
        "no count linking to the list of cases to assign"
