"""QA 114 D4: a letter logged as eligible without an address (before the address rule)
split into parts: the split was refused for an address its page has no field for. The
new part's letter is not eligible."""
from datetime import date

import pytest
from sqlalchemy import select, update

from complaints.extensions import db
from complaints.models import Case, Petitioner
from complaints.services import splitting
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_a_letter_without_an_address_splits_into_parts_not_eligible(make_case, make_user):
    desk = make_user("reception")
    case = make_case(actor=desk, received_on=date(2026, 11, 2), kind="complaint")
    signer = case.petitions[0].signers[0].petitioner
    db.session.execute(update(Petitioner).where(Petitioner.id == signer.id)
                       .values(address=None))  # as logged before the change
    db.session.commit()
    db.session.expire_all()
    data = splitting.SplitData(kind="recommendation", field_code="land",
                               subject="Đề nghị sửa đường", content="Đề nghị sửa đường.",
                               kept_content="Khiếu nại quyết định thu hồi đất.")
    splitting.split_case(case, data, desk, NOW, TODAY)
    db.session.commit()
    part = db.session.scalar(select(Case).where(Case.id != case.id))
    assert part.kind == "recommendation"
    assert [p.eligible for p in part.petitions] == [False]
