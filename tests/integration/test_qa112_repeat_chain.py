"""QA 112: "three petitions on one matter within 12 months" counted across linked cases."""
from __future__ import annotations

from datetime import date

from complaints.extensions import db
from complaints.models import Case
from complaints.services import inspection, intake
from tests.conftest import NOW, TODAY


def _letter(locality, received, parent=None, kind="feedback", round_=None):
    return intake.CaseData(
        kind=kind, complaint_round=round_, field_code="land",
        subject="Đề nghị cấp sổ đỏ cho thửa đất số 12",
        content="Gia đình tôi đề nghị cấp giấy chứng nhận quyền sử dụng đất thửa số 12.",
        locality_code=locality, parent_tracking_code=parent,
        petition=intake.PetitionData(channel="mail", received_on=received, petitioners=[
            intake.PetitionerData(full_name="Lê Thị Hoa", id_number="031200001234",
                                  phone="0912000111")]))


def test_qa112_a_chain_of_three_linked_letters_is_flagged(app, make_user, make_locality):
    """A <- B <- C (each linked to the one before, as the inspectors' chain shows them):
    three letters on one matter in one month; nothing is flagged, because C counts only its
    parent's letters and its parent's other children, not the grandparent's."""
    desk = make_user("reception")
    loc = make_locality()
    a, _ = intake.receive_case(_letter(loc.code, date(2026, 11, 2)), desk, NOW, TODAY)
    db.session.flush()
    b, _ = intake.receive_case(_letter(loc.code, date(2026, 11, 16), parent=a.tracking_code),
                               desk, NOW, TODAY)
    db.session.flush()
    c, _ = intake.receive_case(_letter(loc.code, date(2026, 11, 30), parent=b.tracking_code),
                               desk, NOW, TODAY)
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
    a, _ = intake.receive_case(_letter(loc.code, date(2026, 11, 2)), desk, NOW, TODAY)
    db.session.flush()
    b, _ = intake.receive_case(_letter(loc.code, date(2026, 11, 16), parent=a.tracking_code),
                               desk, NOW, TODAY)
    db.session.flush()
    intake.add_petition(a, _letter(loc.code, date(2026, 11, 30)).petition, desk, NOW, TODAY)
    db.session.commit()
    db.session.expire_all()
    assert len(db.session.get(Case, a.id).petitions) == 2
    flagged = [db.session.get(Case, x.id).flag_repeated for x in (a, b)]
    assert any(flagged), flagged
