"""QA 112: a letter split into two cases on the same earlier matter counted as two letters."""
from __future__ import annotations

from datetime import date

from complaints.extensions import db
from complaints.models import Case
from complaints.services import splitting
from tests.conftest import NOW, TODAY
from tests.integration.matter_letters import log_letter


def test_qa112_two_letters_split_into_three_cases_are_not_three_petitions(
        app, make_user, make_locality):
    """An earlier case P (one letter, 2 Nov) and one later letter (16 Nov) linked to it,
    which the desk splits into two cases (two contents), both on P's matter. Two letters
    were received (split parts share one letter: Petition.split_from_id); the rule "three
    petitions on one matter" counts the split copy as a third letter and flags it."""
    desk = make_user("reception")
    loc = make_locality()
    p = log_letter(desk, loc.code, date(2026, 11, 2))
    s = log_letter(desk, loc.code, date(2026, 11, 16), parent=p)
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
