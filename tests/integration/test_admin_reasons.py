"""The reasons the admin's pages ask (deleting a routing rule or a calendar day, stopping a
field, locking an account, resetting two-factor sign-in, closing an agency) go to the audit
trail: one of zero-width characters only is no reason, one with a control character is
refused, and nothing is changed either way."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Field, RoutingRule
from tests.integration.test_qa86_fixes import (  # noqa: F401  (fixture `province`)
    _agency,
    _close,
    _lock,
    _user,
    province,
    summary,
)

pytestmark = pytest.mark.usefixtures("fixed_clock")

ZERO_WIDTH = "\u200b\u200d\ufeff"
BELL = "Sáp nhập\x07 theo QĐ 5"


def _rule() -> RoutingRule | None:
    return db.session.scalar(select(RoutingRule))


@pytest.mark.parametrize("reason, message", [
    (ZERO_WIDTH, "Nêu lý do xóa"),
    (BELL, "ký tự điều khiển"),
])
def test_deleting_a_routing_rule_needs_a_visible_reason(client, province, reason, message):  # noqa: F811
    rule_id = _rule().id
    refused = client.post(f"/admin/routing-rules/{rule_id}/delete", data={"reason": reason})
    assert refused.status_code == 422
    assert message in refused.get_data(as_text=True)
    db.session.expire_all()
    assert _rule() is not None
    kept = client.post(f"/admin/routing-rules/{rule_id}/delete",
                       data={"reason": "Sở đã sáp nhập"})
    assert kept.status_code == 302 and _rule() is None


@pytest.mark.parametrize("reason", [ZERO_WIDTH, BELL])
def test_locking_an_account_or_stopping_a_field_needs_a_visible_reason(client, province, reason):  # noqa: F811
    insp = _user("insp")
    assert client.post(f"/admin/users/{insp.id}/deactivate",
                       data={"reason": reason}).status_code == 422
    field = db.session.scalar(select(Field).where(Field.code == "khoang-san"))
    assert client.post(f"/admin/fields/{field.id}/deactivate",
                       data={"reason": reason}).status_code == 422
    db.session.expire_all()
    assert _user("insp").active and field.active


def test_english_pages_say_it_in_english(client, province):  # noqa: F811
    client.get("/lang/en")
    refused = client.post(f"/admin/routing-rules/{_rule().id}/delete", data={"reason": BELL})
    assert refused.status_code == 422
    assert "control character" in refused.get_data(as_text=True)


def test_closing_an_agency_with_zero_width_characters_for_a_reason_is_refused(client, province):  # noqa: F811
    _lock(client, "insp")  # its only account: nothing else holds the inspectorate open
    closed = _close(client, "TTR-HP", ZERO_WIDTH)
    assert closed.status_code == 422
    assert "Nêu lý do cơ quan ngừng hoạt động" in summary(closed), summary(closed)
    db.session.expire_all()
    assert _agency("TTR-HP").active
    assert _close(client, "TTR-HP", "QĐ 21/QĐ-UBND giải thể").status_code == 302


def test_required_admin_texts_of_zero_width_characters_only_are_refused(client, province):  # noqa: F811
    """QA round 91's judgement: a policy's legal basis, a calendar day's description, an
    agency's or account's name made of zero-width characters passed the 'required' checks
    (which stripped spaces only)."""
    from complaints.models import Agency, CalendarOverride

    refused = client.post("/admin/calendar/new", data={
        "day": "2027-02-20", "kind": "working_day", "description": ZERO_WIDTH,
        "confirmed": "1"})
    assert refused.status_code == 422
    assert db.session.scalar(select(CalendarOverride)) is None
    refused = client.post("/admin/agencies/new", data={
        "code": "SO-X", "name": ZERO_WIDTH, "level": "department", "parent_code": "UBND-HP",
        "active": "y"})
    assert refused.status_code == 422
    assert db.session.scalar(select(Agency).where(Agency.code == "SO-X")) is None
    # The same forms with visible text are saved.
    assert client.post("/admin/calendar/new", data={
        "day": "2027-02-20", "kind": "working_day", "description": "Làm bù Tết",
        "confirmed": "1"}
    ).status_code == 302
    assert db.session.scalar(select(CalendarOverride)) is not None
    assert client.post("/admin/agencies/new", data={
        "code": "SO-X", "name": "Sở X", "level": "department", "parent_code": "UBND-HP",
        "active": "y"}).status_code == 302
