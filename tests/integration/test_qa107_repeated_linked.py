"""QA 107 D3: repeated petitions (kéo dài) -- domain.md: "three petitions on one matter
within 12 months -> flagged and sent to inspectors". Three letters the desk logs as
separate cases linked to the first (the same matter) rather than joined to it were never
flagged: the rule counted one case's own letters and followed the link only after a
decision."""
from __future__ import annotations

from datetime import date

import pytest

from complaints.extensions import db
from complaints.models import Case
from complaints.services import escalation_patterns, intake
from tests.conftest import NOW, TODAY
from tests.integration.matter_letters import letter as _letter
from tests.integration.matter_letters import log_letter


@pytest.fixture
def three_linked(app, make_user, make_locality):
    desk = make_user("reception")
    loc = make_locality()
    first = log_letter(desk, loc.code, date(2026, 11, 2))
    cases = [first] + [log_letter(desk, loc.code, day, parent=first)
                       for day in (date(2026, 11, 16), date(2026, 11, 30))]
    db.session.commit()
    db.session.expire_all()
    return [db.session.get(Case, c.id) for c in cases]


def test_the_third_letter_on_the_matter_is_flagged(three_linked):
    first, second, third = three_linked
    assert [c.flag_repeated for c in three_linked] == [False, False, True]
    basis = escalation_patterns.repeat_basis(third)
    assert basis.rule == "many_linked_petitions" and basis.letters == 3
    assert (basis.first_on, basis.last_on) == (date(2026, 11, 2), date(2026, 11, 30))


def test_the_inspectors_page_says_why(three_linked, make_user, client, login):
    third = three_linked[2]
    login(make_user("inspector"))
    page = client.get(f"/inspection/cases/{third.tracking_code}").get_data(as_text=True)
    assert "cùng nội dung có 3 đơn từ ngày 02/11/2026 đến ngày 30/11/2026" in page, page


def test_a_second_complaint_is_not_counted_as_a_repeat(app, make_user, make_locality):
    """Two letters of a first complaint and the second complaint lodged on it: the second
    round is the citizen's right (Law on Complaints), not a third letter."""
    desk = make_user("reception")
    loc = make_locality()
    first, _ = intake.receive_case(_letter(loc.code, date(2026, 11, 2), kind="complaint",
                                           round_=1), desk, NOW, TODAY)
    db.session.flush()
    follow, _ = intake.receive_case(_letter(loc.code, date(2026, 11, 9),
                                            parent=first.tracking_code), desk, NOW, TODAY)
    db.session.flush()
    assert not follow.flag_repeated
    assert escalation_patterns._linked_letter_days(follow) == [date(2026, 11, 2)]
