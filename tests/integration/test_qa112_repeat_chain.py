"""QA 112: "three petitions on one matter within 12 months" counted across linked cases."""
from __future__ import annotations

from datetime import date

from complaints.extensions import db
from complaints.models import Case
from complaints.services import inspection, intake
from tests.conftest import NOW, TODAY
from tests.integration.matter_letters import letter as _letter
from tests.integration.matter_letters import log_letter


def test_qa112_a_chain_of_three_linked_letters_is_flagged(app, make_user, make_locality):
    """A <- B <- C (each linked to the one before, as the inspectors' chain shows them):
    three letters on one matter in one month; nothing is flagged, because C counts only its
    parent's letters and its parent's other children, not the grandparent's."""
    desk = make_user("reception")
    loc = make_locality()
    a = log_letter(desk, loc.code, date(2026, 11, 2))
    b = log_letter(desk, loc.code, date(2026, 11, 16), parent=a)
    c = log_letter(desk, loc.code, date(2026, 11, 30), parent=b)
    db.session.commit()
    db.session.expire_all()
    c = db.session.get(Case, c.id)
    assert [x.id for x in inspection.repeated_chain(c)] == [a.id, b.id, c.id]  # one matter
    assert any(db.session.get(Case, x.id).flag_repeated for x in (a, b, c))


def test_qa112_a_third_letter_joined_to_the_first_case_is_flagged(app, make_user,
                                                                  make_locality):
    """A (2 Nov), B linked to A (16 Nov), then a later letter joined to A itself (30 Nov):
    three letters on the matter; A has no parent so never counts B's, and B is not
    re-checked: no case is flagged."""
    desk = make_user("reception")
    loc = make_locality()
    a = log_letter(desk, loc.code, date(2026, 11, 2))
    b = log_letter(desk, loc.code, date(2026, 11, 16), parent=a)
    intake.add_petition(a, _letter(loc.code, date(2026, 11, 30)).petition, desk, NOW, TODAY)
    db.session.commit()
    db.session.expire_all()
    assert len(db.session.get(Case, a.id).petitions) == 2
    flagged = [db.session.get(Case, x.id).flag_repeated for x in (a, b)]
    assert any(flagged), flagged
