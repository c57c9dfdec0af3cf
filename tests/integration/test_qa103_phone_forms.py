"""QA 103 D2: the check that keeps a denouncer's phone out of the texts every reader of a
denunciation sees (its subject, a note in its timeline) missed the number in its
international form (+84 …), which intake itself reads as the same number
(domain.contacts.phone), and an ID number written with commas."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from complaints.domain.confidentiality import names_denouncer
from complaints.extensions import db
from complaints.services import intake, notes, workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.test_denouncer_oracles import CANARY, as_user, denun  # noqa: F401
from tests.integration.test_escalation_world import world  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _denunciation(subject: str, phone: str, locality: str) -> intake.CaseData:
    return intake.CaseData(
        kind="denunciation", field_code="land", subject=subject,
        content="Cán bộ địa chính Sở A nhận tiền.", locality_code=locality,
        petition=intake.PetitionData(channel="walk_in", received_on=date(2026, 10, 1),
                                     petitioners=[intake.PetitionerData(
                                         **{**CANARY, "phone": phone})]))


@pytest.mark.parametrize("typed", ["0987 001 122", "+84 987 001 122", "(+84) 987.001.122",
                                   "84987001122", "987-001-122"])
def test_a_note_giving_the_denouncers_phone_is_refused_however_written(
        world, denun, typed):  # noqa: F811
    workflow.accept(denun.case, world.head_a, NOW, TODAY, decided_on=date(2026, 10, 3))
    with pytest.raises(ValidationFailed):
        notes.add_note(denun.case, f"Đã gọi người tố cáo theo số {typed}", world.head_a, NOW)


def test_no_officer_reads_the_phone_in_a_note(world, denun, as_user):  # noqa: F811
    case = denun.case
    workflow.accept(case, world.head_a, NOW, TODAY, decided_on=date(2026, 10, 3))
    with pytest.raises(ValidationFailed):
        notes.add_note(case, "Đã gọi người tố cáo theo số +84 987 001 122", world.head_a,
                       NOW)
    db.session.rollback()
    page = as_user(denun.officer_a2).get(f"/agency/cases/{case.tracking_code}")
    assert page.status_code == 200
    assert "987 001 122" not in page.get_data(as_text=True)


@pytest.mark.parametrize("subject_phone, typed_phone", [
    ("+84 987 001 122", "0987001122"),
    ("0987 001 122", "+84 987 001 122"),
])
def test_a_subject_giving_the_phone_is_refused(world, make_locality,  # noqa: F811
                                               subject_phone, typed_phone):
    data = _denunciation(f"Tố cáo cán bộ Sở A, liên hệ {subject_phone}", typed_phone,
                         make_locality().code)
    with pytest.raises(ValidationFailed):
        intake.receive_case(data, world.reception, NOW, TODAY)


def test_numbers_in_other_forms():
    person = SimpleNamespace(full_name="Phạm Văn Dân", id_number="031299887766",
                             phone="0225 3841 234", email=None)  # a landline
    assert names_denouncer("CCCD 031,299,887,766", [person])
    assert names_denouncer("gọi +84 225 3841 234", [person])
    assert names_denouncer("gọi 02253841234", [person])
    # A date, a plot number and another phone name nobody.
    assert not names_denouncer("Thửa đất số 12, tờ bản đồ 3, ngày 01/10/2026", [person])
    assert not names_denouncer("gọi 0987 001 122", [person])
