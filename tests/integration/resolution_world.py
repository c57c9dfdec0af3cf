"""The units of the resolution forms' tests (03/GQKN, 04/GQTC, 05/KQTH): province P with
department D, commune C and reception desk DESK, whose officer logs every case."""

from __future__ import annotations

from datetime import date

from complaints.extensions import db
from complaints.services import intake
from tests.conftest import NOW, TODAY

JUNE_1 = date(2026, 6, 1)


def desk_world(make_agency, make_user, make_case):
    """new(kind, received=…, letters=(days of later letters), **make_case's options): a case
    logged at DESK; new.reception is the desk's officer."""
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    make_agency(code="D", parent=p, level="department", name="Sở Tài nguyên")
    make_agency(code="C", parent=p, level="commune", name="UBND xã An Hòa")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân",
                       is_reception_desk=True)
    reception = make_user("reception", agency=desk)
    db.session.commit()

    def make(kind: str = "complaint", received: date = JUNE_1, letters=(), **kw):
        case = make_case(reception, kind=kind, received_on=received, **kw)
        for on in letters:  # later letters about the same matter, one signer each
            intake.add_petition(case, intake.PetitionData(
                channel="mail", received_on=on, petitioners=[intake.PetitionerData(
                    full_name="Lê Văn Tư", address="Số 4 Lê Lợi", phone="0912345611")]),
                reception, NOW, TODAY)
        return case

    make.reception = reception
    return make
