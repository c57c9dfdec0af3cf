"""The escalation story in a browser: the agency head and the supervising head see their
escalations in the inbox, acknowledge them, and designate a lead agency."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Case, Escalation
from complaints.services import workflow
from complaints.services.escalation import escalate_due
from tests.browser.conftest import sign_in
from tests.conftest import NOW, TODAY
from tests.factories import PASSWORD
from tests.integration.test_escalation_world import *  # noqa: F403  (fixtures: world, …)
from tests.integration.test_escalation_world import ladder_dates


def test_heads_acknowledge_and_designate_a_lead(page, world, routed_case, make_case):
    overdue = routed_case
    escalate_due(ladder_dates(overdue)[1], NOW)
    bounced = make_case(actor=world.reception, received_on=date(2026, 10, 1),
                        subject="Tranh chấp ranh giới thửa đất")
    on = date(2026, 10, 2)
    workflow.route(bounced, "SO-A", world.reception, NOW, TODAY, decided_on=on)
    workflow.transfer(bounced, "SO-B", "Không thuộc thẩm quyền", world.head_a, NOW, TODAY,
                      decided_on=on)
    workflow.transfer(bounced, "SO-A", "Không thuộc thẩm quyền", world.head_b, NOW, TODAY,
                      decided_on=on)
    db.session.commit()

    # The agency head: an unread badge, the notification, then acknowledges.
    sign_in(page, world.head_a.username, PASSWORD)
    page.wait_for_url("**/agency/")
    assert page.get_by_test_id("inbox-unread").inner_text().startswith("1")
    page.get_by_test_id("inbox-link").click()
    page.wait_for_url("**/inbox")
    assert overdue.tracking_code in page.get_by_test_id("notifications").inner_text()
    page.get_by_role("link", name="Kiến nghị leo thang").click()
    card = page.get_by_test_id(f"escalation-{overdue.tracking_code}-1-overdue")
    card.get_by_label("Biện pháp đã thực hiện").select_option("urge")
    card.get_by_label("Nội dung").fill("Đã đôn đốc chuyên viên thụ lý trong tuần")
    card.get_by_role("button", name="Xác nhận đã xử lý").click()
    page.wait_for_url("**/escalations")
    assert "Đã xác nhận" in page.content()
    page.get_by_role("button", name="Đăng xuất").click()

    # The supervising head (the province): the evaded case waits for a lead agency.
    sign_in(page, world.province_head.username, PASSWORD)
    page.get_by_test_id("inbox-link").click()
    assert bounced.tracking_code in page.get_by_test_id("notifications").inner_text()
    page.get_by_role("link", name="Kiến nghị leo thang").click()
    card = page.get_by_test_id(f"lead-{bounced.tracking_code}")
    card.get_by_label("Cơ quan chủ trì giải quyết").select_option("SO-B")
    card.get_by_label("Ý kiến chỉ đạo").fill("Sở B chủ trì, Sở A phối hợp")
    card.get_by_role("button", name="Chỉ định cơ quan chủ trì").click()
    assert page.get_by_test_id("error-summary").is_visible()  # the binding act is confirmed
    card = page.get_by_test_id(f"lead-{bounced.tracking_code}")
    card.get_by_label("Cơ quan chủ trì giải quyết").select_option("SO-B")
    card.get_by_label("Tôi xác nhận chỉ định này là bắt buộc", exact=False).check()
    card.get_by_role("button", name="Chỉ định cơ quan chủ trì").click()
    page.wait_for_url("**/escalations")
    assert "Không có hồ sơ chờ chỉ định cơ quan chủ trì." in page.content()

    db.session.expire_all()
    case = db.session.get(Case, bounced.id)
    assert case.lead_agency_id == world.b.id and case.agency_id == world.b.id
    acknowledged = db.session.scalars(select(Escalation).where(
        Escalation.acknowledged_at.is_not(None))).all()
    assert {e.action_taken for e in acknowledged} == {"urge", "set_lead"}
