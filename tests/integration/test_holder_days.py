"""A case's routed_on and accepted_on are the current holder's days: a transfer sets the
day the new holder received it, a return to the desk clears both (the routings keep every
move). Before, the API and the personal-data export showed the desk's first routing after
a transfer, and the returning agency's days while the case sat at the desk."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from complaints import create_app
from complaints.extensions import db
from complaints.services import workflow
from tests.conftest import config_for_tests

pytestmark = pytest.mark.usefixtures("fixed_clock")


def _on(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, tzinfo=timezone.utc)


@pytest.fixture
def w(make_agency, make_user, make_case):
    p = make_agency(code="P", level="province", name="UBND tỉnh")
    make_agency(code="A", parent=p, level="department", name="Sở A")
    make_agency(code="B", parent=p, level="department", name="Sở B")
    desk = make_agency(code="DESK", parent=p, level="desk", name="Ban Tiếp công dân",
                       is_reception_desk=True)
    reception = make_user("reception", agency=desk)
    db.session.commit()
    received = date(2026, 10, 1)
    case = make_case(reception, received_on=received, today=received, now=_on(received))
    workflow.route(case, "A", None, _on(received), received)
    accepted = date(2026, 10, 5)
    workflow.accept(case, None, _on(accepted), accepted)
    db.session.commit()
    assert (case.routed_on, case.accepted_on) == (received, accepted)
    return case


def test_a_transfer_dates_the_case_from_its_new_holder(w):
    moved = date(2026, 10, 8)
    workflow.transfer(w, "B", "Thuộc thẩm quyền Sở B", None, _on(moved), moved)
    db.session.commit()
    assert w.agency.code == "B"
    assert (w.routed_on, w.accepted_on) == (moved, None)
    assert [(r.action, r.decided_on) for r in w.routings] == [
        ("route", date(2026, 10, 1)), ("transfer", moved)]


def test_a_return_leaves_the_case_at_the_desk_with_no_holder_days(w):
    back = date(2026, 10, 8)
    workflow.return_case(w, "Không thuộc thẩm quyền", "B", None, _on(back), back)
    db.session.commit()
    assert w.agency_id is None
    assert (w.routed_on, w.accepted_on) == (None, None)
    again = date(2026, 10, 9)
    workflow.route(w, "B", None, _on(again), again)
    db.session.commit()
    assert (w.routed_on, w.accepted_on) == (again, None)


def test_the_migration_brings_stale_days_up_to_date(empty_database_url):
    """88f46f5b2373 and f88b45841fd5: a case at the desk after a return loses the days it
    kept; a transferred one gets the day of the move that brought it to its holder; an
    acceptance older than that move, or a routed case's of that very day, is cleared;
    others are untouched."""
    app = create_app(config_for_tests(SQLALCHEMY_DATABASE_URI=empty_database_url))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "9d3f6b2a1c84"]).exit_code == 0
    t = db.metadata.tables
    d = date(2026, 7, 1)
    # id: (agency, routed_on, accepted_on, moves (action, from, to, on))
    cases = {
        1: (None, date(2026, 7, 2), date(2026, 7, 3),  # returned after acceptance
            [("route", None, 1, date(2026, 7, 2)), ("return", 1, None, date(2026, 7, 6))]),
        2: (2, date(2026, 7, 2), None,  # transferred A → B
            [("route", None, 1, date(2026, 7, 2)), ("transfer", 1, 2, date(2026, 7, 7))]),
        3: (1, date(2026, 7, 2), date(2026, 7, 4),  # accepted at A: as it was
            [("route", None, 1, date(2026, 7, 2))]),
        4: (1, date(2026, 7, 2), None,  # A → B → A: the last arrival at A
            [("route", None, 1, date(2026, 7, 2)), ("transfer", 1, 2, date(2026, 7, 7)),
             ("transfer", 2, 1, date(2026, 7, 9))]),
        # accepted by A, returned (a return kept A's acceptance), routed to B: not accepted
        5: (2, date(2026, 7, 9), date(2026, 7, 4),
            [("route", None, 1, date(2026, 7, 2)), ("return", 1, None, date(2026, 7, 6)),
             ("route", None, 2, date(2026, 7, 9))]),
        # the same, all on one day: f88b45841fd5 (QA round 71)
        6: (2, date(2026, 7, 6), date(2026, 7, 6),
            [("route", None, 1, date(2026, 7, 2)), ("return", 1, None, date(2026, 7, 6)),
             ("route", None, 2, date(2026, 7, 6))]),
    }
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(t["fields"].insert(), {"id": 1, "code": "land", "name_vi": "Đất",
                                                "name_en": "Land",
                                                "report_category": "admin_land",
                                                "active": True})
            for id_, code in ((1, "A"), (2, "B")):
                conn.execute(t["agencies"].insert(), {
                    "id": id_, "code": code, "name": f"Sở {code}", "level": "department",
                    "active": True, "is_reception_desk": False})
            for id_, (agency, routed, accepted, moves) in cases.items():
                conn.execute(t["cases"].insert(), {
                    "id": id_, "tracking_code": f"T{id_}", "kind": "complaint",
                    "field_id": 1, "subject": "s", "content": "c",
                    "status": ("returned" if agency is None
                               else "accepted" if id_ == 3 else "routed"),
                    "received_on": d, "agency_id": agency, "routed_on": routed,
                    "accepted_on": accepted, "last_petition_on": d})
                for action, from_, to, on in moves:
                    conn.execute(t["routings"].insert(), {
                        "case_id": id_, "action": action, "from_agency_id": from_,
                        "to_agency_id": to, "decided_on": on})
        db.engine.dispose()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        c = t["cases"]
        with db.engine.connect() as conn:
            rows = {i: (r, a) for i, r, a in conn.execute(
                select(c.c.id, c.c.routed_on, c.c.accepted_on))}
        db.engine.dispose()
    assert rows == {1: (None, None), 2: (date(2026, 7, 7), None),
                    3: (date(2026, 7, 2), date(2026, 7, 4)), 4: (date(2026, 7, 9), None),
                    5: (date(2026, 7, 9), None), 6: (date(2026, 7, 6), None)}
    assert runner.invoke(args=["db", "downgrade", "9d3f6b2a1c84"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
