"""QA 112: a letter split into two cases on the same earlier matter counted as two letters."""
from __future__ import annotations

from datetime import date

from complaints.extensions import db
from complaints.models import Case
from complaints.services import intake, splitting
from tests.conftest import NOW, TODAY


def _letter(locality, received, parent=None, kind="feedback"):
    return intake.CaseData(
        kind=kind, field_code="land",
        subject="Đề nghị cấp sổ đỏ cho thửa đất số 12",
        content="Gia đình tôi đề nghị cấp giấy chứng nhận quyền sử dụng đất thửa số 12.",
        locality_code=locality, parent_tracking_code=parent,
        petition=intake.PetitionData(channel="mail", received_on=received, petitioners=[
            intake.PetitionerData(full_name="Lê Thị Hoa", id_number="031200001234",
                                  phone="0912000111", address="Thôn 2")]))


def test_qa112_two_letters_split_into_three_cases_are_not_three_petitions(
        app, make_user, make_locality):
    """An earlier case P (one letter, 2 Nov) and one later letter (16 Nov) linked to it,
    which the desk splits into two cases (two contents), both on P's matter. Two letters
    were received (split parts share one letter: Petition.split_from_id); the rule "three
    petitions on one matter" counts the split copy as a third letter and flags it."""
    desk = make_user("reception")
    loc = make_locality()
    p, _ = intake.receive_case(_letter(loc.code, date(2026, 11, 2)), desk, NOW, TODAY)
    db.session.flush()
    s, _ = intake.receive_case(_letter(loc.code, date(2026, 11, 16), parent=p.tracking_code),
                               desk, NOW, TODAY)
    db.session.commit()
    assert not s.flag_repeated
    part = splitting.SplitData(
        kind="recommendation", field_code="land", subject="Kiến nghị đo đạc lại thửa 12",
        content="Kiến nghị đo đạc lại ranh giới thửa đất số 12.",
        kept_content="Đề nghị cấp giấy chứng nhận thửa số 12.",
        parent_tracking_code=p.tracking_code)
    t, _pin = splitting.split_case(s, part, desk, NOW, TODAY)
    db.session.commit()
    db.session.expire_all()
    t = db.session.get(Case, t.id)
    assert t.petitions[0].split_from_id is not None  # the same letter as s's
    assert not t.flag_repeated, "a split copy counted as a third letter"
