"""Administrators keep the fields of law (lĩnh vực) and the report category each is counted
under (reports.md: "each field of the system maps to one of these"): add, rename, stop and
reopen, each audited; a stopped field is no longer offered nor accepted for new petitions,
and a field with cases keeps its category (a move would change reports already sent)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent, Case, Field
from complaints.services import admin as admin_service
from complaints.services import references
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.fixture
def admin(make_user, login):
    user = make_user("admin", username="quantri")
    login(user)
    return user


def _events(chain: str) -> list[tuple[str, dict]]:
    rows = db.session.execute(select(AuditEvent.action, AuditEvent.data)
                              .where(AuditEvent.chain == chain).order_by(AuditEvent.seq))
    return [(action, json.loads(data)) for action, data in rows]


def _field(code: str) -> Field:
    db.session.expire_all()
    return db.session.scalar(select(Field).where(Field.code == code))


NEW = {"code": "khoang-san", "name_vi": "Khoáng sản", "name_en": "Minerals",
       "report_category": "admin_other"}


def test_an_admin_adds_a_field_and_the_desk_can_use_it_at_once(client, admin, make_case):
    listing = client.get("/admin/fields")
    assert listing.status_code == 200 and 'data-testid="field-land"' in listing.text
    # What is wrong is said next to each field, and what was typed is kept.
    r = client.post("/admin/fields/new", data=NEW | {"code": "land", "name_en": " ",
                                                      "report_category": "nope"})
    assert r.status_code == 422
    assert "Mã lĩnh vực đã được dùng." in r.text
    assert "Nhập tên tiếng Anh của lĩnh vực." in r.text
    assert "Chọn nhóm lĩnh vực của biểu mẫu báo cáo." in r.text
    assert "Khoáng sản" in r.text
    r = client.post("/admin/fields/new", data=NEW | {"code": "khoáng sản"})
    assert r.status_code == 422 and "chữ cái không dấu" in r.text
    assert _field("khoáng sản") is None

    r = client.post("/admin/fields/new", data=NEW)
    assert r.status_code == 302
    row = _field("khoang-san")
    assert (row.name_vi, row.name_en, row.report_category, row.active) == (
        "Khoáng sản", "Minerals", "admin_other", True)
    assert _events(f"field:{row.id}") == [("field_created", {
        "code": "khoang-san", "name_vi": "Khoáng sản", "name_en": "Minerals",
        "report_category": "admin_other", "active": True})]
    assert "Khoáng sản" in client.get("/reception/cases/new").text
    case = make_case(field="khoang-san")
    assert case.field_id == row.id


def test_a_field_is_renamed_and_its_category_kept_once_it_has_cases(client, admin, make_case):
    client.post("/admin/fields/new", data=NEW)
    row = _field("khoang-san")
    # Without cases the category may still be corrected.
    r = client.post(f"/admin/fields/{row.id}/edit",
                    data=NEW | {"report_category": "admin_land", "code": "ignored"})
    assert r.status_code == 302
    row = _field("khoang-san")
    assert row.report_category == "admin_land"  # and the code stays: it is not a form field
    make_case(field="khoang-san")
    db.session.commit()
    r = client.post(f"/admin/fields/{row.id}/edit",
                    data=NEW | {"name_vi": "Khoáng sản, tài nguyên",
                                "report_category": "admin_other"})
    assert r.status_code == 422 and "đã có 1 hồ sơ" in r.text
    assert "Khoáng sản, tài nguyên" in r.text  # kept as typed
    assert (_field("khoang-san").name_vi, _field("khoang-san").report_category) == (
        "Khoáng sản", "admin_land")
    r = client.post(f"/admin/fields/{row.id}/edit",
                    data=NEW | {"name_vi": "Khoáng sản, tài nguyên",
                                "report_category": "admin_land"})
    assert r.status_code == 302
    assert _field("khoang-san").name_vi == "Khoáng sản, tài nguyên"
    actions = _events(f"field:{row.id}")
    assert [a for a, _ in actions] == ["field_created", "field_updated", "field_updated"]
    assert actions[-1][1] == {"name_vi": {"from": "Khoáng sản", "to": "Khoáng sản, tài nguyên"}}


def test_a_stopped_field_is_refused_for_new_petitions_and_kept_by_its_cases(
        client, admin, make_case, make_user, api):
    case = make_case(field="land")
    row = _field("land")
    # Stopping asks why, in a second step; nothing changes without a reason.
    page = client.get(f"/admin/fields/{row.id}/deactivate")
    assert page.status_code == 200 and "Ngừng dùng lĩnh vực" in page.text
    r = client.post(f"/admin/fields/{row.id}/deactivate", data={"reason": ""})
    assert r.status_code == 422 and _field("land").active
    r = client.post(f"/admin/fields/{row.id}/deactivate",
                    data={"reason": "Gộp vào lĩnh vực Đất đai, nhà ở theo Quyết định 5/QĐ"})
    assert r.status_code == 302 and not _field("land").active
    assert _events(f"field:{row.id}")[-1] == ("field_deactivated", {
        "code": "land", "reason": "Gộp vào lĩnh vực Đất đai, nhà ở theo Quyết định 5/QĐ"})
    # Its case keeps it; the desk's form, the API's list and intake no longer offer it.
    assert db.session.get(Case, case.id).field_id == row.id
    assert 'value="land"' not in client.get("/reception/cases/new").text
    reception = make_user("reception")
    db.session.commit()
    codes = [f["code"] for f in api(reception, "GET", "/fields").get_json()]
    assert "land" not in codes
    with pytest.raises(ValidationFailed) as refused:
        make_case(field="land")
    assert "ngừng sử dụng" in str(refused.value.errors["field"])
    # Reopened (with a reason), it is offered again.
    r = client.post(f"/admin/fields/{row.id}/activate", data={"reason": "Khôi phục theo QĐ 6"})
    assert r.status_code == 302 and _field("land").active
    assert make_case(field="land").field_id == row.id


def test_another_process_refuses_a_stopped_field_after_the_recheck(app, make_user):
    from complaints.services import table_cache

    admin = make_user("admin")
    references.invalidate()
    assert references.field("land", now=1000.0).active
    admin_service.set_field_active(_field("land"), False, admin, NOW, reason="Gộp")
    db.session.flush()  # made "elsewhere": this process's copy was not told
    later = 1000.0 + table_cache.RECHECK_SECONDS + 1
    assert not references.field("land", now=later).active


def test_the_last_field_in_use_is_not_stopped(app, make_user):
    admin = make_user("admin")
    rows = list(db.session.scalars(select(Field).order_by(Field.id)))
    for row in rows[1:]:
        admin_service.set_field_active(row, False, admin, NOW, reason="Thử")
    with pytest.raises(ValidationFailed) as refused:
        admin_service.set_field_active(rows[0], False, admin, NOW, reason="Thử")
    assert "lĩnh vực cuối cùng" in str(refused.value.errors["field"])


def test_the_fields_pages_read_in_english(client, admin):
    client.get("/lang/en")
    listing = client.get("/admin/fields").text
    assert "Fields" in listing and "Administrative — land and housing" in listing
    r = client.post("/admin/fields/new", data=NEW | {"name_vi": ""})
    assert r.status_code == 422 and "Enter the field&#39;s name." in r.text


def test_a_routing_rule_is_not_made_for_a_stopped_field(app, make_user, make_agency):
    admin = make_user("admin")
    make_agency(code="SO-TNMT")
    admin_service.set_field_active(_field("land"), False, admin, NOW, reason="Gộp")
    with pytest.raises(ValidationFailed) as refused:
        admin_service.create_routing_rule(admin_service.RoutingRuleData(
            agency_code="SO-TNMT", field_code="land"), admin, NOW)
    assert "ngừng sử dụng" in str(refused.value.errors["field_code"])
