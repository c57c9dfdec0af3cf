"""Letters on one matter (the same person, subject and plot), for the repeated-petition
tests: logged by a desk as new cases, each linked to an earlier one if given."""
from __future__ import annotations

from datetime import date

from complaints.extensions import db
from complaints.models import Case
from complaints.services import intake
from tests.conftest import NOW, TODAY


def letter(locality: str, received: date, parent: str | None = None, kind: str = "feedback",
           round_: int | None = None) -> intake.CaseData:
    return intake.CaseData(
        kind=kind, complaint_round=round_, field_code="land",
        subject="Đề nghị cấp sổ đỏ cho thửa đất số 12",
        content="Gia đình tôi đề nghị cấp giấy chứng nhận quyền sử dụng đất thửa số 12.",
        locality_code=locality, parent_tracking_code=parent,
        petition=intake.PetitionData(channel="mail", received_on=received, petitioners=[
            intake.PetitionerData(full_name="Lê Thị Hoa", id_number="031200001234",
                                  phone="0912000111", address="Thôn 2, xã An Hòa")]))


def log_letter(desk, locality: str, received: date, parent: Case | None = None,
               **kw) -> Case:
    """Log the letter as a new case (linked to `parent`), flushed."""
    case, _pin = intake.receive_case(
        letter(locality, received, parent.tracking_code if parent else None, **kw),
        desk, NOW, TODAY)
    db.session.flush()
    return case
