"""QA 111: counts on the inspectors' home vs the totals of the lists they link to."""
from __future__ import annotations

import re
from datetime import date

import pytest

from complaints.extensions import db
from complaints.models import Cluster
from complaints.services import workflow
from tests.conftest import NOW, TODAY
from tests.integration.agency_world import *  # noqa: F401,F403

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _total(html: str) -> int:
    return int(re.search(r'data-testid="total">Tổng số: (\d+)', html).group(1))


def _mass_link_and_count(html: str) -> tuple[str, int]:
    m = re.search(r'<a href="([^"]+)">Đông người</a><span[^>]*>(\d+)</span>', html)
    return m.group(1).replace("&amp;", "&"), int(m.group(2))


def test_qa111_mass_count_on_home_equals_total_of_linked_list(client, login, world,
                                                              make_case, make_user,
                                                              make_locality):
    """Two petitions on one matter, 3 + 3 people, same locality/field/subject: one mass
    cluster of two cases. The home says a count and links to a list: same number."""
    loc = make_locality()
    a = make_case(world["reception"], petitioners=3, subject="Ô nhiễm bãi rác thôn 2",
                  received_on=date(2026, 11, 10), locality_code=loc.code)
    b = make_case(world["reception"], petitioners=3, subject="Ô nhiễm bãi rác thôn 2",
                  received_on=date(2026, 11, 12), locality_code=loc.code)
    db.session.commit()
    assert a.flag_mass and b.flag_mass
    assert db.session.query(Cluster).count() == 1
    inspector = make_user("inspector")
    login(inspector)
    home = client.get("/inspection/").get_data(as_text=True)
    link, count = _mass_link_and_count(home)
    listed = client.get(link).get_data(as_text=True)
    assert _total(listed) == count, (link, count, _total(listed))


def test_qa111_mass_count_closed_cluster(client, login, world, make_case, make_user):
    """A mass petition resolved and closed: the home counts no open mass case (0) but the
    list it links to still shows the cluster."""
    big = make_case(world["reception"], petitioners=6, subject="Ô nhiễm bãi rác thôn 2",
                    received_on=date(2026, 11, 10))
    workflow.route(big, "SO-TNMT", None, NOW, TODAY, decided_on=date(2026, 11, 10))
    workflow.accept(big, None, NOW, TODAY, decided_on=date(2026, 11, 12))
    workflow.resolve(big, "right", "01/QĐ", "Đã giải quyết", None, NOW, date(2026, 11, 30))
    workflow.close(big, None, NOW, date(2026, 11, 30))
    db.session.commit()
    assert big.status == "closed"
    login(make_user("inspector"))
    home = client.get("/inspection/").get_data(as_text=True)
    link, count = _mass_link_and_count(home)
    listed = client.get(link).get_data(as_text=True)
    assert _total(listed) == count, (link, count, _total(listed))
