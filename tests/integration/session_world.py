"""The fixture of the reception-session tests (pages and API): a city with a reception desk,
two departments with their heads, an inspector and two wards."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.extensions import db
from complaints.services import workflow
from tests.conftest import NOW, TODAY

__all__ = ["world"]  # the builders below are imported by name

HELD = "2026-11-30"


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


def session_form(**extra) -> dict:
    """The session form's fields, as the page posts them."""
    data = {"held_on": HELD, "kind": "head", "leader_name": "Giám đốc Trần Văn B",
            "scheduled": "y", "place": "Trụ sở Sở", "turns": "2", "people": "2",
            "matters_first": "2", "matters_repeated": "0", "delegations": "0",
            "delegation_people": "0", "delegation_matters": "0"}
    data.update(extra)
    return data


def petition_form(i: int, loc: str, subject: str, name: str, **extra) -> dict:
    """Row i of the session form's petitions."""
    row = {"kind": "recommendation", "field": "construction", "locality_code": loc,
           "subject": subject, "content": f"Công dân trình bày: {subject}.",
           "full_name": name, "phone": f"09120000{i:02d}", "address": "Số 1 Lê Chân",
           "id_number": f"03120000{i:04d}"}
    row.update(extra)
    return {f"petitions-{i}-{k}": v for k, v in row.items()}


def session_body(**extra) -> dict:
    """A session as the API takes it."""
    body = {"held_on": HELD, "kind": "head", "leader_name": "Giám đốc Trần Văn B",
            "place": "Trụ sở Sở", "turns": 2, "people": 3, "matters_first": 1}
    body.update(extra)
    return body


def petition_body(name: str, **extra) -> dict:
    """One petition of an API session."""
    row = {"kind": "recommendation", "field": "construction", "locality_code": "11311",
           "subject": "Xây dựng trái phép lấn chiếm hẻm",
           "content": "Công dân trình bày việc xây dựng lấn chiếm hẻm.",
           "petitioners": [{"full_name": name, "phone": "0912000001"}]}
    row.update(extra)
    return row


def routed_case(make_case, world, **kw):
    """A case the desk received on 25/11 and routed to the department S."""
    case = make_case(actor=world["reception"], received_on=date(2026, 11, 25), **kw)
    workflow.route(case, "S", world["reception"], NOW, TODAY)
    db.session.commit()
    return case
