"""QA 110: the citizen's page shows a deadline differently from every other page.

ux.md "Deadlines are shown the same way everywhere": "Hovering or opening the deadline shows
how it was computed: the rule, the start date, the days skipped" and "weekday names where a
date is near". Staff pages (templates/_macros.html deadline_badge, case/_deadlines.html) give
both (deadline_rule, weekday_if_near); templates/public/case.html gives neither.
"""
import html as htmllib

import pytest

from complaints.services.deadlines import explain
from tests.conftest import TODAY
from tests.integration.agency_world import *  # noqa: F401,F403
from tests.integration.qa110_world import page
from tests.integration.test_public import _lookup

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_qa110_public_deadline_has_weekday_and_rule(client, routed):
    case = routed()  # routed 20/11/2026: acceptance due within days of TODAY (01/12/2026)
    row = case.deadline("acceptance")
    assert 0 <= (row.due_on - TODAY).days <= 7
    _lookup(client, case.tracking_code, case.test_pin)
    text = htmllib.unescape(page(client))
    assert f"{row.due_on:%d/%m/%Y}" in text or "Hạn cuối: hôm nay" in text
    assert "(Thứ" in text, "no weekday beside a near due date"
    assert explain(row, "vi") in text, "no explanation of how the date was computed"
