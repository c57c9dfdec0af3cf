"""QA 85 D1: a second complaint typed on case X's page, sent while the browser has case Y
open and the address is paused (429), comes back on Y's page with X's text and Y's
tracking code in the hidden field: sent again after the pause, it is filed on Y."""

from __future__ import annotations

import pytest

from complaints.extensions import db
from complaints.models import Case
from complaints.services import public
from tests.integration.test_public_appeal import decided  # noqa: F401  (fixture)
from tests.integration.test_qa84_fixes import REASON_X, SECOND, _doc, _hidden, _other_decided

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_paused_second_complaint_for_another_case_is_not_rehomed(app, client, decided):  # noqa: F811
    """Now the pause does not show it on Y's page: the "typed on another case" refusal
    comes first (422), with no form that could send it on Y, and the text kept."""
    x = decided()
    fields = _hidden(client, "appeal-form")  # tab A, case X
    assert fields["tracking_code"] == x.tracking_code
    y = _other_decided(client, x)  # tab B: case Y now open on this browser
    app.config["SUBMIT_ATTEMPT_LIMIT"] = "1 per day"  # the address is soon paused
    statuses = []
    for _ in range(3):
        sent = client.post(SECOND, data={**fields, "reason": REASON_X, "confirm": "y"})
        statuses.append(sent.status_code)
    assert statuses == [422, 422, 422], statuses  # the last ones paused, refused all the same
    page = _doc(sent)
    assert not page.xpath('//form[@data-testid="appeal-form"]')
    assert page.xpath('//textarea[@id="reason"][@readonly]')[0].text_content().strip() \
        == REASON_X
    summary = " ".join(page.xpath('//*[@data-testid="error-summary"]')[0].text_content().split())
    assert x.tracking_code in summary and y.tracking_code in summary, summary
    db.session.expire_all()
    assert public.second_complaint_of(db.session.get(Case, y.id)) is None
