"""The fixture of the reception-session tests (pages and API): a city with a reception desk,
two departments with their heads, an inspector and two wards."""

from __future__ import annotations

import pytest

from complaints.extensions import db

__all__ = ["world"]


@pytest.fixture
def world(make_agency, make_user, make_locality):
    p = make_agency(code="P", level="province", name="UBND thành phố")
    desk = make_agency(code="BTCD", parent=p, level="department", name="Ban Tiếp công dân")
    dept = make_agency(code="S", parent=p, level="department", name="Sở Xây dựng")
    other = make_agency(code="O", parent=p, level="department", name="Sở Y tế")
    w = {"head": make_user("agency_head", agency=dept),
         "other_head": make_user("agency_head", agency=other),
         "reception": make_user("reception", agency=desk),
         "inspector": make_user("inspector"), "dept": dept, "desk": desk,
         "loc": make_locality(code="11311", name="Phường Lê Chân"),
         "loc2": make_locality(code="11312", name="Phường An Biên")}
    db.session.commit()
    return w
