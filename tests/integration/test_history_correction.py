"""Correcting a letter's history of the matter after intake (02/XLD columns 18–24): the desk
that received the case, with a reason kept in the audit trail; a value the kind does not
allow, no change or no reason is a field error and nothing changes."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEvent
from complaints.services import intake, reports, workflow
from complaints.services.errors import ValidationFailed
from tests.conftest import NOW, TODAY
from tests.integration.history_helpers import accepted, history_world
from tests.integration.history_helpers import page as _page
from tests.integration.test_petition_history import Q4

pytestmark = pytest.mark.usefixtures("fixed_clock")


@pytest.fixture
def world(make_agency, make_user, make_locality):
    return history_world(make_agency, make_user, make_locality)


def _desk_row(code="DESK") -> dict:
    report = reports.build_report("02/XLD", "P", Q4)
    return {u.code: row for u, row in zip(report.units, report.rows, strict=True)}[code]


def _events(case) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.chain == f"case:{case.id}",
        AuditEvent.action == "petition_history_corrected")))


def test_a_correction_is_counted_by_02_xld_and_audited(make_case, world):
    case = make_case(actor=world["reception"], kind="complaint", received_on=date(2026, 10, 2))
    petition = case.petitions[0]
    assert petition.history == "first"
    db.session.commit()
    assert (_desk_row()["18"], _desk_row()["22"]) == (1, 0)
    intake.correct_history(case, petition.id, "court", "Đơn ghi đã có bản án phúc thẩm",
                           world["reception"], NOW)
    db.session.commit()
    assert petition.history == "court"
    assert (_desk_row()["18"], _desk_row()["22"]) == (0, 1)
    [event] = _events(case)
    data = json.loads(event.data)
    assert (data["petition"], data["history_before"], data["history"], data["reason"]) == (
        petition.id, "first", "court", "Đơn ghi đã có bản án phúc thẩm")


@pytest.mark.parametrize(("kind", "round_", "value", "reason", "field", "says"), [
    ("feedback", None, "court", "Sai", "history", "không áp dụng cho hồ sơ"),
    ("complaint", 1, "", "Sai", "history", "Chọn lịch sử vụ việc"),
    ("complaint", 1, "first", "Sai", "history", "đã là giá trị đã chọn"),
    ("complaint", 1, "court", " \u200b ", "reason", "Nêu lý do sửa"),
    ("complaint", 1, "court", "a\x07b", "reason", "ký tự điều khiển"),
])
def test_a_wrong_correction_is_a_field_error_and_changes_nothing(
        make_case, world, kind, round_, value, reason, field, says):
    case = make_case(actor=world["reception"], kind=kind, received_on=date(2026, 10, 2))
    petition = case.petitions[0]
    db.session.commit()
    with pytest.raises(ValidationFailed) as raised:
        intake.correct_history(case, petition.id, value, reason, world["reception"], NOW)
    db.session.rollback()
    assert says in str(raised.value.errors[field])
    assert petition.history == "first" and _events(case) == []


def test_a_second_complaint_cannot_be_corrected_to_first_time(make_case, world):
    first = accepted(make_case, world, "complaint", date(2026, 9, 1))
    workflow.resolve(first, "wrong", "1/QĐ", "Giữ nguyên", None, NOW, TODAY,
                     decided_on=date(2026, 10, 1))
    second = make_case(actor=world["reception"], complaint_round=2,
                       parent_tracking_code=first.tracking_code, received_on=date(2026, 11, 1))
    db.session.commit()
    with pytest.raises(ValidationFailed) as raised:
        intake.correct_history(second, second.petitions[0].id, "first", "Sai",
                               world["reception"], NOW)
    assert "Khiếu nại lần hai" in str(raised.value.errors["history"])
    assert "để trống" not in str(raised.value.errors["history"])


def test_the_desk_corrects_it_on_its_page(client, login, make_case, world):
    case = make_case(actor=world["reception"], kind="denunciation",
                     received_on=date(2026, 10, 2))
    db.session.commit()
    login(world["reception"])
    page = _page(client.get(f"/reception/cases/{case.tracking_code}"))
    url = f"/reception/cases/{case.tracking_code}/petitions/{case.petitions[0].id}/history"
    assert f'href="{url}"' in page
    form = _page(client.get(url))
    # Only the denunciation's histories are offered, the current one chosen.
    assert "Tố cáo tiếp" in form and "Đã có bản án" not in form
    assert 'value="first" selected' in form or 'selected value="first"' in form
    refused = client.post(url, data={"history": "follow_up", "reason": ""})
    assert refused.status_code == 422
    shown = _page(refused)
    assert 'data-testid="error-summary"' in shown and 'href="#reason"' in shown
    assert case.petitions[0].history == "first"
    done = client.post(url, data={"history": "follow_up",
                                  "reason": "Đơn nêu đã tố cáo năm 2025, có kết luận"})
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/reception/cases/{case.tracking_code}")
    db.session.expire_all()
    assert case.petitions[0].history == "follow_up"
    after = _page(client.get(f"/reception/cases/{case.tracking_code}"))
    assert "Đã sửa lịch sử vụ việc" in after
    assert "Sửa lịch sử vụ việc của đơn" in after  # the timeline names the event
    assert "Tố cáo tiếp" in after


def test_the_api_corrects_it(api, make_case, world):
    case = make_case(actor=world["reception"], kind="complaint", received_on=date(2026, 10, 2))
    other = make_case(actor=world["reception"], kind="complaint", received_on=date(2026, 10, 3))
    db.session.commit()
    code, pid = case.tracking_code, case.petitions[0].id
    shown = api(world["reception"], "GET", f"/cases/{code}").get_json()
    assert shown["petitions"][0]["id"] == pid
    bad = api(world["reception"], "PATCH", f"/cases/{code}/petitions/{pid}",
              json={"history": "follow_up", "reason": "Sai"})
    assert bad.status_code == 422 and "history" in bad.get_json()["errors"]
    missing = api(world["reception"], "PATCH", f"/cases/{code}/petitions/{pid}",
                  json={"history": "court"})
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]
    elsewhere = api(world["reception"], "PATCH",
                    f"/cases/{code}/petitions/{other.petitions[0].id}",
                    json={"history": "court", "reason": "Sai"})
    assert elsewhere.status_code == 404
    ok = api(world["reception"], "PATCH", f"/cases/{code}/petitions/{pid}",
             json={"history": "court", "reason": "Đơn ghi đã có bản án"})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["petitions"][0]["history"] == "court"
    head = api(world["head"], "PATCH", f"/cases/{code}/petitions/{pid}",
               json={"history": "repeated", "reason": "Sai"})
    assert head.status_code in (403, 404)
