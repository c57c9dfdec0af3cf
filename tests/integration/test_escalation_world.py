"""Shared fixtures of the escalation tests (star-imported: `world`, `routed_case`, …)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from complaints.extensions import db
from complaints.models import Agency, Case, User
from complaints.services import deadlines, intake, workflow
from complaints.services.calendar import get_calendar
from tests.conftest import NOW, TODAY

__all__ = ["World", "ladder_dates", "routed_case", "world"]


@dataclass
class World:
    province: Agency
    inspectorate: Agency
    desk: Agency
    a: Agency
    b: Agency
    reception: User
    province_head: User
    inspector: User
    head_a: User
    officer_a: User
    head_b: User


@pytest.fixture
def world(make_agency, make_user) -> World:
    """A province with an inspectorate, a reception desk and two departments, with staff."""
    province = make_agency("UBND", level="province", name="UBND tỉnh")
    inspectorate = make_agency("TTT", parent=province, name="Thanh tra tỉnh",
                               is_inspectorate=True)
    desk = make_agency("BTCD", parent=province, name="Ban Tiếp công dân")
    a = make_agency("SO-A", parent=province, name="Sở A")
    b = make_agency("SO-B", parent=province, name="Sở B")
    users = {
        "reception": make_user("reception", desk, "tiepdan"),
        "province_head": make_user("agency_head", province, "chutich"),
        "inspector": make_user("inspector", inspectorate, "thanhtra"),
        "head_a": make_user("agency_head", a, "giamdoc_a"),
        "officer_a": make_user("agency_officer", a, "chuyenvien_a"),
        "head_b": make_user("agency_head", b, "giamdoc_b"),
    }
    users["head_a"].email = "giamdoc.a@so-a.gov.vn"
    users["province_head"].email = "chutich@hp.gov.vn"
    db.session.flush()
    return World(province, inspectorate, desk, a, b, **users)


@pytest.fixture
def routed_case(world, make_case):
    """A complaint routed to department A on 02/10/2026 and assigned to its officer."""
    case = make_case(actor=world.reception, received_on=date(2026, 10, 1))
    workflow.route(case, "SO-A", world.reception, NOW, TODAY, decided_on=date(2026, 10, 2))
    workflow.assign(case, world.officer_a.username, world.head_a, NOW)
    db.session.flush()
    return case


def ladder_dates(case: Case) -> dict[int, date]:
    due_on = case.deadline("acceptance").due_on
    steps = deadlines.ladder()
    return dict(zip([s.level for s in steps], steps.dates(get_calendar(), due_on),
                    strict=True))


def receive_matter(world: World, loc, subject: str, names: list[str], on: date) -> Case:
    """A complaint on land in `loc`, one petition signed by `names`, received on `on`."""
    people = [intake.PetitionerData(full_name=n) for n in names]
    data = intake.CaseData(kind="complaint", field_code="land", subject=subject,
                           content="Nội dung", locality_code=loc.code,
                           petition=intake.PetitionData(channel="walk_in", received_on=on,
                                                        petitioners=people))
    return intake.receive_case(data, world.reception, NOW, TODAY)[0]
