"""QA 114 D2: a later letter typed with an invisible address (a zero-width space) for a
person on file replaced their real address, and the earlier eligible letter, whose only
address it was, stayed eligible without one (the rule the correction page keeps was
bypassed by intake). An invisible address is no address: the one on file stays."""
from datetime import date

import pytest

from complaints.extensions import db
from complaints.models import Petition, Petitioner
from complaints.services import intake
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")


def test_later_letter_does_not_erase_the_only_address(make_case, make_user):
    desk = make_user("reception")
    case = make_case(actor=desk, received_on=date(2026, 11, 2))
    first = case.petitions[0]
    p = first.signers[0].petitioner
    db.session.commit()
    data = intake.CaseData(
        kind="recommendation", field_code="land", subject="Đề nghị sửa đường",
        content="Đề nghị sửa đường ngõ 3.", locality_code=case.locality_code,
        petition=intake.PetitionData(
            channel="walk_in", received_on=date(2026, 11, 5), eligible=False,
            petitioners=[intake.PetitionerData(full_name=p.full_name, id_number=p.id_number,
                                               phone=p.phone, address="\u200b")]))
    intake.receive_case(data, desk, NOW, TODAY)
    db.session.commit()
    first = db.session.get(Petition, first.id)
    assert first.eligible_now
    assert intake.addressed([s.petitioner for s in first.signers]), repr(
        db.session.get(Petitioner, p.id).address)
