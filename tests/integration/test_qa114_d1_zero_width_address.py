"""QA 114 D1: a correction that replaced an eligible letter's only address with invisible
characters (a zero-width space) was taken, and the letter stayed eligible (02/XLD column 5)
with no address. Such an address is no address: the correction is refused."""
from datetime import date

import pytest

from complaints.extensions import db
from complaints.models import Petition, Petitioner
from complaints.services import corrections, intake
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY

pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.mark.parametrize("junk", ["\u200b", "\u3164", "\u200b \u200b"])
def test_invisible_address_correction_is_refused(make_case, make_user, junk):
    desk = make_user("reception")
    case = make_case(actor=desk, received_on=date(2026, 11, 2))
    letter = case.petitions[0]
    signer = letter.signers[0].petitioner
    db.session.commit()
    values = {n: getattr(signer, n) for n in corrections.PERSON_FIELDS}
    try:
        corrections.correct_person(case, signer.id,
                                   corrections.PersonData(**{**values, "address": junk}),
                                   "Địa chỉ ghi nhầm", desk, NOW, TODAY)
        db.session.commit()
    except ValidationFailed:
        db.session.rollback()
    letter = db.session.get(Petition, letter.id)
    people = [s.petitioner for s in letter.signers]
    # The rule: an eligible letter has at least one signer's (visible) address.
    assert not (letter.eligible_now and not intake.addressed(people)), (
        repr(db.session.get(Petitioner, signer.id).address))
